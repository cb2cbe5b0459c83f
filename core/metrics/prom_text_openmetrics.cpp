// OpenMetrics 1.0 semantics for PromTextParser's checker (format OpenMetrics,
// strict): per-type values, MetricPoints (buckets, counts, sums), grouping of
// Metrics and MetricPoints, timestamps, clashing family names. Section names in
// the messages' comments are those of the specification (OpenMetrics.md).
#include "metrics/prom_text_internal.h"

#include <algorithm>
#include <cmath>
#include <utility>

namespace turno {

using promtext::kSuffixes;
using promtext::parseValue;
using promtext::quoted;

namespace {

QString num(double v)
{
    if (std::isnan(v))
        return QStringLiteral("NaN");
    if (std::isinf(v))
        return v > 0 ? QStringLiteral("+Inf") : QStringLiteral("-Inf");
    return QString::number(v, 'g', 17);
}

bool integral(double v) { return std::isfinite(v) && std::floor(v) == v; }

QString latin(std::string_view s) { return QString::fromUtf8(s.data(), qsizetype(s.size())); }

}  // namespace

// "Suffixes": a family's name must not be a sample name another family could
// produce, nor may its own sample names be another family.
bool PromTextParserImpl::omNameClash(int f, const char *at)
{
    const std::string_view name = m_state[size_t(f)].inputName;
    for (std::string_view s : kSuffixes) {
        if (name.size() > s.size() && name.compare(name.size() - s.size(), s.size(), s) == 0) {
            const int base = m_index.find(name.substr(0, name.size() - s.size()));
            if (base >= 0 && base != f && suffixAllowed(m_out.m_families[size_t(base)].type, s))
                return fail(at, QStringLiteral("name clash: family %1 is also a sample name of the %2 family %3")
                                    .arg(quoted(name), QLatin1String(metricTypeName(m_out.m_families[size_t(base)].type)),
                                         quoted(m_state[size_t(base)].inputName)));
        }
    }
    const MetricType t = m_out.m_families[size_t(f)].type;
    std::string generated(name);
    for (std::string_view s : kSuffixes) {
        if (!suffixAllowed(t, s))
            continue;
        generated.resize(name.size());
        generated += s;
        const int other = m_index.find(generated);
        if (other >= 0 && other != f)
            return fail(at, QStringLiteral("name clash: %1 family %2 has samples called %3, which is another family")
                                .arg(QLatin1String(metricTypeName(t)), quoted(name), quoted(generated)));
    }
    return true;
}

// "Info" and "StateSet": MetricFamilies of these types MUST have an empty Unit.
bool PromTextParserImpl::omTypeRules(int f, const char *at)
{
    const MetricsScrape::Family &fam = m_out.m_families[size_t(f)];
    if ((fam.type == MetricType::Info || fam.type == MetricType::StateSet) && fam.hasUnit && fam.unit.size > 0)
        return fail(at, QStringLiteral("unit: %1 family %2 must have an empty UNIT")
                            .arg(QLatin1String(metricTypeName(fam.type)), quoted(m_state[size_t(f)].inputName)));
    return true;
}

bool PromTextParserImpl::omEnterFamily(int f, const char *at)
{
    if (!omEndPoint())
        return false;
    m_closedMetrics.clear();
    FamilyState &st = m_state[size_t(f)];
    if (!st.entered) {
        st.entered = true;
        if (!omNameClash(f, at))
            return false;
    }
    return true;
}

// The rules of "Histogram" and "GaugeHistogram" that need the whole MetricPoint.
bool PromTextParserImpl::omEndPoint()
{
    if (!m_point.open)
        return true;
    OmPoint &p = m_point;
    p.open = false;
    const MetricsScrape::Family &fam = m_out.m_families[size_t(p.family)];
    const bool gauge = fam.type == MetricType::GaugeHistogram;
    if (fam.type != MetricType::Histogram && !gauge)
        return true;
    const QString fn = quoted(m_state[size_t(p.family)].inputName);
    const QLatin1String type(metricTypeName(fam.type));
    const QLatin1String count(gauge ? "_gcount" : "_count");
    const QLatin1String sum(gauge ? "_gsum" : "_sum");
    if (!p.infBucket)
        return failLine(p.lastLine, QStringLiteral("%1 %2: MetricPoint has no bucket with le=\"+Inf\" (every %1 point needs one)")
                                        .arg(type, fn));
    if (p.hasSum && !p.hasCount)
        return failLine(p.sumLine, QStringLiteral("%1 %2: %3 without %4 (a point has both or neither)").arg(type, fn, sum, count));
    if (p.hasCount && !p.hasSum)
        return failLine(p.countLine, QStringLiteral("%1 %2: %3 without %4 (a point has both or neither)").arg(type, fn, count, sum));
    if (p.hasCount && p.count != p.infValue)
        return failLine(p.countLine, QStringLiteral("%1 %2: %3 is %4 but the +Inf bucket is %5 (they must be equal)")
                                         .arg(type, fn, count, num(p.count), num(p.infValue)));
    if (!gauge && p.hasSum && p.negativeLe)
        return failLine(p.sumLine, QStringLiteral("histogram %1: a point with negative buckets must not have _sum").arg(fn));
    if (gauge && p.hasSum && p.sum < 0 && !p.negativeLe)
        return failLine(p.sumLine, QStringLiteral("gaugehistogram %1: _gsum is negative without negative buckets").arg(fn));
    return true;
}

bool PromTextParserImpl::omSample(int f, std::string_view suffix, const MetricsScrape::Sample &s, const OmLine &line)
{
    const MetricsScrape::Family &fam = m_out.m_families[size_t(f)];
    const std::string_view familyName = m_state[size_t(f)].inputName;
    const QString fn = quoted(familyName);
    const QLatin1String type(metricTypeName(fam.type));
    const double v = s.value;
    const char *lineAt = m_lineStart;
    auto valueRule = [&](const QString &rule) { return fail(line.valueAt, QStringLiteral("%1 %2: %3").arg(type, fn, rule)); };
    auto counterLike = [&](const char *what, bool integer) -> bool {
        if (std::isnan(v) || v < 0)
            return valueRule(QStringLiteral("%1 must not be NaN or negative, got %2").arg(QLatin1String(what), num(v)));
        if (integer && !integral(v))
            return valueRule(QStringLiteral("%1 must be a whole number, got %2").arg(QLatin1String(what), num(v)));
        return true;
    };
    auto noLabel = [&](std::string_view label) -> bool {
        if (m_out.label(s, label))
            return fail(lineAt, QStringLiteral("%1 %2: only %3 samples take a '%4' label")
                                    .arg(type, fn, label == "le" ? QStringLiteral("_bucket") : QStringLiteral("quantile"), latin(label)));
        return true;
    };

    // The label that names the sample inside its MetricPoint, not the Metric.
    std::string_view pointLabel;
    double le = 0;
    switch (fam.type) {
    case MetricType::Histogram:
    case MetricType::GaugeHistogram:
        if (suffix == "_bucket") {
            pointLabel = "le";
            const std::string_view text = *m_out.label(s, "le");
            parseValue(text, le);  // checkSample proved it is a number
            if (std::isnan(le))
                return fail(lineAt, QStringLiteral("%1 %2: bucket thresholds (le) must not be NaN").arg(type, fn));
            if (std::isinf(le) && le > 0 && text != "+Inf")
                return fail(lineAt, QStringLiteral("%1 %2: the +Inf bucket's le must be written \"+Inf\", not %3").arg(type, fn, quoted(text)));
            if (!counterLike("bucket values", true))
                return false;
        } else {
            if (!noLabel("le"))
                return false;
            if (suffix == "_count" || suffix == "_gcount") {
                if (!counterLike(suffix == "_count" ? "_count" : "_gcount", true))
                    return false;
            } else if (suffix == "_sum") {
                if (!counterLike("_sum", false))
                    return false;
            } else if (suffix == "_gsum" && std::isnan(v)) {
                return valueRule(QStringLiteral("_gsum must not be NaN"));
            }
        }
        break;
    case MetricType::Summary:
        if (suffix.empty()) {
            pointLabel = "quantile";
            double q = 0;
            parseValue(*m_out.label(s, "quantile"), q);  // checkSample proved it is a number
            if (!(q >= 0 && q <= 1))
                return fail(lineAt, QStringLiteral("summary %1: quantile must be between 0 and 1, got %2").arg(fn, quoted(*m_out.label(s, "quantile"))));
            if (v < 0)
                return valueRule(QStringLiteral("quantile values must not be negative, got %1").arg(num(v)));
        } else {
            if (!noLabel("quantile"))
                return false;
            if (suffix == "_count" && !counterLike("_count", true))
                return false;
            if (suffix == "_sum" && !counterLike("_sum", false))
                return false;
        }
        break;
    case MetricType::Info:
        if (v != 1)
            return valueRule(QStringLiteral("the value of an info sample must be 1, got %1").arg(num(v)));
        break;
    case MetricType::StateSet:
        pointLabel = familyName;
        if (!m_out.label(s, familyName))
            return fail(lineAt, QStringLiteral("stateset %1: each sample needs a label named after the family ('%2=\"state\"')")
                                    .arg(fn, latin(familyName)));
        if (v != 0 && v != 1)
            return valueRule(QStringLiteral("state values must be 0 or 1, got %1").arg(num(v)));
        break;
    default:
        break;
    }
    if (line.hasExemplar && suffix == "_bucket" && line.exemplarValue > le)
        return fail(line.exemplarAt, QStringLiteral("%1 %2: exemplar value %3 is above its bucket's le %4")
                                         .arg(type, fn, num(line.exemplarValue), num(le)));

    // The Metric is the label set without the point label; its MetricPoints
    // and its Metrics must each be contiguous ("MetricPoint", "Metric").
    std::vector<std::pair<std::string_view, std::string_view>> &ls = m_omLabels;
    ls.clear();
    std::string_view pointValue;
    for (const auto &l : m_out.labels(s)) {
        const std::string_view n = m_out.text(l.name);
        if (!pointLabel.empty() && n == pointLabel)
            pointValue = m_out.text(l.value);
        else
            ls.emplace_back(n, m_out.text(l.value));
    }
    std::sort(ls.begin(), ls.end());
    std::string &metric = m_omMetric;
    metric.clear();
    for (const auto &[k, val] : ls) {
        metric += k;
        metric += '\xfe';
        metric += val;
        metric += '\xff';
    }
    std::string &series = m_omSeries;
    series.assign(suffix);
    series += '\xff';
    series += pointValue;

    OmPoint &p = m_point;
    const bool sameMetric = p.open && p.metric == metric;
    bool newPoint = !sameMetric;
    if (!sameMetric) {
        if (p.open) {
            if (!omEndPoint())
                return false;
            m_closedMetrics.insert(p.metric);
        }
        if (m_closedMetrics.count(metric))
            return fail(lineAt, QStringLiteral("%1 %2: the samples of one Metric (label set) are not together (Metrics must not be interleaved)")
                                    .arg(type, fn));
    } else {
        if (s.hasTimestamp != p.timestamped)
            return fail(s.hasTimestamp ? line.tsAt : lineAt,
                        QStringLiteral("timestamps: some samples of this Metric have a timestamp and others not"));
        if (s.hasTimestamp && line.tsSeconds < p.ts)
            return fail(line.tsAt, QStringLiteral("timestamps: %1 is before %2, the previous MetricPoint of this Metric (they must increase)")
                                       .arg(num(line.tsSeconds), num(p.ts)));
        const bool repeated = std::find(p.series.begin(), p.series.end(), series) != p.series.end();
        if (repeated && !s.hasTimestamp)
            return fail(lineAt, QStringLiteral("duplicate series %1 (same name and labels, no timestamps to tell the points apart)")
                                    .arg(QString::fromStdString(m_out.seriesKey(s))));
        if (s.hasTimestamp && (line.tsSeconds > p.ts || repeated)) {
            if (!omEndPoint())
                return false;
            newPoint = true;
        }
    }
    if (newPoint) {
        // Field by field: the point's strings keep their capacity.
        if (!sameMetric)
            p.metric = metric;
        p.series.clear();
        p.open = true;
        p.family = f;
        p.timestamped = s.hasTimestamp;
        p.ts = line.tsSeconds;
        p.buckets = 0;
        p.lastLe = p.lastBucket = p.infValue = p.count = p.sum = 0;
        p.infBucket = p.negativeLe = p.hasCount = p.hasSum = false;
        p.countLine = p.sumLine = 0;
    }
    p.series.push_back(series);
    p.lastLine = m_line;

    if (fam.type == MetricType::Histogram || fam.type == MetricType::GaugeHistogram) {
        if (suffix == "_bucket") {
            if (p.buckets > 0 && le == p.lastLe)
                return fail(lineAt, QStringLiteral("%1 %2: le=%3 appears twice in one MetricPoint (thresholds must be unique)")
                                        .arg(type, fn, quoted(pointValue)));
            if (p.buckets > 0 && le < p.lastLe)
                return fail(lineAt, QStringLiteral("%1 %2: buckets must be in increasing order of le (%3 after %4)")
                                        .arg(type, fn, num(le), num(p.lastLe)));
            if (p.buckets > 0 && v < p.lastBucket)
                return valueRule(QStringLiteral("bucket counts must be cumulative (%1 is below the previous bucket's %2)")
                                     .arg(num(v), num(p.lastBucket)));
            ++p.buckets;
            p.lastLe = le;
            p.lastBucket = v;
            p.negativeLe |= le < 0;
            if (std::isinf(le) && le > 0) {
                p.infBucket = true;
                p.infValue = v;
            }
        } else if (suffix == "_count" || suffix == "_gcount") {
            p.hasCount = true;
            p.count = v;
            p.countLine = m_line;
        } else if (suffix == "_sum" || suffix == "_gsum") {
            p.hasSum = true;
            p.sum = v;
            p.sumLine = m_line;
        }
    }
    return true;
}

}  // namespace turno
