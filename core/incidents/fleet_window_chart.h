// FleetWindowChart: the fleet samples of a report's window as figures and as
// inline SVG line charts, so Markdown and HTML reports show the metrics without
// Qt Charts or any external file (core never links QtGui).
#pragma once

#include "incidents/fleet_sample.h"

#include <QList>
#include <QString>

namespace turno {

class FleetWindowChart {
public:
    enum class Metric { RequestsPerSecond, P99Ms, ErrorPercent, CpuPercent };
    static constexpr Metric kMetrics[] = {Metric::RequestsPerSecond, Metric::P99Ms, Metric::ErrorPercent,
                                          Metric::CpuPercent};
    // A chart draws at most this many points; longer windows keep each group's maximum.
    static constexpr int kMaxPoints = 600;

    struct Point {
        qint64 timeMs = 0;
        double value = 0;
    };
    struct Summary {
        int count = 0;  // known values in the window
        double min = 0, median = 0, max = 0;
        qint64 maxTimeMs = 0;
    };

    // "fleet req/s", "fleet p99 (slowest node)", ... and "req/s", "ms", "%".
    static QString name(Metric metric);
    static QString unit(Metric metric);
    // The metric's value in its unit (the 5xx ratio as %), NaN when unknown.
    static double value(const FleetSample &sample, Metric metric);
    // The known values, oldest first, decimated to kMaxPoints by group maxima.
    static QList<Point> points(const QList<FleetSample> &samples, Metric metric);
    static Summary summary(const QList<FleetSample> &samples, Metric metric);
    // An <svg> with one polyline of points() over [fromMs, toMs], the value axis
    // from 0 to the maximum, labelled with the unit and the window's UTC times.
    // Empty when the metric has no known value in the window.
    static QString svg(const QList<FleetSample> &samples, Metric metric, qint64 fromMs, qint64 toMs,
                       int width = 640, int height = 180);
};

}  // namespace turno
