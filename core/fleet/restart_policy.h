// RestartPolicy: whether a process that exited unexpectedly is restarted, and
// after how long: at most restartLimit restarts within restartWindowS, each
// after a backoff that doubles from backoffInitialMs up to backoffMaxMs and
// starts again once a restart has come up.
#pragma once

#include <QList>
#include <QtGlobal>

namespace turno {

struct ClusterProfile;

struct RestartDecision {
    bool giveUp = false;
    int backoffMs = 0;     // when restarting
    int restarts = 0;      // restarts inside the window, this one included
    int exits = 0;         // exits inside the window, this one included (for the give-up message)
};

class RestartPolicy {
public:
    // Forgets restarts older than the window, then decides; a restart is recorded
    // in restartTimes (ms on one monotonic clock) and counted in consecutive.
    static RestartDecision onExit(QList<qint64> &restartTimes, int &consecutive, qint64 nowMs, const ClusterProfile &profile);
};

}  // namespace turno
