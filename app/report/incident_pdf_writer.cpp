#include "incident_pdf_writer.h"

#include "common/version.h"
#include "incidents/report_writer.h"

#include <QFile>
#include <QGuiApplication>
#include <QImage>
#include <QPageLayout>
#include <QPageSize>
#include <QPdfWriter>
#include <QTextDocument>
#include <QUrl>

namespace turno {

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

}  // namespace turno
