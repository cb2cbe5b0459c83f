// CapacityFinder: steps an open-loop rate up until p99 breaks the SLO or
// errors pass a threshold, then bisects once or twice between the last good
// and first bad step; reports the highest sustainable rate and the knee.
#pragma once

#include "load_config.h"
#include "load_report.h"

#include <QJsonObject>
#include <QString>
#include <atomic>
#include <functional>
#include <vector>

namespace turno {

struct CapacityConfig {
    LoadConfig base;               // target, connections, threads, ids; rate and duration are set per step
    double sloP99Ms = 10.0;
    double maxErrorRate = 0.001;
    // A step counts only if the target answered at least this share of the
    // asked rate: below it the server is falling behind.
    double minAchievedRatio = 0.9;
    double startRate = 1000.0;
    double growth = 1.5;           // next rate = rate * growth
    double stepSeconds = 5.0;
    int maxSteps = 12;
    int refineSteps = 2;           // bisections after the first failing step
};

struct CapacityStep {
    double rate = 0;
    double achieved = 0;
    LatencySummary latency;
    double errorRate = 0;
    uint64_t duplicates = 0;
    bool sustainable = false;
    QString why;  // why the step failed
};

struct CapacityReport {
    std::vector<CapacityStep> steps;
    double highestSustainable = 0;  // 0: even the first step failed
    double knee = 0;                // rate where p99 first doubled over the calmest step, or the first failure
    bool foundLimit = false;        // false: max steps reached without a failure
    QJsonObject toJson() const;
    QString toCsv() const;
    QString toText() const;
};

class CapacityFinder {
public:
    using StepCallback = std::function<void(const CapacityStep &)>;
    static CapacityReport run(const CapacityConfig &config, const StepCallback &onStep = {},
                              const std::atomic<bool> *stop = nullptr);
    // The verdict on one step's report, public for tests.
    static CapacityStep judge(const CapacityConfig &config, double rate, const LoadReport &report);
};

}  // namespace turno
