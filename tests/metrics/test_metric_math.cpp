// MetricMath: rate/increase and histogram_quantile worked through Prometheus's
// algorithms by hand (see the comment on each row), CPU % and error ratio.
#include "metrics/metric_math.h"
#include "metrics/prom_text_parser.h"

#include <QTest>
#include <cmath>
#include <limits>

using turno::MetricMath;
using Points = QList<MetricMath::Point>;
using Buckets = QList<MetricMath::Bucket>;

Q_DECLARE_METATYPE(MetricMath::Point)
Q_DECLARE_METATYPE(MetricMath::Bucket)

namespace {

Points pts(std::initializer_list<std::pair<double, double>> secondsAndValues)
{
    Points p;
    for (const auto &[s, v] : secondsAndValues)
        p.append(MetricMath::Point{qint64(s * 1000), v});
    return p;
}

turno::MetricsScrape scrape(const char *text)
{
    auto r = turno::PromTextParser().parse(std::string_view(text));
    if (!r)
        qFatal("%s", qPrintable(r.error()));
    return std::move(r).value();
}

constexpr double kInf = std::numeric_limits<double>::infinity();

}  // namespace

class TestMetricMath : public QObject {
    Q_OBJECT
private slots:
    void rate_data();
    void rate();
    void histogramQuantile_data();
    void histogramQuantile();
    void histogramBucketsFromScrape();
    void cpuPercent();
    void errorRatio();
};

void TestMetricMath::rate_data()
{
    QTest::addColumn<Points>("points");
    QTest::addColumn<int>("evalSeconds");
    QTest::addColumn<int>("rangeSeconds");
    QTest::addColumn<double>("rate");      // NaN: no result
    QTest::addColumn<double>("increase");
    const double none = std::nan("");
    // 7 points on the range edges: no extrapolation. 60 / 60 s.
    QTest::newRow("aligned") << pts({{0, 0}, {10, 10}, {20, 20}, {30, 30}, {40, 40}, {50, 50}, {60, 60}}) << 60 << 60 << 1.0 << 60.0;
    // Range [5,65]: points 10..60, 5 s gaps at each end (< 1.1 x 10 s) are
    // extrapolated: 50 x 60/50 = 60.
    QTest::newRow("extrapolated both ends")
        << pts({{0, 0}, {10, 10}, {20, 20}, {30, 30}, {40, 40}, {50, 50}, {60, 60}}) << 65 << 60 << 1.0 << 60.0;
    // Reset 10 -> 2 adds 10: increase 1 + 10 = 11 over [0,30].
    QTest::newRow("counter reset") << pts({{0, 5}, {10, 10}, {20, 2}, {30, 6}}) << 30 << 30 << 11.0 / 30 << 11.0;
    // Reset to zero: 50 + 100 = 150.
    QTest::newRow("reset to zero") << pts({{0, 0}, {10, 100}, {20, 0}, {30, 50}}) << 30 << 30 << 5.0 << 150.0;
    // Range [0,60], points 30..50: start gap 30 s is cut to the zero point
    // 20 x 3/20 = 3 s; end gap 10 s < 11 s: 20 x (20+3+10)/20 = 33.
    QTest::newRow("extrapolation stops at zero") << pts({{30, 3}, {40, 13}, {50, 23}}) << 60 << 60 << 0.55 << 33.0;
    // Gaps of 25 s > 1.1 x 10 s: extend half an interval each side: 10 x 20/10 = 20.
    QTest::newRow("far from boundaries") << pts({{25, 100}, {35, 110}}) << 60 << 60 << 20.0 / 60 << 20.0;
    // Prometheus 2.x includes a sample exactly at the range start.
    QTest::newRow("start inclusive") << pts({{0, 0}, {60, 60}}) << 60 << 60 << 1.0 << 60.0;
    QTest::newRow("one point") << pts({{30, 5}}) << 60 << 60 << none << none;
    QTest::newRow("outside range") << pts({{0, 5}, {10, 6}}) << 100 << 60 << none << none;
    QTest::newRow("flat") << pts({{0, 7}, {30, 7}, {60, 7}}) << 60 << 60 << 0.0 << 0.0;
}

