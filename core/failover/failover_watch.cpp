#include "failover/failover_watch.h"

#include "common/once_with_timeout.h"
#include "failover/failover_controller.h"

#include <QTimer>
#include <algorithm>

namespace turno {

namespace {

constexpr int kHealthIntervalMs = 200;

}  // namespace

FailoverWatch::FailoverWatch(FailoverFleet *fleet, FailoverController *controller)
    : QObject(controller), m_fleet(fleet), m_controller(controller), m_timer(new QTimer(this))
{
    m_clock.start();
    m_timer->setInterval(kHealthIntervalMs);
    connect(m_timer, &QTimer::timeout, this, &FailoverWatch::tick);
}

void FailoverWatch::start()
{
    m_timer->start();
}

void FailoverWatch::resetDownTimers()
{
    m_poolDownSinceMs = m_redisDownSinceMs = -1;
}

void FailoverWatch::tick()
{
    if (!m_fleet->isReady() || m_pending || m_controller->busy())
        return;
    // Sentinel's own moves are rare: once a second is soon enough to follow them.
    if (++m_ticks % 5 == 0)
        adoptSentinelView();
    if (!m_controller->automatic() || m_controller->state() == FailoverController::State::Degraded)
        return;
    m_pending = true;
    m_fleet->balancerServers(this, guardedBy(this, [this](Result<QList<BalancerServerState>> servers) {
        if (servers.ok())
            checkPool(servers.value());
        if (!m_pending)
            return;  // a switch was asked for
        checkPrimary();
    }));
}

void FailoverWatch::checkPool(const QList<BalancerServerState> &servers)
{
    const QString active = m_controller->activePool();
    const QList<FailoverTurnoNode> nodes = m_fleet->turnoNodes();
    int total = 0, up = 0, otherUp = 0;
    for (const BalancerServerState &s : servers) {
        const auto n = std::find_if(nodes.begin(), nodes.end(), [&s](const FailoverTurnoNode &t) { return t.name == s.server; });
        if (n == nodes.end())
            continue;
        if (n->pool == active) {
            ++total;
            up += s.balancer() == BalancerState::Up ? 1 : 0;
        } else if (s.balancer() == BalancerState::Up || s.balancer() == BalancerState::Drain) {
            ++otherUp;
        }
    }
    if (total == 0 || up > 0 || otherUp == 0) {
        m_poolDownSinceMs = -1;
        return;
    }
    const qint64 now = m_clock.elapsed();
    if (m_poolDownSinceMs < 0)
        m_poolDownSinceMs = now;
    if (now - m_poolDownSinceMs >= m_fleet->settings().afterMs) {
        m_pending = false;
        emit switchNeeded(QStringLiteral("all %1 nodes of the %2 pool DOWN for %3 ms").arg(total).arg(active).arg(now - m_poolDownSinceMs),
                          false);
    }
}

void FailoverWatch::checkPrimary()
{
    const QString primary = m_fleet->redisPrimary();
    if (primary.isEmpty() || m_fleet->redisReplica().isEmpty()) {
        m_pending = false;
        return;
    }
    m_fleet->redis(this, primary, {{"PING"}}, 300, guardedBy(this, [this, primary](Result<QList<RespValue>> r) {
        m_pending = false;
        const qint64 at = m_clock.elapsed();
        if (r.ok()) {
            m_redisDownSinceMs = -1;
            return;
        }
        if (m_redisDownSinceMs < 0)
            m_redisDownSinceMs = at;
        if (at - m_redisDownSinceMs >= m_fleet->settings().afterMs)
            emit switchNeeded(QStringLiteral("the Redis primary %1 unreachable for %2 ms (%3)")
                                  .arg(primary).arg(at - m_redisDownSinceMs).arg(r.error()), false);
    }));
}

void FailoverWatch::adoptSentinelView()
{
    // Sentinel may promote on its own (automatic mode off, or it was faster): follow its view.
    if (!m_fleet->hasSentinels() || m_controller->busy())
        return;
    const QByteArray master = m_fleet->settings().sentinelMaster.toUtf8();
    m_fleet->sentinel(this, {"SENTINEL", "GET-MASTER-ADDR-BY-NAME", master}, guardedBy(this, [this](Result<RespValue> r) {
        if (m_controller->busy() || !r.ok() || r.value().items.size() != 2)
            return;
        const quint16 port = quint16(r.value().items[1].text.toUInt());
        const QString current = m_fleet->redisPrimary();
        if (port == 0 || port == m_fleet->redisPort(current))
            return;
        const QString named = m_fleet->redisReplica();
        if (m_fleet->redisPort(named) != port)
            return;
        // Sentinel may only lag behind a switch this controller made: follow it only to a node
        // that really is primary now.
        m_fleet->redis(this, named, {{"ROLE"}}, 500, guardedBy(this, [this, named, current](Result<QList<RespValue>> role) {
            if (m_controller->busy() || !role.ok() || role.value().value(0).items.isEmpty() ||
                role.value().value(0).items.first().text != "master" || m_fleet->redisPrimary() != current)
                return;
            emit event(QStringLiteral("failover.step"), named, QStringLiteral("Sentinel promoted %1 on its own; following it").arg(named));
            m_fleet->setRedisPrimary(named);
            if (m_fleet->redisDown(current))
                m_fleet->restartRedisAsReplica(this, current, [](Result<void>) {});
        }));
    }));
}

}  // namespace turno
