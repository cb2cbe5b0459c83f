// The PDF report (turno_report, QtGui): a real PDF with pages, the chart embedded
// as an image, more pages for a long timeline, and a clear error for a bad path.
#include "incident_test_util.h"

#include "incident_pdf_writer.h"
#include "incidents/incident_report.h"
#include "incidents/incident_store.h"

#include <QBuffer>
#include <QDateTime>
#include <QFile>
#include <QGuiApplication>
#include <QImage>
#include <QPainter>
#include <QRegularExpression>
#include <QTemporaryDir>
#include <QTest>
#include <algorithm>

using namespace turno;
using inctest::makeEvent;

namespace {
const qint64 kT0 = QDateTime(QDate(2026, 11, 20), QTime(9, 0), Qt::UTC).toMSecsSinceEpoch();

QByteArray chartPng()
{
    QImage image(320, 120, QImage::Format_RGB32);
    image.fill(Qt::white);
    QPainter p(&image);
    p.setPen(QPen(Qt::red, 3));
    p.drawLine(0, 100, 320, 10);
    p.end();
    QByteArray png;
    QBuffer buffer(&png);
    buffer.open(QIODevice::WriteOnly);
    image.save(&buffer, "PNG");
    return png;
}

// Page objects in the file (each "/Type /Page", not "/Pages").
int pageCount(const QByteArray &pdf)
{
    return int(QString::fromLatin1(pdf).count(QRegularExpression(QStringLiteral("/Type\\s*/Page(?![a-zA-Z])"))));
}
}  // namespace

class TestIncidentPdf : public QObject {
    Q_OBJECT
private slots:
    void writesARealPdf();
    void longTimelineTakesMorePages();
    void unwritablePathIsAnError();
    void eventRateChart();
    void fleetChartsFromStoredSamples();

private:
    QByteArray render(int extraEvents, const QList<ReportImage> &images, QTemporaryDir &dir);
};

QByteArray TestIncidentPdf::render(int extraEvents, const QList<ReportImage> &images, QTemporaryDir &dir)
{
    IncidentStore store;
    if (!store.open(dir.filePath(QStringLiteral("i.db")), inctest::keepAll()).ok())
        return {};
    const qint64 id = store.openIncident(QStringLiteral("Redis primary <lost>"), Severity::Critical,
                                         QStringLiteral("redis-primary"), kT0).value();
    QList<IncidentEvent> events;
    for (int i = 0; i < extraEvents; ++i)
        events << makeEvent(kT0 + i * 100, QStringLiteral("primary-%1").arg(i % 3), QStringLiteral("process.restart"),
                        Severity::Warning, QStringLiteral("restart %1 & counting").arg(i));
    store.append(events);
    Incident inc = store.incident(id).value();
    inc.summary = QStringLiteral("Primary lost; sentinel failover.");
    inc.actionItems = {ActionItem{QStringLiteral("Runbook"), QStringLiteral("ops"), QDate(2026, 12, 1), false}};
    store.updateIncident(inc);
    store.closeIncident(id, kT0 + 3'600'000);
    const auto report = IncidentReport::build(store, id, {}, images);
    if (!report.ok())
        return {};
    const QString path = dir.filePath(QStringLiteral("report-%1.pdf").arg(extraEvents));
    const auto r = IncidentPdfWriter::write(report.value(), path);
    if (!r.ok()) {
        qWarning("%s", qPrintable(r.error()));
        return {};
    }
    QFile f(path);
    f.open(QIODevice::ReadOnly);
    return f.readAll();
}

void TestIncidentPdf::writesARealPdf()
{
    QVERIFY(qobject_cast<QGuiApplication *>(QCoreApplication::instance()));
    QTemporaryDir dir;
    const QByteArray pdf = render(5, {ReportImage{QStringLiteral("CPU"), chartPng()}}, dir);
    QVERIFY(!pdf.isEmpty());
    QVERIFY(pdf.startsWith("%PDF-"));
    QVERIFY(pdf.trimmed().endsWith("%%EOF"));
    QVERIFY(pageCount(pdf) > 0);
    const auto count = QRegularExpression(QStringLiteral("/Count\\s+(\\d+)")).match(QString::fromLatin1(pdf));
    QVERIFY(count.hasMatch());
    QCOMPARE(count.captured(1).toInt(), pageCount(pdf));
    QVERIFY2(pdf.contains("/Subtype /Image"), "the chart is embedded as an image");
}

void TestIncidentPdf::longTimelineTakesMorePages()
{
    QTemporaryDir dir;
    const QByteArray shortPdf = render(3, {}, dir);
    QTemporaryDir dir2;
    const QByteArray longPdf = render(400, {}, dir2);
    QVERIFY(shortPdf.startsWith("%PDF-") && longPdf.startsWith("%PDF-"));
    QVERIFY(pageCount(shortPdf) >= 1);
    // 400 more timeline rows cannot fit on the pages of a 3-row report.
    QVERIFY2(pageCount(longPdf) > pageCount(shortPdf) + 2,
             qPrintable(QStringLiteral("%1 vs %2 pages").arg(pageCount(longPdf)).arg(pageCount(shortPdf))));
    QVERIFY(!shortPdf.contains("/Subtype /Image"));
}

