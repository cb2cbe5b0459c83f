#include "metrics/node_figures.h"

#include "metrics/metric_math.h"

#include <algorithm>
#include <cmath>
#include <string_view>
#include <vector>

namespace turno {

namespace {

constexpr std::string_view kRequests = "turno_http_requests_total";
constexpr std::string_view kDuration = "turno_http_request_duration_seconds";

// Sum of every series of the request counter, and of its 5xx series.
struct RequestTotals {
    double all = 0;
    double errors = 0;
};

// A server from before the handler label counts everything.
RequestTotals requestTotals(const MetricsScrape &s)
{
    RequestTotals t;
    for (const MetricsScrape::Sample &sample : s.samples()) {
        if (s.text(sample.name) != kRequests)
            continue;
        const auto handler = s.label(sample, "handler");
        if (handler && *handler != "turno")
            continue;
        t.all += sample.value;
        const auto code = s.label(sample, "code");
        if (code && !code->empty() && code->front() == '5')
            t.errors += sample.value;
    }
    return t;
}

// histogram_quantile(q, increase(buckets)) between two scrapes, in ms; NaN
// without observations in between.
double quantileMs(double q, const MetricsScrape &before, const MetricsScrape &after)
{
    std::vector<MetricMath::Bucket> now = MetricMath::histogramBuckets(after, kDuration);
    const std::vector<MetricMath::Bucket> then = MetricMath::histogramBuckets(before, kDuration);
    bool reset = then.size() != now.size();
    for (size_t i = 0; !reset && i < now.size(); ++i)
        reset = now[i].upperBound != then[i].upperBound || now[i].count < then[i].count;
    if (!reset)
        for (size_t i = 0; i < now.size(); ++i)
            now[i].count -= then[i].count;
    const double seconds = MetricMath::histogramQuantile(q, std::move(now));
    return std::isnan(seconds) ? seconds : seconds * 1000.0;
}

}  // namespace

NodeFigures NodeFigures::between(const MetricsScrape *before, qint64 beforeMs, const MetricsScrape &after, qint64 afterMs)
{
    NodeFigures f;
    f.timestampMs = afterMs;
    const RequestTotals totals = requestTotals(after);
    f.errors5xx = totals.errors;
    f.rssBytes = after.value("process_resident_memory_bytes").value_or(kUnknown);
    if (const auto start = after.value("process_start_time_seconds"))
        f.uptimeSeconds = std::max(0.0, double(afterMs) / 1000.0 - *start);
    if (!before || afterMs <= beforeMs)
        return f;
    f.windowMs = afterMs - beforeMs;
    const RequestTotals then = requestTotals(*before);
    const MetricMath::Point points[2] = {{beforeMs, then.all}, {afterMs, totals.all}};
    // rate() as Prometheus computes it (resets included) over the two scrapes.
    f.requestsPerSecond = MetricMath::rate(points, afterMs, f.windowMs).value_or(kUnknown);
    f.p50Ms = quantileMs(0.5, *before, after);
    f.p99Ms = quantileMs(0.99, *before, after);
    f.cpuPercent = MetricMath::cpuPercent(*before, beforeMs, after, afterMs).value_or(kUnknown);
    const bool reset = totals.all < then.all || totals.errors < then.errors;
    const double answered = reset ? totals.all : totals.all - then.all;
    const double failed = reset ? totals.errors : totals.errors - then.errors;
    if (answered > 0)
        f.errorRatio = failed / answered;
    f.errorsPerSecond = failed / (double(f.windowMs) / 1000.0);
    return f;
}

}  // namespace turno
