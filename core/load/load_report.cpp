#include "load_report.h"

#include <QJsonArray>
#include <QTextStream>

namespace turno {

const char *loadErrorName(LoadErrorKind kind)
{
    switch (kind) {
    case LoadErrorKind::Connect: return "connect";
    case LoadErrorKind::Io: return "io";
    case LoadErrorKind::Timeout: return "timeout";
    case LoadErrorKind::Http: return "http";
    case LoadErrorKind::Status: return "status";
    case LoadErrorKind::Json: return "json";
    case LoadErrorKind::WrongId: return "wrong_id";
    case LoadErrorKind::Turno: return "turno_range";
    }
    return "unknown";
}

uint64_t LoadReport::errorTotal() const
{
    uint64_t n = 0;
    for (uint64_t e : errors)
        n += e;
    return n;
}

double LoadReport::errorRate() const
{
    return double(errorTotal()) / double(sent ? sent : 1);
}

namespace {

QJsonObject latencyJson(const LatencySummary &l)
{
    return QJsonObject{{QStringLiteral("min_ms"), l.minMs},   {QStringLiteral("mean_ms"), l.meanMs},
                       {QStringLiteral("p50_ms"), l.p50Ms},   {QStringLiteral("p90_ms"), l.p90Ms},
                       {QStringLiteral("p99_ms"), l.p99Ms},   {QStringLiteral("p999_ms"), l.p999Ms},
                       {QStringLiteral("max_ms"), l.maxMs}};
}

QJsonObject errorsJson(const LoadErrorCounts &e)
{
    QJsonObject o;
    for (int k = 0; k < kLoadErrorKinds; ++k)
        o.insert(QLatin1String(loadErrorName(LoadErrorKind(k))), double(e[size_t(k)]));
    return o;
}

QJsonArray findingsJson(const std::vector<TurnoFinding> &list)
{
    QJsonArray a;
    for (const TurnoFinding &f : list)
        a.append(QJsonObject{{QStringLiteral("id"), QString::fromStdString(f.id)}, {QStringLiteral("turno"), double(f.turno)}});
    return a;
}

QString ms(double v)
{
    return QString::number(v, 'f', 3);
}

}  // namespace

QJsonObject LoadReport::toJson() const
{
    QJsonObject statusJson;
    for (const auto &[code, n] : statuses)
        statusJson.insert(QString::number(code), double(n));
    QJsonArray series;
    for (const LoadProgress &p : timeline) {
        series.append(QJsonObject{{QStringLiteral("second"), p.elapsedSeconds},
                                  {QStringLiteral("req_per_s"), p.requestsPerSecond},
                                  {QStringLiteral("latency"), latencyJson(p.latency)},
                                  {QStringLiteral("errors"), errorsJson(p.errors)}});
    }
    QJsonObject o{{QStringLiteral("url"), url},
                  {QStringLiteral("connections"), connections},
                  {QStringLiteral("threads"), threads},
                  {QStringLiteral("mode"), targetRate > 0 ? QStringLiteral("open") : QStringLiteral("closed")},
                  {QStringLiteral("target_rate"), targetRate},
                  {QStringLiteral("id_pattern"), idPattern},
                  {QStringLiteral("ids"), double(idCount)},
                  {QStringLiteral("id_prefix"), idPrefix},
                  {QStringLiteral("duration_s"), durationSeconds},
                  {QStringLiteral("requests"), double(sent)},
                  {QStringLiteral("answers"), double(answers)},
                  {QStringLiteral("ok"), double(ok)},
                  {QStringLiteral("unanswered"), double(unanswered)},
                  {QStringLiteral("reconnects"), double(reconnects)},
                  {QStringLiteral("req_per_s"), requestsPerSecond},
                  {QStringLiteral("latency"), latencyJson(latency)},
                  {QStringLiteral("errors"), errorsJson(errors)},
                  {QStringLiteral("error_total"), double(errorTotal())},
                  {QStringLiteral("error_rate"), errorRate()},
                  {QStringLiteral("statuses"), statusJson},
                  {QStringLiteral("duplicates"), double(duplicates)},
                  {QStringLiteral("gaps"), double(gaps)},
                  {QStringLiteral("duplicate_examples"), findingsJson(duplicateExamples)},
                  {QStringLiteral("gap_examples"), findingsJson(gapExamples)},
                  {QStringLiteral("timeline"), series}};
    if (!failure.isEmpty())
        o.insert(QStringLiteral("failure"), failure);
    return o;
}

QString LoadReport::toCsv() const
{
    QString out;
    QTextStream s(&out);
    s << "second,req_per_s,p50_ms,p90_ms,p99_ms,p999_ms";
    for (int k = 0; k < kLoadErrorKinds; ++k)
        s << ",err_" << loadErrorName(LoadErrorKind(k));
    s << ",duplicates,gaps\n";
    for (const LoadProgress &p : timeline) {
        s << QString::number(p.elapsedSeconds, 'f', 1) << ',' << QString::number(p.requestsPerSecond, 'f', 1) << ','
          << ms(p.latency.p50Ms) << ',' << ms(p.latency.p90Ms) << ',' << ms(p.latency.p99Ms) << ',' << ms(p.latency.p999Ms);
        for (uint64_t e : p.errors)
            s << ',' << e;
        s << ',' << p.duplicatesSoFar << ",\n";
    }
    s << "total," << QString::number(requestsPerSecond, 'f', 1) << ',' << ms(latency.p50Ms) << ',' << ms(latency.p90Ms)
      << ',' << ms(latency.p99Ms) << ',' << ms(latency.p999Ms);
    for (uint64_t e : errors)
        s << ',' << e;
    s << ',' << duplicates << ',' << gaps << '\n';
    return out;
}

QString LoadReport::toText() const
{
    QString out;
    QTextStream s(&out);
    s << "target:      " << url << " (" << connections << " connections, " << threads << " threads, "
      << (targetRate > 0 ? QStringLiteral("open loop at %1 req/s").arg(targetRate) : QStringLiteral("closed loop")) << ")\n";
    s << "ids:         " << idCount << ' ' << idPattern << " (prefix " << idPrefix << ")\n";
    s << "duration:    " << QString::number(durationSeconds, 'f', 2) << " s\n";
    s << "requests:    " << sent << " sent, " << answers << " answered, " << ok << " ok, " << unanswered << " unanswered\n";
    s << "req/s:       " << QString::number(requestsPerSecond, 'f', 1) << "\n";
    s << "latency ms:  p50 " << ms(latency.p50Ms) << "  p90 " << ms(latency.p90Ms) << "  p99 " << ms(latency.p99Ms)
      << "  p99.9 " << ms(latency.p999Ms) << "  max " << ms(latency.maxMs) << "\n";
    s << "errors:      " << errorTotal();
    if (errorTotal()) {
        s << " (";
        bool first = true;
        for (int k = 0; k < kLoadErrorKinds; ++k) {
            if (!errors[size_t(k)])
                continue;
            s << (first ? "" : ", ") << loadErrorName(LoadErrorKind(k)) << ' ' << errors[size_t(k)];
            first = false;
        }
        s << ')';
    }
    s << "\n";
    if (statuses.size() > 1 || (statuses.size() == 1 && statuses.begin()->first != 200)) {
        s << "statuses:   ";
        for (const auto &[code, n] : statuses)
            s << ' ' << code << 'x' << n;
        s << "\n";
    }
    s << "duplicates: " << duplicates << "\n";
    for (const TurnoFinding &f : duplicateExamples)
        s << "  duplicate: id " << QString::fromStdString(f.id) << " turno " << f.turno << "\n";
    s << "gaps: " << gaps << "\n";
    for (const TurnoFinding &f : gapExamples)
        s << "  missing: id " << QString::fromStdString(f.id) << " turno " << f.turno << "\n";
    if (!failure.isEmpty())
        s << "failure:     " << failure << "\n";
    return out;
}

}  // namespace turno
