#include "metrics/metrics_scrape.h"

namespace turno {

const char *metricTypeName(MetricType type)
{
    switch (type) {
    case MetricType::Untyped: return "untyped";
    case MetricType::Counter: return "counter";
    case MetricType::Gauge: return "gauge";
    case MetricType::Histogram: return "histogram";
    case MetricType::GaugeHistogram: return "gaugehistogram";
    case MetricType::Summary: return "summary";
    case MetricType::Info: return "info";
    case MetricType::StateSet: return "stateset";
    }
    return "untyped";
}

QString MetricsScrape::string(Span s) const
{
    const std::string_view v = text(s);
    return QString::fromUtf8(v.data(), qsizetype(v.size()));
}

std::optional<std::string_view> MetricsScrape::label(const Sample &s, std::string_view name) const
{
    for (const Label &l : labels(s)) {
        if (text(l.name) == name)
            return text(l.value);
    }
    return std::nullopt;
}

const MetricsScrape::Family *MetricsScrape::family(std::string_view name) const
{
    for (const Family &f : m_families) {
        if (text(f.name) == name)
            return &f;
    }
    return nullptr;
}

const MetricsScrape::Sample *MetricsScrape::find(
    std::string_view name, std::initializer_list<std::pair<std::string_view, std::string_view>> match) const
{
    for (const Sample &s : m_samples) {
        if (text(s.name) != name)
            continue;
        bool all = true;
        for (const auto &[k, v] : match) {
            const auto got = label(s, k);
            if (!got || *got != v) {
                all = false;
                break;
            }
        }
        if (all)
            return &s;
    }
    return nullptr;
}

std::optional<double> MetricsScrape::value(
    std::string_view name, std::initializer_list<std::pair<std::string_view, std::string_view>> match) const
{
    const Sample *s = find(name, match);
    if (!s)
        return std::nullopt;
    return s->value;
}

std::string MetricsScrape::seriesKey(const Sample &s) const
{
    std::string key(text(s.name));
    if (s.labelCount == 0)
        return key;
    key += '{';
    bool first = true;
    for (const Label &l : labels(s)) {
        if (!first)
            key += ',';
        first = false;
        key += text(l.name);
        key += "=\"";
        for (char c : text(l.value)) {
            if (c == '\\' || c == '"') {
                key += '\\';
                key += c;
            } else if (c == '\n') {
                key += "\\n";
            } else {
                key += c;
            }
        }
        key += '"';
    }
    key += '}';
    return key;
}

}  // namespace turno
