#include "capacity_finder.h"

#include "load_engine.h"

#include <QJsonArray>
#include <QTextStream>
#include <algorithm>

namespace turno {

CapacityStep CapacityFinder::judge(const CapacityConfig &config, double rate, const LoadReport &report)
{
    CapacityStep s;
    s.rate = rate;
    s.achieved = report.requestsPerSecond;
    s.latency = report.latency;
    s.errorRate = report.errorRate();
    s.duplicates = report.duplicates;
    QStringList why;
    if (report.latency.p99Ms > config.sloP99Ms)
        why << QStringLiteral("p99 %1 ms > SLO %2 ms").arg(report.latency.p99Ms, 0, 'f', 3).arg(config.sloP99Ms);
    if (s.errorRate > config.maxErrorRate)
        why << QStringLiteral("error rate %1 > %2").arg(s.errorRate).arg(config.maxErrorRate);
    if (report.duplicates)
        why << QStringLiteral("%1 duplicate turnos").arg(report.duplicates);
    // The server keeps up only if it answered (nearly) as fast as we asked.
    if (s.achieved < config.minAchievedRatio * rate)
        why << QStringLiteral("answered %1 req/s of %2 asked").arg(s.achieved, 0, 'f', 0).arg(rate, 0, 'f', 0);
    if (!report.failure.isEmpty())
        why << report.failure;
    s.sustainable = why.isEmpty();
    s.why = why.join(QStringLiteral("; "));
    return s;
}

CapacityReport CapacityFinder::run(const CapacityConfig &config, const StepCallback &onStep, const std::atomic<bool> *stop)
{
    CapacityReport out;
    auto runStep = [&](double rate) {
        LoadConfig c = config.base;
        c.rate = rate;
        c.durationSeconds = config.stepSeconds;
        c.requests = 0;
        const LoadReport r = LoadEngine::run(c, {}, stop);
        CapacityStep s = judge(config, rate, r);
        out.steps.push_back(s);
        if (onStep)
            onStep(s);
        return s.sustainable;
    };

    double rate = config.startRate;
    double lastGood = 0;
    double firstBad = 0;
    for (int i = 0; i < config.maxSteps && !(stop && stop->load()); ++i) {
        if (runStep(rate)) {
            lastGood = rate;
            rate *= config.growth;
        } else {
            firstBad = rate;
            break;
        }
    }
    if (firstBad > 0) {
        out.foundLimit = true;
        double low = lastGood;
        double high = firstBad;
        for (int i = 0; i < config.refineSteps && low > 0 && high - low > 0.02 * high && !(stop && stop->load()); ++i) {
            const double mid = (low + high) / 2;
            if (runStep(mid))
                low = mid;
            else
                high = mid;
        }
        lastGood = low;
    }
    out.highestSustainable = lastGood;

    // Knee: first rate (in rate order) whose p99 is over twice the calmest p99 so far.
    std::vector<CapacityStep> byRate = out.steps;
    std::sort(byRate.begin(), byRate.end(), [](const CapacityStep &a, const CapacityStep &b) { return a.rate < b.rate; });
    double calmest = 0;
    for (const CapacityStep &s : byRate) {
        if (calmest > 0 && s.latency.p99Ms > 2 * calmest) {
            out.knee = s.rate;
            break;
        }
        if (calmest == 0 || s.latency.p99Ms < calmest)
            calmest = s.latency.p99Ms;
    }
    if (out.knee == 0 && firstBad > 0)
        out.knee = firstBad;
    return out;
}

QJsonObject CapacityReport::toJson() const
{
    QJsonArray a;
    for (const CapacityStep &s : steps)
        a.append(QJsonObject{{QStringLiteral("rate"), s.rate},
                             {QStringLiteral("achieved"), s.achieved},
                             {QStringLiteral("p50_ms"), s.latency.p50Ms},
                             {QStringLiteral("p99_ms"), s.latency.p99Ms},
                             {QStringLiteral("p999_ms"), s.latency.p999Ms},
                             {QStringLiteral("error_rate"), s.errorRate},
                             {QStringLiteral("duplicates"), double(s.duplicates)},
                             {QStringLiteral("sustainable"), s.sustainable},
                             {QStringLiteral("why"), s.why}});
    return QJsonObject{{QStringLiteral("highest_sustainable_rate"), highestSustainable},
                       {QStringLiteral("knee_rate"), knee},
                       {QStringLiteral("found_limit"), foundLimit},
                       {QStringLiteral("steps"), a}};
}

QString CapacityReport::toCsv() const
{
    QString out;
    QTextStream s(&out);
    s << "rate,achieved,p50_ms,p99_ms,p999_ms,error_rate,duplicates,sustainable\n";
    for (const CapacityStep &st : steps)
        s << QString::number(st.rate, 'f', 1) << ',' << QString::number(st.achieved, 'f', 1) << ','
          << QString::number(st.latency.p50Ms, 'f', 3) << ',' << QString::number(st.latency.p99Ms, 'f', 3) << ','
          << QString::number(st.latency.p999Ms, 'f', 3) << ',' << st.errorRate << ',' << st.duplicates << ','
          << (st.sustainable ? "yes" : "no") << '\n';
    return out;
}

QString CapacityReport::toText() const
{
    QString out;
    QTextStream s(&out);
    s << "      rate    achieved    p50 ms    p99 ms  errors  verdict\n";
    for (const CapacityStep &st : steps)
        s << QString::number(st.rate, 'f', 0).rightJustified(10) << QString::number(st.achieved, 'f', 0).rightJustified(12)
          << QString::number(st.latency.p50Ms, 'f', 3).rightJustified(10)
          << QString::number(st.latency.p99Ms, 'f', 3).rightJustified(10)
          << QString::number(st.errorRate * 100, 'f', 2).rightJustified(7) << "%  "
          << (st.sustainable ? QStringLiteral("ok") : QStringLiteral("FAIL: ") + st.why) << '\n';
    s << "highest sustainable rate: " << QString::number(highestSustainable, 'f', 0) << " req/s"
      << (foundLimit ? "" : " (limit not reached: raise --max-steps or --start-rate)") << '\n';
    s << "knee: " << (knee > 0 ? QString::number(knee, 'f', 0) + QStringLiteral(" req/s") : QStringLiteral("not seen")) << '\n';
    return out;
}

}  // namespace turno
