// One collector: on a running cluster each node's /metrics is fetched once per
// scrape interval (read from the node's own request counter), and
// `turnoctl status --json`, the Fleet table and the charts' series show the
// same figure for the same window, which the incident store keeps as fleet samples.
#include "fleet/fleet_supervisor.h"
#include "incidents/incident_store.h"
#include "metrics/prom_text_parser.h"
#include "metrics/series_store.h"
#include "models/fleet_nodes_model.h"
#include "runtime/fleet_monitor.h"
#include "scrape/node_collector.h"
#include "test_support.h"

#include "fleet_test_util.h"

#include <QDateTime>
#include <QJsonArray>
#include <QJsonDocument>
#include <QProcess>
#include <QTemporaryDir>
#include <QTest>
#include <algorithm>
#include <cmath>

using turno::FleetMonitor;
using turno::FleetNodesModel;

namespace {

template <typename F>
bool waitUntil(F f, int timeoutMs)
{
    QElapsedTimer t;
    t.start();
    while (!f()) {
        if (t.elapsed() > timeoutMs)
            return false;
        QCoreApplication::processEvents(QEventLoop::AllEvents, 20);
    }
    return true;
}

double round(double v, int decimals)
{
    const double f = std::pow(10.0, decimals);
    return std::round(v * f) / f;
}

}  // namespace

