// Alerts against real faults on a real cluster (turno-server x2, Redis primary
// and replica, HAProxy; no sentinel) launched through FleetMonitor with a 250 ms
// scrape interval, all on free loopback ports: CPU burnt through the
// token-protected debug endpoint, nodes killed, the replica killed and
// stalled, Redis slowed (CLIENT PAUSE) and stopped under load. Each alert must go firing within its `for` plus two
// scrape intervals (and a little slack for a loaded machine), and resolve after
// recovery. The control API's alerts/silence/ack/reload-rules commands are
// exercised on the way, with a webhook that must hear only unsilenced alerts.
// Each test prints a FIGURE line with the measured fault-to-firing latency.
#include "alerts/alert_engine.h"
#include "control/control_client.h"
#include "fleet/fleet_supervisor.h"
#include "fleet/managed_process.h"
#include "incidents/incident_store.h"
#include "metrics/series_store.h"
#include "runtime/alert_commands.h"
#include "runtime/fleet_monitor.h"
#include "test_support.h"
#include "../fleet/fleet_test_util.h"

#include <QDateTime>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QProcess>
#include <QTcpServer>
#include <QTcpSocket>
#include <QTemporaryDir>
#include <QtTest>
#include <atomic>
#include <memory>
#include <csignal>
#include <thread>

using turno::Alert;
using turno::AlertTransition;
using turno::FleetMonitor;

namespace {

// Short, as an operator who wants fast detection would set it. Per-scrape CPU %
// and p99 are noisy at this interval on a loaded machine: one sample under the
// threshold restarts a 10 s `for` (see cpuBurnFiresHighCpu).
constexpr int kScrapeMs = 250;
// A loaded CI machine (2 cores, ASan) may deliver a scrape or a tick late.
constexpr qint64 kSlackMs = 1500;


// Paced requests to one node, so a stopped Redis shows as a 5xx ratio without
// flooding the machine with instant 503s.
class PacedLoad {
public:
    PacedLoad(quint16 port, int pauseMs)
    {
        m_thread = std::thread([this, port, pauseMs] {
            fleettest::HttpClient c(port);
            while (!m_stop.load()) {
                const fleettest::Answer a = c.get("/turno/alerts-faults", 10000);
                if (a.status >= 500)
                    m_errors.fetch_add(1);
                m_total.fetch_add(1);
                std::this_thread::sleep_for(std::chrono::milliseconds(pauseMs));
            }
        });
    }
    ~PacedLoad() { stop(); }
    void stop()
    {
        m_stop.store(true);
        if (m_thread.joinable())
            m_thread.join();
    }
    int errors() const { return m_errors.load(); }
    int total() const { return m_total.load(); }

private:
    std::thread m_thread;
    std::atomic<bool> m_stop{false};
    std::atomic<int> m_errors{0};
    std::atomic<int> m_total{0};
};

// Receives webhook POSTs and answers 200.
class WebhookSink : public QObject {
public:
    explicit WebhookSink(QObject *parent = nullptr) : QObject(parent)
    {
        m_server.listen(QHostAddress::LocalHost);
        connect(&m_server, &QTcpServer::newConnection, this, [this] {
            while (QTcpSocket *s = m_server.nextPendingConnection()) {
                auto buffer = std::make_shared<QByteArray>();
                connect(s, &QTcpSocket::disconnected, s, &QObject::deleteLater);
                connect(s, &QTcpSocket::readyRead, s, [this, s, buffer] {
                    *buffer += s->readAll();
                    const qsizetype end = buffer->indexOf("\r\n\r\n");
                    if (end < 0)
                        return;
                    const QByteArray head = buffer->left(end).toLower();
                    const qsizetype cl = head.indexOf("content-length:");
                    const qsizetype length = cl < 0 ? 0 : head.mid(cl + 15, head.indexOf('\r', cl) - cl - 15).trimmed().toLongLong();
                    if (buffer->size() < end + 4 + length)
                        return;
                    bodies << buffer->mid(end + 4, length);
                    buffer->clear();
                    s->write("HTTP/1.1 200 OK\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");
                    s->disconnectFromHost();
                });
            }
        });
    }
    quint16 port() const { return m_server.serverPort(); }
    // "NodeDown firing primary-1" for each alert received.
    QStringList received() const
    {
        QStringList out;
        for (const QByteArray &b : bodies)
            for (const QJsonValue &v : QJsonDocument::fromJson(b).array()) {
                const QJsonObject o = v.toObject();
                const QJsonObject labels = o.value(QStringLiteral("labels")).toObject();
                out << QStringLiteral("%1 %2 %3")
                           .arg(labels.value(QStringLiteral("alertname")).toString(),
                                o.contains(QStringLiteral("endsAt")) ? QStringLiteral("resolved") : QStringLiteral("firing"),
                                labels.value(QStringLiteral("node")).toString());
            }
        return out;
    }
    QList<QByteArray> bodies;

private:
    QTcpServer m_server;
};

}  // namespace

class TestAlertFaults : public QObject {
    Q_OBJECT

    QTemporaryDir m_dir;
    FleetMonitor *m_monitor = nullptr;
    QString m_runDir;
    QList<AlertTransition> m_log;
    QList<turno::IncidentEvent> m_events;
    QStringList m_figures;
    QHash<QString, QList<QPair<qint64, double>>> m_samples;  // every series as the rules saw it
    qint64 m_stoppedRedis = 0;
    qint64 m_stoppedReplica = 0;
    turno::ClusterProfile m_profile;

    turno::AlertEngine *engine() const { return m_monitor->alerts(); }

    quint16 portOf(const QString &node) const { return m_monitor->supervisor()->node(node)->port; }
    qint64 pidOf(const QString &node) const
    {
        const turno::FleetNode *n = m_monitor->supervisor()->node(node);
        return n && n->process ? n->process->pid() : 0;
    }

    // Waits, running the event loop, until pred holds (checked every 20 ms).
    template <typename Pred>
    bool waitUntil(Pred pred, int timeoutMs)
    {
        QElapsedTimer clock;
        clock.start();
        while (clock.elapsed() < timeoutMs) {
            if (pred())
                return true;
            QTest::qWait(20);
        }
        return pred();
    }

    // The first transition of rule on node to state at or after sinceMs.
    const AlertTransition *find(const QString &rule, const QString &node, Alert::State to, qint64 sinceMs) const
    {
        for (const AlertTransition &t : m_log)
            if (t.alert.rule == rule && t.alert.node == node && t.to == to && t.atMs >= sinceMs)
                return &t;
        return nullptr;
    }

