// IncidentPdfWriter: an incident report as a PDF, laid out by QTextDocument from
// the same HTML as the HTML export, charts included. Needs a QGuiApplication.
#pragma once

#include "common/result.h"
#include "incidents/incident_report.h"

#include <QString>

namespace turno {

class IncidentPdfWriter {
public:
    // A4, portrait. Fails (rather than crashing) when no QGuiApplication exists:
    // text layout needs the platform's fonts.
    static Result<void> write(const IncidentReport &report, const QString &path);
};

}  // namespace turno
