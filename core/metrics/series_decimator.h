// SeriesDecimator: turns stored samples into at most two points per pixel
// column (the min and the max, in time order), so a chart stays cheap and spikes survive.
#pragma once

#include "metrics/series_store.h"

#include <QList>
#include <QPointF>

namespace turno {

class SeriesDecimator {
public:
    // Points in [fromMs, toMs] as (x = seconds relative to toMs, y = value),
    // decimated to `columns` columns. Bands (10 s slots) contribute their min
    // and max. With fewer samples than columns every sample is kept as is.
    static QList<QPointF> decimate(const QList<SeriesStore::Band> &bands, qint64 fromMs, qint64 toMs, int columns);
};

}  // namespace turno
