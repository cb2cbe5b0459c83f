// The parser's state and its line lexer (blanks, separators, tokens, names,
// escapes), shared by prom_text_parser.cpp (driver), prom_text_metadata.cpp,
// prom_text_samples.cpp, prom_text_families.cpp and prom_text_openmetrics.cpp.
// Private to core/metrics.
#pragma once

#include "metrics/prom_text_lexical.h"
#include "metrics/prom_text_parser.h"

#include <cstring>
#include <functional>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

namespace turno {

namespace promtext {

// Open addressing over string_views that point into the body being parsed:
// one allocation per scrape instead of one per family.
class FamilyIndex {
public:
    explicit FamilyIndex(size_t expected)
    {
        size_t cap = 64;
        while (cap < expected * 2)
            cap <<= 1;
        m_slots.resize(cap);
    }
    static size_t hash(std::string_view s) { return std::hash<std::string_view>{}(s); }
    int find(std::string_view key) const
    {
        const size_t mask = m_slots.size() - 1;
        for (size_t i = hash(key) & mask;; i = (i + 1) & mask) {
            const Slot &s = m_slots[i];
            if (s.index < 0)
                return -1;
            if (s.key == key)
                return s.index;
        }
    }
    void insert(std::string_view key, int index)
    {
        if ((m_used + 1) * 2 > m_slots.size())
            grow();
        place(key, index);
        ++m_used;
    }

private:
    struct Slot {
        std::string_view key;
        int index = -1;
    };
    void place(std::string_view key, int index)
    {
        const size_t mask = m_slots.size() - 1;
        size_t i = hash(key) & mask;
        while (m_slots[i].index >= 0)
            i = (i + 1) & mask;
        m_slots[i] = Slot{key, index};
    }
    void grow()
    {
        std::vector<Slot> old;
        old.swap(m_slots);
        m_slots.resize(old.size() * 2);
        for (const Slot &s : old) {
            if (s.index >= 0)
                place(s.key, s.index);
        }
    }
    std::vector<Slot> m_slots;
    size_t m_used = 0;
};

// Sample name suffixes of every type, longest match first where they overlap.
inline constexpr std::string_view kSuffixes[] = {"_bucket", "_sum", "_count", "_total", "_created", "_gsum", "_gcount", "_info"};

}  // namespace promtext

// Named (not anonymous) so MetricsScrape can befriend it.
class PromTextParserImpl {
public:
    PromTextParserImpl(const PromTextParser::Options &o, std::string_view in, MetricsScrape &out)
        : m_opt(o),
          m_om(o.format == PromTextParser::Format::OpenMetrics),
          m_strict(o.strict),
          m_begin(in.data()),
          m_p(in.data()),
          m_end(in.data() + in.size()),
          m_lineStart(in.data()),
          m_out(out),
          m_index(in.size() / 200 + 16)
    {
    }

    bool run();
    QString error;

private:
    struct FamilyState {
        std::string_view inputName;
        bool closed = false;
        bool entered = false;  // strict OpenMetrics: its name was checked for clashes
    };

    bool fail(const char *at, const QString &reason)
    {
        if (at > m_end)
            at = m_end;
        int col = 1;
        for (const char *c = m_lineStart; c < at; ++c) {
            if ((static_cast<unsigned char>(*c) & 0xC0) != 0x80)
                ++col;
        }
        error = QStringLiteral("%1:%2: %3").arg(m_line).arg(col).arg(reason);
        return false;
    }

    // For rules checked when a MetricPoint is complete: the line they are about.
    bool failLine(int line, const QString &reason)
    {
        error = QStringLiteral("%1:1: %2").arg(line).arg(reason);
        return false;
    }

