// ReportWriter: renders an IncidentReport as Markdown or as self-contained HTML
// (every value escaped, charts inlined). The PDF lives in app/report (it needs QtGui).
#pragma once

#include "common/result.h"
#include "incidents/incident_report.h"

#include <QString>
#include <QStringList>

namespace turno {

class ReportWriter {
public:
    enum class ImageLinks {
        DataUri,      // <img src="data:image/png;base64,...">: one file, opens anywhere
        ResourceUrl,  // <img src="turno-image:N">: for QTextDocument, which gets the images as resources
    };

    // imageFiles: where the PNGs of report.images were saved, relative to the
    // Markdown file (Markdown has no portable way to inline an image).
    static QString markdown(const IncidentReport &report, const QStringList &imageFiles = {});
    static QString html(const IncidentReport &report, ImageLinks links = ImageLinks::DataUri);
    static QString imageResourceUrl(int index);

    // Writes path (and, for Markdown, PATH-BASENAME-chart-N.png beside it).
    static Result<void> writeMarkdown(const IncidentReport &report, const QString &path);
    static Result<void> writeHtml(const IncidentReport &report, const QString &path);

    // Escapes text so Markdown shows it literally, on one line (table cells, list items).
    static QString escapeMarkdown(const QString &text);
};

}  // namespace turno
