#include "metrics/metric_math.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <limits>
#include <string>
#include <unordered_map>

namespace turno {

namespace {

std::span<const MetricMath::Point> select(std::span<const MetricMath::Point> series, qint64 start, qint64 end)
{
    auto lo = std::lower_bound(series.begin(), series.end(), start,
                               [](const MetricMath::Point &p, qint64 t) { return p.timestampMs < t; });
    auto hi = std::upper_bound(lo, series.end(), end,
                               [](qint64 t, const MetricMath::Point &p) { return t < p.timestampMs; });
    return std::span<const MetricMath::Point>(lo, hi);
}

bool parseBound(std::string_view s, double &out)
{
    if (s == "+Inf" || s == "Inf" || s == "inf" || s == "+inf") {
        out = std::numeric_limits<double>::infinity();
        return true;
    }
    if (s == "-Inf" || s == "-inf") {
        out = -std::numeric_limits<double>::infinity();
        return true;
    }
    const size_t start = (!s.empty() && s[0] == '+') ? 1 : 0;
    const auto r = std::from_chars(s.data() + start, s.data() + s.size(), out);
    return r.ec == std::errc() && r.ptr == s.data() + s.size();
}

}  // namespace

std::optional<double> MetricMath::extrapolatedRate(std::span<const Point> points, qint64 rangeStartMs,
                                                   qint64 rangeEndMs, bool isCounter, bool isRate)
{
    if (points.size() < 2)
        return std::nullopt;
    const Point &first = points.front();
    const Point &last = points.back();
    double result = last.value - first.value;
    if (isCounter) {
        double lastValue = 0;
        for (const Point &p : points) {
            if (p.value < lastValue)
                result += lastValue;
            lastValue = p.value;
        }
    }
    double durationToStart = double(first.timestampMs - rangeStartMs) / 1000.0;
    const double durationToEnd = double(rangeEndMs - last.timestampMs) / 1000.0;
    const double sampledInterval = double(last.timestampMs - first.timestampMs) / 1000.0;
    const double averageBetween = sampledInterval / double(points.size() - 1);

    if (isCounter && result > 0 && first.value >= 0) {
        // A counter cannot go below zero: extrapolate no further back than
        // the point where it would have been zero.
        const double durationToZero = sampledInterval * (first.value / result);
        if (durationToZero < durationToStart)
            durationToStart = durationToZero;
    }
    const double threshold = averageBetween * 1.1;
    double extrapolateTo = sampledInterval;
    extrapolateTo += durationToStart < threshold ? durationToStart : averageBetween / 2;
    extrapolateTo += durationToEnd < threshold ? durationToEnd : averageBetween / 2;
    // One factor, divided by the range before it is applied: the same order of
    // operations as Prometheus 2.4x, so the last bit agrees too.
    double factor = extrapolateTo / sampledInterval;
    if (isRate)
        factor /= double(rangeEndMs - rangeStartMs) / 1000.0;
    return result * factor;
}

std::optional<double> MetricMath::rate(std::span<const Point> series, qint64 evalMs, qint64 rangeMs)
{
    const qint64 start = evalMs - rangeMs;
    return extrapolatedRate(select(series, start, evalMs), start, evalMs, true, true);
}

std::optional<double> MetricMath::increase(std::span<const Point> series, qint64 evalMs, qint64 rangeMs)
{
    const qint64 start = evalMs - rangeMs;
    return extrapolatedRate(select(series, start, evalMs), start, evalMs, true, false);
}

double MetricMath::histogramQuantile(double q, std::vector<Bucket> buckets)
{
    const double nan = std::numeric_limits<double>::quiet_NaN();
    if (std::isnan(q))
        return nan;
    if (q < 0)
        return -std::numeric_limits<double>::infinity();
    if (q > 1)
        return std::numeric_limits<double>::infinity();
    if (buckets.empty())
        return nan;
    std::sort(buckets.begin(), buckets.end(), [](const Bucket &a, const Bucket &b) { return a.upperBound < b.upperBound; });
    if (!std::isinf(buckets.back().upperBound) || buckets.back().upperBound < 0)
        return nan;
    // Merge buckets with the same bound (they come from series that differ
    // only in labels dropped by the caller).
    std::vector<Bucket> merged;
    merged.reserve(buckets.size());
    for (const Bucket &b : buckets) {
        if (!merged.empty() && merged.back().upperBound == b.upperBound)
            merged.back().count += b.count;
        else
            merged.push_back(b);
    }
    // Scrapes are not atomic: a later bucket can read lower than an earlier one.
    double max = -std::numeric_limits<double>::infinity();
    for (Bucket &b : merged) {
        if (b.count > max)
            max = b.count;
        else if (b.count < max)
            b.count = max;
    }
    if (merged.size() < 2)
        return nan;
    const double observations = merged.back().count;
    if (observations == 0)
        return nan;
    double rank = q * observations;
    const size_t n = merged.size() - 1;
    size_t b = size_t(std::partition_point(merged.begin(), merged.begin() + qsizetype(n),
                                           [rank](const Bucket &x) { return x.count < rank; }) -
                      merged.begin());
    if (b == n)
        return merged[n - 1].upperBound;
    if (b == 0 && merged[0].upperBound <= 0)
        return merged[0].upperBound;
    double bucketStart = 0;
    const double bucketEnd = merged[b].upperBound;
    double count = merged[b].count;
    if (b > 0) {
        bucketStart = merged[b - 1].upperBound;
        count -= merged[b - 1].count;
        rank -= merged[b - 1].count;
    }
    return bucketStart + (bucketEnd - bucketStart) * (rank / count);
}

std::vector<MetricMath::Bucket> MetricMath::histogramBuckets(
    const MetricsScrape &scrape, std::string_view family,
    std::initializer_list<std::pair<std::string_view, std::string_view>> match)
{
    std::vector<Bucket> out;
    const std::string name = std::string(family) + "_bucket";
    for (const auto &s : scrape.samples()) {
        if (scrape.text(s.name) != name)
            continue;
        bool all = true;
        for (const auto &[k, v] : match) {
            const auto got = scrape.label(s, k);
            if (!got || *got != v) {
                all = false;
                break;
            }
        }
        const auto le = scrape.label(s, "le");
        double bound;
        if (!all || !le || !parseBound(*le, bound))
            continue;
        out.push_back(Bucket{bound, s.value});
    }
    return out;
}

std::optional<double> MetricMath::cpuPercent(Point before, Point after)
{
    const double seconds = double(after.timestampMs - before.timestampMs) / 1000.0;
    if (seconds <= 0)
        return std::nullopt;
    const double used = after.value >= before.value ? after.value - before.value : after.value;
    return used / seconds * 100.0;
}

std::optional<double> MetricMath::cpuPercent(const MetricsScrape &before, qint64 beforeMs, const MetricsScrape &after,
                                             qint64 afterMs)
{
    const auto b = before.value("process_cpu_seconds_total");
    const auto a = after.value("process_cpu_seconds_total");
    if (!a || !b)
        return std::nullopt;
    return cpuPercent(Point{beforeMs, *b}, Point{afterMs, *a});
}

std::optional<double> MetricMath::errorRatio(
    const MetricsScrape &before, const MetricsScrape &after, std::string_view metric, std::string_view codeLabel,
    std::initializer_list<std::pair<std::string_view, std::string_view>> match)
{
    std::unordered_map<std::string, double> previous;
    for (const auto &s : before.samples()) {
        if (before.text(s.name) == metric)
            previous.emplace(before.seriesKey(s), s.value);
    }
    double total = 0;
    double errors = 0;
    for (const auto &s : after.samples()) {
        if (after.text(s.name) != metric)
            continue;
        bool selected = true;
        for (const auto &[k, v] : match) {
            const auto got = after.label(s, k);
            if (!got || *got != v) {
                selected = false;
                break;
            }
        }
        if (!selected)
            continue;
        std::optional<std::string_view> code;
        if (!codeLabel.empty()) {
            code = after.label(s, codeLabel);
        } else {
            for (std::string_view l : {"code", "status", "status_code"}) {
                if ((code = after.label(s, l)))
                    break;
            }
        }
        if (!code)
            continue;
        // A series that first appears in this scrape started from zero.
        const auto it = previous.find(after.seriesKey(s));
        const double prev = it == previous.end() ? 0.0 : it->second;
        const double inc = s.value >= prev ? s.value - prev : s.value;
        total += inc;
        if (!code->empty() && (*code)[0] == '5')
            errors += inc;
    }
    if (total <= 0)
        return std::nullopt;
    return errors / total;
}

}  // namespace turno
