// SeriesStore: ring placement, gaps, wrap-around, 10 s bands, ordering rules,
// signals and the memory figure for 50 nodes x 40 series.
#include "metrics/series_store.h"

#include <QSignalSpy>
#include <QTest>
#include <cmath>
#include <malloc.h>

using turno::SeriesStore;

namespace {
constexpr qint64 kT0 = 1'700'000'000'000;  // a whole 10 s boundary
#if defined(__SANITIZE_ADDRESS__)
constexpr bool kUnderAsan = true;
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
constexpr bool kUnderAsan = true;
#else
constexpr bool kUnderAsan = false;
#endif
#else
constexpr bool kUnderAsan = false;
#endif
}  // namespace

class TestSeriesStore : public QObject {
    Q_OBJECT
private slots:
    void idsAreStable();
    void fineRangeAndGaps();
    void fineRingKeepsFifteenMinutes();
    void coarseBandsMinAvgMax();
    void coarseRingKeepsSixHours();
    void rangePicksResolution();
    void outOfOrderRefused();
    void signalPerSample();
    void floatRingsKeepChartPrecision();
    void memoryFor50NodesX40Series();
};

void TestSeriesStore::idsAreStable()
{
    SeriesStore store;
    const int a = store.series(QStringLiteral("n1/up"));
    const int b = store.series(QStringLiteral("n2/up"));
    QVERIFY(a != b);
    QCOMPARE(store.series(QStringLiteral("n1/up")), a);
    QCOMPARE(*store.find(QStringLiteral("n2/up")), b);
    QVERIFY(!store.find(QStringLiteral("nope")).has_value());
    QCOMPARE(store.key(b), QStringLiteral("n2/up"));
    QCOMPARE(store.seriesCount(), 2);
    QVERIFY(!store.last(a).has_value());
    QVERIFY(!store.append(99, kT0, 1));
}

