#include "failover/supervisor_failover_fleet.h"

#include "common/once_with_timeout.h"
#include "failover/balancer_probe.h"
#include "fleet/fleet_supervisor.h"
#include "fleet/haproxy_runtime.h"

namespace turno {

namespace {

constexpr int kSentinelTimeoutMs = 500;
constexpr int kBalancerTimeoutMs = 1000;

bool isRedis(const FleetNode &n)
{
    return n.kind == FleetNode::Kind::Redis;
}

}  // namespace

SupervisorFailoverFleet::SupervisorFailoverFleet(FleetSupervisor *supervisor, QObject *parent)
    : FailoverFleet(parent), m_supervisor(supervisor)
{
    if (!supervisor)
        return;
    connect(supervisor, &FleetSupervisor::ready, this, [this] { emit ready(); });
    connect(supervisor, &FleetSupervisor::event, this, [this](const FleetEvent &e) {
        if (e.kind == FleetEvent::Kind::RedisPrimaryDown)
            emit redisPrimaryExited(e.node);
    });
}

bool SupervisorFailoverFleet::nodeRunning(const FleetNode &node)
{
    return node.state == NodeState::Running;
}

bool SupervisorFailoverFleet::isReady() const
{
    return m_supervisor && m_supervisor->state() == FleetSupervisor::State::Ready;
}

QString SupervisorFailoverFleet::stateName() const
{
    return m_supervisor ? m_supervisor->stateName() : QStringLiteral("gone");
}

FailoverSettings SupervisorFailoverFleet::settings() const
{
    FailoverSettings s;
    if (!m_supervisor)
        return s;
    const ClusterProfile &p = m_supervisor->profile();
    s.automatic = p.failoverAuto;
    s.afterMs = p.failoverAfterMs;
    s.stepTimeoutMs = p.failoverStepTimeoutMs;
    s.maxLagBytes = p.failoverMaxLagBytes;
    s.asyncGap = p.failoverAsyncGap;
    s.redisStore = p.store == QLatin1String("redis");
    s.asyncDurability = p.durability == QLatin1String("async");
    s.sentinelMaster = p.sentinelMaster;
    return s;
}

QList<FailoverTurnoNode> SupervisorFailoverFleet::turnoNodes() const
{
    QList<FailoverTurnoNode> out;
    if (m_supervisor)
        for (const FleetNode *n : m_supervisor->nodes())
            if (n->kind == FleetNode::Kind::Turno)
                out << FailoverTurnoNode{n->name, n->pool, nodeRunning(*n), n->removing};
    return out;
}

QStringList SupervisorFailoverFleet::redisNodes() const
{
    QStringList out;
    if (m_supervisor)
        for (const FleetNode *n : m_supervisor->nodes())
            if (isRedis(*n))
                out << n->name;
    return out;
}

const FleetNode *SupervisorFailoverFleet::redisNode(const QString &name) const
{
    const FleetNode *n = m_supervisor ? m_supervisor->node(name) : nullptr;
    return n && isRedis(*n) ? n : nullptr;
}

QString SupervisorFailoverFleet::redisPrimary() const
{
    const QString name = m_supervisor ? m_supervisor->redisPrimaryNode() : QString();
    return redisNode(name) ? name : QString();
}

void SupervisorFailoverFleet::setRedisPrimary(const QString &node)
{
    if (m_supervisor)
        m_supervisor->setRedisPrimaryNode(node);
}

bool SupervisorFailoverFleet::redisDown(const QString &node) const
{
    const FleetNode *n = redisNode(node);
    return n && n->state == NodeState::Down;
}

quint16 SupervisorFailoverFleet::redisPort(const QString &node) const
{
    const FleetNode *n = redisNode(node);
    return n ? n->port : 0;
}

bool SupervisorFailoverFleet::hasSentinels() const
{
    return m_supervisor && !m_supervisor->sentinelPorts().isEmpty();
}

void SupervisorFailoverFleet::redis(QObject *context, const QString &node, const QList<QList<QByteArray>> &commands,
                                    int timeoutMs, RedisDone done)
{
    const quint16 port = redisPort(node);
    if (port == 0)
        return done(Error{QStringLiteral("no Redis node named %1").arg(node)});
    // A child of context: destroying the context drops the client, its socket and its answer.
    auto *client = new RespClient(QStringLiteral("127.0.0.1"), port, m_supervisor->redisPassword(), context);
    client->run(commands, guardedBy(context, [client, done = std::move(done)](Result<QList<RespValue>> r) {
        client->deleteLater();
        done(std::move(r));
    }), timeoutMs);
}

void SupervisorFailoverFleet::sentinel(QObject *context, const QList<QByteArray> &command, SentinelDone done)
{
    trySentinel(context, command, std::move(done), 0);
}

void SupervisorFailoverFleet::trySentinel(QObject *context, const QList<QByteArray> &command, SentinelDone done, int index)
{
    const QList<quint16> ports = m_supervisor ? m_supervisor->sentinelPorts() : QList<quint16>{};
    if (index >= ports.size())
        return done(Error{QStringLiteral("no sentinel answered (%1 tried)").arg(ports.size())});
    auto *client = new RespClient(QStringLiteral("127.0.0.1"), ports[index], {}, context);
    QPointer<SupervisorFailoverFleet> self(this);
    QPointer<QObject> owner(context);
    client->run({command}, guardedBy(context, [self, owner, client, command, done, index](Result<QList<RespValue>> r) {
        client->deleteLater();
        if (!self || !owner)
            return;
        if (!r.ok())
            return self->trySentinel(owner, command, done, index + 1);
        done(r.value().value(0));
    }), kSentinelTimeoutMs);
}

void SupervisorFailoverFleet::probeTurno(QObject *context, const QString &id, int timeoutMs,
                                         std::function<void(Result<qint64>)> done)
{
    BalancerProbe::turno(context, m_supervisor ? m_supervisor->balancerPort() : 0, id, timeoutMs, std::move(done));
}

void SupervisorFailoverFleet::balancerServers(QObject *context,
                                              std::function<void(Result<QList<BalancerServerState>>)> done)
{
    HaproxyRuntime *h = m_supervisor ? m_supervisor->haproxyRuntime() : nullptr;
    if (!h)
        return done(Error{QStringLiteral("no balancer runtime")});
    h->send(QStringLiteral("show stat"), guardedBy(context, [done = std::move(done)](Result<QByteArray> r) {
        if (!r.ok())
            return done(Error{r.error()});
        const Result<QList<HaproxyStatRow>> rows = HaproxyRuntime::parseShowStat(r.value());
        if (!rows.ok())
            return done(Error{rows.error()});
        QList<BalancerServerState> out;
        for (const HaproxyStatRow &row : rows.value())
            if (row.proxy == FleetSupervisor::backendName())
                out << BalancerServerState{row.server, row.stateName()};
        done(out);
    }), kBalancerTimeoutMs);
}

void SupervisorFailoverFleet::setBalancerServers(QObject *context, const QList<BalancerServerSetting> &settings,
                                                 std::function<void(Result<void>)> done)
{
    HaproxyRuntime *h = m_supervisor ? m_supervisor->haproxyRuntime() : nullptr;
    if (!h)
        return done(Error{QStringLiteral("no balancer runtime")});
    QStringList commands;
    for (const BalancerServerSetting &s : settings) {
        const QString what = s.action == BalancerServerSetting::Action::Drain   ? QStringLiteral("state drain")
                             : s.action == BalancerServerSetting::Action::Ready ? QStringLiteral("state ready")
                                                                                : QStringLiteral("health up");
        commands << QStringLiteral("set server %1/%2 %3").arg(FleetSupervisor::backendName(), s.server, what);
    }
    const QString line = commands.join(QStringLiteral("; "));
    h->send(line, guardedBy(context, [done = std::move(done), line](Result<QByteArray> r) {
        if (!r.ok())
            return done(Error{r.error()});
        const QByteArray answer = r.value().trimmed();
        if (!answer.isEmpty())
            return done(Error{QStringLiteral("HAProxy refused \"%1\": %2").arg(line, QString::fromUtf8(answer))});
        done({});
    }), kBalancerTimeoutMs);
}

void SupervisorFailoverFleet::restartRedisAsReplica(QObject *context, const QString &node,
                                                    std::function<void(Result<void>)> done)
{
    if (!m_supervisor)
        return done(Error{QStringLiteral("the cluster is gone")});
    m_supervisor->restartRedisAsReplica(node, guardedBy(context, std::move(done)));
}

}  // namespace turno
