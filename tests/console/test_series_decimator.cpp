// SeriesDecimator: at most two points per pixel column, spikes kept, time
// order kept, x relative to the end of the window.
#include "metrics/series_decimator.h"

#include <QTest>
#include <algorithm>

using turno::SeriesDecimator;
using turno::SeriesStore;

namespace {

QList<SeriesStore::Band> flat(qint64 fromMs, int seconds, double (*f)(int))
{
    QList<SeriesStore::Band> out;
    for (int i = 0; i < seconds; ++i) {
        const double v = f(i);
        out.append({fromMs + i * 1000, v, v, v});
    }
    return out;
}

}  // namespace

class TestSeriesDecimator : public QObject {
    Q_OBJECT
private slots:
    void fewPointsAreKeptAsTheyAre()
    {
        const qint64 to = 1'000'000;
        const auto bands = flat(to - 10'000, 10, [](int i) { return double(i * i); });
        const QList<QPointF> pts = SeriesDecimator::decimate(bands, to - 60'000, to, 300);
        QCOMPARE(pts.size(), 10);
        QCOMPARE(pts.first(), QPointF(-10.0, 0.0));
        QCOMPARE(pts.last(), QPointF(-1.0, 81.0));
    }

    void manyPointsAreBoundedAndSpikesSurvive()
    {
        const qint64 to = 10'000'000;
        // 900 s of a flat 10 with one 1 s spike to 500 and one dip to -3.
        auto bands = flat(to - 900'000, 900, [](int) { return 10.0; });
        bands[437] = {bands[437].timestampMs, 500, 500, 500};
        bands[801] = {bands[801].timestampMs, -3, -3, -3};
        const int columns = 200;
        const QList<QPointF> pts = SeriesDecimator::decimate(bands, to - 900'000, to, columns);
        QVERIFY2(pts.size() <= 2 * columns, qPrintable(QString::number(pts.size())));
        QVERIFY(pts.size() >= columns / 2);
        const auto [lo, hi] = std::minmax_element(pts.cbegin(), pts.cend(),
                                                  [](const QPointF &a, const QPointF &b) { return a.y() < b.y(); });
        QCOMPARE(hi->y(), 500.0);
        QCOMPARE(hi->x(), -(900.0 - 437.0));
        QCOMPARE(lo->y(), -3.0);
        for (int i = 1; i < pts.size(); ++i)
            QVERIFY2(pts[i - 1].x() <= pts[i].x(), "points must stay in time order");
        QVERIFY(pts.first().x() >= -900.0);
        QVERIFY(pts.last().x() <= 0.0);
    }

    void coarseBandsContributeMinAndMax()
    {
        const qint64 to = 100'000'000;
        QList<SeriesStore::Band> bands;
        for (int i = 0; i < 360; ++i)
            bands.append({to - 3'600'000 + i * 10'000, 1.0, 5.0, i == 200 ? 99.0 : 9.0});
        const QList<QPointF> pts = SeriesDecimator::decimate(bands, to - 3'600'000, to, 1000);
        double hi = 0, lo = 1e9;
        for (const QPointF &p : pts) {
            hi = std::max(hi, p.y());
            lo = std::min(lo, p.y());
        }
        QCOMPARE(hi, 99.0);
        QCOMPARE(lo, 1.0);
    }

    void pointsOutsideTheWindowAreDropped()
    {
        const qint64 to = 1'000'000;
        const auto bands = flat(to - 120'000, 120, [](int i) { return double(i); });
        const QList<QPointF> pts = SeriesDecimator::decimate(bands, to - 60'000, to, 600);
        QCOMPARE(pts.size(), 60);
        QCOMPARE(pts.first().x(), -60.0);
        QVERIFY(SeriesDecimator::decimate(bands, to, to, 100).isEmpty());
        QVERIFY(SeriesDecimator::decimate(bands, to - 60'000, to, 0).isEmpty());
    }
};

QTEST_GUILESS_MAIN(TestSeriesDecimator)
#include "test_series_decimator.moc"