    bool atLineEnd() const
    {
        if (m_p >= m_end || *m_p == '\n')
            return true;
        return !m_strict && *m_p == '\r' && m_p + 1 < m_end && m_p[1] == '\n';
    }
    bool tokenEnd(const char *p) const
    {
        if (p >= m_end || promtext::isBlank(*p) || *p == '\n')
            return true;
        return !m_strict && *p == '\r' && p + 1 < m_end && p[1] == '\n';
    }
    void skipBlanks()
    {
        while (m_p < m_end && promtext::isBlank(*m_p))
            ++m_p;
    }
    // Prometheus: one or more blanks or tabs. OpenMetrics: exactly one space.
    bool separator(const char *what)
    {
        if (m_om) {
            if (m_p >= m_end || *m_p != ' ')
                return fail(m_p, QStringLiteral("expected a single space before %1").arg(QLatin1String(what)));
            ++m_p;
            if (m_p < m_end && promtext::isBlank(*m_p)) {
                if (m_strict)
                    return fail(m_p, QStringLiteral("OpenMetrics allows exactly one space before %1").arg(QLatin1String(what)));
                skipBlanks();
            }
            return true;
        }
        if (m_p >= m_end || !promtext::isBlank(*m_p))
            return fail(m_p, QStringLiteral("expected a blank before %1").arg(QLatin1String(what)));
        skipBlanks();
        return true;
    }
    // Between the tokens of a sample line; m_p is on the blank that ended a token.
    bool gap()
    {
        if (m_om) {
            if (m_strict && *m_p != ' ')
                return fail(m_p, QStringLiteral("OpenMetrics separates tokens with a single space"));
            ++m_p;
            if (m_p < m_end && promtext::isBlank(*m_p)) {
                if (m_strict)
                    return fail(m_p, QStringLiteral("OpenMetrics separates tokens with a single space"));
                skipBlanks();
            }
            if (m_strict && atLineEnd())
                return fail(m_p - 1, QStringLiteral("trailing whitespace is not allowed in OpenMetrics"));
            return true;
        }
        skipBlanks();
        return true;
    }
    // Trailing blanks (Prometheus only), then the line feed, which is consumed.
    bool endLine()
    {
        if (!m_om || !m_strict)
            skipBlanks();
        if (m_p >= m_end) {
            if (m_strict && !m_om)
                return fail(m_p, QStringLiteral("the last line must end with a line feed"));
            return true;
        }
        if (*m_p == '\n') {
            ++m_p;
            return true;
        }
        if (!m_strict && *m_p == '\r' && m_p + 1 < m_end && m_p[1] == '\n') {
            m_p += 2;
            return true;
        }
        if (*m_p == '\r')
            return fail(m_p, QStringLiteral("carriage return in line (lines end with \\n only)"));
        if (m_om && m_strict && promtext::isBlank(*m_p))
            return fail(m_p, QStringLiteral("trailing whitespace is not allowed in OpenMetrics"));
        return fail(m_p, QStringLiteral("unexpected %1 at end of line").arg(promtext::quoted(std::string_view(m_p, 1))));
    }
    std::string_view token()
    {
        const char *s = m_p;
        while (!tokenEnd(m_p))
            ++m_p;
        return std::string_view(s, size_t(m_p - s));
    }
    std::string_view restOfLine()
    {
        const char *s = m_p;
        const void *nl = std::memchr(m_p, '\n', size_t(m_end - m_p));
        const char *e = nl ? static_cast<const char *>(nl) : m_end;
        m_p = e;
        if (!m_strict && e > s && e[-1] == '\r' && e < m_end) {
            --m_p;
            --e;
        }
        return std::string_view(s, size_t(e - s));
    }
    bool metricName(std::string_view &name, const char *context)
    {
        const char *s = m_p;
        if (m_p >= m_end || !promtext::isNameStart(*m_p))
            return fail(m_p, QStringLiteral("expected a metric name %1 (letters, digits, '_' or ':', not starting with a digit)")
                                 .arg(QLatin1String(context)));
        ++m_p;
        while (m_p < m_end && promtext::isNameChar(*m_p))
            ++m_p;
        name = std::string_view(s, size_t(m_p - s));
        return true;
    }