void TestIncidentPdf::unwritablePathIsAnError()
{
    QTemporaryDir dir;
    IncidentStore store;
    QVERIFY(store.open(dir.filePath(QStringLiteral("i.db")), inctest::keepAll()).ok());
    const qint64 id = store.openIncident(QStringLiteral("x"), Severity::Critical, {}, kT0).value();
    const auto report = IncidentReport::build(store, id).value();
    const QString path = dir.filePath(QStringLiteral("missing/dir/r.pdf"));
    const auto r = IncidentPdfWriter::write(report, path);
    QVERIFY(!r.ok());
    QVERIFY2(r.error().contains(path), qPrintable(r.error()));
}

void TestIncidentPdf::eventRateChart()
{
    QTemporaryDir dir;
    IncidentStore store;
    QVERIFY(store.open(dir.filePath(QStringLiteral("i.db")), inctest::keepAll()).ok());
    const qint64 id = store.openIncident(QStringLiteral("x"), Severity::Critical, {}, kT0).value();
    QVERIFY(store.closeIncident(id, kT0 + 600'000).ok());
    auto report = IncidentReport::build(store, id).value();
    const QColor warning(0xe0, 0xa0, 0x20);
    auto hasColour = [](const QImage &image, const QColor &c) {
        for (int y = 0; y < image.height(); ++y)
            for (int x = 0; x < image.width(); ++x)
                if (image.pixelColor(x, y) == c)
                    return true;
        return false;
    };
    QImage quiet;
    QVERIFY(quiet.loadFromData(IncidentPdfWriter::eventRateChartPng(report, kT0 + 600'000), "PNG"));
    QCOMPARE(quiet.size(), QSize(900, 220));
    QVERIFY(!hasColour(quiet, warning));

    QVERIFY(store.append({makeEvent(kT0 + 60'000, QStringLiteral("n"), QStringLiteral("process.exit"), Severity::Warning,
                                    QStringLiteral("w"))}).ok());
    report = IncidentReport::build(store, id).value();
    QImage busy;
    QVERIFY(busy.loadFromData(IncidentPdfWriter::eventRateChartPng(report, kT0 + 600'000), "PNG"));
    QVERIFY(hasColour(busy, warning));
    busy.save(dir.filePath(QStringLiteral("chart.png")));
}

void TestIncidentPdf::fleetChartsFromStoredSamples()
{
    QTemporaryDir dir;
    IncidentStore store;
    QVERIFY(store.open(dir.filePath(QStringLiteral("i.db")), inctest::keepAll()).ok());
    const qint64 id = store.openIncident(QStringLiteral("load test"), Severity::Critical, {}, kT0).value();
    QVERIFY(store.closeIncident(id, kT0 + 600'000).ok());
    auto empty = IncidentReport::build(store, id).value();
    QVERIFY(IncidentPdfWriter::fleetChartImages(empty).isEmpty());  // nothing stored: no chart, no crash

    for (int i = 0; i < 60; ++i)
        store.recordSample(FleetSample{kT0 + i * 10'000, i < 30 ? 14'000.0 : 200.0, 5, FleetSample::kUnknown, 100});
    QVERIFY(store.flush().ok());
    const auto report = IncidentReport::build(store, id).value();
    const QList<ReportImage> images = IncidentPdfWriter::fleetChartImages(report);
    QCOMPARE(images.size(), 2);  // req/s and p99; the 5xx share is unknown throughout
    QVERIFY(images[0].title.contains(QStringLiteral("req/s")));
    QVERIFY(images[0].title.contains(QStringLiteral("stored fleet samples")));
    QImage chart;
    QVERIFY(chart.loadFromData(images[0].png, "PNG"));
    QCOMPARE(chart.size(), QSize(900, 220));
    // The window starts 10 minutes before the incident: the samples fill its second half,
    // high for the first five minutes of the incident (x 479 to 677) and low after.
    const auto blueRows = [&chart](int x0, int x1) {
        int minY = chart.height();
        for (int x = x0; x < x1; ++x)
            for (int y = 0; y < chart.height(); ++y) {
                const QColor c = chart.pixelColor(x, y);
                if (c.blue() > 150 && c.red() < 100)
                    minY = std::min(minY, y);
            }
        return minY;
    };
    QVERIFY(blueRows(500, 650) < 60);
    QVERIFY(blueRows(700, 850) > 150);
    QCOMPARE(blueRows(100, 400), chart.height());  // nothing before the samples start

    auto withImages = report;
    withImages.images = images;
    const QString pdf = dir.filePath(QStringLiteral("r.pdf"));
    QVERIFY(IncidentPdfWriter::write(withImages, pdf).ok());
    QVERIFY(QFile(pdf).size() > 0);
}

QTEST_MAIN(TestIncidentPdf)
#include "test_incident_pdf.moc"
