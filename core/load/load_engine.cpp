#include "load_engine.h"

#include "latency_histogram.h"
#include "load_worker.h"
#include "turno_answer_check.h"

#include <arpa/inet.h>
#include <chrono>
#include <cmath>
#include <condition_variable>
#include <memory>
#include <random>
#include <thread>

namespace turno {

namespace {

uint64_t monoNs()
{
    timespec ts{};
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return uint64_t(ts.tv_sec) * 1'000'000'000ULL + uint64_t(ts.tv_nsec);
}

LatencySummary summarize(const LatencyHistogram &h)
{
    auto ms = [](uint64_t ns) { return double(ns) / 1e6; };
    LatencySummary s;
    s.minMs = ms(h.min());
    s.meanMs = h.mean() / 1e6;
    s.p50Ms = ms(h.valueAtPercentile(50));
    s.p90Ms = ms(h.valueAtPercentile(90));
    s.p99Ms = ms(h.valueAtPercentile(99));
    s.p999Ms = ms(h.valueAtPercentile(99.9));
    s.maxMs = ms(h.max());
    return s;
}

std::string randomPrefix(uint64_t seed)
{
    static const char alphabet[] = "abcdefghijklmnopqrstuvwxyz0123456789";
    std::mt19937_64 rng(seed);
    std::string p = "bench-";
    for (int i = 0; i < 10; ++i)
        p.push_back(alphabet[rng() % 36]);
    return p;
}

const char *patternName(IdPattern p)
{
    switch (p) {
    case IdPattern::Single: return "single";
    case IdPattern::Uniform: return "uniform";
    case IdPattern::Zipf: return "zipf";
    }
    return "single";
}

using Workers = std::vector<std::unique_ptr<LoadWorker>>;

// The requests, id names and timings every worker reads; false when the host is not an IPv4 address.
bool fillPlan(LoadPlan &plan, const LoadConfig &config, const std::string &prefix, uint32_t idCount,
              const std::atomic<bool> *stop)
{
    plan.address.sin_family = AF_INET;
    plan.address.sin_port = htons(config.port);
    if (::inet_pton(AF_INET, config.host.c_str(), &plan.address.sin_addr) != 1)
        return false;
    plan.ids.reserve(idCount);
    for (uint32_t k = 0; k < idCount; ++k) {
        plan.ids.push_back(loadIdName(prefix, k, idCount));
        plan.requests.push_back("GET " + config.pathPrefix + plan.ids.back() + " HTTP/1.1\r\nHost: " + config.hostHeader +
                                "\r\n\r\n");
        plan.prefixes.push_back(TurnoAnswerCheck::canonicalPrefix(plan.ids.back()));
    }
    if (config.pattern == IdPattern::Zipf && idCount > 1) {
        plan.zipfCdf.resize(idCount);
        double sum = 0;
        for (uint32_t k = 0; k < idCount; ++k) {
            sum += 1.0 / std::pow(double(k + 1), config.zipfExponent);
            plan.zipfCdf[k] = sum;
        }
    }
    plan.totalConnections = config.connections;
    plan.rate = config.rate;
    plan.timeoutNs = uint64_t(config.requestTimeoutSeconds * 1e9);
    plan.drainNs = std::min<uint64_t>(plan.timeoutNs, 2'000'000'000ULL);
    plan.maxExamples = config.maxExamples;
    plan.externalStop = stop;
    plan.answerObserver = config.answerObserver;
    // A short lead so every thread is up before the first request is due.
    plan.startNs = monoNs() + 20'000'000ULL;
    plan.endNs = plan.startNs + uint64_t(config.durationSeconds * 1e9);
    return true;
}

// Connections and the request budget shared out over the threads; a thread with no budget is left out.
Workers makeWorkers(const LoadConfig &config, const LoadPlan &plan, uint64_t seed)
{
    const int threads = config.threads;
    Workers workers;
    int first = 0;
    for (int t = 0; t < threads; ++t) {
        const int conns = config.connections / threads + (t < config.connections % threads ? 1 : 0);
        uint64_t budget = 0;
        if (config.requests) {
            budget = config.requests / uint64_t(threads) + (uint64_t(t) < config.requests % uint64_t(threads) ? 1 : 0);
            if (budget == 0)
                continue;
        }
        workers.push_back(std::make_unique<LoadWorker>(plan, first, conns, budget, seed + 0x9E3779B97F4A7C15ULL * uint64_t(t + 1)));
        first += conns;
    }
    return workers;
}

// Collects what the workers published since the last tick into one LoadProgress, keeping running totals.
class TickCollector {
public:
    TickCollector(const Workers &workers, LoadReport &report, const LoadEngine::ProgressCallback &progress)
        : m_workers(workers), m_report(report), m_progress(progress)
    {
    }

    void emitTick(double elapsed)
    {
        LoadCounters c;
        m_histogram.reset();
        for (auto &w : m_workers)
            w->takeInterval(&m_histogram, &c);
        LoadProgress p;
        p.elapsedSeconds = elapsed;
        p.requestsPerSecond = double(c.answers) / std::max(0.05, elapsed - m_previousElapsed);
        m_previousElapsed = elapsed;
        m_answersTotal += c.answers;
        m_duplicatesTotal += c.duplicates;
        p.answersTotal = m_answersTotal;
        p.latency = summarize(m_histogram);
        p.errors = c.errors;
        for (size_t k = 0; k < m_errorsTotal.size(); ++k)
            m_errorsTotal[k] += c.errors[k];
        p.errorsTotal = m_errorsTotal;
        p.duplicatesSoFar = m_duplicatesTotal;
        m_report.timeline.push_back(p);
        if (m_progress)
            m_progress(p);
    }

private:
    const Workers &m_workers;
    LoadReport &m_report;
    const LoadEngine::ProgressCallback &m_progress;
    LoadErrorCounts m_errorsTotal{};
    uint64_t m_answersTotal = 0;
    uint64_t m_duplicatesTotal = 0;
    LatencyHistogram m_histogram;
    double m_previousElapsed = 0;
};

// Runs the workers on their threads until all are done, reporting once a second and the last partial second.
void driveWorkers(const Workers &workers, LoadPlan &plan, const std::atomic<bool> *stop,
                  const LoadEngine::ProgressCallback &progress, LoadReport &report)
{
    std::atomic<int> running{int(workers.size())};
    std::mutex doneMutex;
    std::condition_variable doneCv;
    std::vector<std::thread> pool;
    for (auto &w : workers) {
        pool.emplace_back([&, worker = w.get()] {
            worker->run();
            std::lock_guard<std::mutex> lock(doneMutex);
            --running;
            doneCv.notify_all();
        });
    }

    TickCollector ticks(workers, report, progress);
    uint64_t tickNs = plan.startNs + 1'000'000'000ULL;
    for (int tick = 0; tick < 24 * 3600 + 10; ++tick) {
        {
            std::unique_lock<std::mutex> lock(doneMutex);
            const uint64_t now = monoNs();
            const auto wait = std::chrono::nanoseconds(tickNs > now ? tickNs - now : 0);
            doneCv.wait_for(lock, wait, [&] { return running.load() == 0; });
            if (stop && stop->load())
                plan.stop.store(true);
            if (running.load() == 0)
                break;
        }
        ticks.emitTick(double(tickNs - plan.startNs) / 1e9);
        tickNs += 1'000'000'000ULL;
    }
    for (std::thread &t : pool)
        t.join();
    // The last, partial second: what was answered after the final full tick.
    uint64_t finishedAt = plan.startNs;
    for (auto &w : workers)
        finishedAt = std::max(finishedAt, w->finishedNs());
    const uint64_t lastTick = tickNs - 1'000'000'000ULL;
    if (finishedAt > lastTick + 50'000'000ULL)
        ticks.emitTick(double(finishedAt - plan.startNs) / 1e9);
}

// Totals, and the cross-thread half of the uniqueness check.
void collectTotals(const Workers &workers, const LoadPlan &plan, const LoadConfig &config, uint32_t idCount,
                   bool freshIds, LoadReport &report)
{
    LatencyHistogram total;
    LoadCounters counters;
    TurnoLedger ledger(idCount);
    std::vector<TurnoExample> dupExamples;
    uint64_t finished = plan.startNs;
    std::map<int, uint64_t> statuses;
    for (auto &w : workers) {
        total.merge(w->totalHistogram());
        counters.add(w->totals());
        report.unanswered += w->unanswered();
        finished = std::max(finished, w->finishedNs());
        for (const TurnoExample &e : w->duplicateExamples())
            if (dupExamples.size() < config.maxExamples)
                dupExamples.push_back(e);
        counters.duplicates += ledger.mergeFrom(w->ledger(), &dupExamples, config.maxExamples);
        for (size_t s = 0; s < w->statuses().size(); ++s)
            if (w->statuses()[s])
                statuses[int(s)] += w->statuses()[s];
    }
    std::vector<TurnoExample> gapExamples;
    report.gaps = ledger.gaps(freshIds, &gapExamples, config.maxExamples);
    report.duplicates = counters.duplicates;
    for (const TurnoExample &e : dupExamples)
        report.duplicateExamples.push_back({plan.ids[e.idIndex], e.turno});
    for (const TurnoExample &e : gapExamples)
        report.gapExamples.push_back({plan.ids[e.idIndex], e.turno});
    for (uint32_t k = 0; k < idCount && report.highestIssued.size() < LoadReport::kMaxHighestIssued; ++k)
        if (ledger.highest(k) > 0)
            report.highestIssued.push_back({plan.ids[k], ledger.highest(k)});
    report.durationSeconds = double(finished - plan.startNs) / 1e9;
    report.sent = counters.sent;
    report.answers = counters.answers;
    report.ok = counters.ok;
    report.reconnects = counters.reconnects;
    report.errors = counters.errors;
    report.statuses = statuses;
    report.requestsPerSecond = report.durationSeconds > 0 ? double(counters.answers) / report.durationSeconds : 0;
    report.latency = summarize(total);
}

}  // namespace

LoadReport LoadEngine::run(const LoadConfig &config, const ProgressCallback &progress, const std::atomic<bool> *stop)
{
    LoadReport report;
    report.url = config.url();
    report.connections = config.connections;
    report.threads = config.threads;
    report.targetRate = config.rate;
    report.idPattern = QString::fromLatin1(patternName(config.pattern));

    const uint64_t seed = config.seed ? config.seed : uint64_t(std::chrono::system_clock::now().time_since_epoch().count());
    const bool freshIds = config.idPrefix.empty();
    const std::string prefix = freshIds ? randomPrefix(seed) : config.idPrefix;
    const uint32_t idCount = config.pattern == IdPattern::Single ? 1 : config.idCount;
    report.idCount = idCount;
    report.idPrefix = QString::fromStdString(prefix);

    LoadPlan plan;
    if (!fillPlan(plan, config, prefix, idCount, stop)) {
        report.failure = QStringLiteral("target host '%1' is not an IPv4 address").arg(QString::fromStdString(config.host));
        return report;
    }
    const Workers workers = makeWorkers(config, plan, seed);
    driveWorkers(workers, plan, stop, progress, report);
    collectTotals(workers, plan, config, idCount, freshIds, report);
    return report;
}

}  // namespace turno
