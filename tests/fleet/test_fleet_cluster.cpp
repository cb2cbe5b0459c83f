// FleetSupervisor against real redis-server, redis-sentinel, haproxy and
// turno-server on free loopback ports: start, balance, restart, scale, stop.
#include "fleet/fleet_attach.h"
#include "fleet/fleet_supervisor.h"
#include "fleet/managed_process.h"
#include "fleet_test_util.h"
#include "test_support.h"

#include <QJsonArray>
#include <QScopeGuard>
#include <QSet>
#include <QTemporaryDir>
#include <QtTest>
#include <memory>

using turno::ClusterProfile;
using turno::FleetNode;
using turno::FleetSupervisor;
using namespace fleettest;

namespace {

struct Event {
    QString kind, node, message;
};

// A supervisor plus everything it reported, stopped and killed by PID at the end.
struct Cluster {
    QTemporaryDir dir{QStringLiteral("/tmp/turno-fleet-test-XXXXXX")};
    std::unique_ptr<FleetSupervisor> sup = std::make_unique<FleetSupervisor>();
    QList<Event> events;
    bool ready = false;
    QString failure;

    Cluster()
    {
        QObject::connect(sup.get(), &FleetSupervisor::event, [this](const turno::FleetEvent &e) {
            events << Event{e.kindName(), e.node, e.message};
        });
        QObject::connect(sup.get(), &FleetSupervisor::ready, [this] { ready = true; });
        QObject::connect(sup.get(), &FleetSupervisor::startFailed, [this](const QString &why) { failure = why; });
    }
    ~Cluster() { stopAndWait(); }

    bool start(const ClusterProfile &p, QString *why, const QString &runDir = {})
    {
        const auto r = sup->start(p, runDir.isEmpty() ? dir.path() : runDir);
        if (!r.ok()) {
            *why = r.error();
            return false;
        }
        QElapsedTimer t;
        t.start();
        while (!ready && failure.isEmpty() && t.elapsed() < 30000)
            QCoreApplication::processEvents(QEventLoop::AllEvents, 20);
        if (!ready)
            *why = failure.isEmpty() ? QStringLiteral("not ready within 30 s") : failure;
        return ready;
    }

    bool hasEvent(const QString &kind, const QString &node) const
    {
        for (const Event &e : events)
            if (e.kind == kind && e.node == node)
                return true;
        return false;
    }

    QJsonObject status()
    {
        QJsonObject out;
        bool done = false;
        sup->status([&](QJsonObject st) {
            out = st;
            done = true;
        });
        QElapsedTimer t;
        t.start();
        while (!done && t.elapsed() < 5000)
            QCoreApplication::processEvents(QEventLoop::AllEvents, 20);
        return out;
    }

    QJsonObject nodeStatus(const QString &name)
    {
        for (const QJsonValue &v : status().value(QStringLiteral("nodes")).toArray())
            if (v.toObject().value(QStringLiteral("node")).toString() == name)
                return v.toObject();
        return {};
    }

    turno::Result<void> call(std::function<void(std::function<void(turno::Result<void>)>)> action)
    {
        std::optional<turno::Result<void>> result;
        action([&](turno::Result<void> r) { result = r; });
        QElapsedTimer t;
        t.start();
        while (!result && t.elapsed() < 60000)
            QCoreApplication::processEvents(QEventLoop::AllEvents, 20);
        return result ? *result : turno::Result<void>(turno::Error{QStringLiteral("no answer within 60 s")});
    }

    void stopAndWait()
    {
        if (!sup)
            return;
        bool stopped = false;
        QObject::connect(sup.get(), &FleetSupervisor::stopped, [&] { stopped = true; });
        sup->stop();
        QElapsedTimer t;
        t.start();
        while (!stopped && t.elapsed() < 15000)
            QCoreApplication::processEvents(QEventLoop::AllEvents, 20);
        sup.reset();  // SIGKILLs any process group still alive
    }
};

// Spins the event loop (the supervisor keeps working) until load is done.
bool waitLoad(Load &load, int timeoutMs)
{
    QElapsedTimer t;
    t.start();
    while (!load.finished() && t.elapsed() < timeoutMs)
        QCoreApplication::processEvents(QEventLoop::AllEvents, 20);
    return load.finished();
}

void spin(int ms)
{
    QElapsedTimer t;
    t.start();
    while (t.elapsed() < ms)
        QCoreApplication::processEvents(QEventLoop::AllEvents, 10);
}

}  // namespace

class TestFleetCluster : public QObject {
    Q_OBJECT

private:
    std::unique_ptr<Cluster> m_main;  // the default profile, shared by the tests in order

