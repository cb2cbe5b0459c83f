// MetricMath: the PromQL arithmetic the console needs (rate() with counter
// resets and extrapolation, histogram_quantile, CPU %, error ratio), done the
// way Prometheus does it so the console and a Prometheus server agree.
#pragma once

#include "metrics/metrics_scrape.h"

#include <QtGlobal>
#include <optional>
#include <span>
#include <string_view>
#include <vector>

namespace turno {

class MetricMath {
public:
    struct Point {
        qint64 timestampMs = 0;
        double value = 0;
    };
    struct Bucket {
        double upperBound = 0;  // the le label
        double count = 0;       // cumulative
    };

    // rate(x[range]) evaluated at evalMs over a series sorted by time: picks the
    // points in [evalMs - range, evalMs] (inclusive both ends, as Prometheus 2.x)
    // and applies Prometheus's extrapolatedRate. nullopt with fewer than two points.
    static std::optional<double> rate(std::span<const Point> series, qint64 evalMs, qint64 rangeMs);
    // increase(x[range]): the same without the division by the range.
    static std::optional<double> increase(std::span<const Point> series, qint64 evalMs, qint64 rangeMs);
    // The core of both, on points already selected for [rangeStartMs, rangeEndMs].
    static std::optional<double> extrapolatedRate(std::span<const Point> points, qint64 rangeStartMs,
                                                  qint64 rangeEndMs, bool isCounter, bool isRate);

    // histogram_quantile(q, buckets) as Prometheus computes it: sorted by le,
    // equal bounds merged, counts forced monotonic, linear interpolation inside
    // the bucket, the +Inf bucket answered with the highest finite bound.
    // NaN when there is no +Inf bucket, fewer than two buckets or no observations.
    static double histogramQuantile(double q, std::vector<Bucket> buckets);
    // The buckets of histogram family in a scrape for the series whose labels
    // (other than le) include every pair of match.
    static std::vector<Bucket> histogramBuckets(
        const MetricsScrape &scrape, std::string_view family,
        std::initializer_list<std::pair<std::string_view, std::string_view>> match = {});

    // CPU used between two readings of process_cpu_seconds_total, as % of one
    // core; a reset (restart) counts from zero as rate() does.
    static std::optional<double> cpuPercent(Point before, Point after);
    static std::optional<double> cpuPercent(const MetricsScrape &before, qint64 beforeMs,
                                            const MetricsScrape &after, qint64 afterMs);

    // Share of requests whose status-code label starts with '5', from the
    // increase of counter metric between two scrapes (resets handled), over
    // the series whose labels include every pair of match. The label is
    // codeLabel, or the first of code/status/status_code present. nullopt when
    // no request was counted in between.
    static std::optional<double> errorRatio(
        const MetricsScrape &before, const MetricsScrape &after, std::string_view metric,
        std::string_view codeLabel = {},
        std::initializer_list<std::pair<std::string_view, std::string_view>> match = {});
};

}  // namespace turno
