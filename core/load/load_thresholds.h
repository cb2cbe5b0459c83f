// LoadThresholds: the pass/fail limits of a load run (like k6's thresholds) and
// the verdict on a report; any duplicate always fails. Shared by the console's
// load panel and what it records in the timeline.
#pragma once

#include "load/load_report.h"

#include <QStringList>
#include <optional>

namespace turno {

struct LoadThresholds {
    std::optional<double> maxP99Ms;
    double maxErrorRate = 0.0;  // errors / requests
    uint64_t maxGaps = 0;
    bool allowGaps = false;     // other writers share the ids
};

// The thresholds report broke, one line each (empty: it passed). The wording
// names turnoctl bench's flags, so the CLI and the GUI say the same thing.
QStringList brokenLoadThresholds(const LoadReport &report, const LoadThresholds &thresholds);

}  // namespace turno