    quint16 balancer() const { return m_main->sup->balancerPort(); }

private slots:
    void initTestCase()
    {
        for (const char *p : {"redis-server", "redis-sentinel", "haproxy"})
            if (turno::test::findProgram(QLatin1String(p)).isEmpty())
                QSKIP(qPrintable(QStringLiteral("%1 is not installed; run scripts/setup.sh").arg(QLatin1String(p))));
    }

    void defaultProfileComesUp()
    {
        const auto profile = defaultTestProfile();
        QVERIFY2(profile.ok(), qPrintable(profile.error()));
        m_main = std::make_unique<Cluster>();
        QString why;
        QVERIFY2(m_main->start(profile.value(), &why), qPrintable(why));
        qInfo("FIGURE default profile ready in %lld ms (in-process supervisor)", m_main->sup->readyMs());

        const QJsonObject st = m_main->status();
        QCOMPARE(st.value(QStringLiteral("state")).toString(), QStringLiteral("ready"));
        QCOMPARE(st.value(QStringLiteral("active")).toString(), QStringLiteral("primary"));
        QMap<QString, int> kinds;
        for (const QJsonValue &v : st.value(QStringLiteral("nodes")).toArray()) {
            const QJsonObject n = v.toObject();
            kinds[n.value(QStringLiteral("kind")).toString()]++;
            QVERIFY2(pidAlive(n.value(QStringLiteral("pid")).toInteger()), qPrintable(n.value(QStringLiteral("node")).toString()));
            if (n.value(QStringLiteral("kind")).toString() == QLatin1String("turno"))
                QVERIFY2(n.value(QStringLiteral("state")).toString() == QLatin1String("UP"),
                         qPrintable(QStringLiteral("%1 is %2; haproxy said:\n%3")
                                        .arg(n.value(QStringLiteral("node")).toString(), n.value(QStringLiteral("state")).toString(),
                                             QString::fromLocal8Bit(m_main->sup->process(QStringLiteral("haproxy"))->outputTail(10)))));
        }
        QCOMPARE(kinds.value(QStringLiteral("turno")), 4);
        QCOMPARE(kinds.value(QStringLiteral("redis")), 2);
        // Named by launch order, the role apart: it is what moves at a failover.
        QCOMPARE(m_main->nodeStatus(QStringLiteral("redis-1")).value(QStringLiteral("role")).toString(), QStringLiteral("primary"));
        QCOMPARE(m_main->nodeStatus(QStringLiteral("redis-2")).value(QStringLiteral("role")).toString(), QStringLiteral("replica"));
        QCOMPARE(st.value(QStringLiteral("redisPrimary")).toString(), QStringLiteral("redis-1"));
        QCOMPARE(kinds.value(QStringLiteral("sentinel")), 3);
        QCOMPARE(kinds.value(QStringLiteral("haproxy")), 1);

        // The generated configs say what the issue asks for.
        QFile cfg(m_main->dir.path() + QStringLiteral("/haproxy/haproxy.cfg"));
        QVERIFY(cfg.open(QIODevice::ReadOnly));
        const QByteArray c = cfg.readAll();
        QVERIFY(c.contains("option redispatch"));
        QVERIFY(c.contains("option httpchk GET /readyz"));
        QVERIFY(c.contains("use-service prometheus-exporter"));
        QVERIFY(c.contains("secondary-1 127.0.0.1:") && c.contains(" backup\n"));
        QFile redis(m_main->dir.path() + QStringLiteral("/redis-1/redis.conf"));
        QVERIFY(redis.open(QIODevice::ReadOnly));
        QVERIFY(redis.readAll().contains("min-replicas-to-write 1"));

        // HAProxy's Prometheus exporter answers with frontend and backend series.
        const auto prom = turno::test::httpGet(m_main->sup->prometheusPort(), "GET /metrics HTTP/1.0\r\n\r\n");
        QCOMPARE(prom.status, 200);
        QVERIFY(prom.body.contains("haproxy_frontend_http_requests_total"));
        QVERIFY(prom.body.contains("haproxy_backend_"));
    }

    void thousandRequestsAreUniqueAndConsecutive()
    {
        QVERIFY(m_main);
        const QByteArray id = "consec-" + QByteArray::number(QDateTime::currentMSecsSinceEpoch());
        Load load(balancer(), 4, 1000, id);
        QVERIFY(waitLoad(load, 60000));
        const auto answers = load.answers();
        QCOMPARE(int(answers.size()), 1000);
        QSet<qint64> seen;
        QSet<QByteArray> nodes;
        for (const Answer &a : answers) {
            QCOMPARE(a.status, 200);
            QVERIFY2(!seen.contains(a.turno), qPrintable(QStringLiteral("turno %1 handed out twice").arg(a.turno)));
            seen.insert(a.turno);
            nodes.insert(a.node);
        }
        for (qint64 n = 1; n <= 1000; ++n)
            QVERIFY2(seen.contains(n), qPrintable(QStringLiteral("turno %1 missing: not consecutive").arg(n)));
        // Only the primary pool serves while it is healthy.
        QCOMPARE(nodes, (QSet<QByteArray>{"primary-1", "primary-2"}));
    }

