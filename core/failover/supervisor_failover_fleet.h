// SupervisorFailoverFleet: FailoverFleet over a FleetSupervisor's local cluster;
// the one place failover reads the supervisor's node states and event kinds.
#pragma once

#include "failover/failover_fleet.h"

#include <QPointer>

namespace turno {

class FleetSupervisor;
struct FleetNode;

class SupervisorFailoverFleet : public FailoverFleet {
    Q_OBJECT
public:
    explicit SupervisorFailoverFleet(FleetSupervisor *supervisor, QObject *parent = nullptr);

    // The node's process runs and passed its readiness check (the drill asks too).
    static bool nodeRunning(const FleetNode &node);

    bool isReady() const override;
    QString stateName() const override;
    FailoverSettings settings() const override;
    QList<FailoverTurnoNode> turnoNodes() const override;
    QStringList redisNodes() const override;
    QString redisPrimary() const override;
    void setRedisPrimary(const QString &node) override;
    bool redisDown(const QString &node) const override;
    quint16 redisPort(const QString &node) const override;
    bool hasSentinels() const override;
    void redis(QObject *context, const QString &node, const QList<QList<QByteArray>> &commands, int timeoutMs,
               RedisDone done) override;
    void sentinel(QObject *context, const QList<QByteArray> &command, SentinelDone done) override;
    void probeTurno(QObject *context, const QString &id, int timeoutMs, std::function<void(Result<qint64>)> done) override;
    void balancerServers(QObject *context, std::function<void(Result<QList<BalancerServerState>>)> done) override;
    void setBalancerServers(QObject *context, const QList<BalancerServerSetting> &settings,
                            std::function<void(Result<void>)> done) override;
    void restartRedisAsReplica(QObject *context, const QString &node, std::function<void(Result<void>)> done) override;

private:
    const FleetNode *redisNode(const QString &name) const;
    void trySentinel(QObject *context, const QList<QByteArray> &command, SentinelDone done, int index);

    QPointer<FleetSupervisor> m_supervisor;
};

}  // namespace turno
