// LatencyHistogram: percentiles within 1% of the exact ones from a microsecond
// to seconds, bucket arithmetic consistent, merging equal to recording once.
#include "load/latency_histogram.h"

#include <QTest>
#include <algorithm>
#include <cmath>
#include <random>

using turno::LatencyHistogram;

class TestLatencyHistogram : public QObject {
    Q_OBJECT
private slots:
    void bucketsTileTheRange()
    {
        // Every bucket starts where the previous one ended, and indexOf maps
        // both ends of a bucket back to it.
        uint64_t expectedLow = 0;
        for (size_t i = 0; i < LatencyHistogram::bucketCount(); ++i) {
            const uint64_t low = LatencyHistogram::lowestOf(i);
            const uint64_t width = LatencyHistogram::widthOf(i);
            QCOMPARE(low, expectedLow);
            QCOMPARE(LatencyHistogram::indexOf(low), i);
            QCOMPARE(LatencyHistogram::indexOf(low + width - 1), i);
            // Relative width at most 1/128 of the bucket's lower bound.
            if (low >= 128)
                QVERIFY(double(width) / double(low) <= 1.0 / 128 + 1e-12);
            expectedLow = low + width;
        }
        QCOMPARE(expectedLow, LatencyHistogram::kMaxValue + 1);
    }

    void percentilesWithinOnePercent_data()
    {
        QTest::addColumn<double>("lowNs");
        QTest::addColumn<double>("highNs");
        QTest::newRow("1us-10s log-uniform") << 1e3 << 1e10;
        QTest::newRow("50us-200us narrow") << 5e4 << 2e5;
        QTest::newRow("1s-60s long tail") << 1e9 << 6e10;
    }
    void percentilesWithinOnePercent()
    {
        QFETCH(double, lowNs);
        QFETCH(double, highNs);
        std::mt19937_64 rng(12345);
        std::uniform_real_distribution<double> u(std::log(lowNs), std::log(highNs));
        std::vector<uint64_t> values(200000);
        LatencyHistogram h;
        for (uint64_t &v : values) {
            v = uint64_t(std::exp(u(rng)));
            h.record(v);
        }
        std::sort(values.begin(), values.end());
        QCOMPARE(h.count(), uint64_t(values.size()));
        QCOMPARE(h.min(), values.front());
        QCOMPARE(h.max(), values.back());
        for (double p : {1.0, 10.0, 50.0, 90.0, 99.0, 99.9, 99.99, 100.0}) {
            const size_t rank = size_t(std::ceil(p / 100.0 * double(values.size())));
            const double exact = double(values[std::max<size_t>(rank, 1) - 1]);
            const double got = double(h.valueAtPercentile(p));
            const double rel = std::abs(got - exact) / exact;
            QVERIFY2(rel <= 0.01, qPrintable(QStringLiteral("p%1: got %2 want %3 (%4%)").arg(p).arg(got).arg(exact).arg(rel * 100)));
        }
    }

    void smallValuesAreExact()
    {
        LatencyHistogram h;
        for (uint64_t v = 1; v <= 100; ++v)
            h.record(v);
        QCOMPARE(h.valueAtPercentile(50), uint64_t(50));
        QCOMPARE(h.valueAtPercentile(99), uint64_t(99));
        QCOMPARE(h.valueAtPercentile(100), uint64_t(100));
        QCOMPARE(h.mean(), 50.5);
    }

    void hugeValuesAreClamped()
    {
        LatencyHistogram h;
        h.record(UINT64_MAX / 2);
        QCOMPARE(h.count(), uint64_t(1));
        QVERIFY(h.valueAtPercentile(50) <= h.max());
    }

    void mergeEqualsRecordingEverything()
    {
        std::mt19937_64 rng(7);
        LatencyHistogram a, b, all;
        for (int i = 0; i < 10000; ++i) {
            const uint64_t v = rng() % 100'000'000ULL;
            (i % 2 ? a : b).record(v);
            all.record(v);
        }
        a.merge(b);
        QCOMPARE(a.count(), all.count());
        QCOMPARE(a.min(), all.min());
        QCOMPARE(a.max(), all.max());
        for (double p : {50.0, 90.0, 99.0, 99.9})
            QCOMPARE(a.valueAtPercentile(p), all.valueAtPercentile(p));
        a.reset();
        QCOMPARE(a.count(), uint64_t(0));
        QCOMPARE(a.valueAtPercentile(50), uint64_t(0));
    }
};

QTEST_GUILESS_MAIN(TestLatencyHistogram)
#include "test_latency_histogram.moc"