    void drainEnableAndWeightAtTheBalancer()
    {
        QVERIFY(m_main);
        auto r = m_main->call([this](auto done) { m_main->sup->drain(QStringLiteral("primary-2"), done); });
        QVERIFY2(r.ok(), qPrintable(r.error()));
        QCOMPARE(m_main->nodeStatus(QStringLiteral("primary-2")).value(QStringLiteral("state")).toString(), QStringLiteral("DRAIN"));
        {
            Load load(balancer(), 2, 200, "drain");
            QVERIFY(waitLoad(load, 30000));
            for (const Answer &a : load.answers()) {
                QCOMPARE(a.status, 200);
                QCOMPARE(a.node, QByteArray("primary-1"));
            }
        }
        r = m_main->call([this](auto done) { m_main->sup->enable(QStringLiteral("primary-2"), done); });
        QVERIFY2(r.ok(), qPrintable(r.error()));
        r = m_main->call([this](auto done) { m_main->sup->setWeight(QStringLiteral("primary-2"), 3, done); });
        QVERIFY2(r.ok(), qPrintable(r.error()));
        {
            Load load(balancer(), 1, 400, "weighted");
            QVERIFY(waitLoad(load, 30000));
            int two = 0;
            for (const Answer &a : load.answers())
                two += a.node == "primary-2";
            QVERIFY2(two >= 285 && two <= 315, qPrintable(QStringLiteral("primary-2 (weight 3 of 4) got %1 of 400").arg(two)));
        }
        QFile state(m_main->dir.path() + QStringLiteral("/profile.json"));
        QVERIFY(state.open(QIODevice::ReadOnly));
        QVERIFY2(state.readAll().contains("3"), "the runtime weight is kept in the run directory's profile");
        r = m_main->call([this](auto done) { m_main->sup->setWeight(QStringLiteral("primary-2"), 1, done); });
        QVERIFY2(r.ok(), qPrintable(r.error()));

        const auto bad = m_main->call([this](auto done) { m_main->sup->drain(QStringLiteral("primary-9"), done); });
        QVERIFY(!bad.ok());
        QVERIFY2(bad.error().contains(QLatin1String("primary-1")), qPrintable(bad.error()));
    }

    void killedNodeIsRestartedAndBackInRotation()
    {
        QVERIFY(m_main);
        const qint64 oldPid = m_main->sup->process(QStringLiteral("primary-1"))->pid();
        Load load(balancer(), 4, 0, "kill9");
        while (load.answered() < 300)
            spin(10);
        QCOMPARE(::kill(pid_t(oldPid), SIGKILL), 0);
        QTRY_VERIFY_WITH_TIMEOUT(m_main->hasEvent(QStringLiteral("node-restarted"), QStringLiteral("primary-1")), 15000);
        const qint64 newPid = m_main->sup->process(QStringLiteral("primary-1"))->pid();
        QVERIFY(newPid != oldPid && pidAlive(newPid));
        // Back in rotation: HAProxy sees it UP and sends it requests again.
        QTRY_COMPARE_WITH_TIMEOUT(m_main->nodeStatus(QStringLiteral("primary-1")).value(QStringLiteral("state")).toString(),
                                  QStringLiteral("UP"), 10000);
        const qint64 before = m_main->nodeStatus(QStringLiteral("primary-1")).value(QStringLiteral("picked")).toInteger();
        QTRY_VERIFY_WITH_TIMEOUT(m_main->nodeStatus(QStringLiteral("primary-1")).value(QStringLiteral("picked")).toInteger() > before + 50, 10000);
        load.stop();
        const auto answers = load.answers();
        int failed = 0;
        QSet<qint64> seen;
        for (const Answer &a : answers) {
            if (a.status != 200)
                ++failed;
            else
                QVERIFY2(!seen.contains(a.turno), "a number was handed out twice");
            seen.insert(a.turno);
        }
        qInfo("FIGURE kill -9 of primary-1 under load: %d of %d requests failed (%.3f%%)", failed, int(answers.size()),
              100.0 * failed / double(answers.size()));
        QVERIFY(answers.size() > 500);
        QVERIFY2(failed * 200 < int(answers.size()), "more than 0.5% of the requests failed");
        QCOMPARE(m_main->nodeStatus(QStringLiteral("primary-1")).value(QStringLiteral("restarts")).toInt(), 1);
    }

