// IncidentPdfWriter: an incident report as a PDF, laid out by QTextDocument from
// the same HTML as the HTML export, charts included. Needs a QGuiApplication.
#pragma once

#include "common/result.h"
#include "incidents/fleet_window_chart.h"
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

    // The HTML report's SVG line chart of one fleet metric (report.fleetSamples
    // over the window), drawn with QPainter as PNG bytes, because QTextDocument
    // draws no SVG. Empty when the metric has no known value in the window.
    static QByteArray fleetChartPng(const IncidentReport &report, FleetWindowChart::Metric metric, int width = 900,
                                    int height = 220);
    // fleetChartPng of req/s, p99 and 5xx, titled as coming from the stored samples.
    static QList<ReportImage> fleetChartImages(const IncidentReport &report);
};

}  // namespace turno
