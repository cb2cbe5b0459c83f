#include "failover/failover_controller.h"

#include "failover/failover_fleet.h"
#include "failover/failover_preflight.h"
#include "failover/failover_run.h"
#include "failover/failover_watch.h"
#include "failover/supervisor_failover_fleet.h"

#include <QDateTime>

namespace turno {

namespace {

constexpr int kAutoCooldownMs = 10000;

}  // namespace

QString FailoverController::stateName(State s)
{
    switch (s) {
    case State::PrimaryActive: return QStringLiteral("primary-active");
    case State::SwitchingOver: return QStringLiteral("switching-over");
    case State::SecondaryActive: return QStringLiteral("secondary-active");
    case State::SwitchingBack: return QStringLiteral("switching-back");
    case State::Degraded: return QStringLiteral("degraded");
    }
    return {};
}

FailoverController::FailoverController(FleetSupervisor *supervisor, QObject *parent)
    : QObject(parent), m_fleet(new SupervisorFailoverFleet(supervisor, this))
{
    init();
}

FailoverController::FailoverController(FailoverFleet *fleet, QObject *parent) : QObject(parent), m_fleet(fleet)
{
    init();
}

void FailoverController::init()
{
    m_clock.start();
    m_watch = new FailoverWatch(m_fleet, this);
    m_automatic = m_fleet->settings().automatic;
    connect(m_watch, &FailoverWatch::switchNeeded, this, &FailoverController::autoSwitch);
    connect(m_watch, &FailoverWatch::event, this, &FailoverController::event);
    connect(m_fleet, &FailoverFleet::ready, this, [this] {
        // The profile arrives with start(): follow it unless someone chose already.
        if (!m_automaticChosen)
            m_automatic = m_fleet->settings().automatic;
        m_watch->start();
        });
    connect(m_fleet, &FailoverFleet::redisPrimaryExited, this, [this](const QString &node) {
        // A supervised process that exited is certainly down: no need to wait afterMs.
        if (m_automatic && node == m_fleet->redisPrimary())
            autoSwitch(QStringLiteral("the Redis primary %1 exited").arg(node), true);
    });
    if (m_fleet->isReady())
        m_watch->start();
}

FailoverController::~FailoverController()
{
    if (!m_run)
        return;
    FailoverReport report = m_run->report();
    report.message = QStringLiteral("the supervisor stopped during the switch");
    // Its steps' requests go with it, before anyone hears of the end.
    delete m_run;
    m_run = nullptr;
    if (auto done = std::move(m_done))
        done(report);
}

void FailoverController::setAutomatic(bool on)
{
    m_automaticChosen = true;
    if (on == m_automatic)
        return;
    m_automatic = on;
    m_watch->resetDownTimers();
    emit event(QStringLiteral("failover.auto"), {},
               on ? QStringLiteral("automatic failover on") : QStringLiteral("automatic failover off"));
    emit stateChanged();
}

void FailoverController::resumeHandedOver(const QString &activePool, bool automatic, const QString &state)
{
    if (activePool == QLatin1String("primary") || activePool == QLatin1String("secondary"))
        m_active = activePool;
    m_automatic = automatic;
    m_automaticChosen = true;
    m_watch->resetDownTimers();
    if (state == stateName(State::Degraded))
        setState(State::Degraded);
    else
        setState(m_active == QLatin1String("primary") ? State::PrimaryActive : State::SecondaryActive);
    emit stateChanged();
}

QString FailoverController::otherPool() const
{
    return m_active == QLatin1String("primary") ? QStringLiteral("secondary") : QStringLiteral("primary");
}

bool FailoverController::poolHasNodes(const QString &pool) const
{
    for (const FailoverTurnoNode &n : m_fleet->turnoNodes())
        if (n.pool == pool && !n.removing)
            return true;
    return false;
}

void FailoverController::setState(State s)
{
    if (s == m_state)
        return;
    m_state = s;
    emit stateChanged();
}

QJsonObject FailoverController::statusJson() const
{
    QJsonObject o{{QStringLiteral("state"), stateName()},
                  {QStringLiteral("active"), m_active},
                  {QStringLiteral("automatic"), m_automatic},
                  {QStringLiteral("busy"), busy()}};
    if (!m_last.to.isEmpty())
        o.insert(QStringLiteral("last"), m_last.toJson());
    return o;
}

void FailoverController::preflight(const QString &target, std::function<void(FailoverGate)> done)
{
    (new FailoverPreflight(m_fleet, target, this))->run(std::move(done));
}

void FailoverController::switchTo(const QString &target, bool force, const QString &trigger,
                                  std::function<void(FailoverReport)> done)
{
    auto refuse = [&](const QString &why) {
        FailoverReport refused;
        refused.from = m_active;
        refused.to = target;
        refused.trigger = trigger;
        refused.forced = force;
        refused.startedAtMs = QDateTime::currentMSecsSinceEpoch();
        refused.message = why;
        emit event(QStringLiteral("failover.refused"), {}, QStringLiteral("switch to %1 refused: %2").arg(target, why));
        done(refused);
    };
    if (target != QLatin1String("primary") && target != QLatin1String("secondary"))
        return refuse(QStringLiteral("unknown pool \"%1\"; use primary or secondary").arg(target));
    if (!m_fleet->isReady())
        return refuse(QStringLiteral("the cluster is not ready"));
    if (busy())
        return refuse(QStringLiteral("a switch is already running (%1)").arg(stateName()));
    if (target == m_active && m_state != State::Degraded)
        return refuse(QStringLiteral("the %1 pool is already active").arg(target));
    if (!poolHasNodes(target))
        return refuse(QStringLiteral("the %1 pool has no nodes; scale it first (turnoctl scale %1 N)").arg(target));

    m_run = new FailoverRun(m_fleet, FailoverRun::Plan{m_active, target, trigger, force, probeId()}, this);
    m_done = std::move(done);
    connect(m_run, &FailoverRun::stepStarted, this, &FailoverController::stepStarted);
    connect(m_run, &FailoverRun::stepFinished, this, &FailoverController::stepFinished);
    connect(m_run, &FailoverRun::event, this, &FailoverController::event);
    connect(m_run, &FailoverRun::activated, this, [this](const QString &pool) { m_active = pool; });
    connect(m_run, &FailoverRun::finished, this, [this](const FailoverReport &report, FailoverRun::Outcome outcome) {
        onRunFinished(report, outcome);
    });
    setState(target == QLatin1String("secondary") ? State::SwitchingOver : State::SwitchingBack);
    emit event(QStringLiteral("failover.start"), {},
               QStringLiteral("switch %1 -> %2 started (%3%4)").arg(m_active, target, trigger,
                                                                       force ? QStringLiteral(", forced") : QString()));
    m_run->start();
}

void FailoverController::onRunFinished(const FailoverReport &report, FailoverRun::Outcome outcome)
{
    // The run is inside its own signal: it goes once that returns.
    m_run->deleteLater();
    m_run = nullptr;
    std::function<void(FailoverReport)> done = std::move(m_done);
    m_done = nullptr;
    if (report.ok) {
        m_active = report.to;
        setState(report.to == QLatin1String("primary") ? State::PrimaryActive : State::SecondaryActive);
    } else if (outcome != FailoverRun::Outcome::Degraded) {
        // Refused, or rolled back (also from verify, after activate named the target): the source serves.
        if (outcome == FailoverRun::Outcome::RolledBack)
            m_active = report.from;
        setState(m_active == QLatin1String("primary") ? State::PrimaryActive : State::SecondaryActive);
    } else {
        setState(State::Degraded);
    }
    m_last = report;
    emit event(QStringLiteral("failover.end"), {},
               report.ok ? QStringLiteral("switch %1 -> %2 done in %3 ms").arg(report.from, report.to).arg(report.totalMs)
                         : QStringLiteral("switch %1 -> %2 did not complete: %3").arg(report.from, report.to, report.message));
    emit finished(report);
    emit stateChanged();
    if (done)
        done(report);
}

void FailoverController::autoSwitch(const QString &reason, bool certain)
{
    if (!m_automatic || busy() || m_state == State::Degraded)
        return;
    const qint64 now = m_clock.elapsed();
    // Health-based triggers wait out a cooldown so a flapping signal cannot bounce the
    // cluster back and forth; an exited primary process is no signal to doubt.
    if (!certain && m_lastAutoMs >= 0 && now - m_lastAutoMs < kAutoCooldownMs)
        return;
    m_lastAutoMs = now;
    m_watch->resetDownTimers();
    const QString target = otherPool();
    emit event(QStringLiteral("failover.auto"), {}, QStringLiteral("automatic switch to %1: %2").arg(target, reason));
    switchTo(target, true, QStringLiteral("automatic: ") + reason, [](FailoverReport) {});
}

}  // namespace turno
