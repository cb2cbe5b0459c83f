// The failover step machine against a fake fleet (no process, no socket): the
// success path and its report, the gate refusing and a forced switch, a
// rollback from every step before the point of no return, a degraded stop past
// it, a probe answering after its step timed out (cancelled, dropped; clean
// under ASan), and automatic mode. The fake answers on its own timers and
// ignores the request contexts on purpose, so every late answer reaches the
// controller and only the controller's own guards keep it safe.
#include "failover/failover_controller.h"
#include "failover/failover_fleet.h"
#include "failover/failover_readiness.h"

#include <QJsonArray>
#include <QMap>
#include <QPointer>
#include <QSet>
#include <QTimer>
#include <QtTest>

using namespace turno;

namespace {

RespValue simple(const QByteArray &t) { return RespValue{RespValue::Type::Simple, t, 0, {}}; }
RespValue error(const QByteArray &t) { return RespValue{RespValue::Type::Error, t, 0, {}}; }
RespValue bulk(const QByteArray &t) { return RespValue{RespValue::Type::Bulk, t, 0, {}}; }
RespValue integer(qint64 i) { return RespValue{RespValue::Type::Integer, {}, i, {}}; }
RespValue array(QList<RespValue> items) { return RespValue{RespValue::Type::Array, {}, 0, std::move(items)}; }

// Answers from the event loop, a little later, with no context: late on purpose.
template <typename Done, typename Value>
void later(Done done, Value value)
{
    QTimer::singleShot(1, [done = std::move(done), value = std::move(value)]() mutable { done(std::move(value)); });
}

class FakeFleet : public FailoverFleet {
public:
    struct Redis {
        quint16 port = 0;
        bool master = false;
        bool reachable = true;
        bool down = false;
        bool paused = false;
    };

    FakeFleet()
    {
        s.stepTimeoutMs = 300;  // every step's bound: 800 ms
        s.afterMs = 100;
        s.redisStore = true;
        nodes = {{QStringLiteral("primary-1"), QStringLiteral("primary"), true, false},
                 {QStringLiteral("primary-2"), QStringLiteral("primary"), true, false},
                 {QStringLiteral("secondary-1"), QStringLiteral("secondary"), true, false}};
        for (const FailoverTurnoNode &n : nodes)
            servers.insert(n.name, n.pool == QLatin1String("primary") ? QStringLiteral("UP") : QStringLiteral("DRAIN"));
        redisNodeMap.insert(QStringLiteral("redis-primary"), Redis{6379, true});
        redisNodeMap.insert(QStringLiteral("redis-replica"), Redis{6380, false});
        data = {{"turno:a", "5"}, {"turno:b", "17"}, {"turno:nodes", "{\"primary-1\":1}"}};
    }
    void memoryStore()
    {
        s.redisStore = false;
        redisNodeMap.clear();
        primary.clear();
        sentinels = false;
    }

    // The model.
    FailoverSettings s;
    bool clusterReady = true;
    QList<FailoverTurnoNode> nodes;
    QMap<QString, QString> servers;  // HAProxy's view
    QMap<QString, Redis> redisNodeMap;
    QString primary = QStringLiteral("redis-primary");
    QString sentinelNames = QStringLiteral("redis-primary");
    bool sentinels = true;
    bool noQuorum = false;  // CKQUORUM answers NOQUORUM (Sentinels that have not met yet)
    qint64 offset = 1000;
    qint64 turno = 41;
    QMap<QByteArray, QByteArray> data;
    // Faults.
    int balancerRefusals = 0;          // the next N settings are refused
    QSet<QString> brokenServers;       // stay DOWN whatever is set
    QSet<QByteArray> refused;          // "CLIENT PAUSE", "SENTINEL FAILOVER": answered with an error
    bool replicaLags = false;          // never reaches the paused offset
    bool sentinelIgnoresFailover = false;
    bool noReplicaOnline = false;      // the new primary never sees its replica
    bool probesFail = false;
    int answeredProbes = -1;           // >= 0: probes after that many are held, never answered
    struct HeldProbe {
        QPointer<QObject> context;
        std::function<void(Result<qint64>)> done;
    };
    QList<HeldProbe> heldProbes;
    // What it saw.
    QStringList log;
    int restarts = 0;

    bool isReady() const override { return clusterReady; }
    QString stateName() const override { return clusterReady ? QStringLiteral("ready") : QStringLiteral("starting"); }
    FailoverSettings settings() const override { return s; }
    QList<FailoverTurnoNode> turnoNodes() const override { return nodes; }
    QStringList redisNodes() const override { return redisNodeMap.keys(); }
    QString redisPrimary() const override { return primary; }
    void setRedisPrimary(const QString &node) override { primary = node; }
    bool redisDown(const QString &node) const override { return redisNodeMap.value(node).down; }
    quint16 redisPort(const QString &node) const override { return redisNodeMap.value(node).port; }
    bool hasSentinels() const override { return sentinels; }

