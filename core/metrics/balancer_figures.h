// BalancerFigures: what two consecutive scrapes of HAProxy's Prometheus exporter
// say about the window between them for the turno frontend (what clients were
// answered, after HAProxy's retries and redispatch) and its backend (the 5xx it
// passed on, and how often it tried again). The one place these are computed: the status JSON,
// the Fleet table, the charts and the alert rules read them.
#pragma once

#include "metrics/metrics_scrape.h"

#include <QString>
#include <QtGlobal>
#include <limits>
#include <optional>

namespace turno {

struct BalancerFigures {
    static constexpr double kUnknown = std::numeric_limits<double>::quiet_NaN();

    qint64 timestampMs = 0;  // of the later scrape
    qint64 windowMs = 0;     // since the earlier one; 0 when there was none
    // Over the window; NaN without an earlier scrape or without the counter.
    double requestsPerSecond = kUnknown;          // frontend requests
    double frontend5xxPerSecond = kUnknown;       // 5xx the clients received
    double backend5xxPerSecond = kUnknown;        // 5xx the backend passed on (a response HAProxy retried is not counted)
    double backendRetriesPerSecond = kUnknown;    // tries HAProxy made again (retry-on, redispatch): node failures clients did not see
    // Frontend 5xx / frontend responses in the window; none when nothing was answered.
    std::optional<double> frontendErrorRatio;
    // From the later scrape alone: 5xx the frontend sent since HAProxy started.
    double frontend5xxTotal = kUnknown;

    bool hasWindow() const { return windowMs > 0; }

    // A counter that went down is a restarted HAProxy: it counts from zero, as rate() does.
    static BalancerFigures between(const MetricsScrape *before, qint64 beforeMs, const MetricsScrape &after, qint64 afterMs,
                                   const QString &frontend, const QString &backend);
};

}  // namespace turno
