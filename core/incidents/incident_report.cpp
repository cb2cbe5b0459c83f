#include "incidents/incident_report.h"

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
    for (const PeakMetric &p : extraPeaks)
        mergePeak(report.peakMetrics, p, true);
    report.images = images;
    return report;
}

}  // namespace turno
