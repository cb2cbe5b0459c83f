// IncidentReport: everything a post-incident report shows, gathered from the
// store (incident, timeline of its window, peaks) plus what the console adds (charts).
#pragma once

#include "common/result.h"
#include "incidents/fleet_sample.h"
#include "incidents/incident.h"

#include <QByteArray>
#include <QList>
#include <QString>

namespace turno {

class IncidentStore;

// A chart of the window, as PNG bytes (the console renders its charts to PNG).
struct ReportImage {
    QString title;
    QByteArray png;
};

struct IncidentReport {
    Incident incident;
    QList<IncidentEvent> timeline;   // oldest first
    QList<PeakMetric> peakMetrics;   // stored peaks, alert peaks, fleet sample peaks of the window, then the caller's
    QList<FleetSample> fleetSamples; // the fleet's figures the store kept for the window, oldest first
    qint64 windowEndMs = 0;          // the close time, or generatedMs while open
    QList<ReportImage> images;
    qint64 generatedMs = 0;

    // Reads the incident and its window (events and fleet samples) from the
    // store; extraPeaks (e.g. series maxima the console computed) replace
    // same-named entries.
    static Result<IncidentReport> build(const IncidentStore &store, qint64 incidentId,
                                        const QList<PeakMetric> &extraPeaks = {},
                                        const QList<ReportImage> &images = {});
};

}  // namespace turno