void TestMetricMath::rate()
{
    QFETCH(Points, points);
    QFETCH(int, evalSeconds);
    QFETCH(int, rangeSeconds);
    QFETCH(double, rate);
    QFETCH(double, increase);
    const std::span<const MetricMath::Point> s(points.constData(), size_t(points.size()));
    const auto r = MetricMath::rate(s, evalSeconds * 1000LL, rangeSeconds * 1000LL);
    const auto i = MetricMath::increase(s, evalSeconds * 1000LL, rangeSeconds * 1000LL);
    if (std::isnan(rate)) {
        QVERIFY(!r.has_value());
        QVERIFY(!i.has_value());
        return;
    }
    QVERIFY(r.has_value() && i.has_value());
    QVERIFY2(std::abs(*r - rate) < 1e-12, qPrintable(QString::number(*r, 'g', 17)));
    QVERIFY2(std::abs(*i - increase) < 1e-9, qPrintable(QString::number(*i, 'g', 17)));
}

void TestMetricMath::histogramQuantile_data()
{
    QTest::addColumn<double>("q");
    QTest::addColumn<Buckets>("buckets");
    QTest::addColumn<double>("expected");
    const Buckets b{{0.1, 10}, {0.5, 20}, {1, 30}, {kInf, 40}};
    const double nan = std::nan("");
    // rank 20 falls in (0.1,0.5] which holds 10: 0.1 + 0.4 x 10/10.
    QTest::newRow("median") << 0.5 << b << 0.5;
    // rank 10 in the first bucket, interpolated from 0.
    QTest::newRow("first bucket") << 0.25 << b << 0.1;
    // rank 24 in (0.5,1]: 0.5 + 0.5 x 4/10.
    QTest::newRow("interpolated") << 0.6 << b << 0.7;
    // rank 36 lands in +Inf: the highest finite bound.
    QTest::newRow("+Inf bucket") << 0.9 << b << 1.0;
    QTest::newRow("q=0") << 0.0 << b << 0.0;
    QTest::newRow("q<0") << -0.1 << b << -kInf;
    QTest::newRow("q>1") << 1.1 << b << kInf;
    QTest::newRow("q NaN") << nan << b << nan;
    QTest::newRow("unsorted") << 0.5 << Buckets{{1, 30}, {kInf, 40}, {0.1, 10}, {0.5, 20}} << 0.5;
    // 8 < 10 is forced up to 10; rank 20 in (0.5,1] holding 20: 0.5 + 0.5 x 10/20.
    QTest::newRow("monotonicity fix") << 0.5 << Buckets{{0.1, 10}, {0.5, 8}, {1, 30}, {kInf, 40}} << 0.75;
    QTest::newRow("duplicate bounds merged") << 0.5 << Buckets{{0.1, 5}, {0.1, 5}, {0.5, 20}, {1, 30}, {kInf, 40}} << 0.5;
    QTest::newRow("no +Inf") << 0.5 << Buckets{{0.1, 10}, {0.5, 20}} << nan;
    QTest::newRow("only +Inf") << 0.5 << Buckets{{kInf, 10}} << nan;
    QTest::newRow("no observations") << 0.5 << Buckets{{0.1, 0}, {kInf, 0}} << nan;
    QTest::newRow("empty") << 0.5 << Buckets{} << nan;
    // First bucket's bound <= 0: answered with the bound itself.
    QTest::newRow("negative first bound") << 0.1 << Buckets{{-1, 10}, {0, 20}, {kInf, 40}} << -1.0;
}

void TestMetricMath::histogramQuantile()
{
    QFETCH(double, q);
    QFETCH(Buckets, buckets);
    QFETCH(double, expected);
    const double got = MetricMath::histogramQuantile(q, std::vector<MetricMath::Bucket>(buckets.begin(), buckets.end()));
    if (std::isnan(expected))
        QVERIFY2(std::isnan(got), qPrintable(QString::number(got)));
    else if (std::isinf(expected))
        QCOMPARE(got, expected);
    else
        QVERIFY2(std::abs(got - expected) < 1e-12, qPrintable(QString::number(got, 'g', 17)));
}