    void scaleLiveWithoutFailedRequests()
    {
        QVERIFY(m_main);
        Load load(balancer(), 4, 0, "scale");
        while (load.answered() < 200)
            spin(10);
        auto r = m_main->call([this](auto done) { m_main->sup->scale(QStringLiteral("primary"), 4, done); });
        QVERIFY2(r.ok(), qPrintable(r.error()));
        QTRY_VERIFY_WITH_TIMEOUT(m_main->nodeStatus(QStringLiteral("primary-4")).value(QStringLiteral("picked")).toInteger() > 20, 10000);
        r = m_main->call([this](auto done) { m_main->sup->scale(QStringLiteral("primary"), 2, done); });
        QVERIFY2(r.ok(), qPrintable(r.error()));
        const qint64 at = load.answered();
        while (load.answered() < at + 200)
            spin(10);
        load.stop();
        int failed = 0;
        QSet<QByteArray> nodes;
        for (const Answer &a : load.answers()) {
            failed += a.status != 200;
            nodes.insert(a.node);
        }
        qInfo("FIGURE scale primary 2->4->2 under load: %d of %d requests failed", failed, int(load.answers().size()));
        QCOMPARE(failed, 0);
        QVERIFY(nodes.contains("primary-3") && nodes.contains("primary-4"));
        QVERIFY(!m_main->sup->node(QStringLiteral("primary-3")));
        QVERIFY(m_main->nodeStatus(QStringLiteral("primary-4")).isEmpty());
    }

    void algorithmSwitchesLiveWithoutFailedRequests()
    {
        QVERIFY(m_main);
        const qint64 firstPid = m_main->sup->process(QStringLiteral("haproxy"))->pid();
        auto r = m_main->call([this](auto done) { m_main->sup->drain(QStringLiteral("secondary-2"), done); });
        QVERIFY2(r.ok(), qPrintable(r.error()));
        auto reenable = qScopeGuard([this] {
            m_main->call([this](auto done) { m_main->sup->enable(QStringLiteral("secondary-2"), done); });
        });
        Load load(balancer(), 4, 0, "reload");
        while (load.answered() < 200)
            spin(10);
        QList<qint64> pids{firstPid};
        for (const QString &algo : {QStringLiteral("leastconn"), QStringLiteral("weighted"), QStringLiteral("roundrobin")}) {
            r = m_main->call([this, algo](auto done) { m_main->sup->setAlgorithm(algo, done); });
            QVERIFY2(r.ok(), qPrintable(r.error()));
            QCOMPARE(m_main->status().value(QStringLiteral("algorithm")).toString(), algo);
            pids << m_main->sup->process(QStringLiteral("haproxy"))->pid();
            const qint64 at = load.answered();
            while (load.answered() < at + 100)
                spin(10);
        }
        load.stop();
        int failed = 0;
        for (const Answer &a : load.answers())
            failed += a.status != 200;
        qInfo("FIGURE 3 live algorithm switches (HAProxy reloads) under load: %d of %d requests failed, %d resent "
              "after the old process closed an idle kept-alive connection",
              failed, int(load.answers().size()), load.retries());
        QCOMPARE(failed, 0);
        QCOMPARE(QSet<qint64>(pids.begin(), pids.end()).size(), 4);
        for (int i = 0; i < 3; ++i)
            QTRY_VERIFY_WITH_TIMEOUT(!pidAlive(pids[i]), 5000);
        // The drain survived the reloads (carried over in HAProxy's server-state file).
        QCOMPARE(m_main->nodeStatus(QStringLiteral("secondary-2")).value(QStringLiteral("state")).toString(), QStringLiteral("DRAIN"));
    }

