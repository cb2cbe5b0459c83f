#include "failover/failover_controller.h"

#include "fleet/fleet_supervisor.h"
#include "fleet/haproxy_runtime.h"
#include "redis/resp_client.h"

#include <QDateTime>
#include <QJsonArray>
#include <QPointer>
#include <QRegularExpression>
#include <QTcpSocket>
#include <QTimer>
#include <memory>

namespace turno {

namespace {

constexpr int kHealthIntervalMs = 200;
constexpr int kAutoCooldownMs = 10000;
constexpr int kPollMs = 10;

// Raises each counter among KEYS by ARGV[1], never past 2^53-1; other keys (the node
// registry's JSON, anything not a positive integer) are left alone. Returns how many rose.
const QByteArray kGapScript =
    "local n = 0\n"
    "local limit = 9007199254740991\n"
    "for _, k in ipairs(KEYS) do\n"
    "  local v = redis.pcall('GET', k)\n"
    "  local x = type(v) == 'string' and string.match(v, '^%d+$') and tonumber(v) or nil\n"
    "  if x and x >= 1 and x < limit then\n"
    "    local g = math.min(tonumber(ARGV[1]), limit - x)\n"
    "    redis.call('INCRBY', k, g)\n"
    "    n = n + 1\n"
    "  end\n"
    "end\n"
    "return n\n";

QHash<QString, QString> parseInfo(const QByteArray &text)
{
    QHash<QString, QString> out;
    for (const QByteArray &raw : text.split('\n')) {
        const QByteArray line = raw.trimmed();
        if (line.isEmpty() || line.startsWith('#'))
            continue;
        const qsizetype colon = line.indexOf(':');
        if (colon > 0)
            out.insert(QString::fromLatin1(line.left(colon)), QString::fromLatin1(line.mid(colon + 1)));
    }
    return out;
}

QString pretty(const RespValue &v)
{
    switch (v.type) {
    case RespValue::Type::Simple:
    case RespValue::Type::Error:
    case RespValue::Type::Bulk:
        return QString::fromUtf8(v.text);
    case RespValue::Type::Integer:
        return QString::number(v.integer);
    case RespValue::Type::Null:
        return QStringLiteral("(nil)");
    case RespValue::Type::Array: {
        QStringList parts;
        for (const RespValue &i : v.items)
            parts << pretty(i);
        return QLatin1Char('[') + parts.join(QStringLiteral(", ")) + QLatin1Char(']');
    }
    }
    return {};
}

}  // namespace

// ---- reports ------------------------------------------------------------------

bool FailoverGate::ok() const
{
    for (const FailoverCheck &c : checks)
        if (!c.ok)
            return false;
    return !checks.isEmpty();
}

QString FailoverGate::failures() const
{
    QStringList out;
    for (const FailoverCheck &c : checks)
        if (!c.ok)
            out << c.name + QStringLiteral(": ") + c.detail;
    return out.join(QStringLiteral("; "));
}

QJsonObject FailoverGate::toJson() const
{
    QJsonArray list;
    for (const FailoverCheck &c : checks)
        list << QJsonObject{{QStringLiteral("check"), c.name}, {QStringLiteral("ok"), c.ok}, {QStringLiteral("detail"), c.detail}};
    return QJsonObject{{QStringLiteral("target"), target}, {QStringLiteral("ok"), ok()}, {QStringLiteral("checks"), list}};
}

QJsonObject FailoverReport::toJson() const
{
    QJsonArray list;
    for (const FailoverStep &s : steps)
        list << QJsonObject{{QStringLiteral("step"), s.name},
                            {QStringLiteral("startMs"), s.startMs},
                            {QStringLiteral("durationMs"), s.durationMs},
                            {QStringLiteral("ok"), s.ok},
                            {QStringLiteral("detail"), s.detail}};
    return QJsonObject{{QStringLiteral("from"), from},
                       {QStringLiteral("to"), to},
                       {QStringLiteral("trigger"), trigger},
                       {QStringLiteral("forced"), forced},
                       {QStringLiteral("ok"), ok},
                       {QStringLiteral("rolledBack"), rolledBack},
                       {QStringLiteral("message"), message},
                       {QStringLiteral("startedAt"), QDateTime::fromMSecsSinceEpoch(startedAtMs, Qt::UTC).toString(Qt::ISODateWithMs)},
                       {QStringLiteral("totalMs"), totalMs},
                       {QStringLiteral("settledMs"), settledMs},
                       {QStringLiteral("probeBefore"), probeBefore},
                       {QStringLiteral("probeAfter"), probeAfter},
                       {QStringLiteral("redisPrimaryBefore"), redisPrimaryBefore},
                       {QStringLiteral("redisPrimaryAfter"), redisPrimaryAfter},
                       {QStringLiteral("steps"), list}};
}

QString FailoverReport::toText() const
{
    QString t = QStringLiteral("%1 -> %2 (%3%4): %5 in %6 ms\n")
                    .arg(from, to, trigger, forced ? QStringLiteral(", forced") : QString(),
                         ok ? QStringLiteral("done") : rolledBack ? QStringLiteral("rolled back") : QStringLiteral("FAILED"))
                    .arg(totalMs);
    for (const FailoverStep &s : steps)
        t += QStringLiteral("  %1 %2 +%3 ms  %4 ms  %5\n")
                 .arg(s.ok ? QStringLiteral("ok  ") : QStringLiteral("FAIL"), s.name.leftJustified(9))
                 .arg(s.startMs, 5).arg(s.durationMs, 5).arg(s.detail);
    if (!redisPrimaryAfter.isEmpty())
        t += QStringLiteral("  redis primary: %1 -> %2\n").arg(redisPrimaryBefore, redisPrimaryAfter);
    if (probeBefore >= 0 || probeAfter >= 0)
        t += QStringLiteral("  probe turno: %1 before, %2 after\n").arg(probeBefore).arg(probeAfter);
    if (!message.isEmpty())
        t += QStringLiteral("  ") + message + QLatin1Char('\n');
    return t;
}

// ---- the controller ---------------------------------------------------------

struct FailoverController::Run {
    FailoverReport report;
    QElapsedTimer clock;
    std::function<void(FailoverReport)> done;
    QString oldPrimary;   // Redis node names
    QString newPrimary;
    bool primaryReachable = true;
    bool paused = false;
    bool promoted = false;  // past this point nothing is rolled back
    qint64 pausedOffset = -1;
};

QString FailoverController::stateName(State s)
{
    switch (s) {
    case State::PrimaryActive: return QStringLiteral("primary-active");
    case State::SwitchingOver: return QStringLiteral("switching-over");
    case State::SecondaryActive: return QStringLiteral("secondary-active");
    case State::SwitchingBack: return QStringLiteral("switching-back");
    case State::Degraded: return QStringLiteral("degraded");
    }
    return {};
}

FailoverController::FailoverController(FleetSupervisor *supervisor, QObject *parent)
    : QObject(parent), m_supervisor(supervisor)
{
    m_clock.start();
    m_health = new QTimer(this);
    m_health->setInterval(kHealthIntervalMs);
    connect(m_health, &QTimer::timeout, this, &FailoverController::healthTick);
    if (supervisor) {
        m_automatic = supervisor->profile().failoverAuto;
        connect(supervisor, &FleetSupervisor::event, this, &FailoverController::onSupervisorEvent);
        connect(supervisor, &FleetSupervisor::ready, this, [this] {
            // The profile arrives with start(): follow it unless someone chose already.
            if (!m_automaticChosen && m_supervisor)
                m_automatic = m_supervisor->profile().failoverAuto;
            m_health->start();
            publishStatus();
        });
        if (supervisor->state() == FleetSupervisor::State::Ready)
            m_health->start();
    }
    publishStatus();
}

FailoverController::~FailoverController()
{
    if (m_run && m_run->done) {
        m_run->report.message = QStringLiteral("the supervisor stopped during the switch");
        auto done = std::move(m_run->done);
        const FailoverReport report = m_run->report;
        m_run.reset();
        done(report);
    }
}

void FailoverController::setAutomatic(bool on)
{
    m_automaticChosen = true;
    if (on == m_automatic)
        return;
    m_automatic = on;
    m_poolDownSinceMs = m_redisDownSinceMs = -1;
    emit event(QStringLiteral("failover.auto"), {},
               on ? QStringLiteral("automatic failover on") : QStringLiteral("automatic failover off"));
    publishStatus();
    emit stateChanged();
}

QString FailoverController::otherPool() const
{
    return m_active == QLatin1String("primary") ? QStringLiteral("secondary") : QStringLiteral("primary");
}

void FailoverController::setState(State s)
{
    if (s == m_state)
        return;
    m_state = s;
    publishStatus();
    emit stateChanged();
}

QJsonObject FailoverController::statusJson() const
{
    QJsonObject o{{QStringLiteral("state"), stateName()},
                  {QStringLiteral("active"), m_active},
                  {QStringLiteral("automatic"), m_automatic},
                  {QStringLiteral("busy"), busy()}};
    if (!m_last.to.isEmpty())
        o.insert(QStringLiteral("last"), m_last.toJson());
    return o;
}

void FailoverController::publishStatus()
{
    // The control API's status reads statusJson() itself (FailoverCommands).
}

quint16 FailoverController::redisPort(const QString &node) const
{
    const FleetNode *n = m_supervisor ? m_supervisor->node(node) : nullptr;
    return n ? n->port : 0;
}

QString FailoverController::replicaNode() const
{
    if (!m_supervisor)
        return {};
    for (const FleetNode *n : m_supervisor->nodes())
        if ((n->kind == FleetNode::Kind::RedisPrimary || n->kind == FleetNode::Kind::RedisReplica) &&
            n->name != m_supervisor->redisPrimaryNode())
            return n->name;
    return {};
}

bool FailoverController::sentinelManaged() const
{
    return m_supervisor && !m_supervisor->sentinelPorts().isEmpty();
}

void FailoverController::redis(const QString &node, const QList<QList<QByteArray>> &commands,
                               std::function<void(Result<QList<RespValue>>)> done, int timeoutMs)
{
    const quint16 port = redisPort(node);
    if (port == 0)
        return done(Error{QStringLiteral("no Redis node named %1").arg(node)});
    auto *client = new RespClient(QStringLiteral("127.0.0.1"), port, m_supervisor->redisPassword(), this);
    client->run(commands, [client, done](Result<QList<RespValue>> r) {
        client->deleteLater();
        done(std::move(r));
    }, timeoutMs);
}

void FailoverController::sentinel(const QList<QByteArray> &command, std::function<void(Result<RespValue>)> done, int index)
{
    const QList<quint16> ports = m_supervisor ? m_supervisor->sentinelPorts() : QList<quint16>{};
    if (index >= ports.size())
        return done(Error{QStringLiteral("no sentinel answered (%1 tried)").arg(ports.size())});
    auto *client = new RespClient(QStringLiteral("127.0.0.1"), ports[index], {}, this);
    QPointer<FailoverController> self(this);
    client->run({command}, [self, client, command, done, index](Result<QList<RespValue>> r) {
        client->deleteLater();
        if (!self)
            return;
        if (!r.ok())
            return self->sentinel(command, done, index + 1);
        done(r.value().value(0));
    }, 500);
}

void FailoverController::info(const QString &node, std::function<void(Result<QHash<QString, QString>>)> done)
{
    redis(node, {{"INFO", "replication"}}, [done](Result<QList<RespValue>> r) {
        if (!r.ok())
            return done(Error{r.error()});
        const RespValue v = r.value().value(0);
        if (v.type == RespValue::Type::Error)
            return done(Error{QString::fromUtf8(v.text)});
        done(parseInfo(v.text));
    }, 500);
}

void FailoverController::probe(std::function<void(Result<qint64>)> done, int timeoutMs)
{
    const quint16 port = m_supervisor ? m_supervisor->balancerPort() : 0;
    if (port == 0)
        return done(Error{QStringLiteral("no balancer")});
    auto *s = new QTcpSocket(this);
    auto *timer = new QTimer(s);
    auto buffer = std::make_shared<QByteArray>();
    auto finished = std::make_shared<bool>(false);
    auto finish = [s, done, finished](Result<qint64> r) {
        if (*finished)
            return;
        *finished = true;
        s->disconnect();
        s->abort();
        s->deleteLater();
        done(std::move(r));
    };
    auto parse = [buffer, finish] {
        const qsizetype head = buffer->indexOf("\r\n\r\n");
        if (head < 0)
            return false;
        const QByteArray status = buffer->left(buffer->indexOf("\r\n"));
        static const QRegularExpression turnoRe(QStringLiteral("\"turno\":(\\d+)"));
        const auto m = turnoRe.match(QString::fromLatin1(buffer->mid(head + 4)));
        if (status.contains(" 200 ") && m.hasMatch()) {
            finish(m.captured(1).toLongLong());
            return true;
        }
        if (!status.contains(" 200 ")) {
            finish(Error{QStringLiteral("balancer answered %1").arg(QString::fromLatin1(status))});
            return true;
        }
        return false;
    };
    connect(timer, &QTimer::timeout, s, [finish, timeoutMs] {
        finish(Error{QStringLiteral("no answer within %1 ms").arg(timeoutMs)});
    });
    connect(s, &QTcpSocket::connected, s, [s] {
        s->write("GET /turno/" + probeId().toLatin1() + " HTTP/1.1\r\nHost: turno\r\nConnection: close\r\n\r\n");
    });
    connect(s, &QTcpSocket::readyRead, s, [s, buffer, parse] {
        *buffer += s->readAll();
        parse();
    });
    connect(s, &QTcpSocket::disconnected, s, [parse, finish] {
        if (!parse())
            finish(Error{QStringLiteral("connection closed without a complete answer")});
    });
    connect(s, &QTcpSocket::errorOccurred, s, [s, finish](QAbstractSocket::SocketError e) {
        if (e != QAbstractSocket::RemoteHostClosedError)
            finish(Error{s->errorString()});
    });
    timer->start(timeoutMs);
    s->connectToHost(QStringLiteral("127.0.0.1"), port);
}

void FailoverController::poll(std::function<void(Done)> check, int intervalMs, int timeoutMs, Done done)
{
    auto clock = std::make_shared<QElapsedTimer>();
    clock->start();
    auto attempt = std::make_shared<std::function<void()>>();
    QPointer<FailoverController> self(this);
    std::weak_ptr<std::function<void()>> weak = attempt;
    *attempt = [self, check, intervalMs, timeoutMs, done, clock, weak] {
        if (!self)
            return;
        auto keep = weak.lock();
        check([self, intervalMs, timeoutMs, done, clock, keep](bool ok, QString detail) {
            if (!self)
                return;
            if (ok)
                return done(true, detail);
            if (clock->elapsed() >= timeoutMs)
                return done(false, QStringLiteral("not within %1 ms: %2").arg(timeoutMs).arg(detail));
            QTimer::singleShot(intervalMs, self, [keep] { (*keep)(); });
        });
    };
    (*attempt)();
}

void FailoverController::balancerRows(std::function<void(Result<QList<HaproxyStatRow>>)> done)
{
    HaproxyRuntime *h = m_supervisor ? m_supervisor->haproxyRuntime() : nullptr;
    if (!h)
        return done(Error{QStringLiteral("no balancer runtime")});
    h->send(QStringLiteral("show stat"), [done](Result<QByteArray> r) {
        if (!r.ok())
            return done(Error{r.error()});
        done(HaproxyRuntime::parseShowStat(r.value()));
    }, 1000);
}

void FailoverController::applyLayout(const QString &active, std::function<void(Result<void>)> done)
{
    HaproxyRuntime *h = m_supervisor ? m_supervisor->haproxyRuntime() : nullptr;
    if (!h)
        return done(Error{QStringLiteral("no balancer runtime")});
    QStringList commands;
    for (const FleetNode *n : m_supervisor->nodes()) {
        if (n->kind != FleetNode::Kind::Turno || n->removing)
            continue;
        const bool drain = active == QLatin1String("secondary") && n->pool == QLatin1String("primary");
        commands << QStringLiteral("set server %1/%2 state %3")
                        .arg(FleetSupervisor::backendName(), n->name, drain ? QStringLiteral("drain") : QStringLiteral("ready"));
    }
    const QString line = commands.join(QStringLiteral("; "));
    h->send(line, [done, line](Result<QByteArray> r) {
        if (!r.ok())
            return done(Error{r.error()});
        const QByteArray answer = r.value().trimmed();
        if (!answer.isEmpty())
            return done(Error{QStringLiteral("HAProxy refused \"%1\": %2").arg(line, QString::fromUtf8(answer))});
        done({});
    }, 1000);
}

// ---- pre-flight -----------------------------------------------------------------

void FailoverController::preflight(const QString &target, std::function<void(FailoverGate)> done)
{
    auto gate = std::make_shared<FailoverGate>();
    gate->target = target;
    if (!m_supervisor || m_supervisor->state() != FleetSupervisor::State::Ready) {
        gate->checks << FailoverCheck{QStringLiteral("cluster"), false,
                                      QStringLiteral("the cluster is %1, not ready")
                                          .arg(m_supervisor ? m_supervisor->stateName() : QStringLiteral("gone"))};
        return done(*gate);
    }
    QPointer<FailoverController> self(this);
    const bool redisStore = m_supervisor->profile().store == QLatin1String("redis") && m_supervisor->node(m_supervisor->redisPrimaryNode());
    const QString primary = m_supervisor->redisPrimaryNode();
    const QString replica = replicaNode();
    const qint64 maxLag = m_supervisor->profile().failoverMaxLagBytes;

    // 1. the target pool at the balancer
    balancerRows([self, gate, target, redisStore, primary, replica, maxLag, done](Result<QList<HaproxyStatRow>> rows) {
        if (!self)
            return;
        if (!rows.ok()) {
            gate->checks << FailoverCheck{QStringLiteral("balancer"), false, rows.error()};
        } else {
            QStringList up, notUp;
            for (const FleetNode *n : self->m_supervisor->nodes()) {
                if (n->kind != FleetNode::Kind::Turno || n->pool != target || n->removing)
                    continue;
                QString st = QStringLiteral("absent");
                for (const HaproxyStatRow &r : rows.value())
                    if (r.proxy == FleetSupervisor::backendName() && r.server == n->name)
                        st = r.stateName();
                // A drained node is healthy: the switch makes it ready.
                (st == QLatin1String("UP") || st == QLatin1String("DRAIN") ? up : notUp) << (n->name + QLatin1Char(' ') + st);
            }
            const bool ok = !up.isEmpty() && notUp.isEmpty();
            gate->checks << FailoverCheck{QStringLiteral("target-pool"), ok,
                                          QStringLiteral("%1 pool: %2 of %3 nodes healthy%4")
                                              .arg(target).arg(up.size()).arg(up.size() + notUp.size())
                                              .arg(notUp.isEmpty() ? QString() : QStringLiteral(" (") + notUp.join(QStringLiteral(", ")) + QLatin1Char(')'))};
        }
        if (!redisStore || replica.isEmpty()) {
            if (redisStore)
                gate->checks << FailoverCheck{QStringLiteral("replica"), false, QStringLiteral("no Redis replica to promote")};
            return done(*gate);
        }
        // 2. the Redis pair
        self->info(primary, [self, gate, primary, replica, maxLag, done](Result<QHash<QString, QString>> p) {
            if (!self)
                return;
            self->info(replica, [self, gate, primary, replica, maxLag, done, p](Result<QHash<QString, QString>> r) {
                if (!self)
                    return;
                if (!p.ok()) {
                    gate->checks << FailoverCheck{QStringLiteral("primary"), false,
                                                  QStringLiteral("%1 unreachable: %2").arg(primary, p.error())};
                } else {
                    const bool master = p.value().value(QStringLiteral("role")) == QLatin1String("master");
                    gate->checks << FailoverCheck{QStringLiteral("primary"), master,
                                                  QStringLiteral("%1 role:%2, %3 connected replica(s)")
                                                      .arg(primary, p.value().value(QStringLiteral("role")),
                                                           p.value().value(QStringLiteral("connected_slaves")))};
                }
                if (!r.ok()) {
                    gate->checks << FailoverCheck{QStringLiteral("replica-link"), false,
                                                  QStringLiteral("%1 unreachable: %2").arg(replica, r.error())};
                } else {
                    const auto &ri = r.value();
                    const bool link = ri.value(QStringLiteral("role")) == QLatin1String("slave") &&
                                      ri.value(QStringLiteral("master_link_status")) == QLatin1String("up");
                    const bool synced = ri.value(QStringLiteral("master_sync_in_progress")) == QLatin1String("0");
                    gate->checks << FailoverCheck{QStringLiteral("replica-link"), link && synced,
                                                  QStringLiteral("%1 role:%2 master_link_status:%3 master_sync_in_progress:%4")
                                                      .arg(replica, ri.value(QStringLiteral("role")),
                                                           ri.value(QStringLiteral("master_link_status"), QStringLiteral("-")),
                                                           ri.value(QStringLiteral("master_sync_in_progress"), QStringLiteral("-")))};
                    if (p.ok()) {
                        const qint64 po = p.value().value(QStringLiteral("master_repl_offset")).toLongLong();
                        const qint64 ro = ri.value(QStringLiteral("slave_repl_offset")).toLongLong();
                        const bool sameHistory = p.value().value(QStringLiteral("master_replid")) ==
                                                 ri.value(QStringLiteral("master_replid"));
                        gate->checks << FailoverCheck{QStringLiteral("replica-offset"), sameHistory && po - ro <= maxLag,
                                                      QStringLiteral("primary offset %1, replica %2 (behind %3 bytes, bound %4)%5")
                                                          .arg(po).arg(ro).arg(std::max<qint64>(0, po - ro)).arg(maxLag)
                                                          .arg(sameHistory ? QString() : QStringLiteral("; different replication ids"))};
                    }
                }
                if (!self->sentinelManaged())
                    return done(*gate);
                // 3. Sentinel agrees and can act
                const QByteArray master = self->m_supervisor->profile().sentinelMaster.toUtf8();
                const quint16 replicaPort = self->redisPort(replica);
                self->sentinel({"SENTINEL", "CKQUORUM", master}, [self, gate, done, master, replica, replicaPort](Result<RespValue> q) {
                    if (!self)
                        return;
                    gate->checks << FailoverCheck{QStringLiteral("sentinel-quorum"),
                                                  q.ok() && q.value().type != RespValue::Type::Error,
                                                  q.ok() ? pretty(q.value()) : q.error()};
                    // Sentinel promotes only a replica it knows and sees healthy, from the primary it knows.
                    const quint16 primaryPort = self->redisPort(self->m_supervisor->redisPrimaryNode());
                    const QString primaryName = self->m_supervisor->redisPrimaryNode();
                    self->sentinel({"SENTINEL", "GET-MASTER-ADDR-BY-NAME", master}, [self, gate, done, master, replica, replicaPort, primaryPort, primaryName](Result<RespValue> named) {
                    if (!self)
                        return;
                    const bool same = named.ok() && named.value().items.size() == 2 &&
                                      named.value().items[1].text == QByteArray::number(primaryPort);
                    gate->checks << FailoverCheck{QStringLiteral("sentinel-primary"), same,
                                                  same ? QStringLiteral("Sentinel names %1").arg(primaryName)
                                                       : QStringLiteral("Sentinel names %1, not %2 (a switch is still settling)")
                                                             .arg(named.ok() ? pretty(named.value()) : named.error(), primaryName)};
                    self->sentinel({"SENTINEL", "REPLICAS", master}, [gate, done, replica, replicaPort](Result<RespValue> known) {
                        QString flags;
                        if (known.ok())
                            for (const RespValue &entry : known.value().items) {
                                QHash<QByteArray, QByteArray> f;
                                for (qsizetype i = 0; i + 1 < entry.items.size(); i += 2)
                                    f.insert(entry.items[i].text, entry.items[i + 1].text);
                                if (f.value("port") == QByteArray::number(replicaPort))
                                    flags = QString::fromUtf8(f.value("flags"));
                            }
                        const bool ok = !flags.isEmpty() && !flags.contains(QLatin1String("down")) &&
                                        !flags.contains(QLatin1String("disconnected"));
                        gate->checks << FailoverCheck{QStringLiteral("sentinel-replica"), ok,
                                                      !known.ok() ? known.error()
                                                      : flags.isEmpty() ? QStringLiteral("Sentinel does not know %1 yet (it learns replicas from the primary's INFO, every 10 s)").arg(replica)
                                                                        : QStringLiteral("Sentinel sees %1 as %2").arg(replica, flags)};
                        done(*gate);
                    });
                    });
                });
            });
        });
    });
}

// ---- the switch ---------------------------------------------------------------

void FailoverController::switchTo(const QString &target, bool force, const QString &trigger,
                                  std::function<void(FailoverReport)> done)
{
    FailoverReport refused;
    refused.from = m_active;
    refused.to = target;
    refused.trigger = trigger;
    refused.forced = force;
    refused.startedAtMs = QDateTime::currentMSecsSinceEpoch();
    auto refuse = [this, &refused, &done](const QString &why) {
        refused.message = why;
        emit event(QStringLiteral("failover.refused"), {}, QStringLiteral("switch to %1 refused: %2").arg(refused.to, why));
        done(refused);
    };
    if (target != QLatin1String("primary") && target != QLatin1String("secondary"))
        return refuse(QStringLiteral("unknown pool \"%1\"; use primary or secondary").arg(target));
    if (!m_supervisor || m_supervisor->state() != FleetSupervisor::State::Ready)
        return refuse(QStringLiteral("the cluster is not ready"));
    if (busy())
        return refuse(QStringLiteral("a switch is already running (%1)").arg(stateName()));
    if (target == m_active && m_state != State::Degraded)
        return refuse(QStringLiteral("the %1 pool is already active").arg(target));
    bool targetHasNodes = false;
    for (const FleetNode *n : m_supervisor->nodes())
        targetHasNodes |= n->kind == FleetNode::Kind::Turno && n->pool == target && !n->removing;
    if (!targetHasNodes)
        return refuse(QStringLiteral("the %1 pool has no nodes; scale it first (turnoctl scale %1 N)").arg(target));

    m_run = std::make_unique<Run>();
    m_run->clock.start();
    m_run->report = refused;
    m_run->done = std::move(done);
    m_run->oldPrimary = m_supervisor->redisPrimaryNode();
    m_run->newPrimary = replicaNode();
    m_run->report.redisPrimaryBefore = m_supervisor->node(m_run->oldPrimary) ? m_run->oldPrimary : QString();
    setState(target == QLatin1String("secondary") ? State::SwitchingOver : State::SwitchingBack);
    emit event(QStringLiteral("failover.start"), {},
               QStringLiteral("switch %1 -> %2 started (%3%4)").arg(m_active, target, trigger,
                                                                       force ? QStringLiteral(", forced") : QString()));

    QPointer<FailoverController> self(this);
    step(QStringLiteral("gate"), [self, target, force](Done stepDone) {
        self->preflight(target, [self, force, stepDone](FailoverGate gate) {
            if (!self || !self->m_run)
                return;
            for (const FailoverCheck &c : gate.checks)
                if (c.name == QLatin1String("primary") && !c.ok && c.detail.contains(QLatin1String("unreachable")))
                    self->m_run->primaryReachable = false;
            if (gate.ok())
                return stepDone(true, QStringLiteral("%1 checks passed").arg(gate.checks.size()));
            if (force)
                return stepDone(true, QStringLiteral("forced past: ") + gate.failures());
            stepDone(false, gate.failures());
        });
    }, [self] {
        self->step(QStringLiteral("probe"), [self](Done stepDone) {
            if (!self->m_run->primaryReachable)
                return stepDone(true, QStringLiteral("skipped: the Redis primary is unreachable, nothing can answer"));
            self->probe([self, stepDone](Result<qint64> r) {
                if (!self || !self->m_run)
                    return;
                if (r.ok()) {
                    self->m_run->report.probeBefore = r.value();
                    return stepDone(true, QStringLiteral("probe turno %1 through the balancer").arg(r.value()));
                }
                // Nothing answers (the reason for an automatic switch, usually): verify needs an answer only.
                stepDone(true, QStringLiteral("no answer before the switch (%1); verify checks the answer only").arg(r.error()));
            }, 500);
        }, [self] { self->stepDrain(); });
    });
}

void FailoverController::step(const QString &name, std::function<void(Done)> body, std::function<void()> next)
{
    if (!m_run)
        return;
    emit stepStarted(name);
    const qint64 start = m_run->clock.elapsed();
    const int timeoutMs = m_supervisor ? m_supervisor->profile().failoverStepTimeoutMs : 3000;
    auto answered = std::make_shared<bool>(false);
    QPointer<FailoverController> self(this);
    auto finishStep = [self, name, start, next, answered](bool ok, QString detail) {
        if (!self || !self->m_run || *answered)
            return;
        *answered = true;
        FailoverStep s{name, start, self->m_run->clock.elapsed() - start, ok, detail};
        self->m_run->report.steps << s;
        emit self->stepFinished(s);
        emit self->event(QStringLiteral("failover.step"), {},
                         QStringLiteral("%1 %2 in %3 ms: %4").arg(name, ok ? QStringLiteral("ok") : QStringLiteral("FAILED"))
                             .arg(s.durationMs).arg(detail));
        if (ok)
            return next();
        if (name == QLatin1String("gate"))
            return self->finish(false, QStringLiteral("refused by the pre-flight gate: %1. Fix it, or pass --force to switch anyway")
                                           .arg(detail));
        if (!self->m_run->promoted)
            return self->rollback(QStringLiteral("%1 failed: %2").arg(name, detail));
        self->finish(false, QStringLiteral("%1 failed after the Redis roles changed: %2").arg(name, detail));
    };
    // Every step is bounded, whatever its body waits for.
    QTimer::singleShot(timeoutMs + 500, this, [finishStep, timeoutMs] {
        finishStep(false, QStringLiteral("step timed out after %1 ms").arg(timeoutMs + 500));
    });
    body(finishStep);
}

void FailoverController::stepDrain()
{
    QPointer<FailoverController> self(this);
    const QString target = m_run->report.to;
    step(QStringLiteral("drain"), [self, target](Done stepDone) {
        self->applyLayout(target, [self, target, stepDone](Result<void> r) {
            if (!self)
                return;
            if (!r.ok())
                return stepDone(false, r.error());
            stepDone(true, target == QLatin1String("secondary")
                               ? QStringLiteral("primary pool drained at HAProxy; the secondary pool takes new requests")
                               : QStringLiteral("primary pool ready at HAProxy; the secondary pool (backup) takes no new requests"));
        });
    }, [self] { self->stepPause(); });
}

void FailoverController::stepPause()
{
    QPointer<FailoverController> self(this);
    Run *run = m_run.get();
    if (run->report.redisPrimaryBefore.isEmpty() || run->newPrimary.isEmpty()) {
        // Memory store or no replica: the switch moves traffic only.
        return stepActivate();
    }
    step(QStringLiteral("pause"), [self, run](Done stepDone) {
        if (!run->primaryReachable)
            return stepDone(true, QStringLiteral("%1 unreachable: nothing to pause; it is treated as lost").arg(run->oldPrimary));
        const int pauseMs = self->m_supervisor->profile().failoverStepTimeoutMs * 3;
        self->redis(run->oldPrimary, {{"CLIENT", "PAUSE", QByteArray::number(pauseMs), "WRITE"}, {"INFO", "replication"}},
                    [self, run, stepDone, pauseMs](Result<QList<RespValue>> r) {
            if (!self)
                return;
            if (!r.ok()) {
                run->primaryReachable = false;
                return stepDone(true, QStringLiteral("%1 unreachable (%2): nothing to pause; it is treated as lost")
                                          .arg(run->oldPrimary, r.error()));
            }
            run->primaryReachable = true;
            if (r.value().value(0).type == RespValue::Type::Error)
                return stepDone(false, QStringLiteral("CLIENT PAUSE refused: ") + pretty(r.value().value(0)));
            run->paused = true;
            run->pausedOffset = parseInfo(r.value().value(1).text).value(QStringLiteral("master_repl_offset")).toLongLong();
            stepDone(true, QStringLiteral("writes paused on %1 (at most %2 ms) at offset %3")
                               .arg(run->oldPrimary).arg(pauseMs).arg(run->pausedOffset));
        }, 500);
    }, [self] { self->stepCatchUp(); });
}

void FailoverController::stepCatchUp()
{
    QPointer<FailoverController> self(this);
    Run *run = m_run.get();
    if (!run->paused)
        return stepPromote();
    const int timeoutMs = m_supervisor->profile().failoverStepTimeoutMs;
    step(QStringLiteral("catch-up"), [self, run, timeoutMs](Done stepDone) {
        self->poll([self, run](Done check) {
            self->info(run->newPrimary, [run, check](Result<QHash<QString, QString>> r) {
                if (!r.ok())
                    return check(false, r.error());
                const qint64 offset = r.value().value(QStringLiteral("slave_repl_offset")).toLongLong();
                check(offset >= run->pausedOffset,
                      QStringLiteral("replica at offset %1, primary at %2").arg(offset).arg(run->pausedOffset));
            });
        }, kPollMs, timeoutMs, stepDone);
    }, [self] { self->stepPromote(); });
}

void FailoverController::stepPromote()
{
    QPointer<FailoverController> self(this);
    Run *run = m_run.get();
    const int timeoutMs = m_supervisor->profile().failoverStepTimeoutMs;
    const QByteArray master = m_supervisor->profile().sentinelMaster.toUtf8();
    step(QStringLiteral("promote"), [self, run, timeoutMs, master](Done stepDone) {
        auto waitForRole = [self, run, timeoutMs, stepDone](const QString &how) {
            self->poll([self, run](Done check) {
                self->redis(run->newPrimary, {{"ROLE"}}, [self, run, check](Result<QList<RespValue>> r) {
                    if (!self)
                        return;
                    const RespValue role = r.ok() ? r.value().value(0) : RespValue{};
                    const QByteArray name = role.items.isEmpty() ? QByteArray() : role.items.first().text;
                    // Done at the role change: the demoted primary then names it to the nodes (they follow
                    // a replica's primary at once) and Sentinel confirms within its INFO period, checked
                    // after verify.
                    check(name == "master", name == "master" ? QStringLiteral("%1 is primary").arg(run->newPrimary)
                                                             : QStringLiteral("%1 role is %2").arg(run->newPrimary, r.ok() ? QString::fromUtf8(name) : r.error()));
                });
            }, kPollMs, timeoutMs, [run, how, stepDone](bool ok, QString detail) {
                // Still a replica: nothing changed after all (Sentinel took the request but did not act,
                // e.g. in TILT mode on a starved machine), so this is rolled back like an earlier step.
                // Should Sentinel promote later, the controller follows its view.
                if (!ok && detail.contains(QLatin1String("role is slave")))
                    run->promoted = false;
                stepDone(ok, how + QStringLiteral("; ") + detail);
            });
        };
        if (self->sentinelManaged()) {
            self->sentinel({"SENTINEL", "FAILOVER", master}, [self, run, waitForRole, stepDone](Result<RespValue> r) {
                if (!self)
                    return;
                if (!r.ok())
                    return stepDone(false, r.error());
                const QString answer = pretty(r.value());
                if (r.value().type == RespValue::Type::Error && !answer.startsWith(QLatin1String("INPROG")))
                    return stepDone(false, QStringLiteral("SENTINEL FAILOVER refused: ") + answer);
                run->promoted = true;
                waitForRole(QStringLiteral("SENTINEL FAILOVER: ") + answer);
            });
        } else if (run->primaryReachable) {
            // The replica already holds every byte (pause + catch-up above); FAILOVER's own wait for the
            // replica's next ACK (up to a second) adds nothing, so FORCE it after 100 ms.
            Q_UNUSED(timeoutMs);
            const QByteArray port = QByteArray::number(self->redisPort(run->newPrimary));
            self->redis(run->oldPrimary, {{"FAILOVER", "TO", "127.0.0.1", port, "FORCE", "TIMEOUT", "100"}},
                        [self, run, waitForRole, stepDone](Result<QList<RespValue>> r) {
                if (!self)
                    return;
                if (!r.ok() || r.value().value(0).type == RespValue::Type::Error)
                    return stepDone(false, QStringLiteral("FAILOVER refused: ") + (r.ok() ? pretty(r.value().value(0)) : r.error()));
                run->promoted = true;
                waitForRole(QStringLiteral("FAILOVER on %1").arg(run->oldPrimary));
            });
        } else {
            self->redis(run->newPrimary, {{"REPLICAOF", "NO", "ONE"}}, [self, run, waitForRole, stepDone](Result<QList<RespValue>> r) {
                if (!self)
                    return;
                if (!r.ok() || r.value().value(0).type == RespValue::Type::Error)
                    return stepDone(false, QStringLiteral("REPLICAOF NO ONE refused: ") + (r.ok() ? pretty(r.value().value(0)) : r.error()));
                run->promoted = true;
                waitForRole(QStringLiteral("REPLICAOF NO ONE on %1 (the primary is gone)").arg(run->newPrimary));
            });
        }
    }, [self] { self->stepGap(); });
}

void FailoverController::stepGap()
{
    // Async durability answers before the replica has the increment: a lost primary may take
    // acknowledged numbers with it. Before any node writes to the promoted replica, every
    // counter jumps by the profile's gap, so those numbers are not handed out again. A planned
    // switch waited for the replica to hold everything (catch-up) and needs no gap.
    Run *run = m_run.get();
    const ClusterProfile &p = m_supervisor->profile();
    if (p.durability != QLatin1String("async") || run->paused || p.failoverAsyncGap <= 0)
        return stepFence();
    QPointer<FailoverController> self(this);
    const QByteArray gap = QByteArray::number(p.failoverAsyncGap);
    step(QStringLiteral("gap"), [self, run, gap](Done stepDone) {
        // The promoted node counts no replica yet (min-replicas-to-write): lift that for these writes only.
        self->redis(run->newPrimary, {{"CONFIG", "GET", "min-replicas-to-write"}, {"CONFIG", "SET", "min-replicas-to-write", "0"}},
                    [self, run, gap, stepDone](Result<QList<RespValue>> r) {
            if (!self)
                return;
            if (!r.ok())
                return stepDone(false, r.error());
            const QByteArray before = r.value().value(0).items.value(1).text;
            auto raised = std::make_shared<qint64>(0);
            auto scan = std::make_shared<std::function<void(QByteArray)>>();
            std::weak_ptr<std::function<void(QByteArray)>> weak = scan;
            *scan = [self, run, gap, before, raised, stepDone, weak](QByteArray cursor) {
                auto keep = weak.lock();
                self->redis(run->newPrimary, {{"SCAN", cursor, "MATCH", "turno:*", "COUNT", "1000"}},
                            [self, run, gap, before, raised, stepDone, keep](Result<QList<RespValue>> s) {
                    if (!self)
                        return;
                    auto restore = [self, run, before, stepDone](bool ok, const QString &detail) {
                        self->redis(run->newPrimary, {{"CONFIG", "SET", "min-replicas-to-write", before.isEmpty() ? QByteArray("1") : before}},
                                    [stepDone, ok, detail](Result<QList<RespValue>>) { stepDone(ok, detail); });
                    };
                    if (!s.ok() || s.value().value(0).items.size() != 2)
                        return restore(false, QStringLiteral("SCAN failed: ") + (s.ok() ? pretty(s.value().value(0)) : s.error()));
                    const RespValue page = s.value().value(0);
                    const QByteArray next = page.items[0].text;
                    QList<QByteArray> eval{"EVAL", kGapScript, QByteArray::number(page.items[1].items.size())};
                    for (const RespValue &k : page.items[1].items)
                        eval << k.text;
                    eval << gap;
                    self->redis(run->newPrimary, {eval}, [self, next, gap, raised, restore, keep](Result<QList<RespValue>> e) {
                        if (!self)
                            return;
                        if (!e.ok() || e.value().value(0).type == RespValue::Type::Error)
                            return restore(false, QStringLiteral("raising the counters failed: ") + (e.ok() ? pretty(e.value().value(0)) : e.error()));
                        *raised += e.value().value(0).integer;
                        if (next == "0")
                            return restore(true, QStringLiteral("%1 counters raised by %2 (async durability, the primary was lost)")
                                                     .arg(*raised).arg(QString::fromLatin1(gap)));
                        (*keep)(next);
                    }, 2000);
                }, 2000);
            };
            (*scan)("0");
        });
    }, [self] { self->stepFence(); });
}

void FailoverController::stepFence()
{
    QPointer<FailoverController> self(this);
    Run *run = m_run.get();
    const int timeoutMs = m_supervisor->profile().failoverStepTimeoutMs;
    const quint16 newPort = redisPort(run->newPrimary);
    m_supervisor->setRedisPrimaryNode(run->newPrimary);
    run->report.redisPrimaryAfter = run->newPrimary;
    step(QStringLiteral("fence"), [self, run, timeoutMs, newPort](Done stepDone) {
        // The new primary accepts writes once it counts a replica (min-replicas-to-write): the old primary, demoted.
        auto waitForReplica = [self, run, timeoutMs, stepDone](const QString &how) {
            self->poll([self, run](Done check) {
                self->info(run->newPrimary, [check](Result<QHash<QString, QString>> r) {
                    if (!r.ok())
                        return check(false, r.error());
                    const QString slave = r.value().value(QStringLiteral("slave0"));
                    check(slave.contains(QLatin1String("state=online")),
                          slave.isEmpty() ? QStringLiteral("no replica attached yet") : QStringLiteral("replica ") + slave);
                });
            }, kPollMs, timeoutMs, [how, stepDone](bool ok, QString detail) { stepDone(ok, how + QStringLiteral("; ") + detail); });
        };
        if (!run->primaryReachable) {
            self->m_supervisor->restartRedisAsReplica(run->oldPrimary, [run, waitForReplica, stepDone](Result<void> r) {
                if (!r.ok())
                    return stepDone(false, QStringLiteral("%1 is lost and could not be restarted as a replica: %2")
                                               .arg(run->oldPrimary, r.error()));
                waitForReplica(QStringLiteral("%1 was lost; restarted empty as a replica of %2").arg(run->oldPrimary, run->newPrimary));
            });
            return;
        }
        // Demote (what Sentinel would do once it notices), cut its clients off, then let the paused ones go: they
        // find a replica (READONLY, nothing consumed) or a closed connection, and follow Sentinel.
        self->redis(run->oldPrimary, {{"REPLICAOF", "127.0.0.1", QByteArray::number(newPort)},
                                      {"CLIENT", "KILL", "TYPE", "normal"},
                                      {"CLIENT", "UNPAUSE"}},
                    [self, run, waitForReplica, stepDone](Result<QList<RespValue>> r) {
            if (!self)
                return;
            if (!r.ok()) {
                // It went away meanwhile: treat it as lost.
                run->primaryReachable = false;
                self->m_supervisor->restartRedisAsReplica(run->oldPrimary, [run, waitForReplica, stepDone](Result<void> rr) {
                    if (!rr.ok())
                        return stepDone(false, rr.error());
                    waitForReplica(QStringLiteral("%1 vanished during the fence; restarted as a replica").arg(run->oldPrimary));
                });
                return;
            }
            run->paused = false;
            QStringList answers;
            for (const RespValue &v : r.value())
                answers << pretty(v);
            waitForReplica(QStringLiteral("%1 demoted, clients cut off, unpaused (%2)").arg(run->oldPrimary, answers.join(QStringLiteral(", "))));
        });
    }, [self] { self->stepActivate(); });
}

void FailoverController::stepActivate()
{
    QPointer<FailoverController> self(this);
    const QString target = m_run->report.to;
    const int timeoutMs = m_supervisor->profile().failoverStepTimeoutMs;
    step(QStringLiteral("activate"), [self, target, timeoutMs](Done stepDone) {
        // Nodes that failed their checks while Redis was away would need `rise` more checks to
        // come back; the data tier is fine again, so mark running ones up now. The next check
        // still overrules: a node that is really broken goes DOWN again.
        QStringList commands;
        for (const FleetNode *n : self->m_supervisor->nodes())
            if (n->kind == FleetNode::Kind::Turno && n->pool == target && !n->removing && n->state == NodeState::Running)
                commands << QStringLiteral("set server %1/%2 health up").arg(FleetSupervisor::backendName(), n->name);
        if (HaproxyRuntime *h = self->m_supervisor->haproxyRuntime(); h && !commands.isEmpty())
            h->send(commands.join(QStringLiteral("; ")), [](Result<QByteArray>) {}, 1000);
        self->poll([self, target](Done check) {
            self->balancerRows([self, target, check](Result<QList<HaproxyStatRow>> rows) {
                if (!self)
                    return;
                if (!rows.ok())
                    return check(false, rows.error());
                QStringList up;
                for (const HaproxyStatRow &r : rows.value())
                    if (r.proxy == FleetSupervisor::backendName() && r.state() == BalancerState::Up) {
                        const FleetNode *n = self->m_supervisor->node(r.server);
                        if (n && n->pool == target)
                            up << r.server;
                    }
                check(!up.isEmpty(), QStringLiteral("%1 pool serving: %2").arg(target, up.isEmpty() ? QStringLiteral("none UP") : up.join(QStringLiteral(", "))));
            });
        }, 20, timeoutMs, stepDone);
    }, [self] {
        self->m_active = self->m_run->report.to;
        self->stepVerify();
    });
}

void FailoverController::stepVerify()
{
    QPointer<FailoverController> self(this);
    Run *run = m_run.get();
    const int timeoutMs = m_supervisor->profile().failoverStepTimeoutMs;
    step(QStringLiteral("verify"), [self, run, timeoutMs](Done stepDone) {
        self->poll([self, run, timeoutMs](Done check) {
            // Nodes hold a request while their Redis link comes back (retry window): wait for the answer.
            self->probe([run, check](Result<qint64> r) {
                if (!r.ok())
                    return check(false, r.error());
                run->report.probeAfter = r.value();
                check(true, {});
            }, timeoutMs);
        }, 20, timeoutMs, [run, stepDone](bool ok, QString detail) {
            if (!ok)
                return stepDone(false, QStringLiteral("no good turno through the balancer: ") + detail);
            if (run->report.probeBefore >= 0 && run->report.probeAfter <= run->report.probeBefore)
                return stepDone(false, QStringLiteral("ALARM: the probe answered %1, not above %2 issued before the switch: "
                                                      "the data tier lost writes")
                                           .arg(run->report.probeAfter).arg(run->report.probeBefore));
            stepDone(true, run->report.probeBefore >= 0
                               ? QStringLiteral("probe turno %1 > %2 issued before").arg(run->report.probeAfter).arg(run->report.probeBefore)
                               : QStringLiteral("probe turno %1").arg(run->report.probeAfter));
        });
    }, [self] { self->stepSentinel(); });
}

void FailoverController::stepSentinel()
{
    // Not part of the switch's own time (clients are served already); the next switch's gate needs it.
    if (!sentinelManaged() || m_run->report.redisPrimaryAfter.isEmpty())
        return finish(true, {});
    m_run->report.switchMs = m_run->clock.elapsed();
    QPointer<FailoverController> self(this);
    Run *run = m_run.get();
    const QByteArray master = m_supervisor->profile().sentinelMaster.toUtf8();
    const quint16 newPort = redisPort(run->newPrimary);
    const int timeoutMs = m_supervisor->profile().failoverStepTimeoutMs;
    step(QStringLiteral("sentinel"), [self, run, master, newPort, timeoutMs](Done stepDone) {
        self->poll([self, run, master, newPort](Done check) {
            self->sentinel({"SENTINEL", "GET-MASTER-ADDR-BY-NAME", master}, [run, newPort, check](Result<RespValue> s) {
                const bool named = s.ok() && s.value().items.size() == 2 && s.value().items[1].text == QByteArray::number(newPort);
                check(named, named ? QStringLiteral("Sentinel names %1").arg(run->newPrimary)
                                   : QStringLiteral("Sentinel still names %1").arg(s.ok() ? pretty(s.value()) : s.error()));
            });
        }, 20, timeoutMs, [self, run, stepDone](bool ok, QString detail) {
            // Clients are served already and the nodes follow the demoted primary; a Sentinel that is
            // slow to agree (a starved machine) is worth a warning, not a degraded cluster. The next
            // gate waits for it, and the controller keeps following Sentinel's view.
            if (!ok)
                run->report.message = QStringLiteral("warning: Sentinel did not name %1 within the step's bound (%2); "
                                                     "the next switch waits for it").arg(run->newPrimary, detail);
            stepDone(true, ok ? detail : QStringLiteral("not yet: ") + detail);
        });
    }, [self] { self->finish(true, self->m_run ? self->m_run->report.message : QString()); });
}

void FailoverController::rollback(const QString &why)
{
    QPointer<FailoverController> self(this);
    Run *run = m_run.get();
    const QString source = run->report.from;
    auto undoLayout = [self, source, why] {
        self->applyLayout(source, [self, why, source](Result<void> r) {
            if (!self || !self->m_run)
                return;
            self->m_run->report.rolledBack = r.ok();
            if (!r.ok())
                return self->finish(false, QStringLiteral("%1; rolling back the balancer failed too (%2): put the %3 pool back "
                                                          "by hand (turnoctl enable NODE)").arg(why, r.error(), source));
            self->finish(false, QStringLiteral("%1; rolled back: the %2 pool serves as before, Redis roles unchanged")
                                    .arg(why, source));
        });
    };
    if (run->paused && run->primaryReachable) {
        redis(run->oldPrimary, {{"CLIENT", "UNPAUSE"}}, [undoLayout](Result<QList<RespValue>>) { undoLayout(); }, 500);
        run->paused = false;
        return;
    }
    undoLayout();
}

void FailoverController::finish(bool ok, const QString &message)
{
    if (!m_run)
        return;
    std::unique_ptr<Run> run = std::move(m_run);
    FailoverReport &report = run->report;
    report.ok = ok;
    report.message = message;
    report.totalMs = report.switchMs >= 0 ? report.switchMs : run->clock.elapsed();
    report.settledMs = run->clock.elapsed();
    if (ok) {
        m_active = report.to;
        setState(report.to == QLatin1String("primary") ? State::PrimaryActive : State::SecondaryActive);
    } else if (report.rolledBack || report.steps.isEmpty() || report.steps.last().name == QLatin1String("gate")) {
        setState(m_active == QLatin1String("primary") ? State::PrimaryActive : State::SecondaryActive);
    } else {
        setState(State::Degraded);
        if (report.message.isEmpty())
            report.message = QStringLiteral("stopped half way");
        report.message += QStringLiteral(". The cluster is degraded: check `turnoctl status`, the Redis roles "
                                         "(redis-cli ROLE) and Sentinel's view, then run `turnoctl failover --force` or "
                                         "`turnoctl failback --force`");
    }
    m_last = report;
    publishStatus();
    emit event(QStringLiteral("failover.end"), {},
               ok ? QStringLiteral("switch %1 -> %2 done in %3 ms").arg(report.from, report.to).arg(report.totalMs)
                  : QStringLiteral("switch %1 -> %2 did not complete: %3").arg(report.from, report.to, report.message));
    emit finished(report);
    emit stateChanged();
    if (run->done)
        run->done(report);
}

// ---- automatic mode -------------------------------------------------------

void FailoverController::onSupervisorEvent(const FleetEvent &e)
{
    const QString &node = e.node;
    if (e.kind == FleetEvent::Kind::RedisPrimaryDown && m_supervisor && node == m_supervisor->redisPrimaryNode()) {
        // A supervised process that exited is certainly down: no need to wait afterMs.
        if (m_automatic)
            autoSwitch(QStringLiteral("the Redis primary %1 exited").arg(node), true);
    }
}

void FailoverController::autoSwitch(const QString &reason, bool certain)
{
    if (!m_automatic || busy() || m_state == State::Degraded)
        return;
    const qint64 now = m_clock.elapsed();
    // Health-based triggers wait out a cooldown so a flapping signal cannot bounce the
    // cluster back and forth; an exited primary process is no signal to doubt.
    if (!certain && m_lastAutoMs >= 0 && now - m_lastAutoMs < kAutoCooldownMs)
        return;
    m_lastAutoMs = now;
    m_poolDownSinceMs = m_redisDownSinceMs = -1;
    const QString target = otherPool();
    emit event(QStringLiteral("failover.auto"), {}, QStringLiteral("automatic switch to %1: %2").arg(target, reason));
    switchTo(target, true, QStringLiteral("automatic: ") + reason, [](FailoverReport) {});
}

void FailoverController::adoptSentinelView()
{
    // Sentinel may promote on its own (automatic mode off, or it was faster): follow its view.
    if (!sentinelManaged() || busy())
        return;
    const QByteArray master = m_supervisor->profile().sentinelMaster.toUtf8();
    QPointer<FailoverController> self(this);
    sentinel({"SENTINEL", "GET-MASTER-ADDR-BY-NAME", master}, [self](Result<RespValue> r) {
        if (!self || !self->m_supervisor || self->busy() || !r.ok() || r.value().items.size() != 2)
            return;
        const quint16 port = quint16(r.value().items[1].text.toUInt());
        const QString current = self->m_supervisor->redisPrimaryNode();
        if (port == 0 || port == self->redisPort(current))
            return;
        const QString named = self->replicaNode();
        if (self->redisPort(named) != port)
            return;
        // Sentinel may only lag behind a switch this controller made: follow it only to a node
        // that really is primary now.
        self->redis(named, {{"ROLE"}}, [self, named, current](Result<QList<RespValue>> role) {
            if (!self || !self->m_supervisor || self->busy() || !role.ok() || role.value().value(0).items.isEmpty() ||
                role.value().value(0).items.first().text != "master" || self->m_supervisor->redisPrimaryNode() != current)
                return;
            emit self->event(QStringLiteral("failover.step"), named,
                             QStringLiteral("Sentinel promoted %1 on its own; following it").arg(named));
            self->m_supervisor->setRedisPrimaryNode(named);
            const FleetNode *old = self->m_supervisor->node(current);
            if (old && old->state == NodeState::Down)
                self->m_supervisor->restartRedisAsReplica(current, [](Result<void>) {});
        }, 500);
    });
}

void FailoverController::healthTick()
{
    if (!m_supervisor || m_supervisor->state() != FleetSupervisor::State::Ready || m_healthPending || busy())
        return;
    // Sentinel's own moves are rare: once a second is soon enough to follow them.
    if (++m_ticks % 5 == 0)
        adoptSentinelView();
    if (!m_automatic || m_state == State::Degraded)
        return;
    m_healthPending = true;
    QPointer<FailoverController> self(this);
    const int afterMs = m_supervisor->profile().failoverAfterMs;
    balancerRows([self, afterMs](Result<QList<HaproxyStatRow>> rows) {
        if (!self)
            return;
        const qint64 now = self->m_clock.elapsed();
        if (rows.ok()) {
            int total = 0, up = 0, otherUp = 0;
            for (const HaproxyStatRow &r : rows.value()) {
                if (r.proxy != FleetSupervisor::backendName())
                    continue;
                const FleetNode *n = self->m_supervisor->node(r.server);
                if (!n)
                    continue;
                if (n->pool == self->m_active) {
                    ++total;
                    up += r.state() == BalancerState::Up ? 1 : 0;
                } else if (r.state() == BalancerState::Up || r.state() == BalancerState::Drain) {
                    ++otherUp;
                }
            }
            if (total > 0 && up == 0 && otherUp > 0) {
                if (self->m_poolDownSinceMs < 0)
                    self->m_poolDownSinceMs = now;
                if (now - self->m_poolDownSinceMs >= afterMs) {
                    self->m_healthPending = false;
                    return self->autoSwitch(QStringLiteral("all %1 nodes of the %2 pool DOWN for %3 ms")
                                                .arg(total).arg(self->m_active).arg(now - self->m_poolDownSinceMs), false);
                }
            } else {
                self->m_poolDownSinceMs = -1;
            }
        }
        const QString primary = self->m_supervisor->redisPrimaryNode();
        if (!self->m_supervisor->node(primary) || self->replicaNode().isEmpty()) {
            self->m_healthPending = false;
            return;
        }
        self->redis(primary, {{"PING"}}, [self, afterMs, primary](Result<QList<RespValue>> r) {
            if (!self)
                return;
            self->m_healthPending = false;
            const qint64 at = self->m_clock.elapsed();
            if (r.ok()) {
                self->m_redisDownSinceMs = -1;
                return;
            }
            if (self->m_redisDownSinceMs < 0)
                self->m_redisDownSinceMs = at;
            if (at - self->m_redisDownSinceMs >= afterMs)
                self->autoSwitch(QStringLiteral("the Redis primary %1 unreachable for %2 ms (%3)")
                                     .arg(primary).arg(at - self->m_redisDownSinceMs).arg(r.error()), false);
        }, 300);
    });
}

}  // namespace turno
