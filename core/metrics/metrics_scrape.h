// MetricsScrape: one parsed /metrics body, stored flat (one text arena, one
// sample array, one label array) so parsing costs a handful of allocations.
#pragma once

#include <QString>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace turno {

enum class MetricType : std::uint8_t {
    Untyped,  // Prometheus "untyped", OpenMetrics "unknown"
    Counter,
    Gauge,
    Histogram,
    GaugeHistogram,
    Summary,
    Info,
    StateSet,
};

const char *metricTypeName(MetricType type);

class MetricsScrape {
public:
    // A piece of the text arena; offsets rather than pointers so copies stay valid.
    struct Span {
        std::uint32_t offset = 0;
        std::uint32_t size = 0;
    };
    struct Label {
        Span name;
        Span value;
    };
    struct Sample {
        Span name;
        std::uint32_t family = 0;
        std::uint32_t labelBegin = 0;
        std::uint32_t labelCount = 0;
        double value = 0;
        std::int64_t timestampMs = 0;
        bool hasTimestamp = false;
    };
    struct Family {
        Span name;
        Span help;
        Span unit;
        MetricType type = MetricType::Untyped;
        bool hasHelp = false;
        bool hasType = false;
        bool hasUnit = false;
        std::uint32_t sampleCount = 0;
    };

    std::string_view text(Span s) const { return std::string_view(m_arena).substr(s.offset, s.size); }
    QString string(Span s) const;

    const std::vector<Family> &families() const { return m_families; }
    const std::vector<Sample> &samples() const { return m_samples; }
    std::span<const Label> labels(const Sample &s) const
    {
        return std::span<const Label>(m_labels).subspan(s.labelBegin, s.labelCount);
    }
    std::optional<std::string_view> label(const Sample &s, std::string_view name) const;
    const Family *family(std::string_view name) const;

    // The first sample called name whose labels include every pair in match.
    const Sample *find(std::string_view name,
                       std::initializer_list<std::pair<std::string_view, std::string_view>> match = {}) const;
    std::optional<double> value(std::string_view name,
                                std::initializer_list<std::pair<std::string_view, std::string_view>> match = {}) const;

    // `name{a="b",c="d"}` with escapes restored, for display and series keys.
    std::string seriesKey(const Sample &s) const;

private:
    friend class PromTextParserImpl;
    std::string m_arena;
    std::vector<Family> m_families;
    std::vector<Sample> m_samples;
    std::vector<Label> m_labels;
};

}  // namespace turno