    void attachedMonitorDiscoversNodesAndNoticesVanishing()
    {
        QVERIFY(m_main);
        QFile pass(m_main->dir.path() + QStringLiteral("/redis.pass"));
        QVERIFY(pass.open(QIODevice::ReadOnly));
        turno::AttachTarget t;
        t.balancerStats = QStringLiteral("http://127.0.0.1:%1/stats").arg(m_main->sup->prometheusPort());
        t.redisHost = QStringLiteral("127.0.0.1");
        t.redisPort = m_main->sup->node(QStringLiteral("redis-1"))->port;
        t.redisPassword = QString::fromUtf8(pass.readAll()).trimmed();
        t.cluster = m_main->sup->profile().name;
        turno::FleetAttach attach(t);
        QList<Event> seen;
        connect(&attach, &turno::FleetAttach::event, this,
                [&seen](const turno::FleetEvent &e) { seen << Event{e.kindName(), e.node, e.message}; });
        auto look = [&attach] {
            QJsonObject st;
            attach.refresh([&st](QJsonObject s) { st = s; });
            QElapsedTimer timer;
            timer.start();
            while (st.isEmpty() && timer.elapsed() < 10000)
                QCoreApplication::processEvents(QEventLoop::AllEvents, 20);
            return st;
        };
        auto names = [](const QJsonObject &st) {
            QMap<QString, QString> out;
            for (const QJsonValue &v : st.value(QStringLiteral("nodes")).toArray())
                out.insert(v.toObject().value(QStringLiteral("node")).toString(), v.toObject().value(QStringLiteral("state")).toString());
            return out;
        };
        QJsonObject st = look();
        QVERIFY2(!st.contains(QStringLiteral("balancerError")), qPrintable(st.value(QStringLiteral("balancerError")).toString()));
        QVERIFY2(!st.contains(QStringLiteral("registryError")), qPrintable(st.value(QStringLiteral("registryError")).toString()));
        QCOMPARE(st.value(QStringLiteral("active")).toString(), QStringLiteral("primary"));
        QCOMPARE(names(st).keys(), (QStringList{QStringLiteral("primary-1"), QStringLiteral("primary-2"),
                                                QStringLiteral("secondary-1"), QStringLiteral("secondary-2")}));
        for (const QString &state : names(st))
            QCOMPARE(state, QStringLiteral("UP"));

        // The same registry found through Sentinel, as a console that only knows the sentinels would.
        {
            turno::AttachTarget viaSentinel;
            viaSentinel.sentinelHost = QStringLiteral("127.0.0.1");
            viaSentinel.sentinelPort = m_main->sup->node(QStringLiteral("sentinel-1"))->port;
            viaSentinel.redisPassword = t.redisPassword;
            viaSentinel.cluster = t.cluster;
            turno::FleetAttach bySentinel(viaSentinel);
            QJsonObject s2;
            bySentinel.refresh([&s2](QJsonObject x) { s2 = x; });
            QTRY_VERIFY_WITH_TIMEOUT(!s2.isEmpty(), 10000);
            QVERIFY2(!s2.contains(QStringLiteral("registryError")), qPrintable(s2.value(QStringLiteral("registryError")).toString()));
            QCOMPARE(names(s2).size(), 4);
        }
        // A node it did not know about announces itself...
        auto r = m_main->call([this](auto done) { m_main->sup->scale(QStringLiteral("secondary"), 3, done); });
        QVERIFY2(r.ok(), qPrintable(r.error()));
        QTRY_VERIFY_WITH_TIMEOUT(names(look()).contains(QStringLiteral("secondary-3")), 10000);
        QVERIFY(std::any_of(seen.begin(), seen.end(), [](const Event &e) {
            return e.kind == QLatin1String("node-discovered") && e.node == QLatin1String("secondary-3");
        }));
        // ...and one that goes away is noticed.
        r = m_main->call([this](auto done) { m_main->sup->scale(QStringLiteral("secondary"), 2, done); });
        QVERIFY2(r.ok(), qPrintable(r.error()));
        QTRY_VERIFY_WITH_TIMEOUT(!names(look()).contains(QStringLiteral("secondary-3")), 10000);
        QVERIFY(std::any_of(seen.begin(), seen.end(), [](const Event &e) {
            return e.kind == QLatin1String("node-vanished") && e.node == QLatin1String("secondary-3");
        }));
    }

    void crashedRedisPrimaryIsNotRestarted()
    {
        QVERIFY(m_main);
        turno::ManagedProcess *primary = m_main->sup->process(QStringLiteral("redis-1"));
        const qint64 pid = primary->pid();
        QCOMPARE(::kill(pid_t(pid), SIGKILL), 0);
        QTRY_VERIFY_WITH_TIMEOUT(m_main->hasEvent(QStringLiteral("redis-primary-down"), QStringLiteral("redis-1")), 10000);
        // Longer than the restart back-off: still down, promotion is left to the failover.
        spin(1500);
        QVERIFY(!primary->running());
        QCOMPARE(turno::nodeStateName(m_main->sup->node(QStringLiteral("redis-1"))->state), QStringLiteral("down"));
    }

    void downLeavesNoProcessAndNoPort()
    {
        QVERIFY(m_main);
        QList<qint64> pids;
        QList<quint16> ports;
        for (const FleetNode *n : m_main->sup->nodes()) {
            if (n->process && n->process->running())
                pids << n->process->pid();
            ports << n->port;
        }
        ports << m_main->sup->prometheusPort();
        QVERIFY(pids.size() >= 9);
        QElapsedTimer t;
        t.start();
        bool stopped = false;
        connect(m_main->sup.get(), &FleetSupervisor::stopped, this, [&] { stopped = true; });
        m_main->sup->stop();
        QTRY_VERIFY_WITH_TIMEOUT(stopped, 15000);
        qInfo("FIGURE down (in-process) took %lld ms", t.elapsed());
        for (qint64 pid : pids)
            QVERIFY2(!pidAlive(pid), qPrintable(QStringLiteral("pid %1 still alive after down").arg(pid)));
        for (quint16 port : ports)
            QVERIFY2(!portListening(port), qPrintable(QStringLiteral("port %1 still listening after down").arg(port)));
        m_main.reset();
    }

