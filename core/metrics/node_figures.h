// NodeFigures: what two consecutive scrapes of one turno node say about the
// window between them (req/s, p50/p99, CPU, 5xx share) and what the later one
// says alone (5xx so far, RSS, uptime). The one place these are computed: the
// status JSON, the Fleet table, the charts and the autoscaler all read them.
#pragma once

#include "metrics/metrics_scrape.h"

#include <QtGlobal>
#include <limits>
#include <optional>

namespace turno {

struct NodeFigures {
    static constexpr double kUnknown = std::numeric_limits<double>::quiet_NaN();

    qint64 timestampMs = 0;  // of the later scrape
    qint64 windowMs = 0;     // since the earlier one; 0 when there was none
    // Over the window; NaN without an earlier scrape (p50/p99 also without a request in it).
    double requestsPerSecond = kUnknown;
    double p50Ms = kUnknown;
    double p99Ms = kUnknown;
    double cpuPercent = kUnknown;
    // 5xx answers / answers in the window; none when nothing was answered.
    std::optional<double> errorRatio;
    // 5xx answers per second over the window (what the node answered, before any retry by HAProxy).
    double errorsPerSecond = kUnknown;
    // From the later scrape alone.
    double errors5xx = kUnknown;  // since the node started
    double rssBytes = kUnknown;
    double uptimeSeconds = kUnknown;

    bool hasWindow() const { return windowMs > 0; }

    // Only the counter API's requests (handler="turno") are load; health checks and
    // scrapes are not. A reset (restart) in between counts from zero, as rate() does.
    static NodeFigures between(const MetricsScrape *before, qint64 beforeMs, const MetricsScrape &after, qint64 afterMs);
};

}  // namespace turno