    QString nameOfPort(const QByteArray &port) const
    {
        for (auto it = redisNodeMap.begin(); it != redisNodeMap.end(); ++it)
            if (QByteArray::number(it->port) == port)
                return it.key();
        return {};
    }
    QString otherRedis(const QString &node) const
    {
        for (const QString &n : redisNodeMap.keys())
            if (n != node)
                return n;
        return {};
    }
    void promote(const QString &node)
    {
        for (auto it = redisNodeMap.begin(); it != redisNodeMap.end(); ++it)
            it->master = it.key() == node;
    }
    QByteArray info(const QString &node) const
    {
        const Redis &r = redisNodeMap[node];
        QByteArray t = "# Replication\r\n";
        if (r.master) {
            const QString other = otherRedis(node);
            const Redis &o = redisNodeMap[other];
            const bool online = !noReplicaOnline && o.reachable && !o.master;
            t += "role:master\r\nconnected_slaves:" + QByteArray(online ? "1" : "0") + "\r\n";
            if (online)
                t += "slave0:ip=127.0.0.1,port=" + QByteArray::number(o.port) + ",state=online,offset=" +
                     QByteArray::number(offset) + ",lag=0\r\n";
            t += "master_replid:abc\r\nmaster_repl_offset:" + QByteArray::number(offset) + "\r\n";
        } else {
            t += "role:slave\r\nmaster_host:127.0.0.1\r\nmaster_link_status:up\r\nmaster_sync_in_progress:0\r\n"
                 "slave_repl_offset:" + QByteArray::number(replicaLags ? offset - 10 : offset) + "\r\nmaster_replid:abc\r\n"
                 "master_repl_offset:" + QByteArray::number(offset) + "\r\n";
        }
        return t;
    }
    RespValue command(const QString &node, const QList<QByteArray> &c)
    {
        Redis &r = redisNodeMap[node];
        const QByteArray verb = c.value(0) + (c.size() > 1 && c[0] != "EVAL" ? " " + c[1] : QByteArray());
        if (refused.contains(verb))
            return error("ERR refused by the test");
        if (verb == "INFO replication")
            return bulk(info(node));
        if (verb == "CLIENT PAUSE") {
            r.paused = true;
            return simple("OK");
        }
        if (verb == "CLIENT UNPAUSE") {
            r.paused = false;
            return simple("OK");
        }
        if (verb == "CLIENT KILL")
            return integer(3);
        if (c[0] == "ROLE")
            return array({bulk(r.master ? "master" : "slave")});
        if (verb == "REPLICAOF NO") {
            promote(node);
            return simple("OK");
        }
        if (c[0] == "REPLICAOF") {
            r.master = false;
            return simple("OK");
        }
        if (c[0] == "FAILOVER") {
            promote(nameOfPort(c.value(3)));
            return simple("OK");
        }
        if (verb == "CONFIG GET")
            return array({bulk(c[2]), bulk("1")});
        if (verb == "CONFIG SET" || c[0] == "PING")
            return simple(c[0] == "PING" ? "PONG" : "OK");
        if (c[0] == "SCAN") {
            QList<RespValue> keys;
            for (auto it = data.begin(); it != data.end(); ++it)
                keys << bulk(it.key());
            return array({bulk("0"), array(keys)});
        }
        if (c[0] == "EVAL") {  // the gap script's effect
            const int n = c[2].toInt();
            const qint64 gap = c.last().toLongLong();
            qint64 raised = 0;
            for (int i = 0; i < n; ++i) {
                bool number = false;
                const qint64 v = data.value(c[3 + i]).toLongLong(&number);
                if (number && v >= 1) {
                    data[c[3 + i]] = QByteArray::number(v + gap);
                    ++raised;
                }
            }
            return integer(raised);
        }
        return error("ERR unknown command in the fake");
    }

