// Sample lines for PromTextParser: name, label set, value, timestamp and the
// OpenMetrics exemplar, plus the duplicate-series check of strict mode.
#include "metrics/prom_text_internal.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <utility>

namespace turno {

using promtext::isBlank;
using promtext::isLabelChar;
using promtext::isLabelStart;
using promtext::parseDecimal;
using promtext::parseValue;
using promtext::quoted;
using promtext::validUtf8;

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

bool PromTextParserImpl::exemplar(int f, std::string_view suffix, OmLine &line)
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
    if (!parseValue(ev, d))
        return fail(evAt, QStringLiteral("invalid exemplar value %1").arg(quoted(ev)));
    line.hasExemplar = true;
    line.exemplarValue = d;
    line.exemplarAt = exAt;
    if (!atLineEnd()) {
        if (!gap())
            return false;
        const char *etAt = m_p;
        const std::string_view et = token();
        if (!parseDecimal(et, d) || !std::isfinite(d))
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
    OmLine om;
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
    om.valueAt = valueAt;
    if (!parseValue(v, s.value))
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
                om.tsAt = tsAt;
                om.tsSeconds = ts;
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
            if (!exemplar(f, suffix, om))
                return false;
        }
    }

    s.name = append(name);
    if (m_strict) {
        if (!checkSample(f, suffix, s, at))
            return false;
        if (m_om)
            return omSample(f, suffix, s, om) && pushSample(f, s);
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
    return pushSample(f, s);
}

}  // namespace turno
