#include "fleet/fleet_attach.h"

#include "scrape/http_get.h"

#include <QJsonArray>
#include <QSet>
#include <QTimer>
#include <memory>

namespace turno {

namespace {

// The body of a 200 answer to one GET, or an error naming the address and what it answered.
void getBody(QObject *owner, const QString &host, quint16 port, const QByteArray &path,
             std::function<void(Result<QByteArray>)> done, int timeoutMs = 2000)
{
    const QString where = QStringLiteral("%1:%2").arg(host).arg(port);
    httpGet(owner, host, port, path, timeoutMs, [done, where](Result<HttpConnection::Response> r) {
        if (!r.ok())
            return done(Error{r.error()});
        if (r.value().status != 200)
            return done(Error{QStringLiteral("%1 answered %2 %3").arg(where).arg(r.value().status).arg(QString::fromUtf8(r.value().reason))});
        done(r.value().body);
    });
}

}  // namespace

FleetAttach::FleetAttach(AttachTarget target, QObject *parent) : QObject(parent), m_target(std::move(target))
{
    if (!m_target.sentinelHost.isEmpty() && m_target.sentinelPort != 0) {
        m_registry = new NodeRegistry(m_target.redisHost, m_target.redisPort, m_target.redisPassword, m_target.cluster, this);
        m_registry->followSentinel(m_target.sentinelHost, m_target.sentinelPort, m_target.masterName);
    } else if (!m_target.redisHost.isEmpty() && m_target.redisPort != 0) {
        m_registry = new NodeRegistry(m_target.redisHost, m_target.redisPort, m_target.redisPassword, m_target.cluster, this);
    }
    if (!m_target.balancerStats.isEmpty() && !m_target.balancerStats.startsWith(QLatin1String("http")))
        m_runtime = new HaproxyRuntime(m_target.balancerStats, this);
    for (const QString &u : std::as_const(m_target.nodeUrls)) {
        const QUrl url(u);
        const QString address = QStringLiteral("%1:%2").arg(url.host()).arg(url.port(80));
        m_known.insert(address, Known{address, {}, address, QStringLiteral("url"), false, false});
    }
}

void FleetAttach::start(int intervalMs)
{
    if (!m_timer) {
        m_timer = new QTimer(this);
        connect(m_timer, &QTimer::timeout, this, [this] { refresh([](QJsonObject) {}); });
    }
    m_timer->start(intervalMs);
    refresh([](QJsonObject) {});
}

void FleetAttach::readBalancer(std::function<void(Result<QList<HaproxyStatRow>>)> done)
{
    if (m_runtime) {
        m_runtime->send(QStringLiteral("show stat"), [done](Result<QByteArray> r) {
            done(r.ok() ? HaproxyRuntime::parseShowStat(r.value()) : Result<QList<HaproxyStatRow>>(Error{r.error()}));
        });
        return;
    }
    if (m_target.balancerStats.isEmpty())
        return done(QList<HaproxyStatRow>{});
    const QUrl url(m_target.balancerStats);
    getBody(this, url.host(), quint16(url.port(80)), (url.path().isEmpty() ? QStringLiteral("/stats") : url.path()).toUtf8() + ";csv",
            [done](Result<QByteArray> r) {
                done(r.ok() ? HaproxyRuntime::parseShowStat(r.value()) : Result<QList<HaproxyStatRow>>(Error{r.error()}));
            });
}

void FleetAttach::probeReady(const QString &address, std::function<void(bool)> done)
{
    const qsizetype colon = address.lastIndexOf(QLatin1Char(':'));
    getBody(this, address.left(colon), quint16(address.mid(colon + 1).toUInt()), "/readyz",
            [done](Result<QByteArray> r) { done(r.ok()); }, 1000);
}

void FleetAttach::refresh(std::function<void(QJsonObject)> done)
{
    auto registryDone = [this, done](Result<QList<RegisteredNode>> reg) {
        QString registryError;
        QSet<QString> fromRegistry;
        if (reg.ok()) {
            for (const RegisteredNode &n : reg.value()) {
                fromRegistry.insert(n.name);
                if (!m_known.contains(n.name)) {
                    notify(FleetEvent::Kind::NodeDiscovered, n.name,
                               QStringLiteral("%1 (%2 pool) announced itself at %3").arg(n.name, n.pool, n.address));
                }
                for (auto it = m_known.begin(); it != m_known.end();)
                    it = it->source == QLatin1String("url") && it->address == n.address ? m_known.erase(it) : std::next(it);
                Known &k = m_known[n.name];
                k.name = n.name;
                k.pool = n.pool;
                k.address = n.address;
                k.source = QStringLiteral("registry");
            }
            // Registry nodes whose key expired are gone: they stopped announcing.
            for (auto it = m_known.begin(); it != m_known.end();) {
                if (it->source == QLatin1String("registry") && !fromRegistry.contains(it.key())) {
                    notify(FleetEvent::Kind::NodeVanished, it.key(),
                               QStringLiteral("%1 stopped announcing itself (registry key expired)").arg(it.key()));
                    it = m_known.erase(it);
                } else {
                    ++it;
                }
            }
        } else if (m_registry) {
            registryError = reg.error();
        }
        readBalancer([this, done, registryError](Result<QList<HaproxyStatRow>> rows) {
            QHash<QString, HaproxyStatRow> byName;
            if (rows.ok())
                for (const HaproxyStatRow &r : rows.value())
                    if (r.proxy == m_target.backend && r.server != QLatin1String("BACKEND"))
                        byName.insert(r.server, r);
            for (const HaproxyStatRow &r : std::as_const(byName)) {
                for (auto it = m_known.begin(); it != m_known.end();)
                    it = it->source == QLatin1String("url") && it->address == r.address ? m_known.erase(it) : std::next(it);
                if (!m_known.contains(r.server))
                    m_known.insert(r.server, Known{r.server, r.backup ? QStringLiteral("secondary") : QStringLiteral("primary"),
                                                   r.address, QStringLiteral("balancer"), false, false});
            }
            auto pending = std::make_shared<int>(int(m_known.size()) + 1);
            auto finish = [this, done, byName, rows, registryError, pending] {
                if (--*pending > 0)
                    return;
                QJsonArray nodes;
                bool primaryUp = false, secondaryUp = false;
                for (const Known &k : std::as_const(m_known)) {
                    QJsonObject o{{QStringLiteral("node"), k.name}, {QStringLiteral("kind"), QStringLiteral("turno")},
                                  {QStringLiteral("pool"), k.pool}, {QStringLiteral("address"), k.address},
                                  {QStringLiteral("source"), k.source}, {QStringLiteral("pid"), 0},
                                  {QStringLiteral("ready"), k.ready}};
                    QString state = k.ready ? QStringLiteral("ready") : QStringLiteral("unreachable");
                    if (byName.contains(k.name)) {
                        const HaproxyStatRow &r = byName[k.name];
                        state = r.stateName();
                        o.insert(QStringLiteral("weight"), r.weight);
                        o.insert(QStringLiteral("reqPerSec"), r.sessionRate);
                        o.insert(QStringLiteral("errors"), r.responses5xx + r.responseErrors + r.connectionErrors);
                        if (r.state() == BalancerState::Up)
                            (r.backup ? secondaryUp : primaryUp) = true;
                    }
                    o.insert(QStringLiteral("state"), state);
                    o.insert(QStringLiteral("p99Ms"), QJsonValue());
                    nodes << o;
                }
                QJsonObject st{{QStringLiteral("cluster"), m_target.cluster},
                               {QStringLiteral("state"), QStringLiteral("attached")},
                               {QStringLiteral("active"), primaryUp ? QStringLiteral("primary")
                                                          : secondaryUp ? QStringLiteral("secondary") : QStringLiteral("none")},
                               {QStringLiteral("balancer"), m_target.balancerStats},
                               {QStringLiteral("nodes"), nodes}};
                if (!rows.ok())
                    st.insert(QStringLiteral("balancerError"), rows.error());
                if (!registryError.isEmpty())
                    st.insert(QStringLiteral("registryError"), registryError);
                m_last = st;
                emit statusChanged(st);
                done(st);
            };
            for (auto it = m_known.begin(); it != m_known.end(); ++it) {
                const QString key = it.key();
                probeReady(it->address, [this, key, finish](bool ok) {
                    auto k = m_known.find(key);
                    if (k != m_known.end()) {
                        if (k->probed && k->ready && !ok)
                            notify(FleetEvent::Kind::NodeUnready, key, QStringLiteral("%1 stopped answering /readyz").arg(key));
                        k->ready = ok;
                        k->probed = true;
                    }
                    finish();
                });
            }
            finish();
        });
    };
    if (m_registry)
        m_registry->discover(registryDone);
    else
        registryDone(QList<RegisteredNode>{});
}


void FleetAttach::notify(FleetEvent::Kind kind, const QString &node, const QString &message)
{
    emit event(FleetEvent{kind, node, message});
}

}  // namespace turno