    void redis(QObject *, const QString &node, const QList<QList<QByteArray>> &commands, int, RedisDone done) override
    {
        for (const auto &c : commands)
            log << node + QLatin1Char(' ') + QString::fromLatin1(c.join(' ').left(60));
        if (!redisNodeMap.contains(node) || !redisNodeMap[node].reachable)
            return later(std::move(done), Result<QList<RespValue>>(Error{QStringLiteral("cannot reach Redis %1").arg(node)}));
        QList<RespValue> replies;
        for (const auto &c : commands)
            replies << command(node, c);
        later(std::move(done), Result<QList<RespValue>>(replies));
    }
    void sentinel(QObject *, const QList<QByteArray> &c, SentinelDone done) override
    {
        log << QStringLiteral("sentinel ") + QString::fromLatin1(c.join(' '));
        const QByteArray verb = c.value(1);
        RespValue answer = error("ERR unknown sentinel command in the fake");
        if (refused.contains("SENTINEL " + verb)) {
            answer = error("NOGOODSLAVE No suitable replica to promote");
        } else if (verb == "CKQUORUM") {
            answer = noQuorum ? error("NOQUORUM 1 usable Sentinels. Not enough available Sentinels to reach the specified quorum for this master")
                              : simple("OK 3 usable Sentinels. Quorum and failover authorization can be reached");
        } else if (verb == "GET-MASTER-ADDR-BY-NAME") {
            answer = array({bulk("127.0.0.1"), bulk(QByteArray::number(redisNodeMap.value(sentinelNames).port))});
        } else if (verb == "REPLICAS") {
            const QString replica = otherRedis(sentinelNames);
            const QByteArray port = QByteArray::number(redisNodeMap.value(replica).port);
            answer = array({array({bulk("name"), bulk("127.0.0.1:" + port), bulk("port"), bulk(port), bulk("flags"), bulk("slave")})});
        } else if (verb == "FAILOVER") {
            answer = simple("OK");
            if (!sentinelIgnoresFailover) {
                sentinelNames = otherRedis(sentinelNames);
                promote(sentinelNames);
            }
        }
        later(std::move(done), Result<RespValue>(answer));
    }
    void probeTurno(QObject *context, const QString &id, int, std::function<void(Result<qint64>)> done) override
    {
        log << QStringLiteral("probe ") + id;
        if (answeredProbes == 0) {
            heldProbes << HeldProbe{context, std::move(done)};
            return;
        }
        if (answeredProbes > 0)
            --answeredProbes;
        if (probesFail)
            return later(std::move(done), Result<qint64>(Error{QStringLiteral("balancer answered 503 Service Unavailable")}));
        later(std::move(done), Result<qint64>(++turno));
    }
    void balancerServers(QObject *, std::function<void(Result<QList<BalancerServerState>>)> done) override
    {
        QList<BalancerServerState> out;
        for (auto it = servers.begin(); it != servers.end(); ++it)
            out << BalancerServerState{it.key(), brokenServers.contains(it.key()) ? QStringLiteral("DOWN") : it.value()};
        later(std::move(done), Result<QList<BalancerServerState>>(out));
    }
    void setBalancerServers(QObject *, const QList<BalancerServerSetting> &settings, std::function<void(Result<void>)> done) override
    {
        QStringList line;
        for (const BalancerServerSetting &b : settings)
            line << b.server + (b.action == BalancerServerSetting::Action::Drain   ? QStringLiteral(" drain")
                                : b.action == BalancerServerSetting::Action::Ready ? QStringLiteral(" ready")
                                                                                   : QStringLiteral(" health-up"));
        log << QStringLiteral("haproxy ") + line.join(QStringLiteral(", "));
        if (balancerRefusals > 0) {
            --balancerRefusals;
            return later(std::move(done), Result<void>(Error{QStringLiteral("HAProxy refused (the test)")}));
        }
        for (const BalancerServerSetting &b : settings)
            if (b.action != BalancerServerSetting::Action::HealthUp)
                servers[b.server] = b.action == BalancerServerSetting::Action::Drain ? QStringLiteral("DRAIN") : QStringLiteral("UP");
        later(std::move(done), Result<void>());
    }
    void restartRedisAsReplica(QObject *, const QString &node, std::function<void(Result<void>)> done) override
    {
        ++restarts;
        log << QStringLiteral("restart ") + node;
        Redis &r = redisNodeMap[node];
        r = Redis{r.port, false, true, false, false};
        later(std::move(done), Result<void>());
    }
};

QStringList names(const FailoverReport &r)
{
    QStringList out;
    for (const FailoverStep &s : r.steps)
        out << s.name;
    return out;
}

QString dump(const FailoverReport &r)
{
    return r.toText();
}

// Runs one switch to completion and returns its report.
struct Switch {
    bool done = false;
    FailoverReport report;
    void operator()(FailoverController &c, const QString &target, bool force = false)
    {
        c.switchTo(target, force, QStringLiteral("test"), [this](FailoverReport r) {
            report = std::move(r);
            done = true;
        });
    }
};

}  // namespace

