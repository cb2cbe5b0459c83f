// Autoscaler: the opt-in policy that grows or shrinks a pool from its average CPU
// and request rate; time is passed in, so the policy is tested without clocks.
#pragma once

#include "fleet/cluster_profile.h"

#include <QString>
#include <optional>

namespace turno {

struct AutoscaleDecision {
    int targetNodes = 0;
    QString reason;  // what was measured, against which bound, for how long
};

class Autoscaler {
public:
    explicit Autoscaler(const ClusterProfile &profile);

    // One observation of the pool: node count and the averages over its running
    // nodes (CPU % of one core, requests per second per node). Returns a
    // decision when a condition has held for sustainS and the cooldown is over.
    std::optional<AutoscaleDecision> observe(qint64 nowMs, int nodes, double avgCpuPercent, double reqPerNode);

private:
    int m_min, m_max;
    double m_cpuHigh, m_reqHigh, m_cpuLow, m_reqLow;
    qint64 m_sustainMs, m_cooldownMs;
    qint64 m_highSince = -1;
    qint64 m_lowSince = -1;
    std::optional<qint64> m_lastDecisionMs;
};

}  // namespace turno
