#include "fleet/autoscaler.h"

#include <cmath>

namespace turno {

Autoscaler::Autoscaler(const ClusterProfile &p)
    : m_min(p.autoscaleMin), m_max(p.autoscaleMax), m_cpuHigh(p.autoscaleCpuHigh), m_reqHigh(p.autoscaleReqHigh),
      m_cpuLow(p.autoscaleCpuLow), m_reqLow(p.autoscaleReqLow), m_sustainMs(qint64(p.autoscaleSustainS) * 1000),
      m_cooldownMs(qint64(p.autoscaleCooldownS) * 1000)
{
}

std::optional<AutoscaleDecision> Autoscaler::observe(qint64 nowMs, int nodes, double cpu, double req)
{
    if (std::isnan(cpu))
        cpu = 0;
    if (std::isnan(req))
        req = 0;
    const bool coolingDown = m_lastDecisionMs && nowMs - *m_lastDecisionMs < m_cooldownMs;
    auto decide = [&](int target, const QString &reason) -> std::optional<AutoscaleDecision> {
        m_lastDecisionMs = nowMs;
        m_highSince = m_lowSince = -1;
        return AutoscaleDecision{target, reason};
    };
    // Bounds first: a pool outside [min, max] is corrected whatever the load.
    if (nodes < m_min && !coolingDown)
        return decide(m_min, QStringLiteral("%1 nodes is below autoscale.min %2").arg(nodes).arg(m_min));
    if (nodes > m_max && !coolingDown)
        return decide(m_max, QStringLiteral("%1 nodes is above autoscale.max %2").arg(nodes).arg(m_max));

    const bool cpuHigh = cpu > m_cpuHigh;
    const bool reqHigh = req > m_reqHigh;
    const bool low = cpu < m_cpuLow && req < m_reqLow;
    if (cpuHigh || reqHigh) {
        m_lowSince = -1;
        if (m_highSince < 0)
            m_highSince = nowMs;
        if (nowMs - m_highSince >= m_sustainMs && !coolingDown && nodes < m_max) {
            const QString why = cpuHigh ? QStringLiteral("average CPU %1% > %2%").arg(cpu, 0, 'f', 1).arg(m_cpuHigh)
                                        : QStringLiteral("%1 req/s per node > %2").arg(req, 0, 'f', 1).arg(m_reqHigh);
            return decide(nodes + 1, QStringLiteral("scale out %1 -> %2: %3 for %4 s")
                                         .arg(nodes).arg(nodes + 1).arg(why).arg((nowMs - m_highSince) / 1000.0));
        }
    } else if (low) {
        m_highSince = -1;
        if (m_lowSince < 0)
            m_lowSince = nowMs;
        if (nowMs - m_lowSince >= m_sustainMs && !coolingDown && nodes > m_min)
            return decide(nodes - 1, QStringLiteral("scale in %1 -> %2: average CPU %3% < %4% and %5 req/s per node < %6 for %7 s")
                                         .arg(nodes).arg(nodes - 1).arg(cpu, 0, 'f', 1).arg(m_cpuLow).arg(req, 0, 'f', 1)
                                         .arg(m_reqLow).arg((nowMs - m_lowSince) / 1000.0));
    } else {
        m_highSince = m_lowSince = -1;
    }
    return std::nullopt;
}

}  // namespace turno
