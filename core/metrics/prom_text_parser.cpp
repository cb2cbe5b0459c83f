#include "metrics/prom_text_parser.h"

#include <algorithm>
#include <array>
#include <charconv>
#include <cmath>
#include <cstring>
#include <functional>
#include <string>
#include <unordered_set>

namespace turno {

namespace {

using Format = PromTextParser::Format;

// Character classes as one table lookup: names are most of the bytes parsed.
enum : std::uint8_t { kLabelStart = 1, kLabelChar = 2, kNameStart = 4, kNameChar = 8 };
constexpr std::array<std::uint8_t, 256> makeClasses()
{
    std::array<std::uint8_t, 256> t{};
    for (int c = 0; c < 256; ++c) {
        const bool alpha = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
        const bool digit = c >= '0' && c <= '9';
        t[size_t(c)] = std::uint8_t((alpha ? kLabelStart | kNameStart : 0) | (alpha || digit ? kLabelChar | kNameChar : 0) |
                                    (c == ':' ? kNameStart | kNameChar : 0));
    }
    return t;
}
constexpr std::array<std::uint8_t, 256> kClasses = makeClasses();

bool isBlank(char c) { return c == ' ' || c == '\t'; }
bool isNameStart(char c) { return kClasses[static_cast<unsigned char>(c)] & kNameStart; }
bool isNameChar(char c) { return kClasses[static_cast<unsigned char>(c)] & kNameChar; }
bool isLabelStart(char c) { return kClasses[static_cast<unsigned char>(c)] & kLabelStart; }
bool isLabelChar(char c) { return kClasses[static_cast<unsigned char>(c)] & kLabelChar; }

bool validUtf8(std::string_view s)
{
    const auto *p = reinterpret_cast<const unsigned char *>(s.data());
    const auto *end = p + s.size();
    while (p < end) {
        const unsigned c = *p;
        if (c < 0x80) {
            ++p;
            continue;
        }
        int extra;
        unsigned min;
        if ((c & 0xE0) == 0xC0) {
            extra = 1;
            min = 0x80;
        } else if ((c & 0xF0) == 0xE0) {
            extra = 2;
            min = 0x800;
        } else if ((c & 0xF8) == 0xF0) {
            extra = 3;
            min = 0x10000;
        } else {
            return false;
        }
        if (end - p <= extra)
            return false;
        unsigned cp = c & (0x3F >> extra);
        for (int i = 1; i <= extra; ++i) {
            if ((p[i] & 0xC0) != 0x80)
                return false;
            cp = (cp << 6) | (p[i] & 0x3F);
        }
        if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
            return false;
        p += extra + 1;
    }
    return true;
}

QString quoted(std::string_view s)
{
    constexpr size_t kMax = 60;
    QString q = QString::fromUtf8(s.data(), qsizetype(std::min(s.size(), kMax)));
    // Control characters would vanish or garble the terminal.
    q.replace(QLatin1Char('\r'), QLatin1String("\\r")).replace(QLatin1Char('\t'), QLatin1String("\\t"));
    if (s.size() > kMax)
        q += QStringLiteral("...");
    return QLatin1Char('\'') + q + QLatin1Char('\'');
}

// Go's strconv.ParseFloat accepts these spellings (any case), which is what
// Prometheus reads sample values with.
bool parseSpecialFloat(std::string_view t, double &out)
{
    std::string lower;
    lower.reserve(t.size());
    for (char c : t)
        lower += char((c >= 'A' && c <= 'Z') ? c - 'A' + 'a' : c);
    if (lower == "nan") {
        out = std::nan("");
        return true;
    }
    if (lower == "inf" || lower == "+inf" || lower == "infinity" || lower == "+infinity") {
        out = HUGE_VAL;
        return true;
    }
    if (lower == "-inf" || lower == "-infinity") {
        out = -HUGE_VAL;
        return true;
    }
    return false;
}

// Decimal floating point, both formats: [sign] digits [. digits] [e [sign] digits].
bool parseDecimal(std::string_view t, double &out)
{
    if (t.empty())
        return false;
    size_t i = 0;
    if (t[0] == '+' || t[0] == '-')
        ++i;
    size_t digits = 0;
    size_t j = i;
    while (j < t.size() && t[j] >= '0' && t[j] <= '9') {
        ++j;
        ++digits;
    }
    if (j < t.size() && t[j] == '.') {
        ++j;
        while (j < t.size() && t[j] >= '0' && t[j] <= '9') {
            ++j;
            ++digits;
        }
    }
    if (digits == 0)
        return false;
    if (j < t.size() && (t[j] == 'e' || t[j] == 'E')) {
        ++j;
        if (j < t.size() && (t[j] == '+' || t[j] == '-'))
            ++j;
        size_t expDigits = 0;
        while (j < t.size() && t[j] >= '0' && t[j] <= '9') {
            ++j;
            ++expDigits;
        }
        if (expDigits == 0)
            return false;
    }
    if (j != t.size())
        return false;
    // from_chars refuses a leading '+'; the grammar above allows it.
    const size_t start = (t[0] == '+') ? 1 : 0;
    const auto res = std::from_chars(t.data() + start, t.data() + t.size(), out);
    if (res.ec == std::errc::result_out_of_range) {
        // Go rounds to ±Inf or 0 rather than failing; so do we.
        out = std::strtod(std::string(t).c_str(), nullptr);
        return true;
    }
    return res.ec == std::errc() && res.ptr == t.data() + t.size();
}

bool parseValue(std::string_view t, bool openMetricsStrict, double &out)
{
    if (parseDecimal(t, out))
        return true;
    if (openMetricsStrict) {
        if (t == "NaN") {
            out = std::nan("");
            return true;
        }
        if (t == "+Inf" || t == "-Inf") {
            out = t[0] == '-' ? -HUGE_VAL : HUGE_VAL;
            return true;
        }
        return false;
    }
    return parseSpecialFloat(t, out);
}

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

constexpr std::string_view kSuffixes[] = {"_bucket", "_sum", "_count", "_total", "_created", "_gsum", "_gcount", "_info"};

}  // namespace

// Named (not anonymous) so MetricsScrape can befriend it.
class PromTextParserImpl {
public:
    PromTextParserImpl(const PromTextParser::Options &o, std::string_view in, MetricsScrape &out)
        : m_opt(o),
          m_om(o.format == Format::OpenMetrics),
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

