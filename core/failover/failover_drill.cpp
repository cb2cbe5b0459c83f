#include "failover/failover_drill.h"

#include "failover/balancer_probe.h"
#include "failover/failover_controller.h"
#include "failover/supervisor_failover_fleet.h"
#include "fleet/fleet_supervisor.h"
#include "fleet/managed_process.h"
#include "redis/resp_client.h"
#include "load/load_run.h"

#include <QCoreApplication>
#include <QElapsedTimer>
#include <QJsonArray>
#include <QPointer>
#include <QTemporaryDir>
#include <QTimer>
#include <algorithm>
#include <csignal>
#include <optional>

namespace turno {

namespace {

double median(QList<double> v)
{
    if (v.isEmpty())
        return -1;
    std::sort(v.begin(), v.end());
    const qsizetype n = v.size();
    return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

}  // namespace

// ---- results ------------------------------------------------------------------

double DrillModeResult::medianSwitchMs(const QString &kind) const
{
    QList<double> v;
    for (const DrillSwitch &e : events)
        if (e.kind == kind && e.switchMs >= 0)
            v << double(e.switchMs);
    return median(v);
}

qint64 DrillModeResult::maxSwitchMs(const QString &kind) const
{
    qint64 m = -1;
    for (const DrillSwitch &e : events)
        if (e.kind == kind)
            m = std::max(m, e.switchMs);
    return m;
}

double DrillModeResult::medianRecoverMs() const
{
    QList<double> v;
    for (const DrillSwitch &e : events)
        if (e.kind == QLatin1String("kill") && e.recoverMs >= 0)
            v << double(e.recoverMs);
    return median(v);
}

qint64 DrillModeResult::maxRecoverMs() const
{
    qint64 m = -1;
    for (const DrillSwitch &e : events)
        if (e.kind == QLatin1String("kill"))
            m = std::max(m, e.recoverMs);
    return m;
}

double DrillModeResult::medianFailed(const QString &kind) const
{
    QList<double> v;
    for (const DrillSwitch &e : events)
        if (e.kind == kind)
            v << double(e.failedRequests);
    return median(v);
}

int DrillModeResult::failures(const QString &kind) const
{
    int n = 0;
    for (const DrillSwitch &e : events)
        n += e.kind == kind && !e.ok ? 1 : 0;
    return n;
}

QJsonObject DrillModeResult::toJson() const
{
    QJsonArray list;
    for (const DrillSwitch &e : events)
        list << QJsonObject{{QStringLiteral("kind"), e.kind},
                            {QStringLiteral("from"), e.from},
                            {QStringLiteral("to"), e.to},
                            {QStringLiteral("ok"), e.ok},
                            {QStringLiteral("switchMs"), e.switchMs},
                            {QStringLiteral("recoverMs"), e.recoverMs},
                            {QStringLiteral("failedRequests"), qint64(e.failedRequests)},
                            {QStringLiteral("message"), e.message}};
    QJsonObject o{{QStringLiteral("mode"), mode},
                  {QStringLiteral("ran"), ran},
                  {QStringLiteral("requests"), qint64(requests)},
                  {QStringLiteral("ok"), qint64(ok)},
                  {QStringLiteral("failed"), qint64(failed)},
                  {QStringLiteral("duplicates"), qint64(duplicates)},
                  {QStringLiteral("burned"), qint64(burned)},
                  {QStringLiteral("achievedRate"), achievedRate},
                  {QStringLiteral("plannedRequests"), qint64(plannedRequests)},
                  {QStringLiteral("plannedFailed"), qint64(plannedFailed)},
                  {QStringLiteral("plannedSwitchMedianMs"), medianSwitchMs(QStringLiteral("planned"))},
                  {QStringLiteral("plannedSwitchMaxMs"), maxSwitchMs(QStringLiteral("planned"))},
                  {QStringLiteral("killRecoverMedianMs"), medianRecoverMs()},
                  {QStringLiteral("killRecoverMaxMs"), maxRecoverMs()},
                  {QStringLiteral("countersChecked"), countersChecked},
                  {QStringLiteral("countersBelowIssued"), countersBelow},
                  {QStringLiteral("events"), list}};
    if (!failure.isEmpty())
        o.insert(QStringLiteral("failure"), failure);
    if (!duplicateExamples.isEmpty())
        o.insert(QStringLiteral("duplicateExamples"), QJsonArray::fromStringList(duplicateExamples));
    return o;
}

QString FailoverDrill::table(const QList<DrillModeResult> &results)
{
    QString t;
    for (const DrillModeResult &r : results) {
        if (!r.ran) {
            t += QStringLiteral("%1: did not run: %2\n").arg(r.mode, r.failure);
            continue;
        }
        auto count = [&r](const char *kind) {
            return int(std::count_if(r.events.begin(), r.events.end(), [kind](const DrillSwitch &e) { return e.kind == QLatin1String(kind); }));
        };
        const int planned = count("planned"), kills = count("kill"), chaos = count("chaos");
        t += QStringLiteral("mode %1: %2 requests at %3 req/s, %4 failed; duplicates: %5; burned: %6\n")
                 .arg(r.mode).arg(r.requests).arg(r.achievedRate, 0, 'f', 0).arg(r.failed).arg(r.duplicates).arg(r.burned);
        t += QStringLiteral("  planned switches: %1 (%2 failed); switch time median %3 ms, max %4 ms; failed requests per switch median %5; "
                            "failed during the planned phase %6 of %7 (%8%)\n")
                 .arg(planned).arg(r.failures(QStringLiteral("planned")))
                 .arg(r.medianSwitchMs(QStringLiteral("planned")), 0, 'f', 0).arg(r.maxSwitchMs(QStringLiteral("planned")))
                 .arg(r.medianFailed(QStringLiteral("planned")), 0, 'f', 1)
                 .arg(r.plannedFailed).arg(r.plannedRequests)
                 .arg(r.plannedRequests ? 100.0 * double(r.plannedFailed) / double(r.plannedRequests) : 0.0, 0, 'f', 3);
        t += QStringLiteral("  kill -9 of the Redis primary: %1 (%2 not recovered); time to recover median %3 ms, max %4 ms; "
                            "failed requests per kill median %5\n")
                 .arg(kills).arg(r.failures(QStringLiteral("kill")))
                 .arg(r.medianRecoverMs(), 0, 'f', 0).arg(r.maxRecoverMs())
                 .arg(r.medianFailed(QStringLiteral("kill")), 0, 'f', 1);
        if (chaos > 0) {
            QList<double> rec;
            for (const DrillSwitch &e : r.events)
                if (e.kind == QLatin1String("chaos") && e.recoverMs >= 0)
                    rec << double(e.recoverMs);
            QStringList names;
            for (const DrillSwitch &e : r.events)
                if (e.kind == QLatin1String("chaos") && !names.contains(e.from))
                    names << e.from;
            t += QStringLiteral("  kill -9 of other processes (%1): %2 (%3 not back); first good turno after median %4 ms; "
                                "failed requests per kill median %5\n")
                     .arg(names.join(QStringLiteral(", "))).arg(chaos).arg(r.failures(QStringLiteral("chaos")))
                     .arg(median(rec), 0, 'f', 0).arg(r.medianFailed(QStringLiteral("chaos")), 0, 'f', 1);
        }
        if (r.countersChecked > 0)
            t += QStringLiteral("  counters after the drill: %1 of %2 ids stored >= the highest number answered%3\n")
                     .arg(r.countersChecked - r.countersBelow).arg(r.countersChecked)
                     .arg(r.countersBelow ? QStringLiteral(" (FAIL: ") + r.counterExamples.join(QStringLiteral(", ")) + QLatin1Char(')') : QString());
        if (!r.failure.isEmpty())
            t += QStringLiteral("  stopped early: %1\n").arg(r.failure);
        for (const QString &d : r.duplicateExamples)
            t += QStringLiteral("  duplicate: %1\n").arg(d);
    }
    return t;
}

// ---- the run ------------------------------------------------------------------

struct FailoverDrill::Mode {
    DrillModeResult result;
    QTemporaryDir runDir;
    QPointer<FleetSupervisor> supervisor;
    QPointer<FailoverController> controller;
    QPointer<LoadRun> load;
    QElapsedTimer clock;
    struct Snapshot {
        qint64 ms;
        quint64 errors;
        quint64 answers;
    };
    QList<Snapshot> snapshots;
    struct Window {
        qint64 fromMs, toMs;
    };
    QList<Window> windows;  // one per event, same order
    qint64 plannedFromMs = -1, plannedToMs = -1;
    int planned = 0;
    int kills = 0;
    int chaos = 0;
    std::optional<qint64> gateWaitStartMs;
    bool ending = false;
};

FailoverDrill::FailoverDrill(ClusterProfile profile, DrillOptions options, QObject *parent)
    : QObject(parent), m_profile(std::move(profile)), m_options(std::move(options))
{
}

FailoverDrill::~FailoverDrill()
{
    if (m_mode && m_mode->load)
        m_mode->load->stop();
}

Result<void> FailoverDrill::start()
{
    if (m_options.modes.isEmpty())
        return Error{QStringLiteral("no durability mode to drill; use --modes sync,async")};
    for (const QString &m : m_options.modes)
        if (m != QLatin1String("sync") && m != QLatin1String("async"))
            return Error{QStringLiteral("unknown durability mode \"%1\"; use sync and/or async").arg(m)};
    if (m_profile.store != QLatin1String("redis") || m_profile.redisMode != QLatin1String("embedded") || !m_profile.redisReplica)
        return Error{QStringLiteral("the drill needs a profile with the redis store and an embedded primary + replica")};
    if (m_profile.primary.nodes < 1 || m_profile.secondary.nodes < 1)
        return Error{QStringLiteral("the drill needs nodes in both pools")};
    if (m_options.rate <= 0 || m_options.connections < 1 || m_options.switches < 0 || m_options.kills < 0)
        return Error{QStringLiteral("rate, connections, switches and kills must be positive")};
    QTimer::singleShot(0, this, [this] { runMode(0); });
    return {};
}

void FailoverDrill::runMode(int index)
{
    if (index >= m_options.modes.size()) {
        emit finished();
        return;
    }
    m_index = index;
    m_mode = std::make_unique<Mode>();
    Mode *mode = m_mode.get();
    mode->result.mode = m_options.modes[index];
    mode->clock.start();
    ClusterProfile p = m_profile;
    p.name = QStringLiteral("drill-%1-%2").arg(mode->result.mode).arg(QCoreApplication::applicationPid());
    p.durability = mode->result.mode;
    p.balancerListen = {QStringLiteral("127.0.0.1"), 0};
    p.portsMode = QStringLiteral("auto");
    p.portsBase = 0;
    p.portsOnConflict = QStringLiteral("next");
    p.failoverAuto = true;
    p.autoscaleEnabled = false;
    if (!mode->runDir.isValid())
        return endMode(QStringLiteral("cannot create a temporary run directory"));

    auto *supervisor = new FleetSupervisor(this);
    mode->supervisor = supervisor;
    auto *controller = new FailoverController(supervisor, supervisor);
    mode->controller = controller;
    connect(supervisor, &FleetSupervisor::startFailed, this, [this](const QString &why) { endMode(QStringLiteral("cluster did not start: ") + why); });
    connect(supervisor, &FleetSupervisor::ready, this, [this, mode](qint64 ms) {
        emit progress(QStringLiteral("[%1] cluster ready in %2 ms; waiting for the pre-flight gate").arg(mode->result.mode).arg(ms));
        // Sentinels learn each other and the replica within seconds of the start.
        auto waitGate = std::make_shared<std::function<void()>>();
        std::weak_ptr<std::function<void()>> weak = waitGate;
        *waitGate = [this, mode, weak] {
            auto keep = weak.lock();
            if (!m_mode || m_mode.get() != mode || !mode->controller)
                return;
            mode->controller->preflight(mode->controller->otherPool(), [this, mode, keep](FailoverGate gate) {
                if (!m_mode || m_mode.get() != mode)
                    return;
                if (gate.ok()) {
                    LoadConfig c;
                    c.port = mode->supervisor->balancerPort();
                    c.hostHeader = QStringLiteral("127.0.0.1:%1").arg(c.port).toStdString();
                    c.rate = m_options.rate;
                    c.connections = m_options.connections;
                    c.threads = m_options.threads;
                    c.durationSeconds = 3600;  // stopped when the faults are done
                    c.requestTimeoutSeconds = 5;
                    c.pattern = m_options.ids > 1 ? IdPattern::Uniform : IdPattern::Single;
                    c.idCount = uint32_t(std::max(1, m_options.ids));
                    auto *load = new LoadRun(c, this);
                    mode->load = load;
                    connect(load, &LoadRun::progress, this, [mode](const LoadProgress &pr) {
                        quint64 errors = 0;
                        for (uint64_t e : pr.errorsTotal)
                            errors += e;
                        mode->snapshots << Mode::Snapshot{mode->clock.elapsed(), errors, pr.answersTotal};
                    });
                    connect(load, &LoadRun::finished, this, [this, mode](const LoadReport &report) {
                        mode->result.requests = report.answers;
                        mode->result.ok = report.ok;
                        mode->result.failed = report.errorTotal();
                        mode->result.duplicates = report.duplicates;
                        mode->result.burned = report.gaps;
                        mode->result.achievedRate = report.requestsPerSecond;
                        for (const TurnoFinding &d : report.duplicateExamples)
                            mode->result.duplicateExamples << QStringLiteral("%1 = %2").arg(QString::fromStdString(d.id)).arg(d.turno);
                        // Failed requests per event: error counter growth over the event's window, at the
                        // one-second resolution of the load's progress.
                        auto at = [mode](qint64 whenMs, bool after) -> Mode::Snapshot {
                            Mode::Snapshot best{0, 0, 0};
                            for (const Mode::Snapshot &s : std::as_const(mode->snapshots)) {
                                if (!after && s.ms <= whenMs)
                                    best = s;
                                if (after && s.ms >= whenMs)
                                    return s;
                            }
                            return after && !mode->snapshots.isEmpty() ? mode->snapshots.last() : best;
                        };
                        for (qsizetype i = 0; i < mode->windows.size() && i < mode->result.events.size(); ++i) {
                            const Mode::Window w = mode->windows[i];
                            mode->result.events[i].failedRequests = at(w.toMs + 1000, true).errors - at(w.fromMs, false).errors;
                        }
                        if (mode->plannedFromMs >= 0) {
                            const Mode::Snapshot a = at(mode->plannedFromMs, false), b = at(mode->plannedToMs + 1000, true);
                            mode->result.plannedFailed = b.errors - a.errors;
                            mode->result.plannedRequests = b.answers - a.answers + mode->result.plannedFailed;
                        }
                        mode->result.ran = true;
                        auto stopCluster = [this, mode] {
                            if (mode->supervisor) {
                                connect(mode->supervisor, &FleetSupervisor::stopped, this, [this] { endMode(); });
                                mode->supervisor->stop();
                            } else {
                                endMode();
                            }
                        };
                        // After every fault: each counter must be at or above every number already answered.
                        const FleetNode *primary = mode->supervisor ? mode->supervisor->node(mode->supervisor->redisPrimaryNode()) : nullptr;
                        if (!primary || report.highestIssued.empty())
                            return stopCluster();
                        QList<QList<QByteArray>> gets;
                        QList<TurnoFinding> issued(report.highestIssued.begin(), report.highestIssued.end());
                        for (const TurnoFinding &f : issued)
                            gets << QList<QByteArray>{"GET", "turno:" + QByteArray::fromStdString(f.id)};
                        auto *redis = new RespClient(QStringLiteral("127.0.0.1"), primary->port, mode->supervisor->redisPassword(), this);
                        redis->run(gets, [mode, redis, issued, stopCluster](Result<QList<RespValue>> r) {
                            redis->deleteLater();
                            if (!r.ok()) {
                                mode->result.counterExamples << QStringLiteral("cannot read the counters: ") + r.error();
                                mode->result.countersBelow = int(issued.size());
                            } else {
                                for (qsizetype i = 0; i < issued.size() && i < r.value().size(); ++i) {
                                    const quint64 stored = r.value()[i].text.toULongLong();
                                    if (stored < issued[i].turno) {
                                        ++mode->result.countersBelow;
                                        if (mode->result.counterExamples.size() < 5)
                                            mode->result.counterExamples << QStringLiteral("%1 stored %2 < answered %3")
                                                                                .arg(QString::fromStdString(issued[i].id)).arg(stored).arg(issued[i].turno);
                                    }
                                }
                            }
                            mode->result.countersChecked = int(issued.size());
                            stopCluster();
                        }, 5000);
                    });
                    const Result<void> started = load->start();
                    if (!started.ok())
                        return endMode(QStringLiteral("load did not start: ") + started.error());
                    emit progress(QStringLiteral("[%1] load running at %2 req/s over %3 connections")
                                      .arg(mode->result.mode).arg(m_options.rate).arg(m_options.connections));
                    QTimer::singleShot(1500, this, [this] { nextFault(); });
                    return;
                }
                if (mode->clock.elapsed() > m_options.readyTimeoutMs)
                    return endMode(QStringLiteral("the pre-flight gate did not pass within %1 ms: %2")
                                       .arg(m_options.readyTimeoutMs).arg(gate.failures()));
                QTimer::singleShot(250, this, [keep] { (*keep)(); });
            });
        };
        (*waitGate)();
    });
    const Result<void> started = supervisor->start(p, mode->runDir.path());
    if (!started.ok())
        endMode(QStringLiteral("cluster did not start: ") + started.error());
}

void FailoverDrill::nextFault()
{
    Mode *mode = m_mode.get();
    if (!mode || mode->ending || !mode->controller || !mode->supervisor)
        return;
    FailoverController *controller = mode->controller;
    if (mode->planned < m_options.switches) {
        // As an operator would: wait (bounded) until the pre-flight gate passes, then switch.
        if (!mode->gateWaitStartMs.has_value())
            mode->gateWaitStartMs = mode->clock.elapsed();
        controller->preflight(controller->otherPool(), [this, mode](FailoverGate gate) {
            if (m_mode.get() != mode || !mode->controller)
                return;
            if (!gate.ok()) {
                if (mode->clock.elapsed() - *mode->gateWaitStartMs > 15000)
                    return endMode(QStringLiteral("the pre-flight gate did not pass within 15 s before switch %1: %2")
                                       .arg(mode->planned + 1).arg(gate.failures()));
                QTimer::singleShot(100, this, [this, mode] {
                    if (m_mode.get() == mode)
                        nextFault();
                });
                return;
            }
            mode->gateWaitStartMs.reset();
            plannedSwitch();
        });
        return;
    }
    nextKill();
}

void FailoverDrill::settleThenNext()
{
    Mode *mode = m_mode.get();
    QTimer::singleShot(m_options.settleMs, this, [this, mode] {
        if (m_mode.get() == mode)
            nextFault();
    });
}

void FailoverDrill::plannedSwitch()
{
    Mode *mode = m_mode.get();
    FailoverController *controller = mode->controller;
    {
        ++mode->planned;
        const qint64 t0 = mode->clock.elapsed();
        if (mode->plannedFromMs < 0)
            mode->plannedFromMs = t0;
        const QString from = controller->activePool(), to = controller->otherPool();
        controller->switchTo(to, false, QStringLiteral("drill"), [this, mode, t0, from, to](FailoverReport r) {
            if (m_mode.get() != mode)
                return;
            const qint64 t1 = mode->clock.elapsed();
            mode->plannedToMs = t1;
            mode->windows << Mode::Window{t0, t1};
            QStringList steps;
            for (const FailoverStep &st : r.steps)
                steps << QStringLiteral("%1 %2").arg(st.name).arg(st.durationMs);
            DrillSwitch e{QStringLiteral("planned"), from, to, r.ok, r.totalMs, -1, 0, r.ok ? steps.join(QStringLiteral(", ")) : r.message};
            mode->result.events << e;
            emit progress(QStringLiteral("[%1] planned %2 -> %3: %4 in %5 ms (%6)")
                              .arg(mode->result.mode, from, to, r.ok ? QStringLiteral("done") : QStringLiteral("FAILED"))
                              .arg(r.totalMs).arg(e.message));
            if (!r.ok && mode->controller && mode->controller->state() == FailoverController::State::Degraded)
                return endMode(QStringLiteral("a planned switch left the cluster degraded: ") + r.message);
            settleThenNext();
        });
    }
}

void FailoverDrill::nextKill()
{
    Mode *mode = m_mode.get();
    FailoverController *controller = mode->controller;
    if (mode->kills < m_options.kills) {
        ++mode->kills;
        const QString victim = mode->supervisor->redisPrimaryNode();
        ManagedProcess *p = mode->supervisor->process(victim);
        if (!p || !p->running())
            return endMode(QStringLiteral("the Redis primary %1 is not running before kill %2").arg(victim).arg(mode->kills));
        const QString from = controller->activePool(), to = controller->otherPool();
        const qint64 t0 = mode->clock.elapsed();
        auto state = std::make_shared<DrillSwitch>(DrillSwitch{QStringLiteral("kill"), from, to, false, -1, -1, 0, {}});
        auto pending = std::make_shared<int>(2);  // the controller's report and the first good answer
        auto complete = [this, mode, state, t0, pending] {
            if (*pending <= 0 || --*pending != 0 || m_mode.get() != mode)
                return;
            mode->windows << Mode::Window{t0, mode->clock.elapsed()};
            mode->result.events << *state;
            emit progress(QStringLiteral("[%1] kill -9 of the Redis primary: recovered in %2 ms (switch %3 ms%4)")
                              .arg(mode->result.mode).arg(state->recoverMs).arg(state->switchMs)
                              .arg(state->ok ? QStringLiteral(": ") + state->message : QStringLiteral(") FAILED: ") + state->message));
            settleThenNext();
        };
        connect(controller, &FailoverController::finished, this, [state, complete](const FailoverReport &r) {
            state->switchMs = r.totalMs;
            state->ok = r.ok;
            QStringList steps;
            for (const FailoverStep &st : r.steps)
                steps << QStringLiteral("%1 %2").arg(st.name).arg(st.durationMs);
            state->message = r.ok ? steps.join(QStringLiteral(", ")) : r.message;
            complete();
        }, Qt::SingleShotConnection);
        // Time to recover: probe the balancer until the first good turno.
        auto probe = [this, mode, state, t0, complete] {
            probeUntilGood(t0, [mode, state, complete](qint64 recoverMs) {
                if (recoverMs >= 0)
                    state->recoverMs = recoverMs;
                else
                    state->message = QStringLiteral("no good turno within 20 s");
                complete();
            });
        };
        // Bounded: without a report and an answer within 25 s the kill counts as not recovered.
        QTimer::singleShot(25000, this, [this, mode, state, pending, complete] {
            if (m_mode.get() != mode || *pending <= 0)
                return;
            if (state->message.isEmpty())
                state->message = QStringLiteral("not recovered within 25 s");
            state->ok = false;
            *pending = 1;
            complete();
        });
        ::kill(pid_t(p->pid()), SIGKILL);
        emit progress(QStringLiteral("[%1] kill -9 %2 (pid %3)").arg(mode->result.mode, victim).arg(p->pid()));
        // The first probe waits a little: an answer already in flight would count as recovered.
        QTimer::singleShot(20, this, probe);
        return;
    }
    nextChaos();
}

void FailoverDrill::probeUntilGood(qint64 t0, std::function<void(qint64)> done)
{
    Mode *mode = m_mode.get();
    const quint16 port = mode->supervisor ? mode->supervisor->balancerPort() : 0;
    auto probe = std::make_shared<std::function<void()>>();
    std::weak_ptr<std::function<void()>> weak = probe;
    *probe = [this, mode, port, t0, done, weak] {
        auto keep = weak.lock();
        if (m_mode.get() != mode)
            return;
        if (mode->clock.elapsed() - t0 > 20000)
            return done(-1);
        // Longer than the nodes' retry window: a request they hold is answered once Redis is back.
        BalancerProbe::turno(this, port, QStringLiteral("__drill_probe"), 3000, [this, mode, t0, done, keep](Result<qint64> r) {
            if (m_mode.get() != mode)
                return;
            if (r.ok())
                return done(mode->clock.elapsed() - t0);
            QTimer::singleShot(5, this, [keep] { (*keep)(); });
        });
    };
    (*probe)();
}

void FailoverDrill::nextChaos()
{
    Mode *mode = m_mode.get();
    if (mode->chaos < m_options.chaos) {
        // Round robin over every kind of process but the Redis primary (the kills above): turno
        // nodes of both pools, the replica, a sentinel, HAProxy.
        QStringList victims;
        for (const FleetNode *n : mode->supervisor->nodes())
            if (n->name != mode->supervisor->redisPrimaryNode())
                victims << n->name;
        std::sort(victims.begin(), victims.end(), [](const QString &a, const QString &b) {
            auto rank = [](const QString &n) {
                return n.startsWith(QLatin1String("primary")) ? 0 : n.startsWith(QLatin1String("haproxy")) ? 1
                     : n.startsWith(QLatin1String("redis")) ? 2 : n.startsWith(QLatin1String("secondary")) ? 3 : 4;
            };
            return rank(a) != rank(b) ? rank(a) < rank(b) : a < b;
        });
        const QString victim = victims.value(mode->chaos % std::max<qsizetype>(1, victims.size()));
        ++mode->chaos;
        ManagedProcess *p = mode->supervisor->process(victim);
        const qint64 t0 = mode->clock.elapsed();
        auto next = [this] { settleThenNext(); };
        if (!p || !p->running()) {
            mode->result.events << DrillSwitch{QStringLiteral("chaos"), victim, victim, false, -1, -1, 0,
                                               QStringLiteral("%1 was not running before its kill").arg(victim)};
            mode->windows << Mode::Window{t0, t0};
            return next();
        }
        const qint64 oldPid = p->pid();
        ::kill(pid_t(oldPid), SIGKILL);
        emit progress(QStringLiteral("[%1] chaos: kill -9 %2 (pid %3)").arg(mode->result.mode, victim).arg(oldPid));
        QTimer::singleShot(20, this, [this, mode, victim, oldPid, t0, next] {
            probeUntilGood(t0, [this, mode, victim, oldPid, t0, next](qint64 recoverMs) {
                // Then wait (bounded) until the supervisor has it running again.
                auto waitBack = std::make_shared<std::function<void()>>();
                std::weak_ptr<std::function<void()>> weak = waitBack;
                *waitBack = [this, mode, victim, oldPid, t0, recoverMs, next, weak] {
                    auto keep = weak.lock();
                    if (m_mode.get() != mode)
                        return;
                    ManagedProcess *q = mode->supervisor ? mode->supervisor->process(victim) : nullptr;
                    const FleetNode *n = mode->supervisor ? mode->supervisor->node(victim) : nullptr;
                    const bool back = q && q->running() && q->pid() != oldPid && n && SupervisorFailoverFleet::nodeRunning(*n);
                    if (!back && mode->clock.elapsed() - t0 < 20000) {
                        QTimer::singleShot(50, this, [keep] { (*keep)(); });
                        return;
                    }
                    DrillSwitch e{QStringLiteral("chaos"), victim, victim, back && recoverMs >= 0, mode->clock.elapsed() - t0, recoverMs, 0,
                                  back ? QStringLiteral("%1 back after %2 ms").arg(victim).arg(mode->clock.elapsed() - t0)
                                       : QStringLiteral("%1 not back within 20 s").arg(victim)};
                    if (recoverMs < 0)
                        e.message += QStringLiteral("; no good turno within 20 s");
                    mode->windows << Mode::Window{t0, mode->clock.elapsed()};
                    mode->result.events << e;
                    emit progress(QStringLiteral("[%1] chaos: %2; first good turno after %3 ms").arg(mode->result.mode, e.message).arg(recoverMs));
                    next();
                };
                (*waitBack)();
            });
        });
        return;
    }
    // Done: a last second of steady load, then stop.
    mode->ending = true;
    QTimer::singleShot(1000, this, [mode] {
        if (mode->load)
            mode->load->stop();
    });
}

void FailoverDrill::endMode(const QString &failure)
{
    Mode *mode = m_mode.get();
    if (!mode)
        return;
    if (!failure.isEmpty() && mode->result.failure.isEmpty())
        mode->result.failure = failure;
    if (!failure.isEmpty()) {
        emit progress(QStringLiteral("[%1] %2").arg(mode->result.mode, failure));
        // Stop what runs; the load's finished() or the supervisor's stopped() brings us back here.
        if (mode->load && mode->load->isRunning() && !mode->ending) {
            mode->ending = true;
            mode->load->stop();
            return;
        }
        if (mode->supervisor && mode->supervisor->state() != FleetSupervisor::State::Stopped &&
            mode->supervisor->state() != FleetSupervisor::State::Idle && mode->supervisor->state() != FleetSupervisor::State::Failed) {
            connect(mode->supervisor, &FleetSupervisor::stopped, this, [this] { endMode(); }, Qt::SingleShotConnection);
            mode->supervisor->stop();
            return;
        }
    }
    if (!mode->result.failure.isEmpty() || mode->result.failures(QStringLiteral("planned")) > 0 ||
        mode->result.failures(QStringLiteral("kill")) > 0) {
        // Something went wrong: keep the processes' logs and configs for whoever looks into it.
        mode->runDir.setAutoRemove(false);
        mode->result.failure += QStringLiteral(" (logs kept in %1)").arg(mode->runDir.path());
    }
    m_results << mode->result;
    std::unique_ptr<Mode> done = std::move(m_mode);
    if (done->supervisor)
        done->supervisor->deleteLater();
    if (done->load)
        done->load->deleteLater();
    const int next = m_index + 1;
    QTimer::singleShot(0, this, [this, next] { runMode(next); });
    // The run directory goes with `done` (after the processes stopped).
}

}  // namespace turno