class TestFailoverSteps : public QObject {
    Q_OBJECT

private slots:
    void successPathReportsEveryStep()
    {
        FakeFleet fleet;
        FailoverController c(&fleet);
        QStringList events;
        connect(&c, &FailoverController::event, this, [&events](const QString &kind, const QString &, const QString &m) { events << kind + QLatin1Char(' ') + m; });
        QStringList started;
        connect(&c, &FailoverController::stepStarted, this, [&started](const QString &n) { started << n; });
        Switch sw;
        sw(c, QStringLiteral("secondary"));
        QVERIFY(c.busy());
        QCOMPARE(c.state(), FailoverController::State::SwitchingOver);
        QTRY_VERIFY_WITH_TIMEOUT(sw.done, 5000);
        const FailoverReport &r = sw.report;
        QVERIFY2(r.ok, qPrintable(dump(r)));
        const QStringList expected{QStringLiteral("gate"), QStringLiteral("probe"), QStringLiteral("drain"), QStringLiteral("pause"),
                                   QStringLiteral("catch-up"), QStringLiteral("promote"), QStringLiteral("fence"),
                                   QStringLiteral("activate"), QStringLiteral("verify"), QStringLiteral("sentinel")};
        QCOMPARE(names(r), expected);
        QCOMPARE(started, expected);
        for (const FailoverStep &s : r.steps) {
            QVERIFY2(s.ok, qPrintable(dump(r)));
            QCOMPARE(stepName(s.id), s.name);
        }
        QCOMPARE(r.steps[0].detail, QStringLiteral("7 checks passed"));
        QVERIFY(r.probeBefore >= 0);
        QVERIFY(r.probeAfter > r.probeBefore);
        QCOMPARE(r.redisPrimaryBefore, QStringLiteral("redis-primary"));
        QCOMPARE(r.redisPrimaryAfter, QStringLiteral("redis-replica"));
        QVERIFY(r.totalMs <= r.settledMs);
        QVERIFY(!r.rolledBack);
        // What the fleet now looks like.
        QCOMPARE(fleet.primary, QStringLiteral("redis-replica"));
        QVERIFY(fleet.redisNodeMap[QStringLiteral("redis-replica")].master);
        QVERIFY(!fleet.redisNodeMap[QStringLiteral("redis-primary")].master);
        QVERIFY(!fleet.redisNodeMap[QStringLiteral("redis-primary")].paused);
        QCOMPARE(fleet.servers.value(QStringLiteral("primary-1")), QStringLiteral("DRAIN"));
        QCOMPARE(fleet.servers.value(QStringLiteral("secondary-1")), QStringLiteral("UP"));
        QVERIFY(fleet.log.contains(QStringLiteral("redis-primary CLIENT PAUSE 900 WRITE")));
        QVERIFY(fleet.log.contains(QStringLiteral("sentinel SENTINEL FAILOVER turno")));
        // The controller's state, and the status it owns (the control API reads it).
        QCOMPARE(c.state(), FailoverController::State::SecondaryActive);
        QCOMPARE(c.activePool(), QStringLiteral("secondary"));
        QVERIFY(!c.busy());
        const QJsonObject st = c.statusJson();
        QCOMPARE(st.value(QStringLiteral("state")).toString(), QStringLiteral("secondary-active"));
        QCOMPARE(st.value(QStringLiteral("active")).toString(), QStringLiteral("secondary"));
        QVERIFY(st.value(QStringLiteral("last")).toObject().value(QStringLiteral("ok")).toBool());
        QCOMPARE(st.value(QStringLiteral("last")).toObject().value(QStringLiteral("steps")).toArray().size(), expected.size());
        QVERIFY(events.first().startsWith(QLatin1String("failover.start switch primary -> secondary")));
        QVERIFY(events.contains(QStringLiteral("failover.end switch primary -> secondary done in %1 ms").arg(r.totalMs)));
        QVERIFY(std::any_of(events.begin(), events.end(), [](const QString &e) { return e.startsWith(QLatin1String("failover.step promote ok")); }));

        // And back: the same steps, the other way.
        Switch back;
        back(c, QStringLiteral("primary"));
        QCOMPARE(c.state(), FailoverController::State::SwitchingBack);
        QTRY_VERIFY_WITH_TIMEOUT(back.done, 5000);
        QVERIFY2(back.report.ok, qPrintable(dump(back.report)));
        QCOMPARE(names(back.report), expected);
        QCOMPARE(fleet.primary, QStringLiteral("redis-primary"));
        QCOMPARE(fleet.servers.value(QStringLiteral("primary-1")), QStringLiteral("UP"));
        QCOMPARE(c.state(), FailoverController::State::PrimaryActive);
    }

    void memoryStoreMovesTrafficOnly()
    {
        FakeFleet fleet;
        fleet.memoryStore();
        FailoverController c(&fleet);
        Switch sw;
        sw(c, QStringLiteral("secondary"));
        QTRY_VERIFY_WITH_TIMEOUT(sw.done, 5000);
        QVERIFY2(sw.report.ok, qPrintable(dump(sw.report)));
        QCOMPARE(names(sw.report), (QStringList{QStringLiteral("gate"), QStringLiteral("probe"), QStringLiteral("drain"),
                                                 QStringLiteral("activate"), QStringLiteral("verify")}));
        QCOMPARE(sw.report.steps[0].detail, QStringLiteral("1 checks passed"));
        QVERIFY(sw.report.redisPrimaryAfter.isEmpty());
        QCOMPARE(c.state(), FailoverController::State::SecondaryActive);
    }

    void gateRefusesUnlessForced()
    {
        FakeFleet fleet;
        fleet.servers[QStringLiteral("secondary-1")] = QStringLiteral("MAINT");
        FailoverController c(&fleet);
        bool gateDone = false;
        c.preflight(QStringLiteral("secondary"), [&gateDone](FailoverGate g) {
            QVERIFY(!g.ok());
            QVERIFY2(g.failures().contains(QLatin1String("target-pool: secondary pool: 0 of 1 nodes healthy (secondary-1 MAINT)")),
                     qPrintable(g.failures()));
            gateDone = true;
        });
        QTRY_VERIFY_WITH_TIMEOUT(gateDone, 5000);

        Switch refused;
        refused(c, QStringLiteral("secondary"));
        QTRY_VERIFY_WITH_TIMEOUT(refused.done, 5000);
        QVERIFY(!refused.report.ok);
        QVERIFY(!refused.report.rolledBack);
        QCOMPARE(names(refused.report), QStringList{QStringLiteral("gate")});
        QVERIFY(!refused.report.steps[0].ok);
        QVERIFY2(refused.report.message.startsWith(QLatin1String("refused by the pre-flight gate: target-pool")), qPrintable(refused.report.message));
        QVERIFY(refused.report.message.contains(QLatin1String("--force")));
        QCOMPARE(c.state(), FailoverController::State::PrimaryActive);
        QCOMPARE(c.activePool(), QStringLiteral("primary"));
        // Nothing was touched.
        for (const QString &line : std::as_const(fleet.log))
            QVERIFY2(!line.startsWith(QLatin1String("haproxy")) && !line.contains(QLatin1String("PAUSE")), qPrintable(line));

        Switch forced;
        forced(c, QStringLiteral("secondary"), true);
        QTRY_VERIFY_WITH_TIMEOUT(forced.done, 5000);
        QVERIFY2(forced.report.ok, qPrintable(dump(forced.report)));
        QVERIFY(forced.report.forced);
        QVERIFY2(forced.report.steps[0].detail.startsWith(QLatin1String("forced past: target-pool")), qPrintable(forced.report.steps[0].detail));
        QCOMPARE(c.state(), FailoverController::State::SecondaryActive);
        QCOMPARE(fleet.servers.value(QStringLiteral("secondary-1")), QStringLiteral("UP"));
    }