    // A run directory of an earlier version names the Redis nodes' directories by
    // role (redis-primary/, redis-replica/) and may say redis-replica was the primary
    // last: its counters and its primary carry over to redis-1 and redis-2.
    void anEarlierVersionsRunDirKeepsItsCountersAndPrimary()
    {
        auto profile = defaultTestProfile();
        QVERIFY2(profile.ok(), qPrintable(profile.error()));
        QTemporaryDir runDir(QStringLiteral("/tmp/turno-fleet-test-XXXXXX"));
        QString why;
        qint64 last = -1;
        {
            Cluster c;
            QVERIFY2(c.start(profile.value(), &why, runDir.path()), qPrintable(why));
            HttpClient client(c.sup->balancerPort());
            for (int i = 0; i < 5; ++i)
                last = client.get("/turno/legacy").turno;
            QCOMPARE(last, qint64(5));
            c.stopAndWait();
        }
        // What the earlier version left: its directory names and its state file.
        QDir dir(runDir.path());
        QVERIFY(dir.rename(QStringLiteral("redis-1"), QStringLiteral("redis-primary")));
        QVERIFY(dir.rename(QStringLiteral("redis-2"), QStringLiteral("redis-replica")));
        QFile state(dir.filePath(QStringLiteral("redis-primary.state")));
        QVERIFY(state.open(QIODevice::WriteOnly | QIODevice::Truncate));
        state.write("redis-replica\n");
        state.close();

        Cluster again;
        QVERIFY2(again.start(profile.value(), &why, runDir.path()), qPrintable(why));
        QCOMPARE(again.sup->redisPrimaryNode(), QStringLiteral("redis-2"));
        QCOMPARE(again.nodeStatus(QStringLiteral("redis-2")).value(QStringLiteral("role")).toString(), QStringLiteral("primary"));
        QCOMPARE(again.nodeStatus(QStringLiteral("redis-1")).value(QStringLiteral("role")).toString(), QStringLiteral("replica"));
        QVERIFY(!dir.exists(QStringLiteral("redis-primary")) && !dir.exists(QStringLiteral("redis-replica")));
        QVERIFY(dir.exists(QStringLiteral("redis-1/appendonlydir")) && dir.exists(QStringLiteral("redis-2/appendonlydir")));
        bool said = false;
        for (const Event &e : again.events)
            said = said || (e.kind == QLatin1String("cluster-starting") &&
                            e.message.contains(QLatin1String("redis-primary/ -> redis-1/, redis-replica/ -> redis-2/")));
        QVERIFY(said);
        HttpClient client(again.sup->balancerPort());
        QCOMPARE(client.get("/turno/legacy").turno, last + 1);
        again.stopAndWait();

        // Both an old and a new directory: which holds the current counters is the operator's call.
        QVERIFY(dir.mkdir(QStringLiteral("redis-primary")));
        FleetSupervisor refused;
        const turno::Result<void> r = refused.start(profile.value(), runDir.path());
        QVERIFY(!r.ok());
        QVERIFY2(r.error().contains(QLatin1String("both redis-primary/")) && r.error().contains(QLatin1String("and redis-1/")) &&
                     r.error().contains(runDir.path()),
                 qPrintable(r.error()));
        QVERIFY(dir.exists(QStringLiteral("redis-1/appendonlydir")));
    }

    void weightsOneTwoThreeOverTenThousandRequests()
    {
        auto profile = defaultTestProfile();
        QVERIFY2(profile.ok(), qPrintable(profile.error()));
        ClusterProfile p = profile.value();
        p.name = QStringLiteral("weights");
        p.primary = {QStringLiteral("primary"), 3, {1, 2, 3}};
        p.secondary = {QStringLiteral("secondary"), 0, {}};
        p.algorithm = QStringLiteral("weighted");
        p.redisReplica = false;
        p.sentinelCount = 0;
        Cluster c;
        QString why;
        QVERIFY2(c.start(p, &why), qPrintable(why));
        Load load(c.sup->balancerPort(), 4, 10000, "weights");
        QVERIFY(waitLoad(load, 120000));
        QMap<QByteArray, int> per;
        for (const Answer &a : load.answers()) {
            QCOMPARE(a.status, 200);
            per[a.node]++;
        }
        qInfo("FIGURE weights 1:2:3 over 10000 requests: primary-1 %d, primary-2 %d, primary-3 %d",
              per.value("primary-1"), per.value("primary-2"), per.value("primary-3"));
        const double total = 10000.0;
        for (int i = 1; i <= 3; ++i) {
            const double expected = total * i / 6.0;
            const int got = per.value("primary-" + QByteArray::number(i));
            QVERIFY2(std::abs(got - expected) <= expected * 0.05,
                     qPrintable(QStringLiteral("primary-%1 got %2 requests, expected %3 +-5%").arg(i).arg(got).arg(expected)));
        }
    }

