#include "metrics/series_store.h"

#include <algorithm>
#include <cmath>
#include <limits>

namespace turno {

namespace {

constexpr float kNaNf = std::numeric_limits<float>::quiet_NaN();

qint64 floorDiv(qint64 a, qint64 b)
{
    qint64 q = a / b;
    if ((a % b != 0) && ((a < 0) != (b < 0)))
        --q;
    return q;
}

qint64 mod(qint64 a, qint64 b)
{
    const qint64 m = a % b;
    return m < 0 ? m + b : m;
}

}  // namespace

SeriesStore::SeriesStore(QObject *parent) : QObject(parent) {}

SeriesStore::~SeriesStore() = default;

int SeriesStore::series(const QString &key)
{
    const auto it = m_index.constFind(key);
    if (it != m_index.constEnd())
        return *it;
    auto s = std::make_unique<Series>();
    s->key = key;
    s->fine.fill(kNaNf);
    s->coarse.fill(Coarse{kNaNf, kNaNf, kNaNf});
    const int id = int(m_series.size());
    m_series.push_back(std::move(s));
    m_index.insert(key, id);
    return id;
}

std::optional<int> SeriesStore::find(const QString &key) const
{
    const auto it = m_index.constFind(key);
    if (it == m_index.constEnd())
        return std::nullopt;
    return *it;
}

QString SeriesStore::key(int id) const
{
    if (id < 0 || id >= int(m_series.size()))
        return {};
    return m_series[size_t(id)]->key;
}

bool SeriesStore::append(int id, qint64 timestampMs, double value)
{
    if (id < 0 || id >= int(m_series.size()))
        return false;
    Series &s = *m_series[size_t(id)];
    const qint64 second = floorDiv(timestampMs, kFineStepMs);
    const qint64 bucket = floorDiv(timestampMs, kCoarseStepMs);
    if (!s.empty && second < s.lastSecond)
        return false;

    if (s.empty || second > s.lastSecond) {
        // Seconds skipped since the last sample hold nothing.
        const qint64 from = s.empty ? second : std::max(s.lastSecond + 1, second - kFineSlots + 1);
        for (qint64 t = from; t < second; ++t)
            s.fine[size_t(mod(t, kFineSlots))] = kNaNf;
        s.lastSecond = second;
    }
    s.fine[size_t(mod(second, kFineSlots))] = float(value);

    if (s.empty || bucket > s.lastBucket) {
        const qint64 from = s.empty ? bucket : std::max(s.lastBucket + 1, bucket - kCoarseSlots + 1);
        for (qint64 b = from; b < bucket; ++b)
            s.coarse[size_t(mod(b, kCoarseSlots))] = Coarse{kNaNf, kNaNf, kNaNf};
        s.lastBucket = bucket;
        s.bucketMin = value;
        s.bucketMax = value;
        s.bucketSum = 0;
        s.bucketCount = 0;
    }
    s.bucketMin = std::min(s.bucketMin, value);
    s.bucketMax = std::max(s.bucketMax, value);
    s.bucketSum += value;
    ++s.bucketCount;
    // The open bucket is kept current so charts see it before it closes.
    s.coarse[size_t(mod(bucket, kCoarseSlots))] =
        Coarse{float(s.bucketMin), float(s.bucketSum / s.bucketCount), float(s.bucketMax)};
    s.empty = false;
    s.lastValue = value;
    s.lastTimestampMs = timestampMs;
    emit sampleAppended(id, timestampMs, value);
    return true;
}

std::optional<SeriesStore::Point> SeriesStore::last(int id) const
{
    if (id < 0 || id >= int(m_series.size()) || m_series[size_t(id)]->empty)
        return std::nullopt;
    const Series &s = *m_series[size_t(id)];
    return Point{s.lastTimestampMs, s.lastValue};
}

QList<SeriesStore::Point> SeriesStore::fine(int id, qint64 fromMs, qint64 toMs) const
{
    QList<Point> out;
    if (id < 0 || id >= int(m_series.size()) || m_series[size_t(id)]->empty)
        return out;
    const Series &s = *m_series[size_t(id)];
    const qint64 first = std::max(floorDiv(fromMs + kFineStepMs - 1, kFineStepMs), s.lastSecond - kFineSlots + 1);
    const qint64 lastSec = std::min(floorDiv(toMs, kFineStepMs), s.lastSecond);
    for (qint64 t = first; t <= lastSec; ++t) {
        const float v = s.fine[size_t(mod(t, kFineSlots))];
        if (!std::isnan(v))
            out.append(Point{t * kFineStepMs, double(v)});
    }
    return out;
}

QList<SeriesStore::Band> SeriesStore::coarse(int id, qint64 fromMs, qint64 toMs) const
{
    QList<Band> out;
    if (id < 0 || id >= int(m_series.size()) || m_series[size_t(id)]->empty)
        return out;
    const Series &s = *m_series[size_t(id)];
    const qint64 first = std::max(floorDiv(fromMs, kCoarseStepMs), s.lastBucket - kCoarseSlots + 1);
    const qint64 lastB = std::min(floorDiv(toMs, kCoarseStepMs), s.lastBucket);
    for (qint64 b = first; b <= lastB; ++b) {
        const Coarse &c = s.coarse[size_t(mod(b, kCoarseSlots))];
        if (!std::isnan(c.avg))
            out.append(Band{b * kCoarseStepMs, c.min, c.avg, c.max});
    }
    return out;
}

QList<SeriesStore::Band> SeriesStore::range(int id, qint64 fromMs, qint64 toMs) const
{
    if (id < 0 || id >= int(m_series.size()) || m_series[size_t(id)]->empty)
        return {};
    const Series &s = *m_series[size_t(id)];
    const qint64 fineStartMs = (s.lastSecond - kFineSlots + 1) * kFineStepMs;
    if (fromMs < fineStartMs)
        return coarse(id, fromMs, toMs);
    QList<Band> out;
    for (const Point &p : fine(id, fromMs, toMs))
        out.append(Band{p.timestampMs, p.value, p.value, p.value});
    return out;
}

QList<SeriesBand> SeriesStore::bands(const QString &key, qint64 fromMs, qint64 toMs) const
{
    const std::optional<int> id = find(key);
    return id ? range(*id, fromMs, toMs) : QList<SeriesBand>{};
}

qint64 SeriesStore::bytesPerSeries()
{
    return qint64(sizeof(Series)) + qint64(sizeof(std::unique_ptr<Series>));
}

qint64 SeriesStore::memoryBytes() const
{
    qint64 total = 0;
    for (const auto &s : m_series)
        total += bytesPerSeries() + s->key.capacity() * 2;
    return total;
}

}  // namespace turno
