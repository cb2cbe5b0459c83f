// A real Prometheus (Debian's package) scraping a real local cluster through
// the configuration `turnoctl export prometheus` writes: every turno target is
// up, the request counter grows, the exported alert rules load, and they fire
// for a real fault (a node frozen with SIGSTOP: NodeDown for that node) and
// resolve once it runs again. Then the fleet is read back from that Prometheus
// alone: `turnoctl attach --prometheus` (its JSON fields; a wrong job and a
// Prometheus that is down are exit 3 with the reason) and FleetMonitor's
// Prometheus attach (the nodes, history from before the attach, a frozen
// Prometheus reported while the last figures stay).
#include "alerts/alert_engine.h"
#include "metrics/series_store.h"
#include "models/fleet_nodes_model.h"
#include "runtime/fleet_monitor.h"
#include "test_support.h"

#include <QDateTime>
#include <QSet>
#include <QSignalSpy>
#include <QUrl>

#include <QElapsedTimer>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QTemporaryDir>
#include <QTest>
#include <QThread>
#include <csignal>

using namespace turno::test;

namespace {

using Run = ProgramRun;

Run turnoctl(const QStringList &args)
{
    return runProgram(envPath("TURNOCTL_BIN"), args);
}

QJsonObject getJson(quint16 port, const QByteArray &path)
{
    const HttpReply r = httpGet(port, "GET " + path + " HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n", 5000);
    return QJsonDocument::fromJson(r.body).object();
}

}  // namespace

class TestPrometheusInterop : public QObject {
    Q_OBJECT
private slots:
    void prometheusScrapesTheCluster();
    void exportedRulesFireForAFrozenNode();
    void turnoctlAttachReadsTheFleetFromPrometheus();
    void monitorAttachedThroughPrometheus();
    void cleanupTestCase();

private:
    QTemporaryDir m_dir;
    ChildProcess m_prometheus;
    ChildProcess m_exporter;
    quint16 m_port = 0;
    QJsonObject m_status;
    QString m_victim;
    qint64 m_frozenFromMs = 0;
    bool m_up = false;
};

void TestPrometheusInterop::cleanupTestCase()
{
    m_prometheus.terminate();
    m_exporter.terminate();
    if (m_up)
        turnoctl({QStringLiteral("down"), QStringLiteral("--run-dir"), m_dir.filePath(QStringLiteral("run"))});
}