    void leastconnSendsFewerRequestsToASlowNode()
    {
        auto profile = defaultTestProfile();
        QVERIFY2(profile.ok(), qPrintable(profile.error()));
        ClusterProfile p = profile.value();
        p.name = QStringLiteral("leastconn");
        p.primary = {QStringLiteral("primary"), 3, {1, 1, 1}};
        p.secondary = {QStringLiteral("secondary"), 0, {}};
        p.algorithm = QStringLiteral("leastconn");
        p.redisReplica = false;
        p.sentinelCount = 0;
        // Slow checks, so the stalled node stays UP and only leastconn keeps requests away from it.
        p.healthIntervalMs = 30000;
        Cluster c;
        QString why;
        QVERIFY2(c.start(p, &why), qPrintable(why));
        // A stalled process is the slowest node there is: it accepts connections and never answers.
        const qint64 slow = c.sup->process(QStringLiteral("primary-1"))->pid();
        QCOMPARE(::kill(pid_t(slow), SIGSTOP), 0);
        auto resume = qScopeGuard([slow] { ::kill(pid_t(slow), SIGCONT); });
        auto picked = [&c](const char *n) {
            return c.nodeStatus(QLatin1String(n)).value(QStringLiteral("picked")).toInteger();
        };
        const qint64 before1 = picked("primary-1");
        Load load(c.sup->balancerPort(), 4, 0, "leastconn");
        QElapsedTimer t;
        t.start();
        while (load.answered() < 1500 && t.elapsed() < 30000)
            spin(10);
        QJsonObject snapshot;
        QTRY_VERIFY_WITH_TIMEOUT(!(snapshot = c.status()).isEmpty(), 10000);
        QMap<QString, qint64> to;
        for (const QJsonValue &v : snapshot.value(QStringLiteral("nodes")).toArray())
            to[v.toObject().value(QStringLiteral("node")).toString()] = v.toObject().value(QStringLiteral("picked")).toInteger();
        const qint64 toSlow = to.value(QStringLiteral("primary-1")) - before1;
        const qint64 to2 = to.value(QStringLiteral("primary-2")), to3 = to.value(QStringLiteral("primary-3"));
        ::kill(pid_t(slow), SIGCONT);
        load.stop();
        qInfo("FIGURE leastconn with primary-1 stalled: requests sent to primary-1 %lld, primary-2 %lld, primary-3 %lld",
              toSlow, to2, to3);
        QVERIFY2(load.answers().size() >= 1500, "the healthy nodes kept serving");
        // With 4 clients at most 2 can be stuck on the slow node; round robin would send it a third of all requests.
        QVERIFY2(toSlow <= 4, qPrintable(QStringLiteral("the slow node received %1 requests").arg(toSlow)));
        QVERIFY2(to2 + to3 >= 1500 && to2 > 100 && to3 > 100,
                 qPrintable(QStringLiteral("healthy nodes got %1 and %2").arg(to2).arg(to3)));
    }

    void autoscalerAddsAndRemovesNodesWithReasons()
    {
        auto profile = defaultTestProfile();
        QVERIFY2(profile.ok(), qPrintable(profile.error()));
        ClusterProfile p = profile.value();
        p.name = QStringLiteral("autoscale");
        p.primary = {QStringLiteral("primary"), 1, {1}};
        p.secondary = {QStringLiteral("secondary"), 0, {}};
        p.redisReplica = false;
        p.sentinelCount = 0;
        p.scrapeIntervalMs = 250;
        p.autoscaleEnabled = true;
        p.autoscaleMin = 1;
        p.autoscaleMax = 2;
        p.autoscaleCpuHigh = 10000;  // decide on the request rate only
        p.autoscaleReqHigh = 200;
        p.autoscaleCpuLow = 10000;
        p.autoscaleReqLow = 50;      // above the health checks' own rate
        p.autoscaleSustainS = 1;
        p.autoscaleCooldownS = 1;
        Cluster c;
        QString why;
        QVERIFY2(c.start(p, &why), qPrintable(why));
        {
            Load load(c.sup->balancerPort(), 2, 0, "autoscale");
            QTRY_VERIFY_WITH_TIMEOUT(c.sup->node(QStringLiteral("primary-2")) &&
                                         c.nodeStatus(QStringLiteral("primary-2")).value(QStringLiteral("picked")).toInteger() > 0,
                                     20000);
            load.stop();
            for (const Answer &a : load.answers())
                QCOMPARE(a.status, 200);
        }
        QTRY_VERIFY_WITH_TIMEOUT(!c.sup->node(QStringLiteral("primary-2")), 20000);
        QStringList reasons;
        for (const auto &e : c.events)
            if (e.kind == QLatin1String("autoscale"))
                reasons << e.message;
        QCOMPARE(reasons.size(), 2);
        QVERIFY2(reasons[0].startsWith(QLatin1String("scale out 1 -> 2")) && reasons[0].contains(QLatin1String("req/s per node > 200")),
                 qPrintable(reasons[0]));
        QVERIFY2(reasons[1].startsWith(QLatin1String("scale in 2 -> 1")), qPrintable(reasons[1]));
    }