class TestCollector : public QObject {
    Q_OBJECT
private slots:
    void initTestCase()
    {
        QVERIFY(m_dir.isValid());
        const QByteArray profileJson = R"({
            "name": "collector",
            "store": "redis",
            "server": { "threads": 1, "durability": "async" },
            "pools": { "primary": { "nodes": 2, "weights": [1, 1] }, "secondary": { "nodes": 0, "weights": [] } },
            "redis": { "mode": "embedded", "replica": false, "sentinels": 0, "minReplicasToWrite": 0 },
            "balancer": { "listen": "127.0.0.1:0" },
            "scrape": { "intervalMs": 1000 }
        })";
        auto loaded = turno::ProfileLoader::loadBytes(profileJson, QStringLiteral("collector profile"));
        QVERIFY2(loaded.ok(), qPrintable(loaded.error()));
        turno::ClusterProfile profile = loaded.value();
        profile.serverBinary = qEnvironmentVariable("TURNO_SERVER_BIN");
        m_monitor = new FleetMonitor(this);
        const auto history = m_monitor->openHistory(m_dir.filePath(QStringLiteral("incidents.db")));
        QVERIFY2(history.ok(), qPrintable(history.error()));
        QString failure;
        connect(m_monitor, &FleetMonitor::launchFailed, this, [&failure](const QString &m) { failure = m; });
        m_runDir = m_dir.filePath(QStringLiteral("run"));
        const auto launched = m_monitor->launch(profile, m_runDir);
        QVERIFY2(launched.ok(), qPrintable(launched.error()));
        QVERIFY2(waitUntil([&] { return m_monitor->isReady() || !failure.isEmpty(); }, 60000), "cluster not ready in 60 s");
        QVERIFY2(failure.isEmpty(), qPrintable(failure));
    }

    void cleanupTestCase()
    {
        if (!m_monitor)
            return;
        m_monitor->stop();
        waitUntil([this] { return !m_monitor->isActive(); }, 30000);
    }

    // Before one collector, the supervisor and the monitor each fetched /metrics:
    // a node's own counter of /metrics requests grew by ~1.9 per second at a 1 s interval.
    void eachNodeIsFetchedOncePerInterval()
    {
        const quint16 port = m_monitor->supervisor()->node(QStringLiteral("primary-1"))->port;
        auto metricsRequests = [port]() -> double {
            const auto reply = turno::test::httpGet(port, "GET /metrics HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
            auto parsed = turno::PromTextParser().parse(reply.body);
            if (!parsed.ok())
                return -1;
            double total = 0;
            for (const auto &s : parsed.value().samples()) {
                const auto handler = parsed.value().label(s, "handler");
                if (parsed.value().text(s.name) == "turno_http_requests_total" && handler && *handler == "metrics")
                    total += s.value;
            }
            return total;
        };
        waitUntil([] { return false; }, 2000);
        const double before = metricsRequests();
        QVERIFY(before >= 0);
        QElapsedTimer t;
        t.start();
        waitUntil([] { return false; }, 10000);
        const double after = metricsRequests();
        const double seconds = double(t.elapsed()) / 1000.0;
        // Our own first read counts in `after`; each interval may start up to 50 ms late.
        const double fetchedPerSecond = (after - before - 1) / seconds;
        qInfo("FIGURE %.2f fetches of /metrics per second at a 1 s scrape interval (%.0f in %.1f s)", fetchedPerSecond,
              after - before - 1, seconds);
        QVERIFY2(fetchedPerSecond >= 0.7 && fetchedPerSecond <= 1.2, qPrintable(QString::number(fetchedPerSecond)));
    }

    // The same window through three faces: the control API's status (what turnoctl
    // prints), the Fleet table's model, and the charts' series.
    void statusTableAndChartsShowTheSameFigure()
    {
        fleettest::Load load(m_monitor->balancerPort(), 2, 0, "collector");
        turno::NodeCollector *collector = m_monitor->supervisor()->collector();
        const QString node = QStringLiteral("primary-1");
        QVERIFY(waitUntil([&] {
            const auto f = collector->figures(node);
            return f && f->hasWindow() && std::isfinite(f->p99Ms) && f->requestsPerSecond > 10;
        }, 20000));
        bool compared = false;
        // A scrape landing while turnoctl runs changes the window under it: try again then.
        for (int attempt = 0; attempt < 10 && !compared; ++attempt) {
            const qint64 windowBefore = collector->figures(node) ? collector->figures(node)->timestampMs : 0;
            QProcess ctl;
            ctl.start(qEnvironmentVariable("TURNOCTL_BIN"), {QStringLiteral("status"), QStringLiteral("--json"),
                                                            QStringLiteral("--run-dir"), m_runDir});
            QVERIFY(waitUntil([&] { return ctl.state() == QProcess::NotRunning; }, 20000));
            QCOMPARE(ctl.exitCode(), 0);
            const auto f = collector->figures(node);
            if (!f || f->timestampMs != windowBefore || !std::isfinite(f->p99Ms))
                continue;
            QJsonObject status;
            for (const QJsonValue &v : QJsonDocument::fromJson(ctl.readAllStandardOutput()).object().value(QStringLiteral("nodes")).toArray())
                if (v.toObject().value(QStringLiteral("node")).toString() == node)
                    status = v.toObject();
            QVERIFY2(!status.isEmpty(), "primary-1 is in turnoctl status --json");

            FleetNodesModel *model = m_monitor->nodesModel();
            const int row = model->rowOf(node);
            QVERIFY(row >= 0);
            const turno::FleetNodeMetrics m = model->metricsAt(row);
            turno::SeriesStore *series = m_monitor->series();
            const auto p99Id = series->find(FleetMonitor::nodeSeries(node, QStringLiteral("p99_seconds")));
            const auto rpsId = series->find(FleetMonitor::nodeSeries(node, QStringLiteral("requests_per_second")));
            QVERIFY(p99Id && rpsId);
            const auto p99Point = series->last(*p99Id);
            const auto rpsPoint = series->last(*rpsId);
            QVERIFY(p99Point && rpsPoint);
            // The series store keeps one point per second.
            QCOMPARE(p99Point->timestampMs / 1000, f->timestampMs / 1000);

            const double statusP99 = status.value(QStringLiteral("p99Ms")).toDouble();
            const double statusRps = status.value(QStringLiteral("reqPerSec")).toDouble();
            qInfo("FIGURE %s window %lld ms: p99 status %.2f table %.2f chart %.2f ms; req/s status %.1f table %.1f chart %.1f",
                  qPrintable(node), qint64(f->windowMs), statusP99, round(m.p99Ms, 2), round(p99Point->value * 1000.0, 2),
                  statusRps, round(m.requestsPerSecond, 1), round(rpsPoint->value, 1));
            QCOMPARE(statusP99, round(m.p99Ms, 2));
            QCOMPARE(statusP99, round(p99Point->value * 1000.0, 2));
            QCOMPARE(statusRps, round(m.requestsPerSecond, 1));
            QCOMPARE(statusRps, round(rpsPoint->value, 1));
            QCOMPARE(model->index(row, FleetNodesModel::P99Column).data().toString(), QString::number(statusP99, 'f', 2));
            compared = true;
        }
        load.stop();
        QVERIFY2(compared, "a scrape landed during every one of 10 turnoctl runs");
    }

    // Each tick's fleet figures reach the incident store (for the reports), equal to the charts' fleet series.
    void fleetSamplesAreStored()
    {
        fleettest::Load load(m_monitor->balancerPort(), 2, 0, "samples");
        const qint64 from = QDateTime::currentMSecsSinceEpoch();
        waitUntil([] { return false; }, 6000);
        load.stop();
        turno::IncidentStore *history = m_monitor->history();
        QVERIFY(history->flush().ok());
        const qint64 to = QDateTime::currentMSecsSinceEpoch();
        const auto samples = history->samples(from, to);
        QVERIFY2(samples.ok(), qPrintable(samples.error()));
        // One per 1 s tick; a tick may be late or the last one still queued.
        QVERIFY2(samples->size() >= 4 && samples->size() <= 8, qPrintable(QString::number(samples->size())));
        double maxRps = 0;
        for (const turno::FleetSample &s : samples.value()) {
            maxRps = std::max(maxRps, s.requestsPerSecond);
            QVERIFY(std::isfinite(s.cpuPercent) && s.cpuPercent >= 0);
        }
        QVERIFY2(maxRps > 10, qPrintable(QString::number(maxRps)));
        turno::SeriesStore *series = m_monitor->series();
        const auto rpsId = series->find(QStringLiteral("fleet_requests_per_second"));
        QVERIFY(rpsId);
        const auto point = series->last(*rpsId);
        QVERIFY(point);
        const auto stored = history->samples(point->timestampMs, point->timestampMs);
        QVERIFY(stored.ok());
        QCOMPARE(stored->size(), 1);
        QCOMPARE(stored->first().requestsPerSecond, point->value);
        qInfo("FIGURE %lld fleet samples stored in %.1f s, max %.1f req/s", qint64(samples->size()),
              double(to - from) / 1000.0, maxRps);
    }

private:
    QTemporaryDir m_dir{QStringLiteral("/tmp/turno-collector-XXXXXX")};
    QString m_runDir;
    FleetMonitor *m_monitor = nullptr;
};

QTEST_GUILESS_MAIN(TestCollector)
#include "test_collector.moc"
