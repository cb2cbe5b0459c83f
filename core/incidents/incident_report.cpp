#include "incidents/incident_report.h"

#include "incidents/fleet_window_chart.h"
#include "incidents/incident_store.h"

#include <QDateTime>

namespace turno {

namespace {

void mergePeak(QList<PeakMetric> &peaks, const PeakMetric &p, bool replace)
{
    for (PeakMetric &m : peaks) {
        if (m.name == p.name && m.node == p.node) {
            if (replace || p.value > m.value)
                m = p;
            return;
        }
    }
    peaks.append(p);
}

}  // namespace

Result<IncidentReport> IncidentReport::build(const IncidentStore &store, qint64 incidentId,
                                             const QList<PeakMetric> &extraPeaks, const QList<ReportImage> &images)
{
    IncidentReport report;
    auto inc = store.incident(incidentId);
    if (!inc)
        return Error{inc.error()};
    auto events = store.incidentEvents(incidentId);
    if (!events)
        return Error{events.error()};
    report.incident = inc.value();
    report.timeline = events.value();
    report.generatedMs = QDateTime::currentMSecsSinceEpoch();
    report.peakMetrics = report.incident.peakMetrics;
    // Alerts that fired in the window carry the value that tripped them: their
    // maxima are the peaks even when nobody saved them on the incident.
    for (const IncidentEvent &e : report.timeline) {
        if (e.kind != QLatin1String(EventKind::AlertFiring))
            continue;
        const QJsonValue v = e.details.value(QStringLiteral("value"));
        if (!v.isDouble())
            continue;
        mergePeak(report.peakMetrics,
                  PeakMetric{e.details.value(QStringLiteral("rule")).toString(), e.node, v.toDouble(), QString(), e.timeMs},
                  false);
    }
    report.windowEndMs = report.incident.windowEndMs(report.generatedMs);
    // The metrics of the window, whoever watched it: the supervising process kept them per tick.
    auto samples = store.samples(report.incident.windowStartMs, report.windowEndMs);
    if (!samples)
        return Error{samples.error()};
    report.fleetSamples = samples.value();
    for (const FleetWindowChart::Metric metric : FleetWindowChart::kMetrics) {
        const FleetWindowChart::Summary s = FleetWindowChart::summary(report.fleetSamples, metric);
        if (s.count > 0)
            mergePeak(report.peakMetrics,
                      PeakMetric{FleetWindowChart::name(metric), QStringLiteral("fleet"), s.max,
                                 FleetWindowChart::unit(metric), s.maxTimeMs},
                      false);
    }
    for (const PeakMetric &p : extraPeaks)
        mergePeak(report.peakMetrics, p, true);
    report.images = images;
    return report;
}

}  // namespace turno
