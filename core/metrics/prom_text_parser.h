// PromTextParser: reads the Prometheus text exposition format 0.0.4 and
// OpenMetrics 1.0 text into a MetricsScrape, with line:col errors and limits.
#pragma once

#include "common/result.h"
#include "metrics/metrics_scrape.h"

#include <QByteArrayView>
#include <string_view>

namespace turno {

class PromTextParser {
public:
    enum class Format { Prometheus, OpenMetrics };

    // Limits follow Prometheus's scrape config (body_size_limit, sample_limit,
    // label_limit, label_*_length_limit): a scrape over any of them fails whole.
    struct Options {
        Format format = Format::Prometheus;
        // Checker mode: every rule of the published grammar (grouping, single
        // TYPE/HELP, escapes, final line feed, duplicate series, le/quantile).
        // Off, the parser is as forgiving as Prometheus's scraper (CRLF, an
        // unknown escape kept as written, unordered families).
        bool strict = false;
        qsizetype maxBodyBytes = 10 * 1024 * 1024;
        qsizetype maxSamples = 200000;   // 0: no limit
        int maxLabelsPerSeries = 64;     // 0: no limit
        int maxLabelLength = 4096;       // bytes, names and values; 0: no limit
    };

    PromTextParser() = default;
    explicit PromTextParser(Options options) : m_options(options) {}

    const Options &options() const { return m_options; }

    // Errors read "LINE:COL: reason" (1-based, column in characters).
    Result<MetricsScrape> parse(std::string_view body) const;
    Result<MetricsScrape> parse(QByteArrayView body) const
    {
        return parse(std::string_view(body.data(), size_t(body.size())));
    }

    // OpenMetrics when the Content-Type says application/openmetrics-text.
    static Format formatForContentType(QByteArrayView contentType);

private:
    Options m_options;
};

}  // namespace turno
