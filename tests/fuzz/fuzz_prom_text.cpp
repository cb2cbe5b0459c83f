// Fuzz target: PromTextParser in every mode must return a result or an error
// on any bytes, and every span it hands out must lie inside its arena.
#include "metrics/metric_math.h"
#include "metrics/prom_text_parser.h"

#include <cstdint>
#include <cstdlib>
#include <string_view>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const std::string_view body(reinterpret_cast<const char *>(data), size);
    for (auto format : {turno::PromTextParser::Format::Prometheus, turno::PromTextParser::Format::OpenMetrics}) {
        for (bool strict : {false, true}) {
            turno::PromTextParser::Options o;
            o.format = format;
            o.strict = strict;
            o.maxSamples = 5000;
            o.maxLabelsPerSeries = 32;
            o.maxLabelLength = 512;
            const auto r = turno::PromTextParser(o).parse(body);
            if (!r) {
                if (r.error().isEmpty())
                    std::abort();
                continue;
            }
            size_t seen = 0;
            for (const auto &s : r->samples()) {
                if (s.family >= r->families().size())
                    std::abort();
                seen += r->seriesKey(s).size();
                for (const auto &l : r->labels(s))
                    seen += r->text(l.name).size() + r->text(l.value).size();
            }
            for (const auto &f : r->families()) {
                seen += r->string(f.name).size() + r->string(f.help).size();
                if (f.type == turno::MetricType::Histogram)
                    (void)turno::MetricMath::histogramQuantile(0.9, turno::MetricMath::histogramBuckets(r.value(), r->text(f.name)));
            }
            if (seen > 64 * size + 4096)
                std::abort();
        }
    }
    return 0;
}
