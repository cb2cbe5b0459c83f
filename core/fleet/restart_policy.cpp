#include "fleet/restart_policy.h"

#include "fleet/cluster_profile.h"

#include <algorithm>

namespace turno {

RestartDecision RestartPolicy::onExit(QList<qint64> &restartTimes, int &consecutive, qint64 nowMs, const ClusterProfile &p)
{
    const qint64 window = qint64(p.restartWindowS) * 1000;
    restartTimes.erase(std::remove_if(restartTimes.begin(), restartTimes.end(),
                                      [nowMs, window](qint64 t) { return nowMs - t > window; }),
                       restartTimes.end());
    RestartDecision d;
    d.exits = int(restartTimes.size()) + 1;
    if (restartTimes.size() >= p.restartLimit) {
        d.giveUp = true;
        d.restarts = int(restartTimes.size());
        return d;
    }
    restartTimes << nowMs;
    d.restarts = int(restartTimes.size());
    // 64-bit: a long initial backoff shifted 16 times must not overflow.
    d.backoffMs = int(std::min<qint64>(p.backoffMaxMs, qint64(p.backoffInitialMs) << std::min(consecutive, 16)));
    ++consecutive;
    return d;
}

}  // namespace turno
