// BalancerFigures: the window between two scrapes of HAProxy's exporter. The
// frontend's 5xx are what clients received (after retries); the backend's are
// the 5xx it passed on, and its retries the tries it made again. A restarted
// HAProxy counts from zero.
#include "metrics/balancer_figures.h"
#include "metrics/prom_text_parser.h"

#include <QTest>
#include <cmath>

using turno::BalancerFigures;
using turno::MetricsScrape;
using turno::PromTextParser;

namespace {

// The exporter's lines the figures read, for the frontend "turno" and the backend
// "turno_nodes", plus another frontend whose numbers must not leak in.
MetricsScrape exporter(double requests, double fe2xx, double fe5xx, double be5xx, double retries = 0)
{
    const QByteArray text = QStringLiteral(
        "# TYPE haproxy_frontend_http_requests_total counter\n"
        "haproxy_frontend_http_requests_total{proxy=\"turno\"} %1\n"
        "haproxy_frontend_http_requests_total{proxy=\"prometheus\"} 999999\n"
        "# TYPE haproxy_frontend_http_responses_total counter\n"
        "haproxy_frontend_http_responses_total{proxy=\"turno\",code=\"1xx\"} 0\n"
        "haproxy_frontend_http_responses_total{proxy=\"turno\",code=\"2xx\"} %2\n"
        "haproxy_frontend_http_responses_total{proxy=\"turno\",code=\"3xx\"} 0\n"
        "haproxy_frontend_http_responses_total{proxy=\"turno\",code=\"4xx\"} 0\n"
        "haproxy_frontend_http_responses_total{proxy=\"turno\",code=\"5xx\"} %3\n"
        "haproxy_frontend_http_responses_total{proxy=\"turno\",code=\"other\"} 0\n"
        "haproxy_frontend_http_responses_total{proxy=\"prometheus\",code=\"5xx\"} 777\n"
        "# TYPE haproxy_backend_http_responses_total counter\n"
        "haproxy_backend_http_responses_total{proxy=\"turno_nodes\",code=\"5xx\"} %4\n"
        "# TYPE haproxy_backend_retry_warnings_total counter\n"
        "haproxy_backend_retry_warnings_total{proxy=\"turno_nodes\"} %5\n")
                                 .arg(requests).arg(fe2xx).arg(fe5xx).arg(be5xx).arg(retries)
                                 .toUtf8();
    auto r = PromTextParser().parse(text);
    if (!r.ok())
        qFatal("fixture does not parse: %s", qPrintable(r.error()));
    return std::move(r.value());
}

constexpr qint64 kT0 = 1'700'000'000'000;
const QString kFrontend = QStringLiteral("turno");
const QString kBackend = QStringLiteral("turno_nodes");

}  // namespace

class TestBalancerFigures : public QObject {
    Q_OBJECT
private slots:
    void retriedNodeErrorsAreNotTheClientsErrors()
    {
        const MetricsScrape a = exporter(1000, 1000, 0, 0, 3);
        // 2 s later: 2,000 requests, all answered 200 to the clients, though the nodes
        // answered 24 tries 503 (HAProxy retried them, the last time on another node).
        const MetricsScrape b = exporter(3000, 3000, 0, 0, 27);
        const BalancerFigures f = BalancerFigures::between(&a, kT0, b, kT0 + 2000, kFrontend, kBackend);
        QVERIFY(f.hasWindow());
        QCOMPARE(f.requestsPerSecond, 1000.0);
        QCOMPARE(f.backendRetriesPerSecond, 12.0);
        QCOMPARE(f.backend5xxPerSecond, 0.0);
        QCOMPARE(f.frontend5xxPerSecond, 0.0);
        QVERIFY(f.frontendErrorRatio);
        QCOMPARE(*f.frontendErrorRatio, 0.0);
        QCOMPARE(f.frontend5xxTotal, 0.0);
    }

    void clientErrorsAreAShareOfTheFrontendsAnswers()
    {
        const MetricsScrape a = exporter(0, 0, 0, 0);
        const MetricsScrape b = exporter(1000, 980, 20, 18, 60);
        const BalancerFigures f = BalancerFigures::between(&a, kT0, b, kT0 + 1000, kFrontend, kBackend);
        QCOMPARE(f.frontend5xxPerSecond, 20.0);
        QVERIFY(f.frontendErrorRatio);
        QCOMPARE(*f.frontendErrorRatio, 0.02);
        QCOMPARE(f.backend5xxPerSecond, 18.0);
        QCOMPARE(f.backendRetriesPerSecond, 60.0);
        QCOMPARE(f.frontend5xxTotal, 20.0);
    }

    void noAnswerNoRatio()
    {
        const MetricsScrape a = exporter(10, 10, 0, 0);
        const BalancerFigures f = BalancerFigures::between(&a, kT0, a, kT0 + 1000, kFrontend, kBackend);
        QCOMPARE(f.requestsPerSecond, 0.0);
        QVERIFY(!f.frontendErrorRatio);
    }

    void aRestartedHaproxyCountsFromZero()
    {
        const MetricsScrape a = exporter(5000, 4990, 10, 10);
        const MetricsScrape b = exporter(100, 98, 2, 2);
        const BalancerFigures f = BalancerFigures::between(&a, kT0, b, kT0 + 1000, kFrontend, kBackend);
        QCOMPARE(f.requestsPerSecond, 100.0);
        QCOMPARE(f.frontend5xxPerSecond, 2.0);
        QVERIFY(f.frontendErrorRatio);
        QCOMPARE(*f.frontendErrorRatio, 0.02);
    }

    void oneScrapeHasNoWindow()
    {
        const MetricsScrape b = exporter(100, 95, 5, 5);
        const BalancerFigures f = BalancerFigures::between(nullptr, 0, b, kT0, kFrontend, kBackend);
        QVERIFY(!f.hasWindow());
        QVERIFY(std::isnan(f.requestsPerSecond));
        QVERIFY(std::isnan(f.frontend5xxPerSecond));
        QVERIFY(!f.frontendErrorRatio);
        QCOMPARE(f.frontend5xxTotal, 5.0);
        // Another exporter (a remote stats page's names differ): unknown, never zero.
        const BalancerFigures other = BalancerFigures::between(&b, kT0, b, kT0 + 1000, QStringLiteral("fe"), kBackend);
        QVERIFY(std::isnan(other.frontend5xxPerSecond));
        QVERIFY(!other.frontendErrorRatio);
    }
};

QTEST_APPLESS_MAIN(TestBalancerFigures)
#include "test_balancer_figures.moc"
