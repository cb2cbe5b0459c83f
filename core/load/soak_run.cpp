#include "soak_run.h"

#include "common/proc_sample.h"
#include "load_engine.h"

#include <QElapsedTimer>
#include <QJsonArray>
#include <cmath>

namespace turno {

namespace {

constexpr int kPollMs = 50;

SoakWindow sampled(SoakWindow w, qint64 pid)
{
    const Result<ProcSample> s = ProcSample::read(pid);
    w.procOk = s.ok();
    w.rssKiB = s.ok() ? s->rssKiB : 0;
    w.fds = s.ok() ? s->fds : 0;
    return w;
}

// The rate to hold: given, or the fraction of the capacity found first (0 when none was).
double chooseRate(const SoakConfig &c, const std::function<void(const SoakEvent &)> &onEvent, const std::atomic<bool> *stop,
                  double *capacity)
{
    *capacity = 0;
    if (c.rate)
        return *c.rate;
    CapacityConfig search;
    search.base = c.base;
    search.base.idPrefix.clear();  // the search's numbers stay out of the soak's ids
    search.sloP99Ms = c.sloP99Ms;
    search.stepSeconds = 3;
    const CapacityReport r = CapacityFinder::run(
        search,
        [&](const CapacityStep &s) {
            SoakEvent e;
            e.kind = SoakEvent::Kind::CapacityStep;
            e.step = s;
            onEvent(e);
        },
        stop);
    *capacity = r.highestSustainable;
    return *capacity * c.fraction;
}

SoakWindow runWindow(const SoakConfig &c, const LoadConfig &load, int k, const QElapsedTimer &clock, const std::atomic<bool> *stop)
{
    SoakWindow w;
    w.index = k;
    w.warmup = k == 1;
    // Sampled on the progress ticks while the load runs (not the final one,
    // after the connections closed), so every row counts the same sockets.
    const LoadReport r = LoadEngine::run(
        load,
        [&](const LoadProgress &p) {
            if (p.elapsedSeconds <= c.intervalS - 0.5)
                w = sampled(w, c.pid);
        },
        stop);
    if (!w.procOk)
        w = sampled(w, c.pid);
    w.elapsedS = double(clock.elapsed()) / 1000.0;
    w.achieved = r.requestsPerSecond;
    w.latency = r.latency;
    w.answers = r.answers;
    w.errors = r.errorTotal();
    w.duplicates = r.duplicates;
    w.gaps = r.gaps;
    return w;
}

}  // namespace

int SoakConfig::plannedWindows() const
{
    return int(std::floor(durationS / intervalS + 1e-9));
}

QJsonObject SoakReport::toJson() const
{
    QJsonArray list;
    for (const SoakWindow &w : windows)
        list.append(w.toJson());
    return QJsonObject{{QStringLiteral("target"), url},
                       {QStringLiteral("pid"), double(pid)},
                       {QStringLiteral("capacity"), capacity},
                       {QStringLiteral("fraction"), capacity > 0 ? fraction : 0.0},
                       {QStringLiteral("rate"), rate},
                       {QStringLiteral("interval_s"), intervalS},
                       {QStringLiteral("duration_s"), durationS},
                       {QStringLiteral("windows"), list},
                       {QStringLiteral("checks"), verdict.checksJson()},
                       {QStringLiteral("broken"), QJsonArray::fromStringList(verdict.broken)},
                       {QStringLiteral("passed"), verdict.passed}};
}

Result<void> SoakRun::validate(const SoakConfig &c)
{
    if (c.pid <= 0)
        return Error{QStringLiteral("a soak needs the server's process id (--pid) to watch its RSS and descriptors")};
    if (!(c.intervalS > 0) || c.durationS < 2 * c.intervalS)
        return Error{QStringLiteral("--duration %1 s must cover at least two --interval %2 s windows (the first is the warm-up)")
                         .arg(c.durationS)
                         .arg(c.intervalS)};
    if (c.rate && !(*c.rate > 0))
        return Error{QStringLiteral("--rate must be above 0 req/s")};
    if (!c.rate && (!(c.fraction > 0) || c.fraction > 1 || !(c.sloP99Ms > 0)))
        return Error{QStringLiteral("without --rate, --fraction must be in (0, 1] and --slo-p99-ms above 0")};
    return validateLoadConfig(c.base);
}

SoakReport SoakRun::execute(const SoakConfig &c, const std::function<void(const SoakEvent &)> &onEvent, const std::atomic<bool> *stop)
{
    SoakReport report;
    report.url = c.target.isEmpty() ? c.base.url() : c.target;
    report.pid = c.pid;
    report.fraction = c.fraction;
    report.intervalS = c.intervalS;
    report.durationS = c.durationS;
    report.plannedWindows = c.plannedWindows();
    const auto stopped = [stop] { return stop && stop->load(); };

    report.rate = chooseRate(c, onEvent, stop, &report.capacity);
    if (!c.rate && report.capacity <= 0) {
        report.outcome = SoakReport::Outcome::NoCapacity;
        report.interrupted = stopped();
        report.error = QStringLiteral("%1 sustained no step of the capacity search (p99 SLO %2 ms); give --rate R or a larger --slo-p99-ms")
                           .arg(report.url)
                           .arg(c.sloP99Ms);
        return report;
    }
    SoakEvent holding;
    holding.kind = SoakEvent::Kind::Holding;
    holding.capacity = report.capacity;
    holding.rate = report.rate;
    onEvent(holding);

    LoadConfig load = c.base;
    load.rate = report.rate;
    load.durationSeconds = c.intervalS;
    QElapsedTimer clock;
    clock.start();
    for (int k = 1; k <= report.plannedWindows && !stopped(); ++k) {
        SoakEvent e;
        e.kind = SoakEvent::Kind::Window;
        e.window = runWindow(c, load, k, clock, stop);
        report.windows.push_back(e.window);
        onEvent(e);
        if (!e.window.procOk)
            break;  // the server is gone: nothing more to measure
    }
    report.interrupted = stopped();
    if (report.windows.empty() || report.windows.front().answers == 0) {
        report.outcome = SoakReport::Outcome::NoAnswers;
        report.error = QStringLiteral("no answers from %1; is the server running there?").arg(report.url);
        return report;
    }
    report.verdict = SoakVerdict::judge(report.windows, report.plannedWindows, c.limits, report.interrupted, c.pid);
    return report;
}

SoakRun::SoakRun(SoakConfig config, QObject *parent) : QObject(parent), m_config(std::move(config))
{
    qRegisterMetaType<turno::CapacityStep>();
    qRegisterMetaType<turno::SoakWindow>();
    qRegisterMetaType<turno::SoakReport>();
    m_poll.setInterval(kPollMs);
    connect(&m_poll, &QTimer::timeout, this, &SoakRun::deliver);
}

SoakRun::~SoakRun()
{
    m_stop.store(true);
    if (m_thread.joinable())
        m_thread.join();
}

Result<void> SoakRun::start()
{
    if (m_running)
        return Error{QStringLiteral("this soak is already running")};
    if (const Result<void> valid = validate(m_config); !valid)
        return valid;
    if (m_thread.joinable())
        m_thread.join();
    m_stop.store(false);
    m_mailbox.reset();
    m_running = true;
    m_thread = std::thread([this] {
        SoakReport report = execute(m_config, [this](const SoakEvent &e) { m_mailbox.post(e); }, &m_stop);
        m_mailbox.finish(std::move(report));
    });
    m_poll.start();
    return {};
}

void SoakRun::deliver()
{
    std::vector<SoakEvent> events;
    const bool done = m_mailbox.take(events, &m_report);
    for (const SoakEvent &e : events) {
        switch (e.kind) {
        case SoakEvent::Kind::CapacityStep:
            emit capacityStep(e.step);
            break;
        case SoakEvent::Kind::Holding:
            emit holding(e.capacity, e.rate);
            break;
        case SoakEvent::Kind::Window:
            emit windowDone(e.window);
            break;
        }
    }
    if (!done)
        return;
    m_poll.stop();
    if (m_thread.joinable())
        m_thread.join();
    m_running = false;
    emit finished(m_report);
}

void SoakRun::stop()
{
    m_stop.store(true);
}

}  // namespace turno