    // Ready means a switch would pass its gate: unknown until asked, then not ready
    // with the failing check while Sentinel has no quorum, ready once it has;
    // a running switch is waited for and the gate asked again after it.
    void readinessWaitsForTheGateAndSaysWhy()
    {
        FakeFleet fleet;
        fleet.noQuorum = true;
        FailoverController c(&fleet);
        bool clusterUp = false;
        FailoverReadiness r(&c, [&clusterUp] { return clusterUp; });
        QVERIFY(!r.ready());
        QVERIFY(r.applicable());
        r.arm();
        QVERIFY(!r.ready());
        QCOMPARE(r.waitingFor(), QStringLiteral("the first gate check"));
        // Processes not up yet: the gate is not asked.
        QTest::qWait(3 * FailoverReadiness::kFastMs);
        QVERIFY(!r.known());
        QVERIFY(!fleet.log.join(QLatin1Char('\n')).contains(QLatin1String("CKQUORUM")));
        clusterUp = true;
        QTRY_VERIFY_WITH_TIMEOUT(r.known(), 3000);
        QVERIFY(!r.ready());
        QVERIFY2(r.waitingFor().startsWith(QLatin1String("sentinel-quorum: NOQUORUM 1 usable Sentinels")), qPrintable(r.waitingFor()));
        QCOMPARE(r.readyAfterMs(), -1);
        QCOMPARE(r.toJson().value(QStringLiteral("ready")).toBool(true), false);
        QCOMPARE(r.toJson().value(QStringLiteral("target")).toString(), QStringLiteral("secondary"));

        fleet.noQuorum = false;
        QTRY_VERIFY_WITH_TIMEOUT(r.ready(), 3000);
        QVERIFY(r.waitingFor().isEmpty());
        QVERIFY(r.readyAfterMs() >= FailoverReadiness::kFastMs);
        QVERIFY(r.toJson().value(QStringLiteral("ready")).toBool());
        QCOMPARE(r.toJson().value(QStringLiteral("checks")).toArray().size(), r.lastGate().checks.size());

        // During a switch: not ready, waiting for it; after it, asked again toward the other pool.
        QString duringSwitch;
        bool readyDuringSwitch = true;
        connect(&c, &FailoverController::stepStarted, &r, [&] {
            if (duringSwitch.isEmpty()) {
                duringSwitch = r.waitingFor();
                readyDuringSwitch = r.ready();
            }
        });
        Switch sw;
        sw(c, QStringLiteral("secondary"));
        QTRY_VERIFY_WITH_TIMEOUT(sw.done, 5000);
        QVERIFY2(sw.report.ok, qPrintable(dump(sw.report)));
        QVERIFY(!readyDuringSwitch);
        QVERIFY2(duringSwitch.startsWith(QLatin1String("the running switch (switching-over)")), qPrintable(duringSwitch));
        QVERIFY(!r.ready());
        QCOMPARE(r.readyAfterMs(), -1);
        QTRY_VERIFY_WITH_TIMEOUT(r.ready(), 3000);
        QCOMPARE(r.toJson().value(QStringLiteral("target")).toString(), QStringLiteral("primary"));

        // Sentinel loses its quorum later: followed (at the slow pace), with the reason.
        fleet.noQuorum = true;
        QTRY_VERIFY_WITH_TIMEOUT(!r.ready(), 3 * FailoverReadiness::kSlowMs);
        QVERIFY2(r.waitingFor().contains(QLatin1String("NOQUORUM")), qPrintable(r.waitingFor()));
        r.disarm();
        QVERIFY(!r.ready());
        QVERIFY(!r.known());
    }

    // Nothing to switch to (no node in the other pool): ready as soon as armed, and says so.
    void readinessWithoutASecondPool()
    {
        FakeFleet fleet;
        fleet.nodes.removeLast();  // secondary-1
        FailoverController c(&fleet);
        FailoverReadiness r(&c, [] { return true; });
        QVERIFY(!r.applicable());
        QVERIFY(!r.ready());  // no cluster yet
        r.arm();
        QVERIFY(r.ready());
        QVERIFY(r.known());
        QVERIFY(!r.toJson().value(QStringLiteral("applicable")).toBool(true));
    }

