// FailoverFleet: everything the failover controller needs from a cluster, and
// nothing more, so the controller runs against a supervised cluster
// (SupervisorFailoverFleet) or a fake one in unit tests.
//
// Every asynchronous call takes a context object: the request belongs to it,
// destroying the context aborts the request, and done runs at most once and
// never after the context is destroyed. done may run before the call returns
// (an error known at once).
#pragma once

#include "common/result.h"
#include "fleet/node_state.h"
#include "redis/resp_client.h"
#include "redis/redis_info.h"

#include <QByteArray>
#include <QJsonObject>
#include <QList>
#include <QObject>
#include <QString>
#include <QStringList>
#include <functional>

namespace turno {

// The profile values failover reads (failover.*, store, durability, sentinel.master).
struct FailoverSettings {
    bool automatic = false;        // failover.auto
    int afterMs = 1000;            // failover.afterMs
    int stepTimeoutMs = 3000;      // failover.stepTimeoutMs
    qint64 maxLagBytes = 0;        // failover.maxLagBytes
    int asyncGap = 1000;           // failover.asyncGap
    bool redisStore = false;       // store: redis
    bool asyncDurability = false;  // durability: async
    QString sentinelMaster = QStringLiteral("turno");
};

// A turno node as failover sees it.
struct FailoverTurnoNode {
    QString name;
    QString pool;          // primary | secondary
    bool running = false;  // its process runs and passed its readiness check
    bool removing = false; // being scaled away
};

// A turno node's server line at the balancer.
struct BalancerServerState {
    QString server;
    QString state;  // UP, DOWN, DRAIN, MAINT or HAProxy's raw status
    BalancerState balancer() const { return balancerStateFromStatus(state); }
};

// What to set on a turno node's server at the balancer.
struct BalancerServerSetting {
    enum class Action { Ready, Drain, HealthUp };
    QString server;
    Action action = Action::Ready;
};

class FailoverFleet : public QObject {
    Q_OBJECT
public:
    using RedisDone = std::function<void(Result<QList<RespValue>>)>;
    using SentinelDone = std::function<void(Result<RespValue>)>;

    explicit FailoverFleet(QObject *parent = nullptr) : QObject(parent) {}
    ~FailoverFleet() override;

    // The cluster is up and serving (a switch may run).
    virtual bool isReady() const = 0;
    // starting, ready, stopping, ... for messages; "gone" without a cluster.
    virtual QString stateName() const = 0;
    virtual FailoverSettings settings() const = 0;

    virtual QList<FailoverTurnoNode> turnoNodes() const = 0;
    // The embedded Redis nodes (primary and replica, whichever holds which role now).
    virtual QStringList redisNodes() const = 0;
    // The node holding the primary role; empty when the cluster has no embedded Redis.
    virtual QString redisPrimary() const = 0;
    virtual void setRedisPrimary(const QString &node) = 0;
    // Its process exited and is not restarted as primary.
    virtual bool redisDown(const QString &node) const = 0;
    // 0: no Redis node of that name.
    virtual quint16 redisPort(const QString &node) const = 0;
    virtual bool hasSentinels() const = 0;

    // Pipelined commands to a Redis node (with the cluster's password), one reply per command.
    virtual void redis(QObject *context, const QString &node, const QList<QList<QByteArray>> &commands, int timeoutMs,
                       RedisDone done) = 0;
    // One command to the first sentinel that answers.
    virtual void sentinel(QObject *context, const QList<QByteArray> &command, SentinelDone done) = 0;
    // GET /turno/<id> through the balancer: the turno answered.
    virtual void probeTurno(QObject *context, const QString &id, int timeoutMs, std::function<void(Result<qint64>)> done) = 0;
    // The turno nodes' server lines at the balancer.
    virtual void balancerServers(QObject *context, std::function<void(Result<QList<BalancerServerState>>)> done) = 0;
    // All settings in one go; an error when the balancer refuses any.
    virtual void setBalancerServers(QObject *context, const QList<BalancerServerSetting> &settings,
                                    std::function<void(Result<void>)> done) = 0;
    // Starts a Redis node that is down as a replica of the current primary; done once it answers.
    virtual void restartRedisAsReplica(QObject *context, const QString &node, std::function<void(Result<void>)> done) = 0;

    // The embedded Redis node that is not the primary (the one a switch promotes); empty without one.
    QString redisReplica() const;
    // INFO replication of a node, parsed (RedisInfo::parse); an error reply counts as an error.
    void info(QObject *context, const QString &node, std::function<void(Result<RedisInfo>)> done);

signals:
    // The cluster became ready (each time a start completes).
    void ready();
    // The process of the Redis primary exited (certainly down; not restarted as primary).
    void redisPrimaryExited(const QString &node);
};

}  // namespace turno
