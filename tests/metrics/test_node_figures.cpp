// NodeFigures: the window between two scrapes of a turno node, computed once for
// every reader. Load is handler="turno" only; a restart in between counts from zero.
#include "metrics/node_figures.h"
#include "metrics/prom_text_parser.h"

#include <QTest>
#include <cmath>

using turno::MetricsScrape;
using turno::NodeFigures;
using turno::PromTextParser;

namespace {

// A turno-server exposition: `ok` 200s and `failed` 503s on /turno, `health`
// requests on /healthz, every /turno answer in the 1 ms bucket except `slow` in 50 ms.
MetricsScrape exposition(double ok, double failed, double health, double slow, double cpuSeconds, double startTime)
{
    const double fast = ok + failed - slow;
    const QByteArray text = QStringLiteral(
        "# TYPE turno_http_requests_total counter\n"
        "turno_http_requests_total{handler=\"turno\",code=\"200\"} %1\n"
        "turno_http_requests_total{handler=\"turno\",code=\"503\"} %2\n"
        "turno_http_requests_total{handler=\"health\",code=\"200\"} %3\n"
        "# TYPE turno_http_request_duration_seconds histogram\n"
        "turno_http_request_duration_seconds_bucket{le=\"0.001\"} %4\n"
        "turno_http_request_duration_seconds_bucket{le=\"0.05\"} %5\n"
        "turno_http_request_duration_seconds_bucket{le=\"+Inf\"} %5\n"
        "turno_http_request_duration_seconds_sum 1\n"
        "turno_http_request_duration_seconds_count %5\n"
        "# TYPE process_cpu_seconds_total counter\n"
        "process_cpu_seconds_total %6\n"
        "# TYPE process_resident_memory_bytes gauge\n"
        "process_resident_memory_bytes 5000000\n"
        "# TYPE process_start_time_seconds gauge\n"
        "process_start_time_seconds %7\n")
                                 .arg(ok).arg(failed).arg(health).arg(fast).arg(ok + failed).arg(cpuSeconds).arg(startTime, 0, 'f', 0)
                                 .toUtf8();
    auto r = PromTextParser().parse(text);
    if (!r.ok())
        qFatal("fixture does not parse: %s", qPrintable(r.error()));
    return std::move(r.value());
}

constexpr qint64 kT0 = 1'700'000'000'000;

}  // namespace

class TestNodeFigures : public QObject {
    Q_OBJECT
private slots:
    void aWindowBetweenTwoScrapes()
    {
        const MetricsScrape a = exposition(1000, 0, 50, 0, 10.0, 1'699'999'000);
        // 2 s later: 1,980 more 200s, 20 more 503s, 500 health checks (not load), 10 slow ones.
        const MetricsScrape b = exposition(2980, 20, 550, 10, 11.0, 1'699'999'000);
        const NodeFigures f = NodeFigures::between(&a, kT0, b, kT0 + 2000);
        QCOMPARE(f.windowMs, qint64(2000));
        QVERIFY(f.hasWindow());
        QCOMPARE(f.requestsPerSecond, 1000.0);
        QVERIFY2(f.p50Ms > 0 && f.p50Ms <= 1.0, qPrintable(QString::number(f.p50Ms)));
        // 10 of 2,000 (0.5 %) in the 50 ms bucket: the 99th percentile is still in the first.
        QVERIFY2(f.p99Ms <= 1.0, qPrintable(QString::number(f.p99Ms)));
        QCOMPARE(f.cpuPercent, 50.0);
        QVERIFY(f.errorRatio);
        QCOMPARE(*f.errorRatio, 0.01);
        QCOMPARE(f.errors5xx, 20.0);
        // 20 more 503s in 2 s: a rate over the window, the count since start apart.
        QCOMPARE(f.errorsPerSecond, 10.0);
        QCOMPARE(f.rssBytes, 5e6);
        QCOMPARE(f.uptimeSeconds, 1002.0);
    }

    void theSlowTailMovesP99()
    {
        const MetricsScrape a = exposition(100, 0, 0, 0, 1, 0);
        const MetricsScrape b = exposition(200, 0, 0, 50, 1, 0);
        const NodeFigures f = NodeFigures::between(&a, kT0, b, kT0 + 1000);
        QVERIFY2(f.p99Ms > 1.0 && f.p99Ms <= 50.0, qPrintable(QString::number(f.p99Ms)));
    }

    void theFirstScrapeHasNoWindow()
    {
        const MetricsScrape b = exposition(10, 1, 0, 0, 1, 0);
        const NodeFigures f = NodeFigures::between(nullptr, 0, b, kT0);
        QVERIFY(!f.hasWindow());
        QVERIFY(std::isnan(f.requestsPerSecond));
        QVERIFY(std::isnan(f.p99Ms));
        QVERIFY(!f.errorRatio);
        QCOMPARE(f.errors5xx, 1.0);  // the later scrape's own figures are there
    }

    void aWindowWithoutRequestsHasNoRatioAndNoLatency()
    {
        const MetricsScrape a = exposition(100, 0, 0, 0, 1, 0);
        const MetricsScrape b = exposition(100, 0, 30, 0, 1, 0);
        const NodeFigures f = NodeFigures::between(&a, kT0, b, kT0 + 1000);
        QCOMPARE(f.requestsPerSecond, 0.0);
        QVERIFY(!f.errorRatio);
        QVERIFY(std::isnan(f.p99Ms));
    }

    void aRestartInBetweenCountsFromZero()
    {
        const MetricsScrape a = exposition(5000, 100, 0, 0, 30, 0);
        const MetricsScrape b = exposition(300, 3, 0, 0, 1, 0);
        const NodeFigures f = NodeFigures::between(&a, kT0, b, kT0 + 1000);
        QCOMPARE(f.requestsPerSecond, 303.0);
        QVERIFY(f.errorRatio);
        QCOMPARE(*f.errorRatio, 3.0 / 303.0);
        QVERIFY2(f.p99Ms > 0 && f.p99Ms <= 1.0, qPrintable(QString::number(f.p99Ms)));
    }
};

QTEST_GUILESS_MAIN(TestNodeFigures)
#include "test_node_figures.moc"