    int count(const QString &rule, const QString &node, Alert::State to, qint64 sinceMs) const
    {
        int n = 0;
        for (const AlertTransition &t : m_log)
            n += t.alert.rule == rule && t.alert.node == node && t.to == to && t.atMs >= sinceMs;
        return n;
    }

    qint64 forMs(const QString &rule) const { return engine()->rules().find(rule)->forMs; }

    struct Detection {
        bool fired = false;
        qint64 faultToFiring = -1;      // from the fault to the firing transition
        qint64 conditionToFiring = -1;  // from the first sample of the breaching run that led to it
        qint64 longestRun = 0;          // longest run of breaching samples seen (when it did not fire)
        QString samples;                // the series as the rule saw it, for messages
    };

    // Waits for rule on node to fire after faultMs; prints and keeps the FIGURE line.
    Detection expectFiring(const QString &rule, const QString &node, qint64 faultMs, const QString &fault, qint64 budgetMs,
                           qint64 waitMs = 0)
    {
        Detection d;
        d.fired = waitUntil([&] { return find(rule, node, Alert::State::Firing, faultMs) != nullptr; },
                            int(waitMs > 0 ? waitMs : budgetMs + 10000));
        const turno::AlertRule *r = engine()->rules().find(rule);
        const AlertTransition *t = find(rule, node, Alert::State::Firing, faultMs);
        qint64 runStart = -1;
        QStringList values;
        for (const auto &sample : m_samples.value(FleetMonitor::nodeSeries(node, r->metric))) {
            if (sample.first < faultMs - 2000 || (t && sample.first > t->atMs))
                continue;
            values << QString::number(sample.second, 'g', 3);
            if (sample.first < faultMs)
                continue;
            if (r->breaches(sample.second)) {
                if (runStart < 0)
                    runStart = sample.first;
                d.longestRun = std::max(d.longestRun, sample.first - runStart);
                if (t)
                    d.conditionToFiring = t->atMs - runStart;
            } else {
                runStart = -1;
            }
        }
        d.samples = values.join(QLatin1Char(' '));
        if (!t)
            return d;
        const AlertTransition *pending = find(rule, node, Alert::State::Pending, faultMs);
        d.faultToFiring = t->atMs - faultMs;
        const QString figure = QStringLiteral("FIGURE alert-detection rule=%1 node=%2 fault=\"%3\" fault_to_pending_ms=%4 "
                                              "fault_to_firing_ms=%5 condition_to_firing_ms=%6 for_ms=%7 scrape_ms=%8 budget_ms=%9")
                                   .arg(rule, node, fault)
                                   .arg(pending ? pending->atMs - faultMs : -1)
                                   .arg(d.faultToFiring)
                                   .arg(d.conditionToFiring)
                                   .arg(r->forMs)
                                   .arg(kScrapeMs)
                                   .arg(budgetMs);
        qInfo("%s", qPrintable(figure));
        m_figures << figure;
        return d;
    }

    turno::Result<QJsonObject> control(const QJsonObject &req)
    {
        // The client blocks; the supervisor answers from this thread's event loop, so ask from another thread.
        turno::Result<QJsonObject> out = turno::Error{QStringLiteral("no answer")};
        std::atomic<bool> done{false};
        const QString runDir = m_runDir;
        std::thread t([&] {
            turno::ControlClient client(runDir);
            out = client.requestSync(req, 10000);
            done.store(true);
        });
        waitUntil([&] { return done.load(); }, 15000);
        t.join();
        if (!out.ok())
            return out;
        return out.value().value(QStringLiteral("result")).toObject();
    }

    struct Ctl {
        int rc = -1;
        QString out, err;
    };
    // turnoctl as a user runs it; the supervisor answers from this test's event loop meanwhile.
    Ctl turnoctl(QStringList args, const QString &runDir = {})
    {
        args << QStringLiteral("--run-dir") << (runDir.isEmpty() ? m_runDir : runDir);
        QProcess p;
        p.start(qEnvironmentVariable("TURNOCTL_BIN"), args);
        Ctl c;
        if (!p.waitForStarted(10000))
            return c;
        waitUntil([&] { return p.state() == QProcess::NotRunning; }, 30000);
        c.rc = p.exitStatus() == QProcess::NormalExit ? p.exitCode() : -1;
        c.out = QString::fromUtf8(p.readAllStandardOutput());
        c.err = QString::fromUtf8(p.readAllStandardError());
        return c;
    }

