#include "failover/failover_preflight.h"

#include "common/once_with_timeout.h"
#include "failover/resp_text.h"

#include <QHash>
#include <algorithm>

namespace turno {

FailoverPreflight::FailoverPreflight(FailoverFleet *fleet, QString target, QObject *context)
    : QObject(context), m_fleet(fleet), m_settings(fleet->settings())
{
    m_gate.target = std::move(target);
    m_primary = fleet->redisPrimary();
    m_replica = fleet->redisReplica();
}

template <typename F>
auto FailoverPreflight::alive(F fn)
{
    return guardedBy(this, std::move(fn));
}

void FailoverPreflight::run(std::function<void(FailoverGate)> done)
{
    m_done = std::move(done);
    if (!m_fleet->isReady()) {
        m_gate.checks << FailoverCheck{QStringLiteral("cluster"), false,
                                       QStringLiteral("the cluster is %1, not ready").arg(m_fleet->stateName())};
        return deliver();
    }
    // 1. the target pool at the balancer
    m_fleet->balancerServers(this, alive([this](Result<QList<BalancerServerState>> servers) {
        if (!servers.ok())
            m_gate.checks << FailoverCheck{QStringLiteral("balancer"), false, servers.error()};
        else
            checkPool(servers.value());
        checkRedis();
    }));
}

void FailoverPreflight::checkPool(const QList<BalancerServerState> &servers)
{
    QStringList up, notUp;
    for (const FailoverTurnoNode &n : m_fleet->turnoNodes()) {
        if (n.pool != m_gate.target || n.removing)
            continue;
        QString st = QStringLiteral("absent");
        BalancerState state = BalancerState::Unknown;
        for (const BalancerServerState &s : servers)
            if (s.server == n.name) {
                st = s.state;
                state = s.balancer();
            }
        // A drained node is healthy: the switch makes it ready.
        (state == BalancerState::Up || state == BalancerState::Drain ? up : notUp) << (n.name + QLatin1Char(' ') + st);
    }
    const bool ok = !up.isEmpty() && notUp.isEmpty();
    m_gate.checks << FailoverCheck{QStringLiteral("target-pool"), ok,
                                   QStringLiteral("%1 pool: %2 of %3 nodes healthy%4")
                                       .arg(m_gate.target).arg(up.size()).arg(up.size() + notUp.size())
                                       .arg(notUp.isEmpty() ? QString() : QStringLiteral(" (") + notUp.join(QStringLiteral(", ")) + QLatin1Char(')'))};
}

void FailoverPreflight::checkRedis()
{
    const bool redisStore = m_settings.redisStore && !m_primary.isEmpty();
    if (!redisStore || m_replica.isEmpty()) {
        if (redisStore)
            m_gate.checks << FailoverCheck{QStringLiteral("replica"), false, QStringLiteral("no Redis replica to promote")};
        return deliver();
    }
    // 2. the Redis pair
    m_fleet->info(this, m_primary, alive([this](Result<RedisInfo> p) {
        m_fleet->info(this, m_replica, alive([this, p](Result<RedisInfo> r) {
            checkPair(p, r);
            if (!m_fleet->hasSentinels())
                return deliver();
            checkSentinel();
        }));
    }));
}

void FailoverPreflight::checkPair(const Result<RedisInfo> &p, const Result<RedisInfo> &r)
{
    auto field = [](const RedisInfo &i, const char *name) {
        const QString key = QString::fromLatin1(name);
        return i.contains(key) ? i.value(key) : QStringLiteral("-");
    };
    m_primaryUnreachable = !p.ok();
    if (!p.ok()) {
        m_gate.checks << FailoverCheck{QStringLiteral("primary"), false, QStringLiteral("%1 unreachable: %2").arg(m_primary, p.error())};
    } else {
        m_gate.checks << FailoverCheck{QStringLiteral("primary"), p->isPrimary(),
                                       QStringLiteral("%1 role:%2, %3 connected replica(s)")
                                           .arg(m_primary, p->role(), p->value(QStringLiteral("connected_slaves")))};
    }
    if (!r.ok()) {
        m_gate.checks << FailoverCheck{QStringLiteral("replica-link"), false, QStringLiteral("%1 unreachable: %2").arg(m_replica, r.error())};
        return;
    }
    const bool link = r->role() == QLatin1String("slave") && r->masterLinkStatus() == QLatin1String("up");
    const bool synced = r->value(QStringLiteral("master_sync_in_progress")) == QLatin1String("0");
    m_gate.checks << FailoverCheck{QStringLiteral("replica-link"), link && synced,
                                   QStringLiteral("%1 role:%2 master_link_status:%3 master_sync_in_progress:%4")
                                       .arg(m_replica, r->role(), field(r.value(), "master_link_status"),
                                            field(r.value(), "master_sync_in_progress"))};
    if (!p.ok())
        return;
    const qint64 po = p->masterReplOffset();
    const qint64 ro = r->integer(QStringLiteral("slave_repl_offset"));
    const bool sameHistory = p->value(QStringLiteral("master_replid")) == r->value(QStringLiteral("master_replid"));
    m_gate.checks << FailoverCheck{QStringLiteral("replica-offset"), sameHistory && po - ro <= m_settings.maxLagBytes,
                                   QStringLiteral("primary offset %1, replica %2 (behind %3 bytes, bound %4)%5")
                                       .arg(po).arg(ro).arg(std::max<qint64>(0, po - ro)).arg(m_settings.maxLagBytes)
                                       .arg(sameHistory ? QString() : QStringLiteral("; different replication ids"))};
}

void FailoverPreflight::checkSentinel()
{
    // 3. Sentinel agrees and can act
    const QByteArray master = m_settings.sentinelMaster.toUtf8();
    m_fleet->sentinel(this, {"SENTINEL", "CKQUORUM", master}, alive([this, master](Result<RespValue> q) {
        m_gate.checks << FailoverCheck{QStringLiteral("sentinel-quorum"), q.ok() && q.value().type != RespValue::Type::Error,
                                       q.ok() ? respText(q.value()) : q.error()};
        // Sentinel promotes only a replica it knows and sees healthy, from the primary it knows.
        const QString primaryName = m_fleet->redisPrimary();
        const quint16 primaryPort = m_fleet->redisPort(primaryName);
        m_fleet->sentinel(this, {"SENTINEL", "GET-MASTER-ADDR-BY-NAME", master},
                          alive([this, master, primaryName, primaryPort](Result<RespValue> named) {
            const bool same = named.ok() && named.value().items.size() == 2 &&
                              named.value().items[1].text == QByteArray::number(primaryPort);
            m_gate.checks << FailoverCheck{QStringLiteral("sentinel-primary"), same,
                                           same ? QStringLiteral("Sentinel names %1").arg(primaryName)
                                                : QStringLiteral("Sentinel names %1, not %2 (a switch is still settling)")
                                                      .arg(named.ok() ? respText(named.value()) : named.error(), primaryName)};
            checkSentinelReplica(master);
        }));
    }));
}

void FailoverPreflight::checkSentinelReplica(const QByteArray &master)
{
    const quint16 replicaPort = m_fleet->redisPort(m_replica);
    m_fleet->sentinel(this, {"SENTINEL", "REPLICAS", master}, alive([this, replicaPort](Result<RespValue> known) {
        QString flags;
        if (known.ok())
            for (const RespValue &entry : known.value().items) {
                QHash<QByteArray, QByteArray> f;
                for (qsizetype i = 0; i + 1 < entry.items.size(); i += 2)
                    f.insert(entry.items[i].text, entry.items[i + 1].text);
                if (f.value("port") == QByteArray::number(replicaPort))
                    flags = QString::fromUtf8(f.value("flags"));
            }
        const bool ok = !flags.isEmpty() && !flags.contains(QLatin1String("down")) && !flags.contains(QLatin1String("disconnected"));
        m_gate.checks << FailoverCheck{QStringLiteral("sentinel-replica"), ok,
                                       !known.ok()        ? known.error()
                                       : flags.isEmpty()  ? QStringLiteral("Sentinel does not know %1 yet (it learns replicas from the primary's INFO, every 10 s)").arg(m_replica)
                                                          : QStringLiteral("Sentinel sees %1 as %2").arg(m_replica, flags)};
        deliver();
    }));
}

void FailoverPreflight::deliver()
{
    deleteLater();
    std::function<void(FailoverGate)> done = std::move(m_done);
    m_done = nullptr;
    if (done)
        done(m_gate);
}

}  // namespace turno