    void refusesWhatCannotRun()
    {
        FakeFleet fleet;
        FailoverController c(&fleet);
        // A refusal answers at once, before switchTo returns.
        auto refusal = [&c](const QString &target) {
            auto sw = std::make_shared<Switch>();
            c.switchTo(target, false, QStringLiteral("test"), [sw](FailoverReport r) {
                sw->report = std::move(r);
                sw->done = true;
            });
            return sw->done && !sw->report.ok && sw->report.steps.isEmpty() ? sw->report.message : QStringLiteral("(not refused)");
        };
        QVERIFY(refusal(QStringLiteral("tertiary")).contains(QLatin1String("unknown pool")));
        QVERIFY(refusal(QStringLiteral("primary")).contains(QLatin1String("already active")));
        Switch first;
        first(c, QStringLiteral("secondary"));
        QVERIFY(refusal(QStringLiteral("secondary")).contains(QLatin1String("already running")));
        QTRY_VERIFY_WITH_TIMEOUT(first.done, 5000);
        QVERIFY(refusal(QStringLiteral("secondary")).contains(QLatin1String("already active")));
        fleet.nodes = {fleet.nodes.first()};
        fleet.nodes.first().pool = QStringLiteral("secondary");
        QVERIFY(refusal(QStringLiteral("primary")).contains(QLatin1String("has no nodes")));
        fleet.clusterReady = false;
        QVERIFY(refusal(QStringLiteral("primary")).contains(QLatin1String("not ready")));
    }

    void failedStepRollsBack_data()
    {
        QTest::addColumn<QString>("fault");
        QTest::addColumn<QString>("step");
        QTest::addColumn<bool>("memory");
        QTest::newRow("probe unanswered past its bound") << "held" << "probe" << false;
        QTest::newRow("drain refused") << "balancer" << "drain" << false;
        QTest::newRow("pause refused") << "pause" << "pause" << false;
        QTest::newRow("replica never catches up") << "lag" << "catch-up" << false;
        QTest::newRow("Sentinel refuses") << "sentinel" << "promote" << false;
        QTest::newRow("Sentinel accepts but the replica stays one") << "no-op" << "promote" << false;
        QTest::newRow("target pool never UP") << "broken" << "activate" << true;
        QTest::newRow("no good turno") << "probe" << "verify" << true;
    }

    void failedStepRollsBack()
    {
        QFETCH(QString, fault);
        QFETCH(QString, step);
        QFETCH(bool, memory);
        FakeFleet fleet;
        if (memory)
            fleet.memoryStore();
        if (fault == QLatin1String("balancer"))
            fleet.balancerRefusals = 1;
        else if (fault == QLatin1String("pause"))
            fleet.refused << "CLIENT PAUSE";
        else if (fault == QLatin1String("sentinel"))
            fleet.refused << "SENTINEL FAILOVER";
        else if (fault == QLatin1String("no-op"))
            fleet.sentinelIgnoresFailover = true;
        else if (fault == QLatin1String("held"))
            fleet.answeredProbes = 0;
        FailoverController c(&fleet);
        // Faults the gate would see start with the switch, after the gate.
        connect(&c, &FailoverController::stepStarted, this, [&fleet, fault](const QString &n) {
            if (n != QLatin1String("drain"))
                return;
            fleet.replicaLags = fault == QLatin1String("lag");
            fleet.probesFail = fault == QLatin1String("probe");
            if (fault == QLatin1String("broken"))
                fleet.brokenServers << QStringLiteral("secondary-1");
        });
        Switch sw;
        sw(c, QStringLiteral("secondary"));
        QTRY_VERIFY_WITH_TIMEOUT(sw.done, 5000);
        const FailoverReport &r = sw.report;
        QVERIFY2(!r.ok && r.rolledBack, qPrintable(dump(r)));
        QCOMPARE(r.steps.last().name, step);
        QVERIFY(!r.steps.last().ok);
        QVERIFY2(r.message.startsWith(step + QStringLiteral(" failed: ")), qPrintable(r.message));
        if (fault == QLatin1String("held")) {
            QCOMPARE(r.steps.last().detail, QStringLiteral("step timed out after 800 ms"));
            QCOMPARE(fleet.heldProbes.size(), 1);
            QTRY_VERIFY_WITH_TIMEOUT(fleet.heldProbes.first().context.isNull(), 1000);
            fleet.heldProbes.first().done(Result<qint64>(qint64(99999)));
            QTest::qWait(20);
            QCOMPARE(c.lastReport().probeBefore, qint64(-1));
        }
        QVERIFY2(r.message.contains(QLatin1String("rolled back: the primary pool serves as before")), qPrintable(r.message));
        QVERIFY(!r.message.contains(QLatin1String("degraded")));
        QCOMPARE(c.state(), FailoverController::State::PrimaryActive);
        QCOMPARE(c.activePool(), QStringLiteral("primary"));
        QCOMPARE(fleet.servers.value(QStringLiteral("primary-1")), QStringLiteral("UP"));
        QCOMPARE(fleet.servers.value(QStringLiteral("primary-2")), QStringLiteral("UP"));
        if (!memory) {
            QCOMPARE(fleet.primary, QStringLiteral("redis-primary"));
            QVERIFY(!fleet.redisNodeMap[QStringLiteral("redis-primary")].paused);
            QVERIFY(r.redisPrimaryAfter.isEmpty());
        }
        const bool paused = step == QLatin1String("catch-up") || step == QLatin1String("promote");
        QCOMPARE(fleet.log.contains(QStringLiteral("redis-primary CLIENT UNPAUSE")), paused);
        QCOMPARE(c.statusJson().value(QStringLiteral("state")).toString(), QStringLiteral("primary-active"));
    }

