// The console attached through a real Prometheus, offscreen, as an operator
// does it: File > Attach with the dialog's Prometheus field, against Debian's
// prometheus scraping a `turnoctl up` cluster (the turno nodes, and its Redis
// through Debian's prometheus-redis-exporter) with the configuration
// `turnoctl export prometheus --redis-exporter` writes. The Fleet table and
// the Redis table fill from Prometheus alone; the charts read range queries at
// about one point per pixel (24 h: a step of minutes and an axis in hours,
// 1 min: the scrape interval); a Prometheus that stops answering is said in the
// status bar and the charts keep what they drew.
#include "attach_dialog.h"
#include "charts_panel.h"
#include "live_chart.h"
#include "main_window.h"
#include "models/fleet_nodes_model.h"
#include "models/redis_servers_model.h"
#include "runtime/fleet_monitor.h"
#include "runtime/prometheus_range.h"
#include "test_support.h"

#include <QApplication>
#include <QChart>
#include <QDateTime>
#include <QElapsedTimer>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QLabel>
#include <QStatusBar>
#include <QTabWidget>
#include <QTemporaryDir>
#include <QTest>
#include <QThread>
#include <QValueAxis>
#include <csignal>

using namespace turno::test;

namespace {

ProgramRun turnoctl(const QStringList &args)
{
    return runProgram(envPath("TURNOCTL_BIN"), args);
}

// Active targets of job in health "up", through Prometheus's API.
int upTargets(quint16 port, const QString &job)
{
    const HttpReply r = httpGet(port, "GET /api/v1/targets?state=active HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n", 5000);
    int up = 0;
    for (const QJsonValue &v : QJsonDocument::fromJson(r.body).object()[QStringLiteral("data")][QStringLiteral("activeTargets")].toArray())
        up += v[QStringLiteral("labels")][QStringLiteral("job")].toString() == job &&
              v[QStringLiteral("health")].toString() == QLatin1String("up");
    return up;
}

}  // namespace

class TestConsolePrometheus : public QObject {
    Q_OBJECT

    QTemporaryDir m_dir;
    ChildProcess m_prometheus;
    ChildProcess m_exporter;
    quint16 m_port = 0;
    QString m_runDir;
    QStringList m_turno;
    QStringList m_redis;
    bool m_up = false;

private slots:
    void initTestCase()
    {
        const QString prometheus = findProgram(QStringLiteral("prometheus"));
        const QString exporter = findProgram(QStringLiteral("prometheus-redis-exporter"));
        QVERIFY2(!prometheus.isEmpty() && !exporter.isEmpty(), "prometheus or prometheus-redis-exporter missing: run scripts/setup.sh");
        m_runDir = m_dir.filePath(QStringLiteral("run"));
        const ProgramRun up = turnoctl({QStringLiteral("up"), QStringLiteral("--detach"), QStringLiteral("--run-dir"), m_runDir,
                                        QStringLiteral("--balancer"), QStringLiteral("127.0.0.1:0")});
        QVERIFY2(up.code == 0, up.err.constData());
        m_up = true;
        const ProgramRun status = turnoctl({QStringLiteral("status"), QStringLiteral("--json"), QStringLiteral("--run-dir"), m_runDir});
        for (const QJsonValue &v : QJsonDocument::fromJson(status.out).object()[QStringLiteral("nodes")].toArray()) {
            if (v[QStringLiteral("kind")].toString() == QLatin1String("turno"))
                m_turno << v[QStringLiteral("node")].toString();
            if (v[QStringLiteral("kind")].toString() == QLatin1String("redis"))
                m_redis << v[QStringLiteral("node")].toString();
        }
        QVERIFY(m_turno.size() >= 2);
        QCOMPARE(m_redis.size(), 2);

        // One exporter for every Redis (multi-target), with the cluster's password.
        const quint16 exporterPort = freePort();
        QFile pass(m_runDir + QStringLiteral("/redis.pass"));
        QVERIFY(pass.open(QIODevice::ReadOnly));
        // In its environment, not on its command line (its -redis.password-file is a JSON map of URL to password).
        QVERIFY(m_exporter.start(exporter, {QStringLiteral("-web.listen-address=127.0.0.1:%1").arg(exporterPort)},
                                 m_dir.filePath(QStringLiteral("exporter.log")),
                                 {QStringLiteral("REDIS_PASSWORD=") + QString::fromUtf8(pass.readAll().trimmed())}));
        QVERIFY2(m_exporter.waitForPort(exporterPort, 20000), qPrintable(m_exporter.log().right(2000)));
        const QString config = m_dir.filePath(QStringLiteral("prometheus.yml"));
        const ProgramRun exported = turnoctl({QStringLiteral("export"), QStringLiteral("prometheus"), QStringLiteral("--run-dir"), m_runDir,
                                              QStringLiteral("--interval"), QStringLiteral("1s"), QStringLiteral("--redis-exporter"),
                                              QStringLiteral("127.0.0.1:%1").arg(exporterPort), QStringLiteral("-o"), config});
        QVERIFY2(exported.code == 0, exported.err.constData());
        m_port = freePort();
        QVERIFY(m_prometheus.start(prometheus,
                                   {QStringLiteral("--config.file=") + config,
                                    QStringLiteral("--storage.tsdb.path=") + m_dir.filePath(QStringLiteral("tsdb")),
                                    QStringLiteral("--web.listen-address=127.0.0.1:%1").arg(m_port)},
                                   m_dir.filePath(QStringLiteral("prometheus.log"))));
        QVERIFY(m_prometheus.waitForPort(m_port, 30000));
        QElapsedTimer t;
        t.start();
        while (t.elapsed() < 30000 && (upTargets(m_port, QStringLiteral("turno")) < m_turno.size() ||
                                       upTargets(m_port, QStringLiteral("redis")) < m_redis.size()))
            QThread::msleep(250);
        QCOMPARE(upTargets(m_port, QStringLiteral("turno")), int(m_turno.size()));
        QCOMPARE(upTargets(m_port, QStringLiteral("redis")), int(m_redis.size()));
        // A few scrapes, so that rates over four scrape intervals have their samples.
        QThread::msleep(5000);
    }