    bool allQuiet(const QStringList &rules) const
    {
        for (const Alert &a : engine()->alerts())
            if (rules.contains(a.rule) && (a.state == Alert::State::Firing || a.state == Alert::State::Pending))
                return false;
        return true;
    }

private slots:
    void initTestCase()
    {
        QVERIFY(m_dir.isValid());
        // retryWindowMs 0: nodes answer 503 as soon as Redis is gone instead of parking each
        // request for the failover window, so a little load shows the outage as a 5xx ratio.
        const QByteArray profileJson = R"({
            "name": "alerts-faults",
            "store": "redis",
            "server": { "threads": 1, "durability": "async", "debugToken": true, "retryWindowMs": 0 },
            "pools": { "primary": { "nodes": 2, "weights": [1, 1] }, "secondary": { "nodes": 0, "weights": [] } },
            "redis": { "mode": "embedded", "replica": true, "sentinels": 0, "minReplicasToWrite": 0,
                       "password": { "source": "generated" } },
            "balancer": { "listen": "127.0.0.1:0" },
            "scrape": { "intervalMs": 250 },
            "supervision": { "restartLimit": 10, "restartWindowS": 300, "backoffInitialMs": 6000, "backoffMaxMs": 6000 }
        })";
        auto loaded = turno::ProfileLoader::loadBytes(profileJson, QStringLiteral("alerts-faults profile"));
        QVERIFY2(loaded.ok(), qPrintable(loaded.error()));
        turno::ClusterProfile profile = loaded.value();
        profile.serverBinary = qEnvironmentVariable("TURNO_SERVER_BIN");
        QVERIFY(profile.debugToken);
        m_profile = profile;

        m_monitor = new FleetMonitor(this);
        QVERIFY(m_monitor->openHistory(m_dir.filePath(QStringLiteral("events.db"))).ok());
        connect(m_monitor->history(), &turno::IncidentStore::eventsAppended, this,
                [this](const QList<turno::IncidentEvent> &events) { m_events += events; });
        connect(engine(), &turno::AlertEngine::transition, this, [this](const AlertTransition &t) { m_log << t; });
        connect(m_monitor->series(), &turno::SeriesStore::sampleAppended, this, [this](int id, qint64 ms, double v) {
            m_samples[m_monitor->series()->key(id)] << qMakePair(ms, v);
        });
        QString failure;
        connect(m_monitor, &FleetMonitor::launchFailed, this, [&failure](const QString &m) { failure = m; });
        m_runDir = m_dir.filePath(QStringLiteral("run"));
        const auto launched = m_monitor->launch(m_profile, m_runDir);
        QVERIFY2(launched.ok(), qPrintable(launched.error()));
        QVERIFY2(waitUntil([&] { return m_monitor->isReady() || !failure.isEmpty(); }, 60000), "cluster not ready in 60 s");
        QVERIFY2(failure.isEmpty(), qPrintable(failure));
        // A few scrapes so every series exists and the start-up alerts (if any) settle.
        QVERIFY(waitUntil([&] { return allQuiet({QStringLiteral("NodeDown"), QStringLiteral("RedisDown"),
                                                 QStringLiteral("ReplicationLinkDown")}) &&
                                       m_monitor->lastSampleMs() > 0; },
                          15000));
        QTest::qWait(4 * kScrapeMs);
    }

    // The debug token file the profile asked for: 0600, and the endpoint refuses without it.
    void debugTokenIsPrivate()
    {
        const QString tokenFile = m_runDir + QStringLiteral("/debug.token");
        QVERIFY2(QFile::exists(tokenFile), qPrintable(tokenFile));
        QCOMPARE(QFile::permissions(tokenFile) & (QFile::ReadGroup | QFile::ReadOther | QFile::WriteGroup | QFile::WriteOther),
                 QFile::Permissions());
        const auto reply = turno::test::httpGet(portOf(QStringLiteral("primary-1")),
                                                "GET /debug/burn-cpu?ms=10 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
        QCOMPARE(reply.headers.mid(9, 3), QByteArray("401"));
    }

    // The burn is real, so on a shared, loaded machine the node may not get
    // the CPU it asks for: the rule then rightly stays quiet. The test checks
    // the engine against what the rule saw: once the samples have stayed above
    // 80 % for `for`, it fires within two scrapes; if they never did, it skips
    // (the fault was not produced) and says so with the samples.
    void cpuBurnFiresHighCpu()
    {
        QFile f(m_runDir + QStringLiteral("/debug.token"));
        QVERIFY(f.open(QIODevice::ReadOnly));
        const QByteArray token = f.readAll().trimmed();
        const QString node = QStringLiteral("primary-1");
        const QByteArray request = "GET /debug/burn-cpu?ms=40000 HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " + token +
                                   "\r\nConnection: close\r\n\r\n";
        // Four busy threads in the node: above 80 % of a core unless the machine is badly overloaded.
        const qint64 fault = QDateTime::currentMSecsSinceEpoch();
        for (int i = 0; i < 4; ++i) {
            const auto reply = turno::test::httpGet(portOf(node), request);
            QVERIFY2(reply.headers.startsWith("HTTP/1.1 200"), reply.headers.constData());
        }
        // 40 s of burning: room for one 10 s stretch above 80 % on a machine whose CPU comes and goes.
        const qint64 budget = forMs(QStringLiteral("HighCpu")) + 2 * kScrapeMs + kSlackMs;
        const Detection d = expectFiring(QStringLiteral("HighCpu"), node, fault, QStringLiteral("burn-cpu 4 threads"), budget, 42000);
        if (!d.fired && d.longestRun < forMs(QStringLiteral("HighCpu")))
            QSKIP(qPrintable(QStringLiteral("machine too loaded: the node's CPU never stayed above 80 % for 10 s "
                                            "(longest run %1 ms); samples: %2").arg(d.longestRun).arg(d.samples)));
        QVERIFY2(d.fired, qPrintable(QStringLiteral("HighCpu did not fire although CPU stayed above 80 % for %1 ms; samples: %2")
                                         .arg(d.longestRun).arg(d.samples)));
        QVERIFY2(d.conditionToFiring <= budget,
                 qPrintable(QStringLiteral("HighCpu fired %1 ms after the CPU went above 80 % (budget %2); samples: %3")
                                .arg(d.conditionToFiring).arg(budget).arg(d.samples)));
        // The summary carries the value and the node.
        const AlertTransition *firing = find(QStringLiteral("HighCpu"), node, Alert::State::Firing, fault);
        QVERIFY2(firing->alert.summary.contains(node), qPrintable(firing->alert.summary));
        QVERIFY(firing->alert.value > 80);
        // CpuSaturated (> 95 %) needs more than a loaded machine may give: reported when it fires, not required.
        if (find(QStringLiteral("CpuSaturated"), node, Alert::State::Firing, fault))
            expectFiring(QStringLiteral("CpuSaturated"), node, fault, QStringLiteral("burn-cpu 4 threads"), budget);
        // The burn ends 40 s after it began; below 70 % for keep_firing_for (5 s) resolves it.
        QVERIFY2(waitUntil([&] { return find(QStringLiteral("HighCpu"), node, Alert::State::Resolved, fault) != nullptr; }, 55000),
                 "HighCpu did not resolve after the burn ended");
    }

    // Rules reload through the control API (a broken file is refused, the good
    // one brings a webhook); a silence and an ack; then both nodes are killed.
    void nodeDownWithSilenceAckAndWebhook()
    {
        WebhookSink sink;
        QVERIFY(sink.port() != 0);
        QFile defaults(qEnvironmentVariable("TURNO_SOURCE_DIR") + QStringLiteral("/resources/alerts/default_rules.json"));
        QVERIFY(defaults.open(QIODevice::ReadOnly));
        QJsonObject rules = QJsonDocument::fromJson(defaults.readAll()).object();
        rules.insert(QStringLiteral("notify"),
                     QJsonObject{{QStringLiteral("webhook"), QStringLiteral("http://127.0.0.1:%1/api/v2/alerts").arg(sink.port())}});
        const QString rulesFile = m_dir.filePath(QStringLiteral("rules.json"));
        const QString brokenFile = m_dir.filePath(QStringLiteral("broken.json"));
        {
            QFile out(rulesFile);
            QVERIFY(out.open(QIODevice::WriteOnly));
            out.write(QJsonDocument(rules).toJson(QJsonDocument::Indented));
            QFile bad(brokenFile);
            QVERIFY(bad.open(QIODevice::WriteOnly));
            bad.write("{\n  \"version\": 1,\n  \"rules\": [\n    {\"name\": \"X\", \"metric\": \"up\", \"threshold\": \"one\"}\n  ]\n}\n");
        }
        const int rulesBefore = int(engine()->rules().rules.size());
        auto refused = control({{QStringLiteral("cmd"), QStringLiteral("reload-rules")}, {QStringLiteral("file"), brokenFile}});
        QVERIFY(!refused.ok());
        QVERIFY2(refused.error().contains(brokenFile + QStringLiteral(":4:")), qPrintable(refused.error()));
        QCOMPARE(int(engine()->rules().rules.size()), rulesBefore);
        auto reloaded = control({{QStringLiteral("cmd"), QStringLiteral("reload-rules")}, {QStringLiteral("file"), rulesFile}});
        QVERIFY2(reloaded.ok(), qPrintable(reloaded.error()));
        QCOMPARE(reloaded->value(QStringLiteral("rules")).toInt(), rulesBefore);

        // Silence NodeDown on primary-2: it will fire and be recorded, but not sent.
        const QString loud = QStringLiteral("primary-1"), quiet = QStringLiteral("primary-2");
        auto unknown = control({{QStringLiteral("cmd"), QStringLiteral("silence")}, {QStringLiteral("action"), QStringLiteral("add")},
                                {QStringLiteral("rule"), QStringLiteral("NodeDwn")}, {QStringLiteral("durationMs"), 60000}});
        QVERIFY(!unknown.ok());
        QVERIFY2(unknown.error().contains(QStringLiteral("NodeDown")), qPrintable(unknown.error()));
        auto silenced = control({{QStringLiteral("cmd"), QStringLiteral("silence")},
                                 {QStringLiteral("action"), QStringLiteral("add")},
                                 {QStringLiteral("rule"), QStringLiteral("NodeDown")},
                                 {QStringLiteral("node"), quiet},
                                 {QStringLiteral("durationMs"), 600000},
                                 {QStringLiteral("comment"), QStringLiteral("planned kill")},
                                 {QStringLiteral("author"), QStringLiteral("tester")}});
        QVERIFY2(silenced.ok(), qPrintable(silenced.error()));
        const int silenceId = silenced->value(QStringLiteral("silence")).toObject().value(QStringLiteral("id")).toInt();
        QVERIFY(silenceId > 0);
        // Kept in the run directory for a supervisor restart.
        QFile saved(turno::AlertCommands::silencesPath(m_runDir));
        QVERIFY(saved.open(QIODevice::ReadOnly));
        QVERIFY(saved.readAll().contains("planned kill"));

        const qint64 fault = QDateTime::currentMSecsSinceEpoch();
        for (const qint64 pid : {pidOf(loud), pidOf(quiet)}) {
            QVERIFY(pid > 0);
            QCOMPARE(::kill(pid_t(pid), SIGKILL), 0);
        }
        const qint64 budget = forMs(QStringLiteral("NodeDown")) + 2 * kScrapeMs + kSlackMs;
        for (const QString &node : {loud, quiet}) {
            const qint64 latency = expectFiring(QStringLiteral("NodeDown"), node, fault, QStringLiteral("SIGKILL turno node"), budget).faultToFiring;
            QVERIFY2(latency >= 0, qPrintable(node + QStringLiteral(": NodeDown did not fire")));
            QVERIFY2(latency <= budget, qPrintable(QStringLiteral("%1: NodeDown fired after %2 ms (budget %3)").arg(node).arg(latency).arg(budget)));
        }
        QVERIFY(!find(QStringLiteral("NodeDown"), loud, Alert::State::Firing, fault)->alert.silenced);
        QVERIFY(find(QStringLiteral("NodeDown"), quiet, Alert::State::Firing, fault)->alert.silenced);

        // `alerts` lists both, one silenced; ack the other.
        auto listed = control({{QStringLiteral("cmd"), QStringLiteral("alerts")}});
        QVERIFY2(listed.ok(), qPrintable(listed.error()));
        QMap<QString, QJsonObject> byNode;
        for (const QJsonValue &v : listed->value(QStringLiteral("alerts")).toArray())
            if (v.toObject().value(QStringLiteral("rule")).toString() == QLatin1String("NodeDown"))
                byNode.insert(v.toObject().value(QStringLiteral("node")).toString(), v.toObject());
        QCOMPARE(byNode.value(loud).value(QStringLiteral("state")).toString(), QStringLiteral("firing"));
        QCOMPARE(byNode.value(quiet).value(QStringLiteral("silenced")).toBool(), true);
        QCOMPARE(byNode.value(quiet).value(QStringLiteral("silencedBy")).toInt(), silenceId);
        QCOMPARE(byNode.value(loud).value(QStringLiteral("severity")).toString(), QStringLiteral("critical"));
        QVERIFY(byNode.value(loud).value(QStringLiteral("sinceMs")).toInteger() >= fault);
        auto acked = control({{QStringLiteral("cmd"), QStringLiteral("ack")}, {QStringLiteral("rule"), QStringLiteral("NodeDown")},
                              {QStringLiteral("node"), loud}, {QStringLiteral("by"), QStringLiteral("tester")}});
        QVERIFY2(acked.ok(), qPrintable(acked.error()));
        bool ackSeen = false;
        for (const Alert &a : engine()->alerts())
            ackSeen = ackSeen || (a.rule == QLatin1String("NodeDown") && a.node == loud && a.acknowledged && a.acknowledgedBy == QLatin1String("tester"));
        QVERIFY(ackSeen);

        // The supervisor brings both back after its 6 s back-off: resolved.
        for (const QString &node : {loud, quiet})
            QVERIFY2(waitUntil([&] { return find(QStringLiteral("NodeDown"), node, Alert::State::Resolved, fault) != nullptr; }, 30000),
                     qPrintable(node + QStringLiteral(": NodeDown did not resolve after the restart")));

        // The webhook heard primary-1 fire and resolve, never primary-2.
        QVERIFY(waitUntil([&] { return sink.received().contains(QStringLiteral("NodeDown resolved ") + loud); }, 10000));
        QVERIFY2(sink.received().contains(QStringLiteral("NodeDown firing ") + loud), qPrintable(sink.received().join(QLatin1Char('|'))));
        for (const QString &r : sink.received())
            QVERIFY2(!r.endsWith(quiet), qPrintable(r));

        // The timeline: the silence, the silenced firing (marked), the ack.
        m_monitor->history()->flush();
        QTest::qWait(100);
        bool silenceEvent = false, silencedFiring = false, ackEvent = false, loudFiring = false, loudPending = false;
        for (const turno::IncidentEvent &e : m_events) {
            silenceEvent = silenceEvent || (e.kind == QLatin1String("alert.silence") && e.summary.contains(QStringLiteral("#%1").arg(silenceId)));
            silencedFiring = silencedFiring || (e.kind == QLatin1String("alert.firing") && e.node == quiet &&
                                                e.details.value(QStringLiteral("silenced")).toBool());
            loudFiring = loudFiring || (e.kind == QLatin1String("alert.firing") && e.node == loud &&
                                        !e.details.value(QStringLiteral("silenced")).toBool());
            ackEvent = ackEvent || (e.kind == QLatin1String("alert.ack") && e.node == loud && e.summary.contains(QStringLiteral("tester")));
            loudPending = loudPending || (e.kind == QLatin1String("alert.pending") && e.node == loud &&
                                          e.details.value(QStringLiteral("rule")).toString() == QLatin1String("NodeDown"));
        }
        QVERIFY(silenceEvent);
        QVERIFY(silencedFiring);
        QVERIFY(loudFiring);
        QVERIFY(ackEvent);
        QVERIFY(loudPending);  // every transition is on the timeline, pending too

        // List, expire early, list again.
        auto list = control({{QStringLiteral("cmd"), QStringLiteral("silence")}, {QStringLiteral("action"), QStringLiteral("list")}});
        QVERIFY(list.ok());
        QCOMPARE(list->value(QStringLiteral("silences")).toArray().size(), 1);
        auto expired = control({{QStringLiteral("cmd"), QStringLiteral("silence")}, {QStringLiteral("action"), QStringLiteral("expire")},
                                {QStringLiteral("id"), silenceId}});
        QVERIFY2(expired.ok(), qPrintable(expired.error()));
        QVERIFY(engine()->silences().isEmpty());
        QVERIFY(!control({{QStringLiteral("cmd"), QStringLiteral("silence")}, {QStringLiteral("action"), QStringLiteral("expire")},
                          {QStringLiteral("id"), silenceId}}).ok());
    }

    // A node that accepts connections but does not answer (SIGSTOP) is down
    // within the same bound as a killed one: its scrape times out, and the
    // `for` counts from when that scrape asked, not from when it gave up.
    void hungNodeIsDownAsFastAsADeadOne()
    {
        const QString node = QStringLiteral("primary-1");
        QVERIFY(waitUntil([&] { return allQuiet({QStringLiteral("NodeDown")}); }, 30000));
        const qint64 pid = pidOf(node);
        QVERIFY(pid > 0);
        const qint64 fault = QDateTime::currentMSecsSinceEpoch();
        QCOMPARE(::kill(pid_t(pid), SIGSTOP), 0);
        const qint64 budget = forMs(QStringLiteral("NodeDown")) + 2 * kScrapeMs + kSlackMs;
        const Detection d = expectFiring(QStringLiteral("NodeDown"), node, fault, QStringLiteral("SIGSTOP turno node"), budget);
        QCOMPARE(::kill(pid_t(pid), SIGCONT), 0);
        QVERIFY2(d.faultToFiring >= 0, "NodeDown did not fire for a stopped node");
        QVERIFY2(d.faultToFiring <= budget,
                 qPrintable(QStringLiteral("NodeDown fired %1 ms after SIGSTOP (budget %2, as for SIGKILL); samples: %3")
                                .arg(d.faultToFiring).arg(budget).arg(d.samples)));
        const AlertTransition *pending = find(QStringLiteral("NodeDown"), node, Alert::State::Pending, fault);
        const AlertTransition *firing = find(QStringLiteral("NodeDown"), node, Alert::State::Firing, fault);
        QVERIFY(pending && firing);
        // The failed scrape arrived a timeout (0.9 x the interval) after it asked;
        // pending counts from the asking (a timer may fire a little early: 150 ms).
        QVERIFY2(pending->atMs - pending->alert.pendingSinceMs >= 150,
                 qPrintable(QStringLiteral("pending at %1, since %2: the `for` counted from the timeout's end")
                                .arg(pending->atMs).arg(pending->alert.pendingSinceMs)));
        QVERIFY(pending->alert.pendingSinceMs >= fault - kScrapeMs);
        QVERIFY(firing->atMs - pending->alert.pendingSinceMs >= forMs(QStringLiteral("NodeDown")));
        // SIGCONT: it answers again and the alert resolves; the supervisor saw no exit.
        QVERIFY2(waitUntil([&] { return find(QStringLiteral("NodeDown"), node, Alert::State::Resolved, fault) != nullptr; }, 20000),
                 "NodeDown did not resolve after SIGCONT");
        QCOMPARE(pidOf(node), pid);
    }

    void replicaKilledFiresReplicationLinkDown()
    {
        const QString replica = QStringLiteral("redis-2");
        QVERIFY(waitUntil([&] { return allQuiet({QStringLiteral("ReplicationLinkDown"), QStringLiteral("RedisDown")}); }, 20000));
        const qint64 pid = pidOf(replica);
        QVERIFY(pid > 0);
        const qint64 fault = QDateTime::currentMSecsSinceEpoch();
        QCOMPARE(::kill(pid_t(pid), SIGKILL), 0);
        const qint64 budget = forMs(QStringLiteral("ReplicationLinkDown")) + 2 * kScrapeMs + kSlackMs;
        const qint64 latency = expectFiring(QStringLiteral("ReplicationLinkDown"), replica, fault, QStringLiteral("SIGKILL redis replica"), budget).faultToFiring;
        QVERIFY2(latency >= 0, "ReplicationLinkDown did not fire");
        QVERIFY2(latency <= budget, qPrintable(QStringLiteral("ReplicationLinkDown fired after %1 ms (budget %2)").arg(latency).arg(budget)));
        expectFiring(QStringLiteral("RedisDown"), replica, fault, QStringLiteral("SIGKILL redis replica"), budget);
        // Restarted after the back-off, the replica syncs again.
        QVERIFY2(waitUntil([&] { return find(QStringLiteral("ReplicationLinkDown"), replica, Alert::State::Resolved, fault) != nullptr; }, 40000),
                 "ReplicationLinkDown did not resolve after the replica came back");
    }

    // A stalled replica (SIGSTOP): the primary's INFO shows its lag growing
    // by a second a second; SIGCONT lets it catch up.
    void replicaStalledFiresReplicationLag()
    {
        const QString replica = QStringLiteral("redis-2");
        QVERIFY(waitUntil([&] { return allQuiet({QStringLiteral("ReplicationLag"), QStringLiteral("ReplicationLinkDown"),
                                                 QStringLiteral("RedisDown")}); }, 30000));
        QVERIFY(waitUntil([&] { return pidOf(replica) > 0; }, 10000));
        m_stoppedReplica = pidOf(replica);
        const qint64 fault = QDateTime::currentMSecsSinceEpoch();
        QCOMPARE(::kill(pid_t(m_stoppedReplica), SIGSTOP), 0);
        // Redis reports lag in whole seconds since the replica's last ACK (sent every second):
        // it passes 1 s about 2 s after the stall.
        const qint64 budget = 2000 + forMs(QStringLiteral("ReplicationLag")) + 2 * kScrapeMs + kSlackMs;
        const qint64 latency = expectFiring(QStringLiteral("ReplicationLag"), replica, fault, QStringLiteral("SIGSTOP redis replica"), budget).faultToFiring;
        const qint64 now = QDateTime::currentMSecsSinceEpoch();
        QCOMPARE(::kill(pid_t(m_stoppedReplica), SIGCONT), 0);
        m_stoppedReplica = 0;
        QVERIFY2(latency >= 0, "ReplicationLag did not fire while the replica was stalled");
        QVERIFY2(latency <= budget, qPrintable(QStringLiteral("ReplicationLag fired after %1 ms (budget %2)").arg(latency).arg(budget)));
        QVERIFY2(waitUntil([&] { return find(QStringLiteral("ReplicationLag"), replica, Alert::State::Resolved, now) != nullptr; }, 30000),
                 "ReplicationLag did not resolve after the replica caught up");
    }

    // A slow Redis: CLIENT PAUSE 60 ms of every 100 ms holds each INCR; the
    // nodes' p99 under a little load goes well past 50 ms, without errors.
    void slowRedisFiresHighP99Latency()
    {
        QVERIFY(waitUntil([&] { return allQuiet({QStringLiteral("HighP99Latency"), QStringLiteral("RedisDown")}); }, 30000));
        QFile pass(m_runDir + QStringLiteral("/redis.pass"));
        QVERIFY(pass.open(QIODevice::ReadOnly));
        const QByteArray password = pass.readAll().trimmed();
        const quint16 redisPort = portOf(QStringLiteral("redis-1"));
        QList<std::shared_ptr<PacedLoad>> load;
        for (const QString &node : m_monitor->turnoNodes())
            for (int i = 0; i < 2; ++i)
                load << std::make_shared<PacedLoad>(portOf(node), 10);
        QTest::qWait(8 * kScrapeMs);
        std::atomic<bool> stopPausing{false};
        std::atomic<int> pauses{0};
        const qint64 fault = QDateTime::currentMSecsSinceEpoch();
        std::thread pauser([&] {
            const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
            sockaddr_in addr{};
            addr.sin_family = AF_INET;
            addr.sin_port = htons(redisPort);
            addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
            if (::connect(fd, reinterpret_cast<sockaddr *>(&addr), sizeof addr) == 0) {
                const QByteArray auth = "AUTH " + password + "\r\n";
                ::send(fd, auth.constData(), size_t(auth.size()), MSG_NOSIGNAL);
                char buf[256];
                ::recv(fd, buf, sizeof buf, 0);
                while (!stopPausing.load()) {
                    const char pause[] = "CLIENT PAUSE 60 WRITE\r\n";
                    ::send(fd, pause, sizeof pause - 1, MSG_NOSIGNAL);
                    if (::recv(fd, buf, sizeof buf, 0) > 0 && buf[0] == '+')
                        pauses.fetch_add(1);
                    std::this_thread::sleep_for(std::chrono::milliseconds(100));
                }
            }
            ::close(fd);
        });
        const qint64 budget = forMs(QStringLiteral("HighP99Latency")) + 2 * kScrapeMs + kSlackMs;
        // Like CPU, p99 per scrape depends on how the loaded machine schedules the nodes: the
        // engine is held to the time since the samples went past the threshold.
        const Detection d = expectFiring(QStringLiteral("HighP99Latency"), QStringLiteral("primary-1"), fault,
                                         QStringLiteral("CLIENT PAUSE 60ms/100ms on the redis primary under load"), budget, 30000);
        const qint64 recovered = QDateTime::currentMSecsSinceEpoch();
        stopPausing.store(true);
        pauser.join();
        QVERIFY2(pauses.load() > 0, "CLIENT PAUSE was not accepted");
        if (!d.fired && d.longestRun < forMs(QStringLiteral("HighP99Latency")))
            QSKIP(qPrintable(QStringLiteral("machine too loaded: p99 never stayed above 50 ms for 10 s (longest run %1 ms); samples: %2")
                                 .arg(d.longestRun).arg(d.samples)));
        QVERIFY2(d.fired, qPrintable(QStringLiteral("HighP99Latency did not fire; samples: ") + d.samples));
        QVERIFY2(d.conditionToFiring <= budget,
                 qPrintable(QStringLiteral("HighP99Latency fired %1 ms after p99 went past 50 ms (budget %2); samples: %3")
                                .arg(d.conditionToFiring).arg(budget).arg(d.samples)));
        QVERIFY2(waitUntil([&] { return find(QStringLiteral("HighP99Latency"), QStringLiteral("primary-1"), Alert::State::Resolved, recovered) != nullptr; }, 30000),
                 "HighP99Latency did not resolve once Redis was fast again");
        for (const auto &l : load)
            l->stop();
    }

    // The CLI faces: reload-rules FILE (then edits of FILE reload by themselves),
    // alerts (table and --json), alerts ack, silence add/list/expire, and exit 3
    // when no supervisor answers.
    void turnoctlFaces()
    {
        QFile defaults(qEnvironmentVariable("TURNO_SOURCE_DIR") + QStringLiteral("/resources/alerts/default_rules.json"));
        QVERIFY(defaults.open(QIODevice::ReadOnly));
        QJsonObject rules = QJsonDocument::fromJson(defaults.readAll()).object();
        QJsonArray list = rules.value(QStringLiteral("rules")).toArray();
        // A rule that holds on every healthy node: something to list, ack and silence.
        list << QJsonObject{{QStringLiteral("name"), QStringLiteral("NodeUp")}, {QStringLiteral("metric"), QStringLiteral("up")},
                            {QStringLiteral("op"), QStringLiteral(">=")}, {QStringLiteral("threshold"), 1},
                            {QStringLiteral("severity"), QStringLiteral("info")},
                            {QStringLiteral("summary"), QStringLiteral("{{node}} is up")}};
        rules.insert(QStringLiteral("rules"), list);
        const QString file = m_dir.filePath(QStringLiteral("cli-rules.json"));
        auto write = [&](const QJsonObject &o) {
            QFile out(file);
            return out.open(QIODevice::WriteOnly | QIODevice::Truncate) && out.write(QJsonDocument(o).toJson()) > 0;
        };
        QVERIFY(write(rules));

        Ctl c = turnoctl({QStringLiteral("alerts"), QStringLiteral("reload-rules"), file});
        QVERIFY2(c.rc == 0, qPrintable(c.err));
        QVERIFY2(c.out.contains(QStringLiteral("reloaded 10 rules")), qPrintable(c.out));
        QVERIFY(waitUntil([&] { return find(QStringLiteral("NodeUp"), QStringLiteral("primary-1"), Alert::State::Firing, 0); }, 5000));

        c = turnoctl({QStringLiteral("alerts")});
        QCOMPARE(c.rc, 0);
        QVERIFY2(c.out.startsWith(QStringLiteral("STATE")), qPrintable(c.out));
        QVERIFY2(c.out.contains(QStringLiteral("primary-1 is up")), qPrintable(c.out));

        c = turnoctl({QStringLiteral("alerts"), QStringLiteral("ack"), QStringLiteral("NodeUp"), QStringLiteral("primary-1")});
        QVERIFY2(c.rc == 0, qPrintable(c.err));
        c = turnoctl({QStringLiteral("alerts"), QStringLiteral("ack"), QStringLiteral("NodeUp"), QStringLiteral("nowhere")});
        QCOMPARE(c.rc, 1);
        QVERIFY2(c.err.contains(QStringLiteral("turnoctl alerts")), qPrintable(c.err));

        c = turnoctl({QStringLiteral("silence"), QStringLiteral("--rule"), QStringLiteral("NodeUp"), QStringLiteral("--node"),
                      QStringLiteral("primary-2"), QStringLiteral("--for"), QStringLiteral("10m"), QStringLiteral("--comment"),
                      QStringLiteral("cli test")});
        QVERIFY2(c.rc == 0, qPrintable(c.err));
        QVERIFY2(c.out.startsWith(QStringLiteral("silence #")) && c.out.contains(QStringLiteral("1 active alerts match")), qPrintable(c.out));
        const int id = c.out.mid(9).section(QLatin1Char(' '), 0, 0).toInt();
        QVERIFY(id > 0);

        c = turnoctl({QStringLiteral("alerts"), QStringLiteral("--json")});
        QCOMPARE(c.rc, 0);
        const QJsonObject json = QJsonDocument::fromJson(c.out.toUtf8()).object();
        int seen = 0;
        for (const QJsonValue &v : json.value(QStringLiteral("alerts")).toArray()) {
            const QJsonObject a = v.toObject();
            if (a.value(QStringLiteral("rule")).toString() != QLatin1String("NodeUp"))
                continue;
            ++seen;
            const QString node = a.value(QStringLiteral("node")).toString();
            QCOMPARE(a.value(QStringLiteral("state")).toString(), QStringLiteral("firing"));
            QCOMPARE(a.value(QStringLiteral("severity")).toString(), QStringLiteral("info"));
            QCOMPARE(a.value(QStringLiteral("value")).toDouble(), 1.0);
            QVERIFY(a.value(QStringLiteral("sinceMs")).toInteger() > 0);
            QCOMPARE(a.value(QStringLiteral("acknowledged")).toBool(), node == QLatin1String("primary-1"));
            QCOMPARE(a.value(QStringLiteral("silenced")).toBool(), node == QLatin1String("primary-2"));
        }
        QCOMPARE(seen, 2);

        c = turnoctl({QStringLiteral("silence"), QStringLiteral("--list")});
        QCOMPARE(c.rc, 0);
        QVERIFY2(c.out.contains(QStringLiteral("cli test")) && c.out.contains(QStringLiteral("primary-2")), qPrintable(c.out));
        c = turnoctl({QStringLiteral("silence"), QStringLiteral("--expire"), QString::number(id)});
        QVERIFY2(c.rc == 0, qPrintable(c.err));
        c = turnoctl({QStringLiteral("silence"), QStringLiteral("--list"), QStringLiteral("--json")});
        QCOMPARE(QJsonDocument::fromJson(c.out.toUtf8()).object().value(QStringLiteral("silences")).toArray().size(), 0);

        // Editing the file reloads it without a command: NodeUp goes.
        list.removeLast();
        rules.insert(QStringLiteral("rules"), list);
        QVERIFY(write(rules));
        QVERIFY2(waitUntil([&] { return !engine()->rules().find(QStringLiteral("NodeUp")); }, 5000), "an edit of the rules file was not picked up");
        // A broken edit is refused; the rules in force stay.
        {
            QFile out(file);
            QVERIFY(out.open(QIODevice::WriteOnly | QIODevice::Truncate));
            out.write("{\"version\": 2, \"rules\": []}\n");
        }
        QTest::qWait(1000);
        QCOMPARE(int(engine()->rules().rules.size()), 9);
        c = turnoctl({QStringLiteral("alerts")});
        QVERIFY2(c.err.contains(QStringLiteral("\"version\" must be 1")), qPrintable(c.err));

        // Nobody home: exit 3 with the reason.
        QTemporaryDir empty;
        c = turnoctl({QStringLiteral("alerts")}, empty.path());
        QCOMPARE(c.rc, 3);
        QVERIFY2(c.err.contains(QStringLiteral("no cluster")), qPrintable(c.err));
    }

    // Last: Redis primary stopped (SIGSTOP) under a little load straight at the
    // nodes and through the balancer: the nodes answer 503 (Redis timeout, then
    // "not reachable"), and so does HAProxy once its retries find no node that
    // answers. NodeErrorRatio (a node's own 5xx) fires on the node, HighErrorRatio
    // (what clients got from the frontend) on the balancer; SIGCONT recovers.
    void redisStoppedFiresErrorRatio()
    {
        const QString primary = QStringLiteral("redis-1");
        const QString balancer = FleetMonitor::balancerNode();
        QVERIFY(waitUntil([&] { return allQuiet({QStringLiteral("HighErrorRatio"), QStringLiteral("NodeErrorRatio"),
                                                 QStringLiteral("RedisDown")}); }, 20000));
        QList<std::shared_ptr<PacedLoad>> load;
        for (const QString &node : m_monitor->turnoNodes())
            for (int i = 0; i < 2; ++i)
                load << std::make_shared<PacedLoad>(portOf(node), 20);
        QList<std::shared_ptr<PacedLoad>> clients;
        for (int i = 0; i < 2; ++i)
            clients << std::make_shared<PacedLoad>(m_monitor->balancerPort(), 20);
        QTest::qWait(8 * kScrapeMs);  // the ratio series exist, healthy
        m_stoppedRedis = pidOf(primary);
        QVERIFY(m_stoppedRedis > 0);
        const qint64 fault = QDateTime::currentMSecsSinceEpoch();
        QCOMPARE(::kill(pid_t(m_stoppedRedis), SIGSTOP), 0);
        // The first 503 comes after the server's 1 s Redis timeout: part of the detection time.
        const QString node = QStringLiteral("primary-1");
        // Held, like CPU and p99, to the time since the ratio samples crossed 1 %: when the first
        // 503 arrives depends on the node's Redis timeout and on how the machine schedules it.
        const qint64 nodeBudget = forMs(QStringLiteral("NodeErrorRatio")) + 2 * kScrapeMs + kSlackMs;
        const Detection d = expectFiring(QStringLiteral("NodeErrorRatio"), node, fault, QStringLiteral("SIGSTOP redis primary under load"),
                                         nodeBudget, 30000);
        // Through the balancer each answer waits for HAProxy's retries (each a node's 1 s Redis timeout) first.
        const qint64 budget = forMs(QStringLiteral("HighErrorRatio")) + 2 * kScrapeMs + kSlackMs;
        const Detection fe = expectFiring(QStringLiteral("HighErrorRatio"), balancer, fault,
                                          QStringLiteral("SIGSTOP redis primary, clients through the balancer"), budget, 30000);
        const qint64 redisDown = expectFiring(QStringLiteral("RedisDown"), primary, fault, QStringLiteral("SIGSTOP redis primary"),
                                              forMs(QStringLiteral("RedisDown")) + 2 * kScrapeMs + kSlackMs).faultToFiring;
        QVERIFY2(d.fired, qPrintable(QStringLiteral("NodeErrorRatio did not fire (%1 of %2 requests failed); samples: %3")
                                         .arg(load.first()->errors()).arg(load.first()->total()).arg(d.samples)));
        QVERIFY2(d.conditionToFiring <= nodeBudget,
                 qPrintable(QStringLiteral("NodeErrorRatio fired %1 ms after the 5xx ratio passed 1 % (budget %2); samples: %3")
                                .arg(d.conditionToFiring).arg(nodeBudget).arg(d.samples)));
        QVERIFY2(fe.fired, qPrintable(QStringLiteral("HighErrorRatio did not fire (clients: %1 of %2 requests failed); samples: %3")
                                          .arg(clients.first()->errors()).arg(clients.first()->total()).arg(fe.samples)));
        QVERIFY2(fe.conditionToFiring <= budget,
                 qPrintable(QStringLiteral("HighErrorRatio fired %1 ms after the frontend's 5xx ratio passed 1 % (budget %2); samples: %3")
                                .arg(fe.conditionToFiring).arg(budget).arg(fe.samples)));
        QVERIFY(redisDown >= 0);
        const qint64 recovered = QDateTime::currentMSecsSinceEpoch();
        QCOMPARE(::kill(pid_t(m_stoppedRedis), SIGCONT), 0);
        m_stoppedRedis = 0;
        QVERIFY2(waitUntil([&] { return find(QStringLiteral("NodeErrorRatio"), node, Alert::State::Resolved, recovered) != nullptr; }, 30000),
                 "NodeErrorRatio did not resolve once Redis answered again");
        QVERIFY2(waitUntil([&] { return find(QStringLiteral("HighErrorRatio"), balancer, Alert::State::Resolved, recovered) != nullptr; }, 30000),
                 "HighErrorRatio did not resolve once Redis answered again");
        QVERIFY(waitUntil([&] { return find(QStringLiteral("RedisDown"), primary, Alert::State::Resolved, recovered) != nullptr; }, 10000));
        QCOMPARE(count(QStringLiteral("NodeErrorRatio"), node, Alert::State::Firing, fault), 1);
        QCOMPARE(count(QStringLiteral("HighErrorRatio"), balancer, Alert::State::Firing, fault), 1);
        // The client-facing rule speaks for the balancer only, never for a node.
        QCOMPARE(count(QStringLiteral("HighErrorRatio"), node, Alert::State::Firing, fault), 0);
        for (const auto &l : load + clients)
            l->stop();
    }

    // A silence outlives its supervisor: stopped and started again in the same
    // run directory, the new one restores it (and an expired one stays gone).
    void silencesSurviveASupervisorRestart()
    {
        auto kept = control({{QStringLiteral("cmd"), QStringLiteral("silence")}, {QStringLiteral("action"), QStringLiteral("add")},
                             {QStringLiteral("node"), QStringLiteral("primary-2")}, {QStringLiteral("durationMs"), 3600000},
                             {QStringLiteral("comment"), QStringLiteral("across restarts")}});
        QVERIFY2(kept.ok(), qPrintable(kept.error()));
        const int id = kept->value(QStringLiteral("silence")).toObject().value(QStringLiteral("id")).toInt();
        auto brief = control({{QStringLiteral("cmd"), QStringLiteral("silence")}, {QStringLiteral("action"), QStringLiteral("add")},
                              {QStringLiteral("rule"), QStringLiteral("HighCpu")}, {QStringLiteral("durationMs"), 500}});
        QVERIFY2(brief.ok(), qPrintable(brief.error()));
        bool stopped = false;
        connect(m_monitor, &FleetMonitor::stopped, this, [&stopped] { stopped = true; });
        m_monitor->stop();
        QVERIFY(waitUntil([&] { return stopped; }, 30000));
        delete m_monitor;
        m_monitor = nullptr;
        QTest::qWait(600);  // the brief one expires meanwhile

        m_monitor = new FleetMonitor(this);
        QString failure;
        connect(m_monitor, &FleetMonitor::launchFailed, this, [&failure](const QString &m) { failure = m; });
        QVERIFY(m_monitor->launch(m_profile, m_runDir).ok());
        QVERIFY2(waitUntil([&] { return m_monitor->isReady() || !failure.isEmpty(); }, 60000), "cluster not ready again in 60 s");
        QVERIFY2(failure.isEmpty(), qPrintable(failure));
        const QList<turno::AlertSilence> restored = engine()->silences();
        QCOMPARE(restored.size(), 1);
        QCOMPARE(restored.first().id, id);
        QCOMPARE(restored.first().comment, QStringLiteral("across restarts"));
        auto listed = control({{QStringLiteral("cmd"), QStringLiteral("silence")}, {QStringLiteral("action"), QStringLiteral("list")}});
        QVERIFY2(listed.ok(), qPrintable(listed.error()));
        QCOMPARE(listed->value(QStringLiteral("silences")).toArray().size(), 1);
    }

    void cleanupTestCase()
    {
        for (const qint64 pid : {m_stoppedRedis, m_stoppedReplica})
            if (pid > 0)
                ::kill(pid_t(pid), SIGCONT);
        if (m_monitor) {
            bool stopped = false;
            connect(m_monitor, &FleetMonitor::stopped, this, [&stopped] { stopped = true; });
            m_monitor->stop();
            waitUntil([&] { return stopped; }, 30000);
            delete m_monitor;
            m_monitor = nullptr;
        }
        qInfo("FIGURES (%d):", int(m_figures.size()));
        for (const QString &f : std::as_const(m_figures))
            qInfo("%s", qPrintable(f));
    }
};

QTEST_GUILESS_MAIN(TestAlertFaults)
#include "test_alert_faults.moc"
