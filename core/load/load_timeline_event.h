// loadRunEvent: a finished load run as one timeline event (kind load.run), so
// a rehearsal shows up next to the alerts and failovers it caused.
#pragma once

#include "incidents/incident_event.h"
#include "load/load_report.h"

#include <QStringList>

namespace turno {

// broken: the thresholds the run broke (empty: it passed). The event is
// placed at the run's start; details carry the figures, not the per-second series.
IncidentEvent loadRunEvent(const LoadReport &report, const QStringList &broken, qint64 finishedAtMs);

}  // namespace turno
