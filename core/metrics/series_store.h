// SeriesStore: the one owner of sample history. Per series, a 1 s ring for the
// last 15 min and a 10 s min/avg/max ring for the last 6 h, in fixed memory.
#pragma once

#include "metrics/series_source.h"

#include <QHash>
#include <QList>
#include <QObject>
#include <QString>
#include <array>
#include <memory>
#include <optional>
#include <vector>

namespace turno {

class SeriesStore : public QObject, public SeriesSource {
    Q_OBJECT
public:
    static constexpr int kFineSlots = 15 * 60;           // 1 s each
    static constexpr int kCoarseSlots = 6 * 60 * 60 / 10; // 10 s each
    static constexpr qint64 kFineStepMs = 1000;
    static constexpr qint64 kCoarseStepMs = 10000;

    struct Point {
        qint64 timestampMs = 0;  // start of the 1 s slot
        double value = 0;
    };
    using Band = SeriesBand;

    explicit SeriesStore(QObject *parent = nullptr);
    ~SeriesStore() override;

    // The id of the series called key, created empty the first time.
    int series(const QString &key);
    std::optional<int> find(const QString &key) const;
    QString key(int id) const;
    int seriesCount() const { return int(m_series.size()); }

    // O(1) amortised: a gap clears at most one ring's worth of slots. A sample
    // older than the series' last second is refused (returns false); a second
    // sample in the same second replaces the first in the 1 s ring.
    bool append(int id, qint64 timestampMs, double value);

    // The last sample exactly as appended (double, and its timestamp to the
    // millisecond): what alert rules compare and count their `for` from.
    std::optional<Point> last(int id) const;
    // 1 s points in [fromMs, toMs] still held (the last 15 min); empty seconds skipped.
    QList<Point> fine(int id, qint64 fromMs, qint64 toMs) const;
    // 10 s bands in [fromMs, toMs] still held (the last 6 h); empty slots skipped.
    QList<Band> coarse(int id, qint64 fromMs, qint64 toMs) const;
    // What a chart asks for: 1 s points when the whole range is still in the
    // fine ring, 10 s bands otherwise.
    QList<Band> range(int id, qint64 fromMs, qint64 toMs) const;
    // range() of the series called key (SeriesSource).
    QList<SeriesBand> bands(const QString &key, qint64 fromMs, qint64 toMs) const override;

    // Bytes held by the rings and bookkeeping (not Qt's own overhead).
    static qint64 bytesPerSeries();
    qint64 memoryBytes() const;

signals:
    void sampleAppended(int series, qint64 timestampMs, double value);

private:
    // The rings hold float (24-bit mantissa, relative error under 6e-8, far
    // below a chart's pixel) with implicit timestamps (slot = time / step):
    // 29.5 KB per series, so 50 nodes x 40 series fit in 64 MB with room to
    // spare. Exact doubles are kept where arithmetic happens: the last sample
    // (alert rules) and the open 10 s bucket's running min/sum/max.
    struct Coarse {
        float min;
        float avg;
        float max;
    };
    struct Series {
        QString key;
        std::array<float, kFineSlots> fine;
        std::array<Coarse, kCoarseSlots> coarse;
        qint64 lastSecond = 0;
        qint64 lastBucket = 0;
        bool empty = true;
        // The 10 s bucket being filled.
        double bucketMin = 0;
        double bucketMax = 0;
        double bucketSum = 0;
        int bucketCount = 0;
        double lastValue = 0;
        qint64 lastTimestampMs = 0;
    };

    std::vector<std::unique_ptr<Series>> m_series;
    QHash<QString, int> m_index;
};

}  // namespace turno