    void crashLoopGivesUpWithAnEvent()
    {
        auto profile = defaultTestProfile();
        QVERIFY2(profile.ok(), qPrintable(profile.error()));
        ClusterProfile p = profile.value();
        p.name = QStringLiteral("crashloop");
        p.store = QStringLiteral("memory");
        p.primary = {QStringLiteral("primary"), 1, {1}};
        p.secondary = {QStringLiteral("secondary"), 0, {}};
        p.restartLimit = 2;
        p.backoffInitialMs = 50;
        Cluster c;
        QString why;
        QVERIFY2(c.start(p, &why), qPrintable(why));
        QVERIFY(!c.sup->node(QStringLiteral("redis-1")));  // the memory store runs no Redis
        for (int round = 1; round <= 3; ++round) {
            turno::ManagedProcess *proc = c.sup->process(QStringLiteral("primary-1"));
            QTRY_VERIFY_WITH_TIMEOUT(proc->running() && turno::nodeStateName(c.sup->node(QStringLiteral("primary-1"))->state) == QLatin1String("running"), 10000);
            QCOMPARE(::kill(pid_t(proc->pid()), SIGKILL), 0);
            QTRY_VERIFY_WITH_TIMEOUT(!proc->running(), 5000);
        }
        QTRY_VERIFY_WITH_TIMEOUT(c.hasEvent(QStringLiteral("gave-up"), QStringLiteral("primary-1")), 10000);
        spin(500);
        QVERIFY(!c.sup->process(QStringLiteral("primary-1"))->running());
        QCOMPARE(turno::nodeStateName(c.sup->node(QStringLiteral("primary-1"))->state), QStringLiteral("failed"));
    }

    void aNodeDyingDuringStartFailsTheStartWithItsLog()
    {
        auto profile = defaultTestProfile();
        QVERIFY2(profile.ok(), qPrintable(profile.error()));
        ClusterProfile p = profile.value();
        p.store = QStringLiteral("memory");
        p.primary = {QStringLiteral("primary"), 1, {1}};
        p.secondary = {QStringLiteral("secondary"), 0, {}};
        p.serverBinary = turno::test::findProgram(QStringLiteral("false"));
        QVERIFY(!p.serverBinary.isEmpty());
        Cluster c;
        QString why;
        QVERIFY(!c.start(p, &why));
        QVERIFY2(why.contains(QLatin1String("primary-1 exited while the cluster was starting")) &&
                     why.contains(QLatin1String("primary-1.log")),
                 qPrintable(why));
        QTRY_COMPARE_WITH_TIMEOUT(c.sup->stateName(), QStringLiteral("failed"), 5000);
        // Nothing half-started is left running.
        QTRY_VERIFY_WITH_TIMEOUT(!c.sup->process(QStringLiteral("haproxy"))->running(), 5000);
    }

    void portInUseIsRefusedOrSkippedPerProfile()
    {
        // Hold a port the way another program would.
        const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        sockaddr_in a{};
        a.sin_family = AF_INET;
        a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        QCOMPARE(::bind(fd, reinterpret_cast<sockaddr *>(&a), sizeof a), 0);
        QCOMPARE(::listen(fd, 4), 0);
        socklen_t len = sizeof a;
        ::getsockname(fd, reinterpret_cast<sockaddr *>(&a), &len);
        const quint16 busy = ntohs(a.sin_port);

        auto profile = defaultTestProfile();
        QVERIFY2(profile.ok(), qPrintable(profile.error()));
        ClusterProfile p = profile.value();
        p.store = QStringLiteral("memory");
        p.primary = {QStringLiteral("primary"), 1, {1}};
        p.secondary = {QStringLiteral("secondary"), 0, {}};
        p.balancerListen.port = busy;
        {
            Cluster c;
            const auto r = c.sup->start(p, c.dir.path());
            QVERIFY(!r.ok());
            QVERIFY2(r.error().contains(QString::number(busy)) && r.error().contains(QLatin1String("in use")) &&
                         r.error().contains(QLatin1String("onConflict")),
                     qPrintable(r.error()));
        }
        p.portsOnConflict = QStringLiteral("next");
        {
            Cluster c;
            QString why;
            QVERIFY2(c.start(p, &why), qPrintable(why));
            QVERIFY(c.sup->balancerPort() != busy);
            QCOMPARE(HttpClient(c.sup->balancerPort()).get("/turno/next").status, 200);
        }
        ::close(fd);
    }
};

QTEST_GUILESS_MAIN(TestFleetCluster)
#include "test_fleet_cluster.moc"