    void failurePastPromoteDegrades_data()
    {
        QTest::addColumn<QString>("fault");
        QTest::addColumn<QString>("expected");
        QTest::newRow("old primary never attaches") << "fence" << "fence failed after the Redis roles changed: ";
        QTest::newRow("no good turno after promote") << "probe" << "verify failed after the Redis roles changed: ";
        QTest::newRow("rollback refused too") << "rollback" << "rolling back the balancer failed too";
    }

    void failurePastPromoteDegrades()
    {
        QFETCH(QString, fault);
        QFETCH(QString, expected);
        FakeFleet fleet;
        if (fault == QLatin1String("fence"))
            fleet.noReplicaOnline = true;
        if (fault == QLatin1String("rollback"))
            fleet.balancerRefusals = 2;
        FailoverController c(&fleet);
        auto once = std::make_shared<bool>(fault == QLatin1String("probe"));
        connect(&c, &FailoverController::stepStarted, this, [&fleet, once](const QString &n) {
            if (*once && n == QLatin1String("verify")) {
                fleet.probesFail = true;
                *once = false;
            }
        });
        Switch sw;
        sw(c, QStringLiteral("secondary"));
        QTRY_VERIFY_WITH_TIMEOUT(sw.done, 5000);
        const FailoverReport &r = sw.report;
        QVERIFY2(!r.ok && !r.rolledBack, qPrintable(dump(r)));
        QVERIFY2(r.message.contains(expected), qPrintable(r.message));
        QVERIFY(r.message.contains(QLatin1String("The cluster is degraded")));
        QCOMPARE(c.state(), FailoverController::State::Degraded);
        QCOMPARE(c.statusJson().value(QStringLiteral("state")).toString(), QStringLiteral("degraded"));
        // Degraded: a switch to either side is allowed again, and forced it gets the cluster back.
        fleet.noReplicaOnline = false;
        fleet.probesFail = false;
        Switch again;
        again(c, c.activePool(), true);
        QTRY_VERIFY_WITH_TIMEOUT(again.done, 5000);
        QVERIFY2(again.report.ok, qPrintable(dump(again.report)));
        QVERIFY(c.state() != FailoverController::State::Degraded);
    }

    void lateProbeAnswerAfterTheStepTimedOut()
    {
        FakeFleet fleet;
        fleet.answeredProbes = 1;  // the probe before the switch; verify's probe is held past its step
        FailoverController c(&fleet);
        Switch sw;
        sw(c, QStringLiteral("secondary"));
        QTRY_VERIFY_WITH_TIMEOUT(sw.done, 5000);
        const FailoverReport &r = sw.report;
        QCOMPARE(r.steps.last().name, QStringLiteral("verify"));
        QCOMPARE(r.steps.last().detail, QStringLiteral("step timed out after 800 ms"));
        QVERIFY(r.steps.last().durationMs >= 800);
        QCOMPARE(c.state(), FailoverController::State::Degraded);
        QCOMPARE(fleet.heldProbes.size(), 1);
        // The step's bound cancelled its request...
        QTRY_VERIFY_WITH_TIMEOUT(fleet.heldProbes.first().context.isNull(), 1000);
        // ...and its answer, arriving now, writes nowhere (the run is gone: ASan checks it).
        QTest::qWait(50);
        fleet.heldProbes.first().done(Result<qint64>(qint64(99999)));
        QTest::qWait(50);
        QCOMPARE(c.lastReport().probeAfter, qint64(-1));
        QCOMPARE(r.probeAfter, qint64(-1));
        QCOMPARE(c.state(), FailoverController::State::Degraded);
    }

    void controllerGoneMidSwitch()
    {
        FakeFleet fleet;
        fleet.answeredProbes = 0;  // the probe step waits until its bound
        bool done = false;
        FailoverReport report;
        {
            FailoverController c(&fleet);
            c.switchTo(QStringLiteral("secondary"), false, QStringLiteral("test"), [&](FailoverReport r) {
                report = std::move(r);
                done = true;
            });
            QTRY_VERIFY_WITH_TIMEOUT(fleet.heldProbes.size() == 1, 5000);
        }
        QVERIFY(done);
        QCOMPARE(report.message, QStringLiteral("the supervisor stopped during the switch"));
        QVERIFY(fleet.heldProbes.first().context.isNull());
        fleet.heldProbes.first().done(Result<qint64>(qint64(7)));
        QTest::qWait(20);
    }

