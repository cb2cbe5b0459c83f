// IncidentPdfWriter: an incident report as a PDF, laid out by QTextDocument from
// the same HTML as the HTML export, charts included. Needs a QGuiApplication.
#pragma once

#include "common/result.h"
#include "incidents/incident_report.h"

#include <QByteArray>
#include <QString>

namespace turno {

class IncidentPdfWriter {
public:
    // A4, portrait. Fails (rather than crashing) when no QGuiApplication exists:
    // text layout needs the platform's fonts.
    static Result<void> write(const IncidentReport &report, const QString &path);

    // A chart the store alone can give: events per time slot across the
    // incident's window, coloured by their worst severity, as PNG bytes (for
    // reports made without the console's metric charts, e.g. by turnoctl).
    static QByteArray eventRateChartPng(const IncidentReport &report, qint64 nowMs, int width = 900, int height = 220);
};

}  // namespace turno
