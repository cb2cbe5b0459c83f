// Error and latency figures say what they measure, offscreen against a real
// cluster (2 primary nodes, Redis without Sentinel so an outage stays an outage):
// HAProxy's request log reaches the console (haproxy.cfg names the port it bound)
// and gives a frontend p99 beside the nodes' and the load test's, each chart line
// named by what it measures; one node's 5xx that HAProxy retries on the other
// node show at the node and never at the frontend (what clients got, what
// HighErrorRatio reads); the Fleet table's 5xx column is a rate over the charts'
// window that, after a Redis outage under load, is non-zero and falls back to 0
// once the window has passed while the count since start stays in its tooltip;
// the frontend's 5xx are counted then (every node failed); and a console attached
// over the stats socket, which gets no log, says so instead of a figure.
#include "fleet/cluster_profile.h"
#include "fleet/fleet_attach.h"
#include "fleet/fleet_supervisor.h"
#include "fleet/managed_process.h"
#include "charts_panel.h"
#include "fleet_panel.h"
#include "live_chart.h"
#include "load_panel.h"
#include "main_window.h"
#include "metrics/series_store.h"
#include "models/fleet_nodes_model.h"
#include "overview_panel.h"
#include "redis/resp_client.h"
#include "alerts/alert_engine.h"
#include "runtime/fleet_monitor.h"
#include "scrape/balancer_log_receiver.h"
#include "test_support.h"

#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QSet>
#include <QJsonArray>
#include <QJsonDocument>
#include <QLineSeries>
#include <QJsonObject>
#include <QSettings>
#include <QStandardPaths>
#include <QTableView>
#include <QTemporaryDir>
#include <QTest>
#include <cmath>
#include <functional>
#include <csignal>
#include <memory>

using turno::FleetMonitor;
using turno::FleetNodesModel;
using turno::console::ChartsPanel;
using turno::console::LiveChart;
using turno::console::MainWindow;

class TestErrorFigures : public QObject {
    Q_OBJECT

    QTemporaryDir m_dir;
    std::unique_ptr<MainWindow> m_window;
    QString m_runDir;
    qint64 m_stoppedRedis = 0;

    FleetMonitor *monitor() const { return m_window->monitor(); }
    // The newest value of a series; NaN when it has none.
    double last(const QString &key) const
    {
        const auto id = monitor()->series()->find(key);
        const auto p = id ? monitor()->series()->last(*id) : std::nullopt;
        return p ? p->value : std::nan("");
    }
    // The largest value of a series since fromMs; -1 when it has none.
    double maxSince(const QString &key, qint64 fromMs) const
    {
        const auto id = monitor()->series()->find(key);
        double m = -1;
        if (id)
            for (const auto &p : monitor()->series()->fine(*id, fromMs, QDateTime::currentMSecsSinceEpoch() + 1000))
                m = std::max(m, p.value);
        return m;
    }
    double rateOf(const QString &node) const
    {
        const FleetNodesModel *m = monitor()->nodesModel();
        return m->index(m->rowOf(node), FleetNodesModel::ErrorsColumn).data(FleetNodesModel::SortRole).toDouble();
    }
    QString cellOf(const QString &node, int column, int role = Qt::DisplayRole) const
    {
        const FleetNodesModel *m = monitor()->nodesModel();
        return m->index(m->rowOf(node), column).data(role).toString();
    }

