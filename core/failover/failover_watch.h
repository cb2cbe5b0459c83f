// FailoverWatch: the automatic side of failover. While automatic mode is on it
// watches the active pool at HAProxy and the Redis primary and asks for a
// switch when either stays down for failover.afterMs; on or off, it follows
// Sentinel when Sentinel promoted the replica on its own.
#pragma once

#include "failover/failover_fleet.h"

#include <QElapsedTimer>
#include <QObject>

class QTimer;

namespace turno {

class FailoverController;

class FailoverWatch : public QObject {
    Q_OBJECT
public:
    // A child of controller, whose state (busy, automatic, degraded, active pool) it reads.
    FailoverWatch(FailoverFleet *fleet, FailoverController *controller);

    void start();
    // Forget how long things have been down (after a switch, or when automatic mode changes).
    void resetDownTimers();

signals:
    void switchNeeded(const QString &reason, bool certain);
    void event(const QString &kind, const QString &node, const QString &message);

private:
    void tick();
    void checkPool(const QList<BalancerServerState> &servers);
    void checkPrimary();
    void adoptSentinelView();

    FailoverFleet *m_fleet;
    FailoverController *m_controller;
    QTimer *m_timer;
    QElapsedTimer m_clock;
    qint64 m_poolDownSinceMs = -1;
    qint64 m_redisDownSinceMs = -1;
    bool m_pending = false;
    quint64 m_ticks = 0;
};

}  // namespace turno
