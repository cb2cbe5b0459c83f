#include "metrics/balancer_figures.h"

#include <algorithm>
#include <string>
#include <string_view>

namespace turno {

namespace {

constexpr std::string_view kResponses = "haproxy_frontend_http_responses_total";

// Every code class of the frontend's responses (1xx..5xx and "other"), summed.
std::optional<double> frontendResponses(const MetricsScrape &s, std::string_view frontend)
{
    std::optional<double> sum;
    for (const MetricsScrape::Sample &sample : s.samples()) {
        if (s.text(sample.name) != kResponses || s.label(sample, "proxy") != frontend)
            continue;
        sum = sum.value_or(0.0) + sample.value;
    }
    return sum;
}

// The counter's increase from a to b, or b alone after a reset; nullopt without both.
std::optional<double> increase(std::optional<double> a, std::optional<double> b)
{
    if (!a || !b)
        return std::nullopt;
    return *b >= *a ? *b - *a : *b;
}

}  // namespace

BalancerFigures BalancerFigures::between(const MetricsScrape *before, qint64 beforeMs, const MetricsScrape &after,
                                         qint64 afterMs, const QString &frontendName, const QString &backendName)
{
    const std::string frontend = frontendName.toStdString();
    const std::string backend = backendName.toStdString();
    BalancerFigures f;
    f.timestampMs = afterMs;
    const auto fe5xx = after.value(kResponses, {{"proxy", frontend}, {"code", "5xx"}});
    f.frontend5xxTotal = fe5xx.value_or(kUnknown);
    if (!before || afterMs <= beforeMs)
        return f;
    f.windowMs = afterMs - beforeMs;
    const double seconds = double(f.windowMs) / 1000.0;
    auto perSecond = [seconds](std::optional<double> inc) { return inc ? *inc / seconds : kUnknown; };
    f.requestsPerSecond = perSecond(increase(before->value("haproxy_frontend_http_requests_total", {{"proxy", frontend}}),
                                             after.value("haproxy_frontend_http_requests_total", {{"proxy", frontend}})));
    const auto failed = increase(before->value(kResponses, {{"proxy", frontend}, {"code", "5xx"}}), fe5xx);
    f.frontend5xxPerSecond = perSecond(failed);
    f.backend5xxPerSecond =
        perSecond(increase(before->value("haproxy_backend_http_responses_total", {{"proxy", backend}, {"code", "5xx"}}),
                           after.value("haproxy_backend_http_responses_total", {{"proxy", backend}, {"code", "5xx"}})));
    f.backendRetriesPerSecond =
        perSecond(increase(before->value("haproxy_backend_retry_warnings_total", {{"proxy", backend}}),
                           after.value("haproxy_backend_retry_warnings_total", {{"proxy", backend}})));
    const auto answered = increase(frontendResponses(*before, frontend), frontendResponses(after, frontend));
    if (failed && answered && *answered > 0)
        f.frontendErrorRatio = std::min(1.0, *failed / *answered);
    return f;
}

}  // namespace turno