void TestPrometheusInterop::prometheusScrapesTheCluster()
{
    const QString prometheusBin = findProgram(QStringLiteral("prometheus"));
    const QString promtool = findProgram(QStringLiteral("promtool"));
    QVERIFY2(!prometheusBin.isEmpty() && !promtool.isEmpty(), "prometheus missing: run scripts/setup.sh");
    const QString runDir = m_dir.filePath(QStringLiteral("run"));
    const Run up = turnoctl({QStringLiteral("up"), QStringLiteral("--detach"), QStringLiteral("--run-dir"), runDir,
                             QStringLiteral("--balancer"), QStringLiteral("127.0.0.1:0")});
    QVERIFY2(up.code == 0, up.err.constData());
    m_up = true;

    // The Redis servers through one prometheus-redis-exporter (multi-target), with the cluster's password.
    const QString exporterBin = findProgram(QStringLiteral("prometheus-redis-exporter"));
    QVERIFY2(!exporterBin.isEmpty(), "prometheus-redis-exporter missing: run scripts/setup.sh");
    const quint16 exporterPort = freePort();
    QFile pass(runDir + QStringLiteral("/redis.pass"));
    QVERIFY(pass.open(QIODevice::ReadOnly));
    // In its environment, not on its command line (its -redis.password-file is a JSON map of URL to password).
    QVERIFY(m_exporter.start(exporterBin, {QStringLiteral("-web.listen-address=127.0.0.1:%1").arg(exporterPort)},
                             m_dir.filePath(QStringLiteral("exporter.log")),
                             {QStringLiteral("REDIS_PASSWORD=") + QString::fromUtf8(pass.readAll().trimmed())}));
    QVERIFY2(m_exporter.waitForPort(exporterPort, 20000), qPrintable(m_exporter.log().right(2000)));

    const QString config = m_dir.filePath(QStringLiteral("prometheus.yml"));
    const QString rules = m_dir.filePath(QStringLiteral("turno.rules.yml"));
    const Run exported = turnoctl({QStringLiteral("export"), QStringLiteral("prometheus"), QStringLiteral("--run-dir"), runDir,
                                   QStringLiteral("--interval"), QStringLiteral("1s"), QStringLiteral("-o"), config,
                                   QStringLiteral("--rules-out"), rules, QStringLiteral("--redis-exporter"),
                                   QStringLiteral("127.0.0.1:%1").arg(exporterPort)});
    QVERIFY2(exported.code == 0, exported.err.constData());
    QProcess check;
    check.start(promtool, {QStringLiteral("check"), QStringLiteral("config"), config});
    QVERIFY(check.waitForFinished(30000));
    QVERIFY2(check.exitCode() == 0, check.readAllStandardOutput() + check.readAllStandardError());

    const Run status = turnoctl({QStringLiteral("status"), QStringLiteral("--json"), QStringLiteral("--run-dir"), runDir});
    const QJsonObject st = QJsonDocument::fromJson(status.out).object();
    m_status = st;
    const quint16 balancer = quint16(st.value(QStringLiteral("balancer")).toString().section(QLatin1Char(':'), -1).toUInt());
    QVERIFY(balancer > 0);
    int turnoNodes = 0;
    for (const QJsonValue &v : st.value(QStringLiteral("nodes")).toArray())
        turnoNodes += v.toObject().value(QStringLiteral("kind")).toString() == QLatin1String("turno");
    QVERIFY(turnoNodes >= 2);

    const quint16 port = freePort();
    QVERIFY(m_prometheus.start(prometheusBin,
                               {QStringLiteral("--config.file=") + config,
                                QStringLiteral("--storage.tsdb.path=") + m_dir.filePath(QStringLiteral("tsdb")),
                                QStringLiteral("--web.listen-address=127.0.0.1:%1").arg(port)},
                               m_dir.filePath(QStringLiteral("prometheus.log"))));
    QVERIFY(m_prometheus.waitForPort(port, 30000));
    m_port = port;

    // Every turno target up, through Prometheus's own API.
    QElapsedTimer t;
    t.start();
    int upTargets = 0;
    while (t.elapsed() < 30000) {
        upTargets = 0;
        const QJsonArray active =
            getJson(port, "/api/v1/targets?state=active").value(QStringLiteral("data")).toObject().value(QStringLiteral("activeTargets")).toArray();
        for (const QJsonValue &v : active) {
            const QJsonObject o = v.toObject();
            if (o.value(QStringLiteral("labels")).toObject().value(QStringLiteral("job")).toString() == QLatin1String("turno") &&
                o.value(QStringLiteral("health")).toString() == QLatin1String("up"))
                ++upTargets;
        }
        if (upTargets == turnoNodes)
            break;
        QThread::msleep(200);
    }
    QCOMPARE(upTargets, turnoNodes);

    auto issued = [port]() -> double {
        const QJsonArray result = getJson(port, "/api/v1/query?query=sum(turno_numbers_issued_total)")
                                      .value(QStringLiteral("data")).toObject().value(QStringLiteral("result")).toArray();
        return result.isEmpty() ? -1 : result.first().toObject().value(QStringLiteral("value")).toArray().at(1).toString().toDouble();
    };
    QElapsedTimer w;
    w.start();
    double before = issued();
    while (before < 0 && w.elapsed() < 15000) {
        QThread::msleep(200);
        before = issued();
    }
    QVERIFY(before >= 0);
    for (int i = 0; i < 200; ++i)
        QCOMPARE(httpGet(balancer, "GET /turno/prom HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n").status, 200);
    double after = issued();
    w.restart();
    while (after < before + 200 && w.elapsed() < 20000) {
        QThread::msleep(250);
        after = issued();
    }
    QVERIFY2(after >= before + 200, qPrintable(QStringLiteral("sum(turno_numbers_issued_total) went from %1 to %2").arg(before).arg(after)));

    // The alert rules it was given are loaded.
    const QJsonArray groups =
        getJson(port, "/api/v1/rules").value(QStringLiteral("data")).toObject().value(QStringLiteral("groups")).toArray();
    QVERIFY(!groups.isEmpty());
    QVERIFY(groups.first().toObject().value(QStringLiteral("rules")).toArray().size() >= 8);
}

