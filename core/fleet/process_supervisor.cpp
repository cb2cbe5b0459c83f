#include "fleet/process_supervisor.h"

#include "common/proc_sample.h"
#include "fleet/managed_process.h"
#include "fleet/restart_policy.h"

#include <QDir>
#include <QTimer>

namespace turno {

ProcessSupervisor::ProcessSupervisor(QObject *parent) : QObject(parent)
{
    m_clock.start();
}

ProcessSupervisor::~ProcessSupervisor()
{
    // Processes go first, unheard, so no exit handler sees a deleted node.
    for (FleetNode *n : std::as_const(m_nodes)) {
        if (n->process) {
            n->process->disconnect(this);
            delete n->process;
        }
    }
    qDeleteAll(m_nodes);
}

void ProcessSupervisor::reset(const ClusterProfile &profile, const QString &runDir)
{
    // The nodes of an earlier start have all exited (start() refuses a running cluster).
    while (!m_nodes.isEmpty())
        remove(m_nodes.last());
    m_profile = profile;
    m_runDir = runDir;
    m_password.clear();
    ++m_generation;
}

void ProcessSupervisor::setCommandSource(std::function<Command(const FleetNode &)> commandFor)
{
    m_commandFor = std::move(commandFor);
}

void ProcessSupervisor::setReadinessSource(std::function<Check(const FleetNode &)> readinessFor)
{
    m_readinessFor = std::move(readinessFor);
}

FleetNode *ProcessSupervisor::add(const QString &name, FleetNode::Kind kind, const QString &pool, quint16 port, int weight)
{
    auto *n = new FleetNode;
    n->name = name;
    n->kind = kind;
    n->pool = pool;
    n->port = port;
    n->weight = weight;
    m_nodes << n;
    return n;
}

void ProcessSupervisor::remove(FleetNode *n)
{
    m_nodes.removeOne(n);
    if (n->process) {
        n->process->disconnect(this);
        n->process->deleteLater();
    }
    delete n;
}

FleetNode *ProcessSupervisor::find(const QString &name) const
{
    for (FleetNode *n : m_nodes)
        if (n->name == name)
            return n;
    return nullptr;
}

FleetNode *ProcessSupervisor::firstOf(FleetNode::Kind kind) const
{
    for (FleetNode *n : m_nodes)
        if (n->kind == kind)
            return n;
    return nullptr;
}

void ProcessSupervisor::notify(FleetEvent::Kind kind, const QString &node, const QString &message)
{
    emit event(FleetEvent{kind, node, message});
}

ManagedProcess *ProcessSupervisor::createProcess(FleetNode *n, const QString &program, const QStringList &args)
{
    auto *p = new ManagedProcess(n->name, program, args, m_runDir + QLatin1Char('/') + n->name + QStringLiteral(".log"), this);
    p->setWorkingDirectory(m_runDir + QLatin1Char('/') + n->name);
    if (m_profile.passwordSource == QLatin1String("env") && !m_password.isEmpty())
        p->setExtraEnvironment({QStringLiteral("TURNO_REDIS_PASSWORD=") + m_password});
    connect(p, &ManagedProcess::exited, this, [this, n](int status, bool expected) { onExited(n, status, expected); });
    connect(p, &ManagedProcess::failedToStart, this, [this, n](const QString &why) {
        n->state = NodeState::Failed;
        notify(FleetEvent::Kind::NodeStartFailed, n->name, why);
        if (m_phase == Phase::Starting)
            emit startBroken(why);
    });
    return p;
}

void ProcessSupervisor::launch(FleetNode *n)
{
    QDir().mkpath(m_runDir + QLatin1Char('/') + n->name);
    const Command c = m_commandFor(*n);
    if (!n->process)
        n->process = createProcess(n, c.program, c.args);
    n->process->setCommand(c.program, c.args);
    n->state = NodeState::Starting;
    n->lastCpuTicks = -1;
    n->process->start();
}

Result<void> ProcessSupervisor::adopt(FleetNode *n, qint64 pid)
{
    const Command c = m_commandFor(*n);
    if (!n->process)
        n->process = createProcess(n, c.program, c.args);
    n->process->setCommand(c.program, c.args);
    QString why;
    if (!n->process->adopt(pid, &why))
        return Error{why};
    n->state = NodeState::Running;
    n->lastCpuTicks = -1;
    return {};
}

void ProcessSupervisor::waitUntil(Check check, int timeoutMs, std::function<void(bool)> done)
{
    // A stop or a new start (generation) makes every wait of the old one moot.
    const int generation = m_generation;
    ReadinessProbe::waitUntil(this, std::move(check), timeoutMs, kProbeIntervalMs,
                              [this, generation] { return generation == m_generation; }, std::move(done));
}

void ProcessSupervisor::onExited(FleetNode *n, int status, bool expected)
{
    const QString how = status < 0 ? QStringLiteral("killed by signal %1").arg(-status) : QStringLiteral("exit code %1").arg(status);
    if (expected || m_phase == Phase::Stopping || m_phase == Phase::Off || n->removing) {
        n->state = NodeState::Stopped;
        emit nodesChanged();
        return;
    }
    notify(FleetEvent::Kind::NodeExited, n->name,
           QStringLiteral("%1 exited unexpectedly (%2); log %3").arg(n->name, how, n->process->logFile()));
    if (m_phase == Phase::Starting) {
        // A process that dies while the cluster comes up has a configuration or port problem: restarting hides it.
        n->state = NodeState::Failed;
        emit startBroken(QStringLiteral("%1 exited while the cluster was starting (%2); see %3. Last output:\n%4")
                             .arg(n->name, how, n->process->logFile(), QString::fromLocal8Bit(n->process->outputTail(10))));
        return;
    }
    if (n->kind == FleetNode::Kind::Redis && n->name == m_redisPrimary) {
        n->state = NodeState::Down;
        // Restarting it as primary could hand out numbers the replica never saw; promotion is the failover's job.
        notify(FleetEvent::Kind::RedisPrimaryDown, n->name,
               QStringLiteral("the Redis primary is down and is not restarted as primary; promote the replica "
                              "(turnoctl failover, or Sentinel does it after %1 ms)")
                   .arg(m_profile.sentinelDownAfterMs));
        emit nodesChanged();
        return;
    }
    const RestartDecision decision = RestartPolicy::onExit(n->restartTimes, n->consecutiveRestarts, m_clock.elapsed(), m_profile);
    if (decision.giveUp) {
        n->state = NodeState::Failed;
        notify(FleetEvent::Kind::GaveUp, n->name,
               QStringLiteral("%1 exited %2 times within %3 s; not restarting it any more. Read %4, fix the "
                              "cause, then restart the cluster")
                   .arg(n->name).arg(decision.exits).arg(m_profile.restartWindowS).arg(n->process->logFile()));
        emit nodesChanged();
        return;
    }
    n->state = NodeState::Restarting;
    notify(FleetEvent::Kind::NodeRestarting, n->name,
           QStringLiteral("restarting %1 in %2 ms (restart %3 of at most %4 within %5 s)")
               .arg(n->name).arg(decision.backoffMs).arg(decision.restarts).arg(m_profile.restartLimit).arg(m_profile.restartWindowS));
    emit nodesChanged();
    restartLater(n, decision.backoffMs);
}

void ProcessSupervisor::restartLater(FleetNode *n, int backoffMs)
{
    const int generation = m_generation;
    QTimer::singleShot(backoffMs, this, [this, n, generation] {
        if (generation != m_generation || (m_phase != Phase::Running && m_phase != Phase::Starting) || n->removing)
            return;
        launch(n);
        waitUntil(m_readinessFor(*n), kReadyTimeoutMs, [this, n](bool ok) {
            if (!ok) {
                notify(FleetEvent::Kind::NodeNotReady, n->name,
                       QStringLiteral("%1 restarted but was not ready within %2 s; see %3")
                           .arg(n->name).arg(kReadyTimeoutMs / 1000).arg(n->process->logFile()));
                return;
            }
            n->state = NodeState::Running;
            n->consecutiveRestarts = 0;
            notify(FleetEvent::Kind::NodeRestarted, n->name,
                   QStringLiteral("%1 is back on 127.0.0.1:%2, pid %3").arg(n->name).arg(n->port).arg(n->process->pid()));
            emit nodesChanged();
        });
    });
}

void ProcessSupervisor::stopGroup(const QList<FleetNode *> &nodes, int graceMs, std::function<void()> done)
{
    QList<FleetNode *> running;
    for (FleetNode *n : nodes)
        if (n->process && n->process->running())
            running << n;
    if (running.isEmpty()) {
        QTimer::singleShot(0, this, done);
        return;
    }
    auto pending = std::make_shared<int>(int(running.size()));
    for (FleetNode *n : running) {
        n->state = NodeState::Stopping;
        connect(n->process, &ManagedProcess::exited, this, [pending, done](int, bool) {
            if (--*pending == 0)
                done();
        }, Qt::SingleShotConnection);
        n->process->stop(graceMs);
    }
}

void ProcessSupervisor::sample()
{
    const qint64 now = m_clock.elapsed();
    for (FleetNode *n : std::as_const(m_nodes)) {
        if (!n->process || !n->process->running()) {
            n->cpuPercent = 0;
            n->rssBytes = 0;
            continue;
        }
        const Result<ProcSample> sample = ProcSample::read(n->process->pid());
        if (!sample.ok())
            continue;
        const qint64 ticks = sample.value().cpuTicks;
        n->rssBytes = sample.value().rssKiB * 1024;
        if (n->lastCpuTicks >= 0 && now > n->lastCpuSampleMs)
            n->cpuPercent = 100.0 * double(ticks - n->lastCpuTicks) / double(ProcSample::ticksPerSecond()) /
                            (double(now - n->lastCpuSampleMs) / 1000.0);
        n->lastCpuTicks = ticks;
        n->lastCpuSampleMs = now;
    }
}

}  // namespace turno