    void cleanupTestCase()
    {
        m_prometheus.terminate();
        m_exporter.terminate();
        if (m_up)
            turnoctl({QStringLiteral("down"), QStringLiteral("--run-dir"), m_runDir});
    }

    void attachDialogReadsTheFleetAndChartsFromPrometheus()
    {
        using turno::console::AttachDialog;
        using turno::console::LiveChart;
        turno::console::MainWindow window(m_dir.filePath(QStringLiteral("console.db")));
        window.resize(1400, 900);
        window.show();
        QVERIFY(QTest::qWaitForWindowExposed(&window));

        // File > Attach: the dialog's Prometheus field, then OK.
        window.openAttachDialog();
        AttachDialog *dialog = nullptr;
        QTRY_VERIFY((dialog = window.findChild<AttachDialog *>()) != nullptr);
        dialog->setPrometheus(QStringLiteral("http://127.0.0.1:%1").arg(m_port), QStringLiteral("turno"));
        const qint64 attachedAtMs = QDateTime::currentMSecsSinceEpoch();
        dialog->accept();
        turno::FleetMonitor *monitor = window.monitor();
        QVERIFY(monitor->isAttached() && monitor->prometheusAttach());
        QVERIFY(window.isReadOnly());

        // The Fleet table: every turno node, from instant queries.
        turno::FleetNodesModel *nodes = monitor->nodesModel();
        QTRY_COMPARE_WITH_TIMEOUT(nodes->rowCount(), int(m_turno.size()), 20000);
        for (const QString &n : std::as_const(m_turno))
            QVERIFY2(nodes->rowOf(n) >= 0, qPrintable(n));
        // The Redis table, from the exporter's series: a primary and a replica with its link up.
        turno::RedisServersModel *redis = monitor->redisModel();
        QTRY_COMPARE_WITH_TIMEOUT(redis->rowCount(), int(m_redis.size()), 20000);
        QStringList roles;
        for (int row = 0; row < redis->rowCount(); ++row) {
            QVERIFY2(m_redis.contains(redis->index(row, turno::RedisServersModel::NameColumn).data().toString()),
                     qPrintable(redis->index(row, turno::RedisServersModel::NameColumn).data().toString()));
            roles << redis->index(row, turno::RedisServersModel::RoleColumn).data().toString();
        }
        roles.sort();
        QCOMPARE(roles, (QStringList{QStringLiteral("primary"), QStringLiteral("replica")}));
        QVERIFY(monitor->redisPrimary().ok());

        // The charts: the 24 h window reads range queries, a point per ~pixel, the axis in hours.
        QVERIFY(window.showTab(QStringLiteral("charts")));
        turno::console::ChartsPanel *charts = window.chartsPanel();
        charts->setWindowIndex(5);
        QCOMPARE(charts->windowMs(), 24 * 3600'000LL);
        auto *source = charts->findChild<QLabel *>(QStringLiteral("chartSource"));
        QVERIFY(source);
        QTRY_VERIFY_WITH_TIMEOUT(charts->range() && charts->range()->windowMs() == charts->windowMs() && charts->range()->heldToMs() > 0,
                                 20000);
        LiveChart *requests = charts->chart(QStringLiteral("Requests"));
        QVERIFY(requests);
        const int width = int(requests->chart()->plotArea().width());
        QVERIFY(width > 100);
        const qint64 step = charts->range()->stepMs();
        // 24 h over the widest plot: whole seconds, at least the scrape interval, no finer than a pixel.
        QVERIFY2(step >= 24 * 3600'000LL / 2000 && step % 1000 == 0, qPrintable(QString::number(step)));
        QTRY_VERIFY_WITH_TIMEOUT(source->text().contains(QStringLiteral("a point every %1 s").arg(step / 1000)), 10000);
        QCOMPARE(requests->timeAxisFormat(), QStringLiteral("%.0fh"));
        const QString total = turno::FleetMonitor::fleetSeries(QStringLiteral("requests_per_second"));
        // This Prometheus is a minute old: 24 h holds at most a point or two, on the step's grid.
        QVERIFY2(requests->pointCount(total) <= 2 * width, qPrintable(QString::number(requests->pointCount(total))));
        for (const turno::SeriesBand &b : charts->range()->bands(total, 0, charts->range()->heldToMs()))
            QCOMPARE(b.timestampMs % step, 0);

        // 1 h: a point every 10 s or so, the axis in minutes.
        charts->setWindowIndex(3);
        QTRY_VERIFY_WITH_TIMEOUT(charts->range()->windowMs() == 3600'000 && charts->range()->heldToMs() > 0, 10000);
        QCOMPARE(requests->timeAxisFormat(), QStringLiteral("%.0fm"));
        const qint64 hourStep = charts->range()->stepMs();
        QCOMPARE(hourStep, turno::PrometheusRange::stepFor(3600'000, charts->range()->columns(), 1000));
        QVERIFY2(hourStep >= 5000 && hourStep <= 30000, qPrintable(QString::number(hourStep)));
        QTRY_VERIFY_WITH_TIMEOUT(requests->pointCount(total) > 0, 30000);
        // Redis figures are drawn from the exporter's range too.
        LiveChart *memory = charts->chart(QStringLiteral("Redis memory"));
        QVERIFY(memory);
        QTRY_VERIFY_WITH_TIMEOUT(memory->pointCount(turno::FleetMonitor::redisSeries(m_redis.first(), QStringLiteral("redis_memory_bytes"))) > 0,
                                 10000);

        // 1 min: the scrape interval is the step, and the axis counts seconds.
        charts->setWindowIndex(0);
        QTRY_VERIFY_WITH_TIMEOUT(charts->range()->windowMs() == 60'000 && charts->range()->heldToMs() > 0, 10000);
        QCOMPARE(charts->range()->stepMs(), 1000);
        QCOMPARE(requests->timeAxisFormat(), QStringLiteral("%.0fs"));
        QTRY_VERIFY_WITH_TIMEOUT(requests->pointCount(total) >= 5, 10000);
        // History from before the attach (Prometheus scraped for seconds before it).
        const QString redisMemory = turno::FleetMonitor::redisSeries(m_redis.first(), QStringLiteral("redis_memory_bytes"));
        QVERIFY(!charts->range()->bands(redisMemory, 0, attachedAtMs).isEmpty());
        QVERIFY(!charts->range()->bands(total, 0, attachedAtMs).isEmpty());
        // The tail: some seconds later only the new steps came, the window still holds about 61.
        const qint64 heldTo = charts->range()->heldToMs();
        QTRY_VERIFY_WITH_TIMEOUT(charts->range()->heldToMs() >= heldTo + turno::PrometheusRange::kTailEveryMs, 25000);
        const qint64 held = charts->range()->heldToMs();
        QVERIFY2(charts->range()->bands(total, 0, held).size() <= 62, qPrintable(QString::number(charts->range()->bands(total, 0, held).size())));
        // Past the last range answer, the live edge: the monitor's own samples.
        QTRY_VERIFY_WITH_TIMEOUT(!charts->range()->bands(total, held + 1, std::numeric_limits<qint64>::max()).isEmpty(), 5000);

        // Prometheus stops answering: the status bar says so, the charts keep what they drew.
        const int drawn = requests->pointCount(total);
        QCOMPARE(::kill(pid_t(m_prometheus.pid()), SIGSTOP), 0);
        QTRY_VERIFY_WITH_TIMEOUT(!monitor->attachProblemText().isEmpty(), 20000);
        const QString bar = window.statusBar()->currentMessage() + window.healthText();
        ::kill(pid_t(m_prometheus.pid()), SIGCONT);
        QVERIFY2(bar.contains(QLatin1String("Prometheus")) || bar.contains(QLatin1String("last look failed")), qPrintable(bar));
        QVERIFY(requests->pointCount(total) >= std::min(drawn, 5));
        QTRY_VERIFY_WITH_TIMEOUT(monitor->attachProblemText().isEmpty(), 20000);
    }
};

QTEST_MAIN(TestConsolePrometheus)
#include "test_console_prometheus.moc"