    bool atLineEnd() const
    {
        if (m_p >= m_end || *m_p == '\n')
            return true;
        return !m_strict && *m_p == '\r' && m_p + 1 < m_end && m_p[1] == '\n';
    }
    bool tokenEnd(const char *p) const
    {
        if (p >= m_end || isBlank(*p) || *p == '\n')
            return true;
        return !m_strict && *p == '\r' && p + 1 < m_end && p[1] == '\n';
    }
    void skipBlanks()
    {
        while (m_p < m_end && isBlank(*m_p))
            ++m_p;
    }
    // Prometheus: one or more blanks or tabs. OpenMetrics: exactly one space.
    bool separator(const char *what)
    {
        if (m_om) {
            if (m_p >= m_end || *m_p != ' ')
                return fail(m_p, QStringLiteral("expected a single space before %1").arg(QLatin1String(what)));
            ++m_p;
            if (m_p < m_end && isBlank(*m_p)) {
                if (m_strict)
                    return fail(m_p, QStringLiteral("OpenMetrics allows exactly one space before %1").arg(QLatin1String(what)));
                skipBlanks();
            }
            return true;
        }
        if (m_p >= m_end || !isBlank(*m_p))
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
            if (m_p < m_end && isBlank(*m_p)) {
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
        if (m_om && m_strict && isBlank(*m_p))
            return fail(m_p, QStringLiteral("trailing whitespace is not allowed in OpenMetrics"));
        return fail(m_p, QStringLiteral("unexpected %1 at end of line").arg(quoted(std::string_view(m_p, 1))));
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
        if (m_p >= m_end || !isNameStart(*m_p))
            return fail(m_p, QStringLiteral("expected a metric name %1 (letters, digits, '_' or ':', not starting with a digit)")
                                 .arg(QLatin1String(context)));
        ++m_p;
        while (m_p < m_end && isNameChar(*m_p))
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
                    return fail(start + i, QStringLiteral("backslash at end of text (write \\\\ for a backslash)"));
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
                if (m_strict)
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

    bool metadataLine();
    bool sampleLine();
    bool labels(std::uint32_t &begin, std::uint32_t &count);
    bool exemplar(int f, std::string_view suffix);
    int familyForMetadata(std::string_view name);
    int familyForSample(std::string_view name, std::string_view &suffix);
    bool enterFamily(int f, const char *at);
    bool checkSample(int f, std::string_view suffix, const MetricsScrape::Sample &s, const char *at);
    bool suffixAllowed(MetricType t, std::string_view suffix) const;

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
    FamilyIndex m_index;
    std::vector<FamilyState> m_state;
    int m_current = -1;
    std::unordered_set<std::string> m_seriesSeen;  // strict mode only
};

bool PromTextParserImpl::run()
{
    if (m_opt.maxBodyBytes > 0 && m_end - m_begin > m_opt.maxBodyBytes)
        return fail(m_begin, QStringLiteral("body is %1 bytes, over the limit of %2 bytes (body_size_limit); "
                                            "raise the limit or shrink the exporter's output")
                                 .arg(qint64(m_end - m_begin))
                                 .arg(qint64(m_opt.maxBodyBytes)));
    if (m_end - m_begin > qint64(UINT32_MAX / 2))
        return fail(m_begin, QStringLiteral("body over 2 GiB cannot be parsed"));
    const size_t size = size_t(m_end - m_begin);
    m_out.m_arena.reserve(size);
    m_out.m_samples.reserve(size / 48 + 8);
    m_out.m_labels.reserve(size / 40 + 8);
    m_out.m_families.reserve(size / 200 + 8);
    m_state.reserve(size / 200 + 8);

    while (m_p < m_end) {
        m_lineStart = m_p;
        if (m_sawEof)
            return fail(m_p, QStringLiteral("content after '# EOF' (it must be the last line)"));
        if (m_om) {
            if (*m_p == '\n' || (!m_strict && *m_p == '\r')) {
                if (m_strict)
                    return fail(m_p, QStringLiteral("empty lines are not allowed in OpenMetrics"));
                ++m_p;
                if (m_p[-1] == '\r' && m_p < m_end && *m_p == '\n')
                    ++m_p;
                ++m_line;
                continue;
            }
            if (!m_strict)
                skipBlanks();
        } else {
            skipBlanks();
        }
        bool ok;
        if (atLineEnd())
            ok = endLine();
        else if (*m_p == '#')
            ok = metadataLine();
        else
            ok = sampleLine();
        if (!ok)
            return false;
        ++m_line;
    }
    m_lineStart = m_p;
    if (m_om && !m_sawEof)
        return fail(m_p, QStringLiteral("missing '# EOF' (OpenMetrics requires it as the last line)"));
    return true;
}

int PromTextParserImpl::familyForMetadata(std::string_view name)
{
    int f = m_index.find(name);
    if (f >= 0)
        return f;
    f = int(m_out.m_families.size());
    MetricsScrape::Family fam;
    fam.name = append(name);
    m_out.m_families.push_back(fam);
    m_state.push_back(FamilyState{name, false});
    m_index.insert(name, f);
    return f;
}

bool PromTextParserImpl::enterFamily(int f, const char *at)
{
    if (f == m_current)
        return true;
    if (m_current >= 0)
        m_state[size_t(m_current)].closed = true;
    if (m_strict && m_state[size_t(f)].closed)
        return fail(at, QStringLiteral("lines of metric family %1 are not grouped together (a family must be one block)")
                            .arg(quoted(m_state[size_t(f)].inputName)));
    m_current = f;
    return true;
}

bool PromTextParserImpl::suffixAllowed(MetricType t, std::string_view suffix) const
{
    if (suffix.empty())
        return true;
    if (!m_om) {
        switch (t) {
        case MetricType::Histogram: return suffix == "_bucket" || suffix == "_sum" || suffix == "_count";
        case MetricType::Summary: return suffix == "_sum" || suffix == "_count";
        default: return false;
        }
    }
    switch (t) {
    case MetricType::Counter: return suffix == "_total" || suffix == "_created";
    case MetricType::Histogram:
        return suffix == "_bucket" || suffix == "_sum" || suffix == "_count" || suffix == "_created";
    case MetricType::GaugeHistogram: return suffix == "_bucket" || suffix == "_gsum" || suffix == "_gcount";
    case MetricType::Summary: return suffix == "_sum" || suffix == "_count" || suffix == "_created";
    case MetricType::Info: return suffix == "_info";
    default: return false;
    }
}

int PromTextParserImpl::familyForSample(std::string_view name, std::string_view &suffix)
{
    suffix = {};
    // Fast path: the sample continues the family being read.
    if (m_current >= 0) {
        const std::string_view cur = m_state[size_t(m_current)].inputName;
        if (name.size() >= cur.size() && name.compare(0, cur.size(), cur) == 0) {
            const std::string_view rest = name.substr(cur.size());
            if (suffixAllowed(m_out.m_families[size_t(m_current)].type, rest)) {
                suffix = rest;
                return m_current;
            }
        }
    }
    const int exact = m_index.find(name);
    if (exact >= 0)
        return exact;
    for (std::string_view s : kSuffixes) {
        if (name.size() > s.size() && name.compare(name.size() - s.size(), s.size(), s) == 0) {
            const int base = m_index.find(name.substr(0, name.size() - s.size()));
            if (base >= 0 && suffixAllowed(m_out.m_families[size_t(base)].type, s)) {
                suffix = s;
                return base;
            }
        }
    }
    return familyForMetadata(name);
}

bool PromTextParserImpl::metadataLine()
{
    const char *hash = m_p;
    ++m_p;  // '#'
    if (m_om) {
        if (m_p >= m_end || *m_p != ' ') {
            if (m_strict)
                return fail(m_p, QStringLiteral("expected '# HELP', '# TYPE', '# UNIT' or '# EOF' (OpenMetrics has no free comments)"));
            restOfLine();
            return endLine();
        }
        ++m_p;
    } else {
        skipBlanks();
    }
    const char *kwAt = m_p;
    const std::string_view kw = token();
    if (m_om && kw == "EOF") {
        m_sawEof = true;
        if (!m_strict && m_p + 1 < m_end && m_p[0] == '\r' && m_p[1] == '\n')
            ++m_p;
        if (m_p < m_end && *m_p == '\n')
            ++m_p;
        if (m_p < m_end) {
            if (m_p[-1] == '\n') {
                ++m_line;
                m_lineStart = m_p;
            }
            return fail(m_p, QStringLiteral("content after '# EOF' (it must be the last line)"));
        }
        return true;
    }
    const bool isHelp = kw == "HELP";
    const bool isType = kw == "TYPE";
    const bool isUnit = m_om && kw == "UNIT";
    if (!isHelp && !isType && !isUnit) {
        if (m_om && m_strict)
            return fail(kwAt, QStringLiteral("unknown metadata %1 (OpenMetrics allows HELP, TYPE, UNIT and EOF)").arg(quoted(kw)));
        restOfLine();  // a plain comment
        return endLine();
    }
    if (!m_om) {
        // expfmt (promtool) reads "# HELP" or "# TYPE name" with nothing
        // after as a plain comment, not an error.
        skipBlanks();
        if (atLineEnd())
            return endLine();
        m_p = kwAt + kw.size();
    }
    if (!separator("the metric name"))
        return false;
    std::string_view name;
    const char *nameAt = m_p;
    if (!metricName(name, m_om ? "" : ""))
        return false;
    if (!tokenEnd(m_p))
        return fail(m_p, QStringLiteral("invalid character %1 in metric name").arg(quoted(std::string_view(m_p, 1))));
    const int f = familyForMetadata(name);
    MetricsScrape::Family &fam = m_out.m_families[size_t(f)];
    if (!enterFamily(f, hash))
        return false;
    if (m_strict && fam.sampleCount > 0)
        return fail(kwAt, QStringLiteral("%1 line for %2 comes after its samples (metadata must come first)")
                              .arg(QLatin1String(kw.data(), qsizetype(kw.size())), quoted(name)));

    if (isHelp) {
        if (m_strict && fam.hasHelp)
            return fail(kwAt, QStringLiteral("second HELP line for %1").arg(quoted(name)));
        std::string_view text;
        const char *textAt = m_p;
        if (!atLineEnd()) {
            if (!separator("the help text"))
                return false;
            textAt = m_p;
            text = restOfLine();
        }
        MetricsScrape::Span span;
        if (!appendEscaped(textAt, text, m_om, span))
            return false;
        // Two HELP lines in lenient mode: the last one wins, as in Prometheus.
        fam.help = span;
        fam.hasHelp = true;
        return endLine();
    }
    if (isUnit) {
        if (m_strict && fam.hasUnit)
            return fail(kwAt, QStringLiteral("second UNIT line for %1").arg(quoted(name)));
        std::string_view unit;
        if (!atLineEnd()) {
            if (!separator("the unit"))
                return false;
            const char *unitAt = m_p;
            unit = token();
            for (char c : unit) {
                if (!isNameChar(c))
                    return fail(unitAt, QStringLiteral("invalid unit %1").arg(quoted(unit)));
            }
        }
        if (m_strict && !unit.empty()) {
            const std::string tail = "_" + std::string(unit);
            if (name.size() <= tail.size() || name.compare(name.size() - tail.size(), tail.size(), tail) != 0)
                return fail(nameAt, QStringLiteral("metric family %1 has unit %2 but its name does not end in %3")
                                        .arg(quoted(name), quoted(unit), quoted(tail)));
        }
        fam.unit = append(unit);
        fam.hasUnit = true;
        return endLine();
    }
    // TYPE
    if (!m_om && atLineEnd())
        return endLine();
    if (m_strict && fam.hasType)
        return fail(kwAt, QStringLiteral("second TYPE line for %1").arg(quoted(name)));
    if (!separator("the type"))
        return false;
    const char *typeAt = m_p;
    const std::string_view t = token();
    MetricType type;
    if (t == "counter")
        type = MetricType::Counter;
    else if (t == "gauge")
        type = MetricType::Gauge;
    else if (t == "histogram")
        type = MetricType::Histogram;
    else if (t == "summary")
        type = MetricType::Summary;
    else if (!m_om && t == "untyped")
        type = MetricType::Untyped;
    else if (m_om && t == "unknown")
        type = MetricType::Untyped;
    else if (m_om && t == "gaugehistogram")
        type = MetricType::GaugeHistogram;
    else if (m_om && t == "info")
        type = MetricType::Info;
    else if (m_om && t == "stateset")
        type = MetricType::StateSet;
    else
        return fail(typeAt, QStringLiteral("unknown metric type %1 (expected %2)")
                                .arg(quoted(t), m_om ? QStringLiteral("counter, gauge, histogram, gaugehistogram, summary, info, stateset or unknown")
                                                     : QStringLiteral("counter, gauge, histogram, summary or untyped")));
    fam.type = type;
    fam.hasType = true;
    return endLine();
}

bool PromTextParserImpl::labels(std::uint32_t &begin, std::uint32_t &count)
{
    ++m_p;  // '{'
    begin = std::uint32_t(m_out.m_labels.size());
    count = 0;
    const bool loose = !m_om;
    bool afterComma = false;
    for (;;) {
        if (loose)
            skipBlanks();
        if (m_p >= m_end || *m_p == '\n')
            return fail(m_p, QStringLiteral("label set is missing its closing '}'"));
        if (*m_p == '}') {
            if (afterComma && m_om && m_strict)
                return fail(m_p, QStringLiteral("trailing comma in label set is not allowed in OpenMetrics"));
            ++m_p;
            return true;
        }
        const char *nameAt = m_p;
        if (!isLabelStart(*m_p))
            return fail(m_p, QStringLiteral("expected a label name (letters, digits and '_', not starting with a digit)"));
        while (m_p < m_end && isLabelChar(*m_p))
            ++m_p;
        const std::string_view name(nameAt, size_t(m_p - nameAt));
        if (loose)
            skipBlanks();
        if (m_p >= m_end || *m_p != '=')
            return fail(m_p, QStringLiteral("expected '=' after label name %1").arg(quoted(name)));
        ++m_p;
        if (loose)
            skipBlanks();
        if (m_p >= m_end || *m_p != '"')
            return fail(m_p, QStringLiteral("expected '\"' to open the value of label %1").arg(quoted(name)));
        ++m_p;
        const char *valueAt = m_p;
        bool escaped = false;
        bool high = false;
        while (m_p < m_end && *m_p != '"') {
            const char c = *m_p;
            if (c == '\\') {
                if (m_p + 1 < m_end && m_p[1] == '\n')
                    break;
                escaped = true;
                m_p += 2;
                continue;
            }
            if (c == '\n')
                break;
            high |= static_cast<unsigned char>(c) >= 0x80;
            ++m_p;
        }
        if (m_p >= m_end || *m_p != '"') {
            if (m_p > m_end)
                m_p = m_end;
            return fail(valueAt - 1, QStringLiteral("value of label %1 is missing its closing '\"'").arg(quoted(name)));
        }
        const std::string_view raw(valueAt, size_t(m_p - valueAt));
        ++m_p;

        if (m_opt.maxLabelLength > 0 && (name.size() > size_t(m_opt.maxLabelLength) || raw.size() > size_t(m_opt.maxLabelLength)))
            return fail(nameAt, QStringLiteral("label %1 is %2 bytes long, over the limit of %3 bytes (label length limit)")
                                    .arg(quoted(name))
                                    .arg(qint64(std::max(name.size(), raw.size())))
                                    .arg(m_opt.maxLabelLength));
        if (m_opt.maxLabelsPerSeries > 0 && int(count) >= m_opt.maxLabelsPerSeries)
            return fail(nameAt, QStringLiteral("series has more than %1 labels (label_limit); drop labels at the exporter or raise the limit")
                                    .arg(m_opt.maxLabelsPerSeries));
        if (high && !validUtf8(raw))
            return fail(valueAt, QStringLiteral("value of label %1 is not valid UTF-8").arg(quoted(name)));
        for (std::uint32_t i = 0; i < count; ++i) {
            if (m_out.text(m_out.m_labels[begin + i].name) == name)
                return fail(nameAt, QStringLiteral("label %1 appears twice in one series").arg(quoted(name)));
        }
        MetricsScrape::Label label;
        label.name = append(name);
        if (escaped) {
            if (!appendEscaped(valueAt, raw, true, label.value))
                return false;
        } else {
            label.value = append(raw);
        }
        m_out.m_labels.push_back(label);
        ++count;

        if (loose)
            skipBlanks();
        if (m_p < m_end && *m_p == ',') {
            ++m_p;
            afterComma = true;
            continue;
        }
        afterComma = false;
        if (m_p < m_end && *m_p == '}') {
            ++m_p;
            return true;
        }
        return fail(m_p, QStringLiteral("expected ',' or '}' after the value of label %1").arg(quoted(name)));
    }
}

bool PromTextParserImpl::checkSample(int f, std::string_view suffix, const MetricsScrape::Sample &s, const char *at)
{
    const MetricsScrape::Family &fam = m_out.m_families[size_t(f)];
    const std::string_view rawName = m_state[size_t(f)].inputName;
    auto fname = [rawName] { return quoted(rawName); };
    auto floatLabel = [&](std::string_view lname) -> bool {
        const auto v = m_out.label(s, lname);
        if (!v)
            return fail(at, QStringLiteral("%1 sample of %2 needs a '%3' label")
                                .arg(QLatin1String(metricTypeName(fam.type)), fname(), QLatin1String(lname.data(), qsizetype(lname.size()))));
        double d;
        if (!parseValue(*v, m_om, d))
            return fail(at, QStringLiteral("label '%1' of %2 must be a number, got %3")
                                .arg(QLatin1String(lname.data(), qsizetype(lname.size())), fname(), quoted(*v)));
        return true;
    };
    switch (fam.type) {
    case MetricType::Histogram:
    case MetricType::GaugeHistogram:
        if (suffix.empty())
            return fail(at, QStringLiteral("histogram %1: sample names must end in _bucket, %2").arg(fname(),
                            fam.type == MetricType::Histogram ? QStringLiteral("_sum or _count") : QStringLiteral("_gsum or _gcount")));
        if (suffix == "_bucket")
            return floatLabel("le");
        return true;
    case MetricType::Summary:
        if (suffix.empty())
            return floatLabel("quantile");
        return true;
    case MetricType::Counter:
        if (m_om && suffix.empty())
            return fail(at, QStringLiteral("counter %1: OpenMetrics counter samples end in _total (or _created)").arg(fname()));
        if (m_om && suffix == "_total" && (std::isnan(s.value) || s.value < 0))
            return fail(at, QStringLiteral("counter %1 has a negative or NaN value").arg(fname()));
        return true;
    case MetricType::Info:
        if (suffix.empty())
            return fail(at, QStringLiteral("info %1: samples end in _info").arg(fname()));
        return true;
    default:
        return true;
    }
}

bool PromTextParserImpl::exemplar(int f, std::string_view suffix)
{
    // " # {labels} value [timestamp]": checked, not kept.
    const char *exAt = m_p;
    ++m_p;
    if (m_p >= m_end || *m_p != ' ')
        return fail(m_p, QStringLiteral("expected ' ' after '#' of an exemplar"));
    ++m_p;
    if (m_p >= m_end || *m_p != '{')
        return fail(m_p, QStringLiteral("expected '{' to open the exemplar's labels"));
    const size_t arenaMark = m_out.m_arena.size();
    const size_t labelMark = m_out.m_labels.size();
    std::uint32_t b = 0;
    std::uint32_t c = 0;
    if (!labels(b, c))
        return false;
    size_t runes = 0;
    for (std::uint32_t i = 0; i < c; ++i) {
        const auto &l = m_out.m_labels[b + i];
        for (char ch : m_out.text(l.name))
            runes += (static_cast<unsigned char>(ch) & 0xC0) != 0x80;
        for (char ch : m_out.text(l.value))
            runes += (static_cast<unsigned char>(ch) & 0xC0) != 0x80;
    }
    m_out.m_arena.resize(arenaMark);
    m_out.m_labels.resize(labelMark);
    if (m_strict && runes > 128)
        return fail(exAt, QStringLiteral("exemplar labels are %1 characters long, over OpenMetrics' 128").arg(qint64(runes)));
    if (!separator("the exemplar value"))
        return false;
    const char *evAt = m_p;
    const std::string_view ev = token();
    double d;
    if (!parseValue(ev, m_strict, d))
        return fail(evAt, QStringLiteral("invalid exemplar value %1").arg(quoted(ev)));
    if (!atLineEnd()) {
        if (!gap())
            return false;
        const char *etAt = m_p;
        const std::string_view et = token();
        if (!parseDecimal(et, d))
            return fail(etAt, QStringLiteral("invalid exemplar timestamp %1").arg(quoted(et)));
    }
    if (m_strict) {
        const MetricType t = m_out.m_families[size_t(f)].type;
        const bool allowed = (suffix == "_bucket" && (t == MetricType::Histogram || t == MetricType::GaugeHistogram)) ||
                             (suffix == "_total" && t == MetricType::Counter);
        if (!allowed)
            return fail(exAt, QStringLiteral("exemplars are only allowed on histogram buckets and counter _total samples"));
    }
    return true;
}

bool PromTextParserImpl::sampleLine()
{
    const char *at = m_p;
    std::string_view name;
    if (!metricName(name, "at the start of a sample line"))
        return false;
    std::string_view suffix;
    const int f = familyForSample(name, suffix);
    if (!enterFamily(f, at))
        return false;

    if (m_opt.maxSamples > 0 && qsizetype(m_out.m_samples.size()) >= m_opt.maxSamples)
        return fail(at, QStringLiteral("more than %1 samples in one scrape (sample_limit); drop series at the exporter or raise the limit")
                            .arg(qint64(m_opt.maxSamples)));

    MetricsScrape::Sample s;
    s.family = std::uint32_t(f);
    s.labelBegin = std::uint32_t(m_out.m_labels.size());
    if (!m_om) {
        // Blanks may separate the name from its label set.
        const char *afterName = m_p;
        skipBlanks();
        if (m_p >= m_end || *m_p != '{')
            m_p = afterName;
    }
    if (m_p < m_end && *m_p == '{') {
        if (!labels(s.labelBegin, s.labelCount))
            return false;
    }
    if (m_p < m_end && !isBlank(*m_p) && !atLineEnd())
        return fail(m_p, QStringLiteral("invalid character %1 after metric name").arg(quoted(std::string_view(m_p, 1))));
    if (!separator("the sample value"))
        return false;
    const char *valueAt = m_p;
    const std::string_view v = token();
    if (v.empty())
        return fail(valueAt, QStringLiteral("missing sample value"));
    if (!parseValue(v, m_om && m_strict, s.value))
        return fail(valueAt, QStringLiteral("invalid sample value %1 (expected a number, NaN, +Inf or -Inf)").arg(quoted(v)));

    if (!atLineEnd()) {
        if (!gap())
            return false;
        if (!atLineEnd() && *m_p != '#') {
            const char *tsAt = m_p;
            const std::string_view t = token();
            if (m_om) {
                double ts;
                if (!parseDecimal(t, ts) || !std::isfinite(ts))
                    return fail(tsAt, QStringLiteral("invalid timestamp %1 (OpenMetrics timestamps are seconds, e.g. 1520879607.789)").arg(quoted(t)));
                s.timestampMs = std::llround(ts * 1000.0);
            } else {
                std::int64_t ts = 0;
                const size_t start = (!t.empty() && t[0] == '+') ? 1 : 0;
                const auto res = std::from_chars(t.data() + start, t.data() + t.size(), ts);
                if (t.empty() || res.ec != std::errc() || res.ptr != t.data() + t.size())
                    return fail(tsAt, QStringLiteral("invalid timestamp %1 (expected integer milliseconds since the epoch)").arg(quoted(t)));
                s.timestampMs = ts;
            }
            s.hasTimestamp = true;
            if (!atLineEnd() && !gap())
                return false;
        }
        if (!atLineEnd()) {
            if (*m_p != '#') {
                const char *extraAt = m_p;
                return fail(extraAt, QStringLiteral("unexpected text %1 after the sample").arg(quoted(restOfLine())));
            }
            if (!m_om)
                return fail(m_p, QStringLiteral("unexpected '#' after the sample (Prometheus text has no exemplars)"));
            if (!exemplar(f, suffix))
                return false;
        }
    }

    s.name = append(name);
    if (m_strict) {
        if (!checkSample(f, suffix, s, at))
            return false;
        std::vector<std::pair<std::string_view, std::string_view>> ls;
        for (const auto &l : m_out.labels(s))
            ls.emplace_back(m_out.text(l.name), m_out.text(l.value));
        std::sort(ls.begin(), ls.end());
        std::string key(name);
        for (const auto &[k, val] : ls) {
            key += '\xff';
            key += k;
            key += '\xfe';
            key += val;
        }
        if (!m_seriesSeen.insert(std::move(key)).second)
            return fail(at, QStringLiteral("duplicate series %1 (same name and labels as an earlier line)")
                                .arg(QString::fromStdString(m_out.seriesKey(s))));
    }
    m_out.m_families[size_t(f)].sampleCount++;
    m_out.m_samples.push_back(s);
    return endLine();
}

Result<MetricsScrape> PromTextParser::parse(std::string_view body) const
{
    MetricsScrape out;
    PromTextParserImpl p(m_options, body, out);
    if (!p.run())
        return Error{p.error};
    return out;
}

PromTextParser::Format PromTextParser::formatForContentType(QByteArrayView contentType)
{
    return QByteArrayView(contentType).trimmed().startsWith("application/openmetrics-text") ? Format::OpenMetrics
                                                                                         : Format::Prometheus;
}

}  // namespace turno
