// ProcessSupervisor: the processes of one local cluster. It owns the FleetNodes,
// spawns each node's program (the command comes from its owner, which renders
// the configs), waits for a readiness check to pass, restarts a node that exits
// unexpectedly with the restart policy's backoff (never the Redis primary: only
// a failover may make a primary), stops groups of nodes, and samples each
// process's CPU and RSS. What an exit means follows the cluster's phase.
#pragma once

#include "common/result.h"
#include "fleet/cluster_profile.h"
#include "fleet/fleet_event.h"
#include "fleet/fleet_node.h"
#include "fleet/readiness_probe.h"

#include <QElapsedTimer>
#include <QList>
#include <QObject>
#include <QStringList>
#include <functional>

namespace turno {

class ProcessSupervisor : public QObject {
    Q_OBJECT
public:
    using Check = ReadinessProbe::Check;
    struct Command {
        QString program;
        QStringList args;
    };
    // Off: exits are expected (stopped, failed, never started). Starting: an exit
    // or a failed spawn breaks the start. Running: exits are restarted. Stopping:
    // exits are the stop's own.
    enum class Phase { Off, Starting, Running, Stopping };

    static constexpr int kReadyTimeoutMs = 15000;
    static constexpr int kProbeIntervalMs = 25;

    explicit ProcessSupervisor(QObject *parent = nullptr);
    // SIGKILLs every process group still running (each ManagedProcess does when
    // destroyed); no exit handler runs for them.
    ~ProcessSupervisor() override;

    // Once per start: the profile (restart limits, how the password is passed)
    // and the run directory (one working directory and log per node). Drops
    // every node of an earlier start and makes its waits moot.
    void reset(const ClusterProfile &profile, const QString &runDir);
    // The Redis password, passed in the environment when the profile says "env".
    void setPassword(const QString &password) { m_password = password; }
    // How to run a node (program, arguments) and when a restarted node is ready.
    void setCommandSource(std::function<Command(const FleetNode &)> commandFor);
    void setReadinessSource(std::function<Check(const FleetNode &)> readinessFor);
    // The node that holds the Redis primary role: it is never restarted (as
    // primary it could hand out numbers its replica never saw).
    void setRedisPrimary(const QString &name) { m_redisPrimary = name; }
    void setPhase(Phase phase) { m_phase = phase; }
    Phase phase() const { return m_phase; }

    // The nodes, in the order they were added.
    FleetNode *add(const QString &name, FleetNode::Kind kind, const QString &pool, quint16 port, int weight);
    // Forgets a stopped node and frees it (its process later).
    void remove(FleetNode *n);
    const QList<FleetNode *> &all() const { return m_nodes; }
    FleetNode *find(const QString &name) const;
    FleetNode *firstOf(FleetNode::Kind kind) const;

    // Spawns the node's program (a new process object on first launch).
    void launch(FleetNode *n);
    // Takes over n's process, pid, a running child an earlier image of this
    // process started (a supervisor hand-over); n is running from then on.
    Result<void> adopt(FleetNode *n, qint64 pid);
    // A process for n running program+args, wired to this supervisor's exit
    // handling, not started (the balancer's reload starts a second haproxy so).
    ManagedProcess *createProcess(FleetNode *n, const QString &program, const QStringList &args);
    // Asks check until it passes or timeoutMs pass; moot (done never called)
    // once cancelWaits() ran.
    void waitUntil(Check check, int timeoutMs, std::function<void(bool)> done);
    void cancelWaits() { ++m_generation; }
    // Stops the running ones of nodes (SIGTERM, SIGKILL after graceMs); done once all exited.
    void stopGroup(const QList<FleetNode *> &nodes, int graceMs, std::function<void()> done);
    // CPU percent since the last sample and RSS of every running process.
    void sample();
    qint64 elapsedMs() const { return m_clock.elapsed(); }

signals:
    void event(const turno::FleetEvent &event);
    void nodesChanged();
    // During Phase::Starting a node could not be spawned or exited: the start is broken.
    void startBroken(const QString &message);

private:
    void notify(FleetEvent::Kind kind, const QString &node, const QString &message);
    void onExited(FleetNode *n, int status, bool expected);
    void restartLater(FleetNode *n, int backoffMs);

    QList<FleetNode *> m_nodes;
    ClusterProfile m_profile;
    QString m_runDir;
    QString m_password;
    QString m_redisPrimary;
    Phase m_phase = Phase::Off;
    int m_generation = 0;
    QElapsedTimer m_clock;
    std::function<Command(const FleetNode &)> m_commandFor;
    std::function<Check(const FleetNode &)> m_readinessFor;
};

}  // namespace turno
