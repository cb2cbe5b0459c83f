// FleetSample: the fleet's figures at one tick, as the incident store keeps
// them so a report can show the metrics of an incident's window after the fact.
#pragma once

#include <QList>
#include <QtGlobal>
#include <limits>

namespace turno {

struct FleetSample {
    static constexpr double kUnknown = std::numeric_limits<double>::quiet_NaN();

    qint64 timeMs = 0;
    double requestsPerSecond = kUnknown;  // summed over turno nodes
    double p99Ms = kUnknown;              // the slowest turno node's
    double errorRatio = kUnknown;         // the worst turno node's 5xx share of answers, 0..1
    double cpuPercent = kUnknown;         // every process of the fleet, 100 = one core
};

}  // namespace turno