    MetricsScrape::Span append(std::string_view s)
    {
        MetricsScrape::Span span{std::uint32_t(m_out.m_arena.size()), std::uint32_t(s.size())};
        m_out.m_arena.append(s);
        return span;
    }
    // Escaped text: \\ and \n always, \" in label values and OpenMetrics HELP.
    // Another escape is an error in strict 0.0.4 (promtool refuses it); in
    // OpenMetrics it is "BS normal-char" of the ABNF and kept as written.
    bool appendEscaped(const char *start, std::string_view raw, bool quoteEscape, MetricsScrape::Span &span)
    {
        span.offset = std::uint32_t(m_out.m_arena.size());
        std::string &a = m_out.m_arena;
        for (size_t i = 0; i < raw.size(); ++i) {
            const char c = raw[i];
            if (c != '\\') {
                // Copy the whole run up to the next backslash at once.
                const void *bs = std::memchr(raw.data() + i, '\\', raw.size() - i);
                const size_t stop = bs ? size_t(static_cast<const char *>(bs) - raw.data()) : raw.size();
                a.append(raw.data() + i, stop - i);
                i = stop - 1;
                continue;
            }
            if (i + 1 >= raw.size()) {
                if (m_strict)
                    return fail(start + i, m_om ? QStringLiteral("escaping: backslash at end of text (ABNF: a backslash escapes the character after it; write \\\\)")
                                                : QStringLiteral("backslash at end of text (write \\\\ for a backslash)"));
                a += c;
                continue;
            }
            const char n = raw[i + 1];
            if (n == '\\') {
                a += '\\';
            } else if (n == 'n') {
                a += '\n';
            } else if (n == '"' && quoteEscape) {
                a += '"';
            } else {
                if (m_strict && !m_om)
                    return fail(start + i, QStringLiteral("invalid escape sequence '\\%1' (only \\\\, \\n%2 are allowed)")
                                               .arg(QChar::fromLatin1(n))
                                               .arg(quoteEscape ? QStringLiteral(" and \\\"") : QString()));
                a += c;
                a += n;
            }
            ++i;
        }
        span.size = std::uint32_t(a.size() - span.offset);
        return true;
    }

    bool pushSample(int f, const MetricsScrape::Sample &s)
    {
        m_out.m_families[size_t(f)].sampleCount++;
        m_out.m_samples.push_back(s);
        return endLine();
    }

    bool metadataLine();
    bool sampleLine();
    bool labels(std::uint32_t &begin, std::uint32_t &count);
    // What the OpenMetrics checker needs of a sample line beyond the Sample.
    struct OmLine {
        const char *valueAt = nullptr;
        const char *tsAt = nullptr;
        double tsSeconds = 0;
        bool hasExemplar = false;
        double exemplarValue = 0;
        const char *exemplarAt = nullptr;
    };
    bool exemplar(int f, std::string_view suffix, OmLine &line);
    int familyForMetadata(std::string_view name);
    int familyForSample(std::string_view name, std::string_view &suffix);
    bool enterFamily(int f, const char *at);
    bool checkSample(int f, std::string_view suffix, const MetricsScrape::Sample &s, const char *at);
    bool suffixAllowed(MetricType t, std::string_view suffix) const;

    // OpenMetrics checker (prom_text_openmetrics.cpp); called only when m_om && m_strict.
    bool omSample(int f, std::string_view suffix, const MetricsScrape::Sample &s, const OmLine &line);
    bool omEndPoint();
    bool omEnterFamily(int f, const char *at);
    bool omNameClash(int f, const char *at);
    bool omTypeRules(int f, const char *at);
    bool omHelpText(const char *at, std::string_view text);

    // The MetricPoint being read (OpenMetrics checker): rules on buckets,
    // counts and sums can only be judged once all of its samples are in.
    struct OmPoint {
        bool open = false;
        int family = -1;
        std::string metric;  // the Metric's labels (without le, quantile or the state label)
        bool timestamped = false;
        double ts = 0;
        std::vector<std::string> series;  // of this point: a few, so a vector
        int lastLine = 0;
        int buckets = 0;
        double lastLe = 0;
        double lastBucket = 0;
        bool infBucket = false;
        double infValue = 0;
        bool negativeLe = false;
        bool hasCount = false;
        double count = 0;
        int countLine = 0;
        bool hasSum = false;
        double sum = 0;
        int sumLine = 0;
    };

    const PromTextParser::Options &m_opt;
    const bool m_om;
    const bool m_strict;
    const char *m_begin;
    const char *m_p;
    const char *m_end;
    const char *m_lineStart;
    int m_line = 1;
    bool m_sawEof = false;
    MetricsScrape &m_out;
    promtext::FamilyIndex m_index;
    std::vector<FamilyState> m_state;
    int m_current = -1;
    std::unordered_set<std::string> m_seriesSeen;  // strict 0.0.4 only
    OmPoint m_point;                               // strict OpenMetrics only
    std::unordered_set<std::string> m_closedMetrics;  // of the current family, strict OpenMetrics only
    std::vector<std::pair<std::string_view, std::string_view>> m_omLabels;  // scratch for omSample
    std::string m_omMetric;
    std::string m_omSeries;
};

}  // namespace turno
