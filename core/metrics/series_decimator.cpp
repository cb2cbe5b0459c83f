#include "metrics/series_decimator.h"

#include <algorithm>

namespace turno {

QList<QPointF> SeriesDecimator::decimate(const QList<SeriesStore::Band> &bands, qint64 fromMs, qint64 toMs,
                                         int columns)
{
    QList<QPointF> out;
    if (toMs <= fromMs || columns <= 0)
        return out;
    auto x = [toMs](qint64 ms) { return double(ms - toMs) / 1000.0; };
    const bool flat = std::all_of(bands.cbegin(), bands.cend(), [](const SeriesStore::Band &b) { return b.min == b.max; });
    if (bands.size() <= columns && flat) {
        out.reserve(bands.size());
        for (const SeriesStore::Band &b : bands)
            if (b.timestampMs >= fromMs && b.timestampMs <= toMs)
                out.append(QPointF(x(b.timestampMs), b.avg));
        return out;
    }
    const double span = double(toMs - fromMs);
    out.reserve(2 * columns);
    int column = -1;
    double lo = 0, hi = 0;
    qint64 loMs = 0, hiMs = 0;
    auto flush = [&] {
        if (column < 0)
            return;
        // Keep the time order inside the column, so the line goes through both extremes.
        if (loMs == hiMs && lo == hi) {
            out.append(QPointF(x(loMs), lo));
        } else if (loMs <= hiMs) {
            out.append(QPointF(x(loMs), lo));
            out.append(QPointF(x(hiMs), hi));
        } else {
            out.append(QPointF(x(hiMs), hi));
            out.append(QPointF(x(loMs), lo));
        }
    };
    for (const SeriesStore::Band &b : bands) {
        if (b.timestampMs < fromMs || b.timestampMs > toMs)
            continue;
        const int c = std::min(columns - 1, int(double(b.timestampMs - fromMs) / span * columns));
        if (c != column) {
            flush();
            column = c;
            lo = b.min;
            hi = b.max;
            loMs = hiMs = b.timestampMs;
            continue;
        }
        if (b.min < lo) {
            lo = b.min;
            loMs = b.timestampMs;
        }
        if (b.max > hi) {
            hi = b.max;
            hiMs = b.timestampMs;
        }
    }
    flush();
    return out;
}

}  // namespace turno