void TestSeriesStore::fineRangeAndGaps()
{
    SeriesStore store;
    const int id = store.series(QStringLiteral("s"));
    for (int i = 0; i < 10; ++i) {
        if (i == 4 || i == 5)
            continue;  // a scrape missed two seconds
        QVERIFY(store.append(id, kT0 + i * 1000 + 250, i * 1.5));
    }
    const auto pts = store.fine(id, kT0, kT0 + 60'000);
    QCOMPARE(pts.size(), 8);
    QCOMPARE(pts.first().timestampMs, kT0);
    QCOMPARE(pts.first().value, 0.0);
    QCOMPARE(pts[4].timestampMs, kT0 + 6000);
    QCOMPARE(pts[4].value, 9.0);
    QCOMPARE(store.last(id)->value, 13.5);
    const auto sub = store.fine(id, kT0 + 2000, kT0 + 3000);
    QCOMPARE(sub.size(), 2);
    QCOMPARE(sub[1].value, 4.5);
}

void TestSeriesStore::fineRingKeepsFifteenMinutes()
{
    SeriesStore store;
    const int id = store.series(QStringLiteral("s"));
    const int total = SeriesStore::kFineSlots + 100;
    for (int i = 0; i < total; ++i)
        QVERIFY(store.append(id, kT0 + i * 1000LL, i));
    const auto pts = store.fine(id, kT0, kT0 + total * 1000LL);
    QCOMPARE(pts.size(), SeriesStore::kFineSlots);
    QCOMPARE(pts.first().value, 100.0);
    QCOMPARE(pts.last().value, double(total - 1));
    for (int i = 1; i < pts.size(); ++i)
        QCOMPARE(pts[i].timestampMs - pts[i - 1].timestampMs, qint64(1000));
    // A jump longer than the ring leaves only the new sample.
    QVERIFY(store.append(id, kT0 + (total + 5000) * 1000LL, -1));
    QCOMPARE(store.fine(id, kT0, kT0 + (total + 6000) * 1000LL).size(), 1);
}

void TestSeriesStore::coarseBandsMinAvgMax()
{
    SeriesStore store;
    const int id = store.series(QStringLiteral("s"));
    // First 10 s: 1..10; second 10 s: only 5 and 7.
    for (int i = 0; i < 10; ++i)
        store.append(id, kT0 + i * 1000LL, i + 1);
    store.append(id, kT0 + 12'000, 5);
    store.append(id, kT0 + 17'000, 7);
    const auto bands = store.coarse(id, kT0, kT0 + 30'000);
    QCOMPARE(bands.size(), 2);
    QCOMPARE(bands[0].timestampMs, kT0);
    QCOMPARE(bands[0].min, 1.0);
    QCOMPARE(bands[0].max, 10.0);
    QCOMPARE(bands[0].avg, 5.5);
    QCOMPARE(bands[1].timestampMs, kT0 + 10'000);
    QCOMPARE(bands[1].min, 5.0);
    QCOMPARE(bands[1].max, 7.0);
    QCOMPARE(bands[1].avg, 6.0);
}

void TestSeriesStore::coarseRingKeepsSixHours()
{
    SeriesStore store;
    const int id = store.series(QStringLiteral("s"));
    const qint64 sixHours = 6 * 3600 * 1000LL;
    // One sample per 10 s for 7 h.
    for (qint64 t = 0; t < sixHours + 3600'000; t += 10'000)
        QVERIFY(store.append(id, kT0 + t, double(t / 10'000)));
    const auto bands = store.coarse(id, kT0, kT0 + sixHours * 2);
    QCOMPARE(bands.size(), SeriesStore::kCoarseSlots);
    QCOMPARE(bands.first().timestampMs, kT0 + 3600'000);
    QCOMPARE(bands.last().timestampMs, kT0 + sixHours + 3600'000 - 10'000);
}

void TestSeriesStore::rangePicksResolution()
{
    SeriesStore store;
    const int id = store.series(QStringLiteral("s"));
    for (int i = 0; i < 3600; ++i)
        store.append(id, kT0 + i * 1000LL, i);
    const qint64 now = kT0 + 3599'000;
    // Last 5 minutes: 1 s points.
    const auto recent = store.range(id, now - 299'000, now);
    QCOMPARE(recent.size(), 300);
    QCOMPARE(recent.first().min, recent.first().max);
    // Last hour: 10 s bands.
    const auto hour = store.range(id, now - 3599'000, now);
    QCOMPARE(hour.size(), 360);
    QCOMPARE(hour.first().min, 0.0);
    QCOMPARE(hour.first().max, 9.0);
}

void TestSeriesStore::outOfOrderRefused()
{
    SeriesStore store;
    const int id = store.series(QStringLiteral("s"));
    QVERIFY(store.append(id, kT0 + 5000, 1));
    QVERIFY(!store.append(id, kT0 + 4000, 2));
    // Same second: the later sample replaces the earlier in the 1 s ring.
    QVERIFY(store.append(id, kT0 + 5500, 3));
    const auto pts = store.fine(id, kT0, kT0 + 10'000);
    QCOMPARE(pts.size(), 1);
    QCOMPARE(pts[0].value, 3.0);
}

void TestSeriesStore::signalPerSample()
{
    SeriesStore store;
    QSignalSpy spy(&store, &SeriesStore::sampleAppended);
    const int id = store.series(QStringLiteral("s"));
    store.append(id, kT0, 1.5);
    store.append(id, kT0 - 5000, 2.5);  // refused: no signal
    QCOMPARE(spy.count(), 1);
    QCOMPARE(spy[0][0].toInt(), id);
    QCOMPARE(spy[0][1].toLongLong(), kT0);
    QCOMPARE(spy[0][2].toDouble(), 1.5);
}

void TestSeriesStore::floatRingsKeepChartPrecision()
{
    // The rings hold float: values the console charts (req/s, seconds, bytes,
    // replication offsets past 2^32) keep 7 significant digits, and the last
    // sample, which alert rules compare against thresholds, stays exact.
    SeriesStore store;
    const int id = store.series(QStringLiteral("redis_replication_offset"));
    const double values[] = {0.000123456, 0.25, 148'312.75, 6.02e9 + 1, 123'456'789'012.0};
    for (int i = 0; i < 5; ++i)
        QVERIFY(store.append(id, kT0 + i * 1000, values[i]));
    const auto pts = store.fine(id, kT0, kT0 + 10'000);
    QCOMPARE(pts.size(), 5);
    for (int i = 0; i < 5; ++i)
        QVERIFY2(std::abs(pts[i].value - values[i]) <= std::abs(values[i]) * 6e-8,
                 qPrintable(QStringLiteral("%1 read back as %2").arg(values[i], 0, 'g', 17).arg(pts[i].value, 0, 'g', 17)));
    QCOMPARE(store.last(id)->value, 123'456'789'012.0);
    const auto bands = store.coarse(id, kT0, kT0 + 10'000);
    QCOMPARE(bands.size(), 1);
    QVERIFY(std::abs(bands[0].max - 123'456'789'012.0) <= 123'456'789'012.0 * 6e-8);
    QVERIFY(std::abs(bands[0].min - 0.000123456) <= 0.000123456 * 6e-8);
}

void TestSeriesStore::memoryFor50NodesX40Series()
{
    // The rings are allocated up front, so the figure after one sample is the
    // figure at 6 h too. Heap bytes (glibc's count, with allocator overhead,
    // the index and the keys) are printed besides the store's own figure.
    constexpr bool kHeapCounted = !kUnderAsan;  // ASan's allocator keeps its own books
    const size_t heapBefore = mallinfo2().uordblks;
    qint64 bytes = 0;
    size_t heap = 0;
    {
        SeriesStore store;
        for (int node = 0; node < 50; ++node) {
            for (int s = 0; s < 40; ++s)
                store.append(store.series(QStringLiteral("node%1/series%2").arg(node).arg(s)), kT0, 1);
        }
        bytes = store.memoryBytes();
        heap = mallinfo2().uordblks - heapBefore;
        qInfo("series store: %d series hold %lld bytes (%.1f MB, %.1f MiB), %lld bytes per series; heap %s %.1f MB",
              store.seriesCount(), bytes, double(bytes) / 1e6, double(bytes) / (1024.0 * 1024.0),
              SeriesStore::bytesPerSeries(), kHeapCounted ? "grew by" : "not counted under ASan",
              kHeapCounted ? double(heap) / 1e6 : 0.0);
    }
    QVERIFY(SeriesStore::bytesPerSeries() >= qint64(SeriesStore::kFineSlots * 4 + SeriesStore::kCoarseSlots * 12));
    // Target: 64 MB (decimal, the stricter reading) for 2000 series.
    QVERIFY(bytes <= 64'000'000);
    if (kHeapCounted)
        QVERIFY(heap <= 64'000'000);
}

QTEST_GUILESS_MAIN(TestSeriesStore)
#include "test_series_store.moc"
