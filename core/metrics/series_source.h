// SeriesSource: what a chart reads, whoever holds the data. The SeriesStore
// answers from its own rings (15 min at 1 s, 6 h at 10 s); a fleet seen through
// Prometheus answers from range queries at about one point per pixel.
#pragma once

#include <QList>
#include <QString>

namespace turno {

struct SeriesBand {
    qint64 timestampMs = 0;  // start of the slot (or the sample's time)
    double min = 0;
    double avg = 0;
    double max = 0;
};

class SeriesSource {
public:
    virtual ~SeriesSource() = default;
    // The points of the series called key within [fromMs, toMs], oldest first;
    // empty when the source knows no such series or holds nothing there.
    virtual QList<SeriesBand> bands(const QString &key, qint64 fromMs, qint64 toMs) const = 0;
};

}  // namespace turno