void TestPrometheusInterop::exportedRulesFireForAFrozenNode()
{
    QVERIFY(m_port > 0);
    QString victim;
    qint64 pid = 0;
    m_frozenFromMs = QDateTime::currentMSecsSinceEpoch();
    for (const QJsonValue &v : m_status.value(QStringLiteral("nodes")).toArray())
        if (v[QStringLiteral("kind")].toString() == QLatin1String("turno") && victim.isEmpty()) {
            victim = v[QStringLiteral("node")].toString();
            pid = v[QStringLiteral("pid")].toInteger();
        }
    QVERIFY(pid > 0);
    m_victim = victim;
    // Prometheus's own view of NodeDown for the victim: "firing", "pending" or "" (none).
    auto nodeDown = [this, &victim]() -> QString {
        const QJsonArray alerts =
            getJson(m_port, "/api/v1/alerts").value(QStringLiteral("data")).toObject().value(QStringLiteral("alerts")).toArray();
        for (const QJsonValue &v : alerts) {
            const QJsonObject labels = v[QStringLiteral("labels")].toObject();
            if (labels.value(QStringLiteral("alertname")).toString() == QLatin1String("NodeDown") &&
                labels.value(QStringLiteral("node")).toString() == victim)
                return v[QStringLiteral("state")].toString();
        }
        return {};
    };
    QCOMPARE(nodeDown(), QString());
    // Frozen: the port still accepts, nothing answers; the scrape times out.
    QCOMPARE(::kill(pid_t(pid), SIGSTOP), 0);
    QElapsedTimer t;
    t.start();
    QString state;
    while (t.elapsed() < 30000 && (state = nodeDown()) != QLatin1String("firing"))
        QThread::msleep(250);
    const qint64 firedMs = t.elapsed();
    ::kill(pid_t(pid), SIGCONT);
    QVERIFY2(state == QLatin1String("firing"), qPrintable(QStringLiteral("NodeDown for %1 is \"%2\" after 30 s").arg(victim, state)));
    qInfo("NodeDown for %s firing in Prometheus %lld ms after SIGSTOP", qPrintable(victim), firedMs);
    t.restart();
    while (t.elapsed() < 30000 && !(state = nodeDown()).isEmpty())
        QThread::msleep(250);
    QVERIFY2(state.isEmpty(), qPrintable(QStringLiteral("NodeDown for %1 still %2 30 s after SIGCONT").arg(victim, state)));
}

void TestPrometheusInterop::turnoctlAttachReadsTheFleetFromPrometheus()
{
    const QString url = QStringLiteral("http://127.0.0.1:%1").arg(m_port);
    const Run r = turnoctl({QStringLiteral("attach"), QStringLiteral("--prometheus"), url, QStringLiteral("--json")});
    QVERIFY2(r.code == 0, r.err.constData());
    const QJsonObject o = QJsonDocument::fromJson(r.out).object();
    QCOMPARE(o.value(QStringLiteral("job")).toString(), QStringLiteral("turno"));
    QVERIFY(o.value(QStringLiteral("rateWindowS")).toInt() >= 4);
    QSet<QString> expected, seen;
    for (const QJsonValue &v : m_status.value(QStringLiteral("nodes")).toArray())
        if (v[QStringLiteral("kind")].toString() == QLatin1String("turno"))
            expected << v[QStringLiteral("node")].toString();
    for (const QJsonValue &v : o.value(QStringLiteral("nodes")).toArray()) {
        const QJsonObject n = v.toObject();
        for (const char *field : {"name", "kind", "rps", "p99_ms", "cpu_percent", "error_ratio", "up", "instance"})
            QVERIFY2(n.contains(QLatin1String(field)), field);
        QCOMPARE(n.value(QStringLiteral("kind")).toString(), QStringLiteral("turno"));
        QVERIFY(n.value(QStringLiteral("up")).toBool());
        QVERIFY(n.value(QStringLiteral("rps")).toDouble(-1) >= 0);
        QVERIFY(n.value(QStringLiteral("cpu_percent")).toDouble(-1) >= 0);
        seen << n.value(QStringLiteral("name")).toString();
    }
    QCOMPARE(seen, expected);
    // The Redis servers, from the exporter's series: the primary with its replica's lag, the replica's link.
    QSet<QString> redisExpected, redisSeen;
    for (const QJsonValue &v : m_status.value(QStringLiteral("nodes")).toArray())
        if (v[QStringLiteral("kind")].toString() == QLatin1String("redis"))
            redisExpected << v[QStringLiteral("node")].toString();
    QCOMPARE(o.value(QStringLiteral("redisJob")).toString(), QStringLiteral("redis"));
    QStringList roles;
    for (const QJsonValue &v : o.value(QStringLiteral("redis")).toArray()) {
        const QJsonObject server = v.toObject();
        for (const char *field : {"name", "instance", "kind", "up", "role", "ops_per_second", "memory_bytes", "connected_clients",
                                  "repl_offset", "master_link_up", "lag_seconds"})
            QVERIFY2(server.contains(QLatin1String(field)), field);
        QVERIFY(server.value(QStringLiteral("up")).toBool());
        QVERIFY(server.value(QStringLiteral("memory_bytes")).toDouble() > 0);
        QVERIFY(server.value(QStringLiteral("ops_per_second")).toDouble(-1) >= 0);
        roles << server.value(QStringLiteral("role")).toString();
        if (server.value(QStringLiteral("role")).toString() == QLatin1String("slave")) {
            QCOMPARE(server.value(QStringLiteral("master_link_up")).toBool(), true);
            QVERIFY2(server.value(QStringLiteral("lag_seconds")).toDouble(-1) >= 0, "a replica's lag, as its primary reports it");
        }
        redisSeen << server.value(QStringLiteral("name")).toString();
    }
    QCOMPARE(redisSeen, redisExpected);
    roles.sort();
    QCOMPARE(roles, (QStringList{QStringLiteral("master"), QStringLiteral("slave")}));
    const Run table = turnoctl({QStringLiteral("attach"), QStringLiteral("--prometheus"), url});
    QVERIFY2(table.code == 0 && table.out.contains("REDIS") && table.out.contains("primary") && table.out.contains("replica"),
             table.out.constData());

    const Run wrongJob = turnoctl({QStringLiteral("attach"), QStringLiteral("--prometheus"), url, QStringLiteral("--job"), QStringLiteral("nope")});
    QCOMPARE(wrongJob.code, 3);
    QVERIFY2(wrongJob.err.contains("job \"nope\" has no targets") && wrongJob.err.contains("its jobs: ") &&
                 wrongJob.err.contains("turno"),
             wrongJob.err.constData());
    const Run down = turnoctl({QStringLiteral("attach"), QStringLiteral("--prometheus"), QStringLiteral("http://127.0.0.1:%1").arg(freePort())});
    QCOMPARE(down.code, 3);
    QVERIFY2(down.err.contains("does not answer"), down.err.constData());
}

