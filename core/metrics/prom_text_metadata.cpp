// Metadata lines for PromTextParser: "# HELP", "# TYPE", "# UNIT", "# EOF" and
// plain comments.
#include "metrics/prom_text_internal.h"

namespace turno {

using promtext::isNameChar;
using promtext::quoted;
using promtext::validUtf8;

// OpenMetrics strings are UTF-8 ("Strings"). A bare double quote in HELP is
// outside the ABNF's normal-char, but the OpenMetrics test suite accepts it
// (help_escaping), as Prometheus and client_python do: so do we.
bool PromTextParserImpl::omHelpText(const char *at, std::string_view text)
{
    if (!validUtf8(text))
        return fail(at, QStringLiteral("HELP text is not valid UTF-8"));
    return true;
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
        if (m_strict && !omEndPoint())
            return false;
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
        if (m_om && m_strict && atLineEnd())
            return fail(m_p, QStringLiteral("HELP needs a space after the metric name, then the text (which may be empty)"));
        if (!atLineEnd()) {
            if (!separator("the help text"))
                return false;
            textAt = m_p;
            text = restOfLine();
        }
        if (m_om && m_strict && !omHelpText(textAt, text))
            return false;
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
        if (m_om && m_strict && atLineEnd())
            return fail(m_p, QStringLiteral("UNIT needs a space after the metric name, then the unit (which may be empty)"));
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
        if (m_om && m_strict && !omTypeRules(f, kwAt))
            return false;
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
    if (m_om && m_strict && (!omTypeRules(f, kwAt) || !omNameClash(f, nameAt)))
        return false;
    return endLine();
}

}  // namespace turno