    void primaryExitSwitchesAutomatically()
    {
        FakeFleet fleet;
        fleet.s.automatic = true;
        fleet.s.asyncDurability = true;
        FailoverController c(&fleet);
        QVERIFY(c.automatic());
        fleet.redisNodeMap[QStringLiteral("redis-primary")].reachable = false;
        fleet.redisNodeMap[QStringLiteral("redis-primary")].down = true;
        emit fleet.redisPrimaryExited(QStringLiteral("redis-primary"));
        QVERIFY(c.busy());
        QTRY_VERIFY_WITH_TIMEOUT(!c.busy(), 5000);
        const FailoverReport r = c.lastReport();
        QVERIFY2(r.ok, qPrintable(dump(r)));
        QCOMPARE(r.trigger, QStringLiteral("automatic: the Redis primary redis-primary exited"));
        QVERIFY(r.forced);
        QCOMPARE(names(r), (QStringList{QStringLiteral("gate"), QStringLiteral("probe"), QStringLiteral("drain"),
                                        QStringLiteral("pause"), QStringLiteral("promote"), QStringLiteral("gap"),
                                        QStringLiteral("fence"), QStringLiteral("activate"), QStringLiteral("verify"),
                                        QStringLiteral("sentinel")}));
        QVERIFY2(r.steps[0].detail.contains(QLatin1String("primary: redis-primary unreachable")), qPrintable(r.steps[0].detail));
        QVERIFY(r.steps[1].detail.startsWith(QLatin1String("skipped")));
        QVERIFY(r.steps[3].detail.contains(QLatin1String("treated as lost")));
        QCOMPARE(r.steps[5].detail, QStringLiteral("2 counters raised by 1000 (async durability, the primary was lost)"));
        QVERIFY(r.steps[6].detail.startsWith(QLatin1String("redis-primary was lost; restarted empty as a replica of redis-replica")));
        QCOMPARE(fleet.data.value("turno:a"), QByteArray("1005"));
        QCOMPARE(fleet.data.value("turno:b"), QByteArray("1017"));
        QCOMPARE(fleet.data.value("turno:nodes"), QByteArray("{\"primary-1\":1}"));
        QCOMPARE(fleet.log.filter(QStringLiteral("CONFIG SET min-replicas-to-write")),
                 (QStringList{QStringLiteral("redis-replica CONFIG SET min-replicas-to-write 0"),
                              QStringLiteral("redis-replica CONFIG SET min-replicas-to-write 1")}));
        QCOMPARE(fleet.restarts, 1);
        QCOMPARE(fleet.primary, QStringLiteral("redis-replica"));
        QCOMPARE(c.state(), FailoverController::State::SecondaryActive);
    }

    void activePoolDownSwitchesAfterAfterMs()
    {
        FakeFleet fleet;
        fleet.s.automatic = true;
        FailoverController c(&fleet);
        fleet.brokenServers << QStringLiteral("primary-1") << QStringLiteral("primary-2");
        QTRY_VERIFY_WITH_TIMEOUT(!c.lastReport().to.isEmpty() && !c.busy(), 5000);
        const FailoverReport r = c.lastReport();
        QVERIFY2(r.ok, qPrintable(dump(r)));
        QVERIFY2(r.trigger.startsWith(QLatin1String("automatic: all 2 nodes of the primary pool DOWN for ")), qPrintable(r.trigger));
        QCOMPARE(c.state(), FailoverController::State::SecondaryActive);
    }

    void automaticOffDoesNotSwitch()
    {
        FakeFleet fleet;
        FailoverController c(&fleet);
        QVERIFY(!c.automatic());
        fleet.brokenServers << QStringLiteral("primary-1") << QStringLiteral("primary-2");
        emit fleet.redisPrimaryExited(QStringLiteral("redis-primary"));
        QTest::qWait(600);
        QVERIFY(c.lastReport().to.isEmpty());
        QCOMPARE(c.state(), FailoverController::State::PrimaryActive);
    }

    void followsSentinelsOwnPromotion()
    {
        FakeFleet fleet;
        FailoverController c(&fleet);
        QStringList events;
        connect(&c, &FailoverController::event, this, [&events](const QString &, const QString &, const QString &m) { events << m; });
        fleet.redisNodeMap[QStringLiteral("redis-primary")].down = true;
        fleet.redisNodeMap[QStringLiteral("redis-primary")].reachable = false;
        fleet.sentinelNames = QStringLiteral("redis-replica");
        fleet.promote(QStringLiteral("redis-replica"));
        QTRY_COMPARE_WITH_TIMEOUT(fleet.primary, QStringLiteral("redis-replica"), 3000);
        QVERIFY(events.contains(QStringLiteral("Sentinel promoted redis-replica on its own; following it")));
        QTRY_COMPARE_WITH_TIMEOUT(fleet.restarts, 1, 1000);
        QCOMPARE(c.state(), FailoverController::State::PrimaryActive);
    }
};

QTEST_GUILESS_MAIN(TestFailoverSteps)
#include "test_failover_steps.moc"