    // The local ports of pid's TCP connections to 127.0.0.1:port (its links to Redis), from
    // /proc: its socket inodes, matched in /proc/net/tcp.
    static QStringList connectionsTo(qint64 pid, quint16 port)
    {
        QSet<QByteArray> inodes;
        const QDir fds(QStringLiteral("/proc/%1/fd").arg(pid));
        for (const QString &fd : fds.entryList(QDir::NoDotAndDotDot | QDir::System | QDir::Files)) {
            const QString target = QFile::symLinkTarget(fds.filePath(fd));
            const QString name = QFileInfo(target).fileName().isEmpty() ? target : QFileInfo(target).fileName();
            if (name.startsWith(QLatin1String("socket:[")))
                inodes.insert(name.mid(8, name.size() - 9).toLatin1());
        }
        QStringList out;
        QFile tcp(QStringLiteral("/proc/net/tcp"));
        if (!tcp.open(QIODevice::ReadOnly))
            return out;
        const QByteArray remote = QByteArray("0100007F:") + QByteArray::number(port, 16).toUpper().rightJustified(4, '0');
        for (const QByteArray &line : tcp.readAll().split('\n')) {
            const QList<QByteArray> f = line.simplified().split(' ');
            if (f.size() < 10 || f[2] != remote || f[3] != "01" || !inodes.contains(f[9]))
                continue;
            out << QStringLiteral("127.0.0.1:%1").arg(f[1].split(':').value(1).toUInt(nullptr, 16));
        }
        return out;
    }

private slots:
    void initTestCase()
    {
        QStandardPaths::setTestModeEnabled(true);
        QSettings().clear();
        QVERIFY(m_dir.isValid());
        m_runDir = m_dir.filePath(QStringLiteral("run"));
        m_window = std::make_unique<MainWindow>(m_dir.filePath(QStringLiteral("incidents.db")));
        m_window->resize(1280, 800);
        m_window->show();
        QVERIFY(QTest::qWaitForWindowExposed(m_window.get()));
        // retryWindowMs 0: a node answers 503 at once while Redis is gone (no parking), so a
        // short outage under load is a burst of 5xx; no Sentinel, no automatic failover.
        const QByteArray profileJson = R"({
            "name": "error-figures",
            "store": "redis",
            "server": { "threads": 1, "durability": "async", "retryWindowMs": 0 },
            "pools": { "primary": { "nodes": 2, "weights": [1, 1] }, "secondary": { "nodes": 0, "weights": [] } },
            "redis": { "mode": "embedded", "replica": true, "sentinels": 0, "minReplicasToWrite": 0,
                       "password": { "source": "generated" } },
            "balancer": { "listen": "127.0.0.1:0" },
            "scrape": { "intervalMs": 500 }
        })";
        auto loaded = turno::ProfileLoader::loadBytes(profileJson, QStringLiteral("error-figures profile"));
        QVERIFY2(loaded.ok(), qPrintable(loaded.error()));
        turno::ClusterProfile profile = loaded.value();
        profile.serverBinary = turno::test::envPath("TURNO_SERVER_BIN");
        const auto launched = m_window->launchProfile(profile, m_runDir);
        QVERIFY2(launched.ok(), qPrintable(launched.error()));
        QTRY_VERIFY_WITH_TIMEOUT(monitor()->isReady(), 60000);
    }

    void cleanupTestCase()
    {
        if (m_stoppedRedis > 0)
            ::kill(pid_t(m_stoppedRedis), SIGCONT);
        if (m_window && monitor()->isActive()) {
            m_window->stopCluster();
            QTRY_VERIFY_WITH_TIMEOUT(!monitor()->isActive(), 30000);
        }
        m_window.reset();
    }

    // HAProxy sends its request log to the port the supervisor bound, and the frontend's
    // p99 (with the balancer hop) stands beside the nodes' and the load test's.
    void frontendAndClientP99StandBesideTheNodes()
    {
        turno::FleetSupervisor *supervisor = monitor()->supervisor();
        turno::BalancerLogReceiver *log = supervisor->balancerLog();
        QVERIFY(log && log->isBound());
        QFile cfg(m_runDir + QStringLiteral("/haproxy/haproxy.cfg"));
        QVERIFY2(cfg.open(QIODevice::ReadOnly), qPrintable(cfg.fileName()));
        const QByteArray text = cfg.readAll();
        QVERIFY2(text.contains(QStringLiteral("log 127.0.0.1:%1 len 256 format raw").arg(log->port()).toUtf8()), text.constData());

        QVERIFY(m_window->showTab(QStringLiteral("charts")));
        const qint64 started = QDateTime::currentMSecsSinceEpoch();
        QVERIFY(m_window->startLoad(6, 4).ok());
        const QString balancer = FleetMonitor::balancerNode();
        const QString frontendP99 = FleetMonitor::nodeSeries(balancer, QStringLiteral("frontend_p99_seconds"));
        const QString clientP99 = FleetMonitor::fleetSeries(QStringLiteral("client_p99_seconds"));
        QTRY_VERIFY_WITH_TIMEOUT(maxSince(frontendP99, started) >= 0 && maxSince(clientP99, started) >= 0, 15000);
        // Every line HAProxy sent was ours; the log saw the load.
        QVERIFY(log->linesTotal() > 100);
        QCOMPARE(log->last().garbageTotal, quint64(0));
        // The status (as `turnoctl status --json`) carries it, in the frontend and in the fleet summary.
        QTRY_VERIFY_WITH_TIMEOUT(monitor()->lastStatus().value(QStringLiteral("frontend")).toObject().value(QStringLiteral("p99Ms")).isDouble(),
                                 10000);
        const QJsonObject st = monitor()->lastStatus();
        const QJsonObject fe = st.value(QStringLiteral("frontend")).toObject();
        QVERIFY2(fe.value(QStringLiteral("p99Ms")).toDouble() >= 0, qPrintable(QJsonDocument(fe).toJson()));
        QVERIFY(!fe.contains(QStringLiteral("p99Note")));
        QVERIFY(fe.value(QStringLiteral("errorRatio")).isDouble());
        QCOMPARE(st.value(QStringLiteral("fleet")).toObject().value(QStringLiteral("frontendP99Ms")), fe.value(QStringLiteral("p99Ms")));
        // The balancer's row of the Fleet table shows the frontend's p99 too.
        QTRY_VERIFY_WITH_TIMEOUT(cellOf(balancer, FleetNodesModel::P99Column) != QStringLiteral("–"), 10000);
        QVERIFY2(cellOf(balancer, FleetNodesModel::P99Column, Qt::ToolTipRole).contains(QStringLiteral("request log")),
                 qPrintable(cellOf(balancer, FleetNodesModel::P99Column, Qt::ToolTipRole)));

        // The where-measured p99 chart's lines are named by what they measure, and the three have points.
        ChartsPanel *charts = m_window->chartsPanel();
        LiveChart *latency = charts->chart(QStringLiteral("p99: client, frontend, node"));
        QVERIFY(latency);
        QTRY_VERIFY_WITH_TIMEOUT(latency->pointCount(frontendP99) > 0 && latency->pointCount(clientP99) > 0 &&
                                     latency->pointCount(FleetMonitor::fleetSeries(QStringLiteral("p99_seconds"))) > 0,
                                 10000);
        QCOMPARE(latency->seriesOf(frontendP99)->name(), QStringLiteral("frontend (HAProxy, incl. queue+connect)"));
        QCOMPARE(latency->seriesOf(clientP99)->name(), QStringLiteral("client (load test)"));
        QCOMPARE(latency->seriesOf(FleetMonitor::fleetSeries(QStringLiteral("p99_seconds")))->name(),
                 QStringLiteral("worst node (server time, no balancer hop)"));
        LiveChart *errors = charts->chart(QStringLiteral("5xx errors"));
        QVERIFY(errors);
        const QString frontendErrors = FleetMonitor::nodeSeries(balancer, QStringLiteral("frontend_error_ratio"));
        QTRY_VERIFY_WITH_TIMEOUT(errors->pointCount(frontendErrors) > 0, 10000);
        QCOMPARE(errors->seriesOf(frontendErrors)->name(), QStringLiteral("frontend (what clients got)"));
        // Each node's own 5xx beside it, under its name.
        for (const QString &node : monitor()->turnoNodes())
            QCOMPARE(errors->seriesOf(FleetMonitor::nodeSeries(node, QStringLiteral("error_ratio")))->name(), node);
        // HighErrorRatio reads what clients got: its limit is the error chart's line.
        QVERIFY(errors->thresholdSeries());
        QCOMPARE(errors->thresholdSeries()->name(), QStringLiteral("alert 1 % (HighErrorRatio)"));
        // The Overview shows both p99s, in ms.
        turno::console::OverviewPanel *overview = m_window->overviewPanel();
        QTRY_VERIFY_WITH_TIMEOUT(overview->figureText(QStringLiteral("frontendP99Ms")).endsWith(QLatin1String(" ms")), 10000);
        QTRY_VERIFY_WITH_TIMEOUT(!m_window->loadRunning(), 20000);
    }

    // The issue's failover case: one node answers 5xx, HAProxy retries each on the other
    // node, the clients get 200. The node's 5xx rate and ratio show it; the frontend's
    // 5xx (what clients got, what HighErrorRatio reads) stay 0, and so do the load
    // test's errors. Made by killing primary-1's Redis connections (CLIENT KILL) every
    // 150 ms: each time its in-flight requests and those of its 50 ms reconnect back-off
    // get 503, the other node's never.
    void retriedNodeErrorsAreNotWhatClientsGot()
    {
        turno::FleetSupervisor *supervisor = monitor()->supervisor();
        const turno::FleetNode *redis = supervisor->node(supervisor->redisPrimaryNode());
        const turno::FleetNode *node = supervisor->node(QStringLiteral("primary-1"));
        QVERIFY(redis && node && node->process);
        const QString balancer = FleetMonitor::balancerNode();
        const QString nodeRatio = FleetMonitor::nodeSeries(QStringLiteral("primary-1"), QStringLiteral("error_ratio"));
        const QString frontendRatio = FleetMonitor::nodeSeries(balancer, QStringLiteral("frontend_error_ratio"));
        const QString frontend5xx = FleetMonitor::nodeSeries(balancer, QStringLiteral("frontend_5xx_per_second"));
        const QString retries = FleetMonitor::fleetSeries(QStringLiteral("balancer_retries_per_second"));
        int pendingHigh = 0;
        QMetaObject::Connection spy = connect(monitor(), &FleetMonitor::alertTransition, this, [&pendingHigh](const turno::AlertTransition &t) {
            pendingHigh += t.alert.rule == QLatin1String("HighErrorRatio") && t.to != turno::Alert::State::Inactive;
        });
        QVERIFY(m_window->startLoad(12, 4).ok());
        QTest::qWait(2000);
        const qint64 from = QDateTime::currentMSecsSinceEpoch();
        auto killed = std::make_shared<int>(0);
        const qint64 until = from + 5000;
        while (QDateTime::currentMSecsSinceEpoch() < until) {
            const QStringList links = connectionsTo(node->process->pid(), redis->port);
            for (const QString &addr : links) {
                auto *client = new turno::RespClient(QStringLiteral("127.0.0.1"), redis->port, supervisor->redisPassword(), this);
                client->run({{"CLIENT", "KILL", addr.toLatin1()}}, [client, killed](turno::Result<QList<turno::RespValue>> r) {
                    *killed += r.ok() && r.value().last().text == "OK";
                    client->deleteLater();
                });
            }
            QTest::qWait(150);
        }
        // Two more scrapes, so the last window is in the series.
        QTest::qWait(1500);
        QVERIFY2(*killed > 5, qPrintable(QStringLiteral("only %1 of primary-1's Redis links were killed").arg(*killed)));
        // The node answered 5xx, HAProxy tried again...
        QVERIFY2(maxSince(nodeRatio, from) > 0, "primary-1 answered no 5xx: the fault did not take");
        QVERIFY(maxSince(retries, from) > 0);
        // ...and retried them: no client got one.
        QCOMPARE(maxSince(frontend5xx, from), 0.0);
        QCOMPARE(maxSince(frontendRatio, from), 0.0);
        quint64 clientErrors = 0;
        for (const quint64 e : m_window->loadPanel()->lastProgress().errorsTotal)
            clientErrors += e;
        QCOMPARE(clientErrors, quint64(0));
        QVERIFY(m_window->loadRunning());
        // The Fleet table says so: the node's 5xx/s over the window, the balancer's (its frontend) 0.
        QVERIFY2(rateOf(QStringLiteral("primary-1")) > 0, qPrintable(cellOf(QStringLiteral("primary-1"), FleetNodesModel::ErrorsColumn)));
        QCOMPARE(cellOf(balancer, FleetNodesModel::ErrorsColumn), QStringLiteral("0.00"));
        // HighErrorRatio counts what clients got: it did not even go pending.
        disconnect(spy);
        QCOMPARE(pendingHigh, 0);
        m_window->loadPanel()->stop();
        QTRY_VERIFY_WITH_TIMEOUT(!m_window->loadRunning(), 20000);
    }

    // The 5xx column is a rate over the charts' window: a Redis outage under load makes
    // it non-zero, and once the window has passed without errors it reads 0 again, while
    // the count since the node started (its tooltip) keeps them.
    void fleet5xxColumnIsARateOverTheWindow()
    {
        const qint64 windowMs = 6000;
        monitor()->setErrorRateWindowMs(windowMs);
        FleetNodesModel *model = monitor()->nodesModel();
        QCOMPARE(model->headerData(FleetNodesModel::ErrorsColumn, Qt::Horizontal).toString(), QStringLiteral("5xx/s (6 s)"));
        // The view says the same.
        QTableView *table = m_window->fleetPanel()->table();
        QCOMPARE(table->model()->headerData(FleetNodesModel::ErrorsColumn, Qt::Horizontal).toString(), QStringLiteral("5xx/s (6 s)"));
        // The charts' window drives it: 5 min in the combo box, 5 min in the header.
        m_window->chartsPanel()->setWindowIndex(1);
        QCOMPARE(monitor()->errorRateWindowMs(), qint64(5 * 60'000));
        QCOMPARE(model->headerData(FleetNodesModel::ErrorsColumn, Qt::Horizontal).toString(), QStringLiteral("5xx/s (5 min)"));
        monitor()->setErrorRateWindowMs(windowMs);
        for (const QString &node : monitor()->turnoNodes())
            QTRY_COMPARE_WITH_TIMEOUT(rateOf(node), 0.0, 10000);

        // Watched every 20 ms from before the fault on: when each node's count since start last
        // moved, the largest rate its row showed, and when that rate read 0 again after.
        struct Seen {
            double count = std::nan("");
            qint64 lastIncreaseMs = 0;
            qint64 zeroMs = 0;
            double maxRate = 0;
            QString shownNonZero;
        };
        QHash<QString, Seen> seen;
        auto watch = [&](qint64 forMs, const std::function<bool()> &until) {
            const qint64 end = QDateTime::currentMSecsSinceEpoch() + forMs;
            while (QDateTime::currentMSecsSinceEpoch() < end) {
                QTest::qWait(20);
                const qint64 now = QDateTime::currentMSecsSinceEpoch();
                for (const QString &node : monitor()->turnoNodes()) {
                    Seen &n = seen[node];
                    const double c = model->metricsAt(model->rowOf(node)).errors;
                    const double r = rateOf(node);
                    if (std::isfinite(c) && c != n.count) {
                        if (std::isfinite(n.count))
                            n.lastIncreaseMs = now;
                        n.count = c;
                        n.zeroMs = 0;
                    }
                    if (r > 0) {
                        if (n.shownNonZero.isEmpty())
                            n.shownNonZero = cellOf(node, FleetNodesModel::ErrorsColumn);
                        n.maxRate = std::max(n.maxRate, r);
                        n.zeroMs = 0;
                    } else if (r == 0.0 && n.lastIncreaseMs > 0 && n.zeroMs == 0) {
                        n.zeroMs = now;
                    }
                }
                if (until && until())
                    return;
            }
        };
        QVERIFY(m_window->startLoad(40, 4).ok());
        watch(1500, {});
        const turno::FleetNode *redis = monitor()->supervisor()->node(QStringLiteral("redis-1"));
        QVERIFY(redis && redis->process);
        m_stoppedRedis = redis->process->pid();
        const qint64 fault = QDateTime::currentMSecsSinceEpoch();
        QCOMPARE(::kill(pid_t(m_stoppedRedis), SIGSTOP), 0);
        // Longer than HAProxy's retries of one request take (each try waits for a node's Redis timeout).
        watch(5000, {});
        QCOMPARE(::kill(pid_t(m_stoppedRedis), SIGCONT), 0);
        m_stoppedRedis = 0;
        // Redis answers again and the load goes on: until each node that failed reads 0 for three scrapes.
        auto settled = [&] {
            bool any = false;
            for (const Seen &n : std::as_const(seen)) {
                if (n.lastIncreaseMs == 0)
                    continue;
                any = true;
                if (n.zeroMs == 0 || QDateTime::currentMSecsSinceEpoch() - n.zeroMs < 1500)
                    return false;
            }
            return any;
        };
        watch(windowMs + 20000, settled);
        QString failing;
        for (auto it = seen.cbegin(); it != seen.cend(); ++it)
            if (it->lastIncreaseMs > 0 && (failing.isEmpty() || it->lastIncreaseMs > seen[failing].lastIncreaseMs))
                failing = it.key();
        QVERIFY2(!failing.isEmpty(), "no node answered 5xx while Redis was stopped");
        const Seen n = seen[failing];
        // Non-zero while the 5xx were in the window, as text too.
        QVERIFY2(n.maxRate > 0 && n.shownNonZero.toDouble() > 0, qPrintable(QStringLiteral("%1: max rate %2, shown \"%3\"")
                                                                             .arg(failing).arg(n.maxRate).arg(n.shownNonZero)));
        QVERIFY2(n.zeroMs > 0, qPrintable(QStringLiteral("%1's 5xx rate did not fall back to 0: %2").arg(failing).arg(rateOf(failing))));
        // Over the scrapes in the window: the last increase leaves it one window after the scrape
        // before it (an interval, 500 ms, before the count moved here), not at the next scrape.
        QVERIFY2(n.zeroMs - n.lastIncreaseMs >= windowMs - 500 - 300,
                 qPrintable(QStringLiteral("the rate fell to 0 %1 ms after the last 5xx, before its %2 ms window passed")
                                .arg(n.zeroMs - n.lastIncreaseMs).arg(windowMs)));
        // The status has the per-node rate beside the count (both kept for their readers).
        bool inStatus = false;
        for (const QJsonValue &v : monitor()->lastStatus().value(QStringLiteral("nodes")).toArray())
            if (v.toObject().value(QStringLiteral("node")).toString() == failing)
                inStatus = v.toObject().contains(QStringLiteral("node5xxPerSec")) && v.toObject().contains(QStringLiteral("node5xx"));
        QVERIFY(inStatus);
        // All nodes failed at once, so HAProxy's retries could not hide it: clients got 5xx too.
        const QString balancer = FleetMonitor::balancerNode();
        QVERIFY(maxSince(FleetMonitor::nodeSeries(balancer, QStringLiteral("frontend_5xx_per_second")), fault) > 0);
        QVERIFY(maxSince(FleetMonitor::nodeSeries(balancer, QStringLiteral("frontend_error_ratio")), fault) > 0);
        QCOMPARE(cellOf(failing, FleetNodesModel::ErrorsColumn), QStringLiteral("0.00"));
        const double sinceStart = model->metricsAt(model->rowOf(failing)).errors;
        QVERIFY(sinceStart > 0);
        const QString tip = cellOf(failing, FleetNodesModel::ErrorsColumn, Qt::ToolTipRole);
        QVERIFY2(tip.contains(QStringLiteral("%1 since the node started").arg(sinceStart, 0, 'f', 0)), qPrintable(tip));
        QVERIFY(m_window->loadRunning());
        m_window->loadPanel()->stop();
        QTRY_VERIFY_WITH_TIMEOUT(!m_window->loadRunning(), 20000);
        monitor()->setErrorRateWindowMs(60'000);
    }

    // Attached over the stats socket, the console gets no request log: the frontend p99
    // says what it needs rather than a figure.
    void attachedWithoutTheLogSaysSo()
    {
        MainWindow second(m_dir.filePath(QStringLiteral("attached.db")));
        turno::AttachTarget target;
        target.cluster = QStringLiteral("error-figures");
        target.balancerStats = monitor()->supervisor()->haproxySocket();
        const auto attached = second.attachFleet(target);
        QVERIFY2(attached.ok(), qPrintable(attached.error()));
        QTRY_COMPARE_WITH_TIMEOUT(second.monitor()->nodesModel()->rowCount(), 2, 15000);
        QTRY_COMPARE_WITH_TIMEOUT(second.overviewPanel()->figureText(QStringLiteral("frontendP99Ms")),
                                  QStringLiteral("needs the balancer's log"), 15000);
        QVERIFY(std::isnan(second.overviewPanel()->figureValue(QStringLiteral("frontendP99Ms"))));
        second.stopCluster();
        QTRY_VERIFY_WITH_TIMEOUT(!second.monitor()->isAttached(), 10000);
    }
};

QTEST_MAIN(TestErrorFigures)
#include "test_error_figures.moc"