void TestPrometheusInterop::monitorAttachedThroughPrometheus()
{
    turno::FleetMonitor monitor;
    const qint64 attachedAt = QDateTime::currentMSecsSinceEpoch();
    QSignalSpy problems(&monitor, &turno::FleetMonitor::attachProblem);
    QVERIFY(monitor.attachPrometheus(QUrl(QStringLiteral("http://127.0.0.1:%1").arg(m_port)), QStringLiteral("turno"), 500).ok());
    QVERIFY(monitor.isAttached() && monitor.isReadOnly());
    int turnoNodes = 0;
    for (const QJsonValue &v : m_status.value(QStringLiteral("nodes")).toArray())
        turnoNodes += v[QStringLiteral("kind")].toString() == QLatin1String("turno");
    QTRY_COMPARE_WITH_TIMEOUT(monitor.nodesModel()->rowCount(), turnoNodes, 15000);
    QCOMPARE(monitor.turnoNodes().size(), monitor.nodesModel()->rowCount());
    QVERIFY(monitor.turnoNodes().contains(m_victim));
    // History from before the attach: the victim's scrapes failed while it was frozen.
    const std::optional<int> up = monitor.series()->find(turno::FleetMonitor::nodeSeries(m_victim, QStringLiteral("up")));
    QVERIFY(up);
    bool sawDown = false, sawBefore = false;
    for (const turno::SeriesStore::Band &b : monitor.series()->range(*up, m_frozenFromMs - 60000, attachedAt)) {
        sawBefore = sawBefore || b.timestampMs < attachedAt;
        sawDown = sawDown || b.min < 1;
    }
    QVERIFY(sawBefore);
    QVERIFY2(sawDown, "the frozen node's failed scrapes are in the history read from Prometheus");
    // Live figures: the alert rules run on the same series (NodeDown is not firing for a running node).
    QTRY_VERIFY_WITH_TIMEOUT(monitor.lastSampleMs() > attachedAt, 10000);
    for (const turno::Alert &a : monitor.alerts()->alerts())
        QVERIFY2(!(a.rule == QLatin1String("NodeDown") && a.state == turno::Alert::State::Firing), qPrintable(a.node));

    // Prometheus frozen: each look times out; the monitor says so and keeps the table.
    const int rows = monitor.nodesModel()->rowCount();
    QCOMPARE(::kill(pid_t(m_prometheus.pid()), SIGSTOP), 0);
    QTRY_VERIFY_WITH_TIMEOUT(!problems.isEmpty(), 15000);
    ::kill(pid_t(m_prometheus.pid()), SIGCONT);
    QVERIFY2(problems.first().first().toString().contains(QLatin1String("did not answer within")),
             qPrintable(problems.first().first().toString()));
    QVERIFY2(monitor.healthText().contains(QLatin1String("last look failed")), qPrintable(monitor.healthText()));
    QCOMPARE(monitor.nodesModel()->rowCount(), rows);
    QTRY_VERIFY_WITH_TIMEOUT(monitor.attachProblemText().isEmpty(), 15000);
}

QTEST_GUILESS_MAIN(TestPrometheusInterop)
#include "test_prometheus_interop.moc"
