// Metric family bookkeeping for PromTextParser: which family a line belongs to
// (suffixes by type), grouping of families, and per-type checks of samples.
#include "metrics/prom_text_internal.h"

#include <cmath>

namespace turno {

using promtext::kSuffixes;
using promtext::parseValue;
using promtext::quoted;

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
    if (m_om && m_strict && !omEnterFamily(f, at))
        return false;
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
        if (!parseValue(*v, d))
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

}  // namespace turno
