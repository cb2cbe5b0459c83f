// FailoverPreflight: one run of the pre-flight gate of a switch: the target
// pool at the balancer, the Redis pair's roles, link and offsets, and Sentinel's
// quorum and view, each a FailoverCheck.
#pragma once

#include "failover/failover_fleet.h"
#include "failover/failover_report.h"

#include <QObject>
#include <functional>

namespace turno {

class FailoverPreflight : public QObject {
    Q_OBJECT
public:
    // A child of context: destroying the context stops the checks (done never runs).
    FailoverPreflight(FailoverFleet *fleet, QString target, QObject *context);

    // done runs once with every check; the object deletes itself afterwards.
    void run(std::function<void(FailoverGate)> done);
    // The Redis primary did not answer its INFO (it is treated as lost).
    bool primaryUnreachable() const { return m_primaryUnreachable; }

private:
    void checkPool(const QList<BalancerServerState> &servers);
    void checkRedis();
    void checkPair(const Result<RedisInfo> &primary, const Result<RedisInfo> &replica);
    void checkSentinel();
    void checkSentinelReplica(const QByteArray &master);
    void deliver();
    // fn, run only while this check is alive.
    template <typename F>
    auto alive(F fn);

    FailoverFleet *m_fleet;
    FailoverSettings m_settings;
    FailoverGate m_gate;
    QString m_primary;
    QString m_replica;
    bool m_primaryUnreachable = false;
    std::function<void(FailoverGate)> m_done;
};

}  // namespace turno