void TestMetricMath::histogramBucketsFromScrape()
{
    const auto s = scrape("# TYPE d histogram\n"
                          "d_bucket{h=\"a\",le=\"0.1\"} 1\nd_bucket{h=\"a\",le=\"1\"} 3\nd_bucket{h=\"a\",le=\"+Inf\"} 4\n"
                          "d_bucket{h=\"b\",le=\"0.1\"} 9\nd_bucket{h=\"b\",le=\"1\"} 9\nd_bucket{h=\"b\",le=\"+Inf\"} 9\n");
    const auto a = MetricMath::histogramBuckets(s, "d", {{"h", "a"}});
    QCOMPARE(a.size(), size_t(3));
    // rank 2 in (0.1,1] holding 2: 0.1 + 0.9 x 1/2.
    QCOMPARE(MetricMath::histogramQuantile(0.5, a), 0.55);
    QCOMPARE(MetricMath::histogramBuckets(s, "d").size(), size_t(6));
}

void TestMetricMath::cpuPercent()
{
    QCOMPARE(*MetricMath::cpuPercent({0, 10.0}, {2000, 11.0}), 50.0);
    // Process restarted: its counter starts again from 0.
    QCOMPARE(*MetricMath::cpuPercent({0, 10.0}, {1000, 0.5}), 50.0);
    QVERIFY(!MetricMath::cpuPercent({1000, 1.0}, {1000, 2.0}).has_value());
    const auto a = scrape("process_cpu_seconds_total 4.25\n");
    const auto b = scrape("process_cpu_seconds_total 4.75\n");
    QCOMPARE(*MetricMath::cpuPercent(a, 10000, b, 12000), 25.0);
    QVERIFY(!MetricMath::cpuPercent(a, 10000, scrape("other 1\n"), 12000).has_value());
}

void TestMetricMath::errorRatio()
{
    const auto before = scrape("req_total{code=\"200\"} 90\nreq_total{code=\"500\"} 10\n");
    const auto after = scrape("req_total{code=\"200\"} 180\nreq_total{code=\"500\"} 20\nreq_total{code=\"503\"} 5\n");
    // increases 90, 10, 5 (new series counts from 0): 15 / 105.
    QVERIFY(qAbs(*MetricMath::errorRatio(before, after, "req_total") - 15.0 / 105) < 1e-12);
    // The 500 series reset to 2: its increase is 2.
    const auto reset = scrape("req_total{code=\"200\"} 98\nreq_total{code=\"500\"} 2\n");
    QVERIFY(qAbs(*MetricMath::errorRatio(before, reset, "req_total") - 2.0 / 10) < 1e-12);
    QVERIFY(!MetricMath::errorRatio(before, before, "req_total").has_value());
    const auto st1 = scrape("http_total{status=\"2xx\"} 1\nhttp_total{status=\"5xx\"} 1\n");
    const auto st2 = scrape("http_total{status=\"2xx\"} 4\nhttp_total{status=\"5xx\"} 2\n");
    QVERIFY(qAbs(*MetricMath::errorRatio(st1, st2, "http_total") - 0.25) < 1e-12);
    QVERIFY(!MetricMath::errorRatio(st1, st2, "http_total", "code").has_value());
    const auto p1 = scrape("r_total{proxy=\"fe\",code=\"2xx\"} 1\nr_total{proxy=\"fe\",code=\"5xx\"} 0\nr_total{proxy=\"st\",code=\"2xx\"} 0\n");
    const auto p2 = scrape("r_total{proxy=\"fe\",code=\"2xx\"} 2\nr_total{proxy=\"fe\",code=\"5xx\"} 3\nr_total{proxy=\"st\",code=\"2xx\"} 100\n");
    QVERIFY(qAbs(*MetricMath::errorRatio(p1, p2, "r_total", "code", {{"proxy", "fe"}}) - 0.75) < 1e-12);
    QVERIFY(qAbs(*MetricMath::errorRatio(p1, p2, "r_total", "code") - 3.0 / 104) < 1e-12);
}

QTEST_GUILESS_MAIN(TestMetricMath)
#include "test_metric_math.moc"
