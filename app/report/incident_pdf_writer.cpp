#include "incident_pdf_writer.h"

#include "common/version.h"
#include "incidents/report_writer.h"

#include <QBuffer>
#include <QFile>
#include <QPainter>
#include <QGuiApplication>
#include <QImage>
#include <QPageLayout>
#include <QPageSize>
#include <QPdfWriter>
#include <QPolygonF>
#include <QTextDocument>
#include <QUrl>
#include <algorithm>
#include <array>

namespace turno {

namespace {

QByteArray pngOf(const QImage &image)
{
    QByteArray png;
    QBuffer buffer(&png);
    buffer.open(QIODevice::WriteOnly);
    image.save(&buffer, "PNG");
    return png;
}

}  // namespace

Result<void> IncidentPdfWriter::write(const IncidentReport &report, const QString &path)
{
    if (!qobject_cast<QGuiApplication *>(QCoreApplication::instance()))
        return Error{QStringLiteral("writing a PDF needs a QGuiApplication (fonts come from the platform plugin); "
                                    "use turno-report-pdf, or QT_QPA_PLATFORM=offscreen without a display")};
    QFile file(path);
    if (!file.open(QIODevice::WriteOnly | QIODevice::Truncate))
        return Error{QStringLiteral("cannot write the report to %1: %2").arg(path, file.errorString())};

    QTextDocument doc;
    for (qsizetype i = 0; i < report.images.size(); ++i) {
        QImage image;
        if (image.loadFromData(report.images[i].png, "PNG"))
            doc.addResource(QTextDocument::ImageResource, QUrl(ReportWriter::imageResourceUrl(int(i))), image);
    }
    doc.setHtml(ReportWriter::html(report, ReportWriter::ImageLinks::ResourceUrl));

    {
        QPdfWriter writer(&file);
        writer.setPageSize(QPageSize(QPageSize::A4));
        writer.setPageMargins(QMarginsF(15, 15, 15, 15), QPageLayout::Millimeter);
        writer.setTitle(QStringLiteral("Incident #%1: %2").arg(report.incident.id).arg(report.incident.title));
        writer.setCreator(QStringLiteral("Turno Ops %1").arg(versionString()));
        doc.print(&writer);
    }
    if (file.error() != QFileDevice::NoError)
        return Error{QStringLiteral("cannot write the report to %1: %2").arg(path, file.errorString())};
    file.close();
    if (QFile(path).size() == 0)
        return Error{QStringLiteral("the PDF writer produced nothing for %1").arg(path)};
    return {};
}

QByteArray IncidentPdfWriter::eventRateChartPng(const IncidentReport &report, qint64 nowMs, int width, int height)
{
    const Incident &inc = report.incident;
    const qint64 start = inc.windowStartMs;
    const qint64 end = std::max(inc.windowEndMs(nowMs), start + 1);
    constexpr int kSlots = 60;
    const double slotMs = double(end - start) / kSlots;
    std::array<int, kSlots> counts{};
    std::array<int, kSlots> worst{};
    for (const IncidentEvent &e : report.timeline) {
        const int slot = std::clamp(int(double(e.timeMs - start) / slotMs), 0, kSlots - 1);
        ++counts[slot];
        worst[slot] = std::max(worst[slot], int(e.severity));
    }
    const int maxCount = std::max(1, *std::max_element(counts.begin(), counts.end()));

    QImage image(width, height, QImage::Format_RGB32);
    image.fill(Qt::white);
    QPainter p(&image);
    p.setRenderHint(QPainter::Antialiasing, false);
    const QRect plot(50, 12, width - 62, height - 44);
    p.setPen(QColor(0x99, 0x99, 0x99));
    p.drawRect(plot.adjusted(0, 0, -1, -1));
    static const QColor kColours[] = {QColor(0x5b, 0x8d, 0xd6), QColor(0xe0, 0xa0, 0x20), QColor(0xd0, 0x50, 0x30),
                                      QColor(0xb0, 0x00, 0x20)};
    const double barWidth = double(plot.width()) / kSlots;
    for (int i = 0; i < kSlots; ++i) {
        if (!counts[i])
            continue;
        const int h = int(double(plot.height() - 2) * counts[i] / maxCount);
        p.fillRect(QRectF(plot.left() + i * barWidth + 1, plot.bottom() - h, std::max(1.0, barWidth - 2), h),
                   kColours[worst[i]]);
    }
    // The incident itself: opened (and closed) as vertical lines.
    p.setPen(QPen(QColor(0xb0, 0x00, 0x20), 2));
    const auto xOf = [&](qint64 t) { return plot.left() + int(double(t - start) / double(end - start) * plot.width()); };
    p.drawLine(xOf(inc.openedMs), plot.top(), xOf(inc.openedMs), plot.bottom());
    if (!inc.isOpen())
        p.drawLine(xOf(inc.closedMs), plot.top(), xOf(inc.closedMs), plot.bottom());
    p.setPen(Qt::black);
    QFont font = p.font();
    font.setPixelSize(11);
    p.setFont(font);
    p.drawText(QRect(0, plot.top() - 6, plot.left() - 6, 14), Qt::AlignRight, QString::number(maxCount));
    p.drawText(QRect(0, plot.bottom() - 8, plot.left() - 6, 14), Qt::AlignRight, QStringLiteral("0"));
    const QString from = formatEventTime(start).mid(11, 8);
    const QString to = formatEventTime(end).mid(11, 8);
    p.drawText(QRect(plot.left(), plot.bottom() + 4, 120, 16), Qt::AlignLeft, from + QStringLiteral(" UTC"));
    p.drawText(QRect(plot.right() - 120, plot.bottom() + 4, 120, 16), Qt::AlignRight, to + QStringLiteral(" UTC"));
    p.drawText(QRect(plot.left(), plot.bottom() + 4, plot.width(), 16), Qt::AlignHCenter,
               QStringLiteral("events per %1 s; bar colour: worst severity").arg(qRound(slotMs / 1000.0)));
    p.end();

    return pngOf(image);
}

QByteArray IncidentPdfWriter::fleetChartPng(const IncidentReport &report, FleetWindowChart::Metric metric, int width,
                                            int height)
{
    const QList<FleetWindowChart::Point> pts = FleetWindowChart::points(report.fleetSamples, metric);
    if (pts.isEmpty())
        return {};
    const qint64 start = report.incident.windowStartMs;
    const qint64 end = std::max(report.windowEndMs, start + 1);
    double top = 0;
    for (const auto &pt : pts)
        top = std::max(top, pt.value);
    if (top <= 0)
        top = 1;

    QImage image(width, height, QImage::Format_RGB32);
    image.fill(Qt::white);
    QPainter p(&image);
    p.setRenderHint(QPainter::Antialiasing, true);
    const QRectF plot(70, 22, width - 82, height - 54);
    p.setPen(QColor(0x99, 0x99, 0x99));
    p.drawLine(plot.topLeft(), plot.bottomLeft());
    p.drawLine(plot.bottomLeft(), plot.bottomRight());
    const auto xOf = [&](qint64 t) {
        return plot.left() + double(std::clamp(t, start, end) - start) / double(end - start) * plot.width();
    };
    const auto yOf = [&](double v) { return plot.bottom() - v / top * plot.height(); };
    QPolygonF line;
    for (const auto &pt : pts)
        line << QPointF(xOf(pt.timeMs), yOf(pt.value));
    p.setPen(QPen(QColor(0x1f, 0x6f, 0xb5), 2));
    if (line.size() == 1)
        p.drawEllipse(line.first(), 2, 2);
    else
        p.drawPolyline(line);
    p.setPen(Qt::black);
    QFont font = p.font();
    font.setPixelSize(11);
    p.setFont(font);
    p.drawText(QRectF(plot.left(), 2, plot.width(), 16), Qt::AlignLeft,
               FleetWindowChart::name(metric) + QStringLiteral(", ") + FleetWindowChart::unit(metric));
    p.drawText(QRectF(0, plot.top() - 6, plot.left() - 6, 14), Qt::AlignRight, QString::number(top, 'g', 6));
    p.drawText(QRectF(0, plot.bottom() - 8, plot.left() - 6, 14), Qt::AlignRight, QStringLiteral("0"));
    p.drawText(QRectF(plot.left(), plot.bottom() + 4, 140, 16), Qt::AlignLeft,
               formatEventTime(start).mid(11, 8) + QStringLiteral(" UTC"));
    p.drawText(QRectF(plot.right() - 140, plot.bottom() + 4, 140, 16), Qt::AlignRight,
               formatEventTime(end).mid(11, 8) + QStringLiteral(" UTC"));
    p.end();

    return pngOf(image);
}

QList<ReportImage> IncidentPdfWriter::fleetChartImages(const IncidentReport &report)
{
    QList<ReportImage> images;
    for (const FleetWindowChart::Metric metric :
         {FleetWindowChart::Metric::RequestsPerSecond, FleetWindowChart::Metric::P99Ms,
          FleetWindowChart::Metric::ErrorPercent}) {
        QByteArray png = fleetChartPng(report, metric);
        if (!png.isEmpty())
            images.append(ReportImage{FleetWindowChart::name(metric) + QStringLiteral(" (") +
                                          FleetWindowChart::unit(metric) + QStringLiteral(", from the stored fleet samples)"),
                                      std::move(png)});
    }
    return images;
}

}  // namespace turno
