// FailoverController: moves traffic and data between the primary and the
// secondary side of a supervised cluster (active-passive) as an explicit state
// machine, by an operator's request or by itself, without ever letting a number
// be handed out twice.
//
// A switch drains the active pool at HAProxy (the other pool takes the traffic
// at once), pauses writes on the Redis primary, waits until the replica holds
// every byte of it, has Sentinel promote the replica (SENTINEL FAILOVER; the
// FAILOVER command only when no Sentinel manages the pair), fences the old
// primary (demoted, its clients cut off), checks the new pool is up, and
// verifies with a probe turno through the balancer that is above every number
// issued before. Every step is bounded and reported; a failed step rolls back
// when nothing irreversible happened yet, else stops in Degraded with advice.
#pragma once

#include "common/result.h"

#include <QElapsedTimer>
#include <QHash>
#include <QJsonObject>
#include <QList>
#include <QObject>
#include <QPointer>
#include <QString>
#include <functional>
#include <memory>

class QTimer;

namespace turno {

class FleetSupervisor;
struct FleetEvent;
struct HaproxyStatRow;
struct RespValue;

struct FailoverCheck {
    QString name;    // balancer, replica-link, replica-offset, sentinel-quorum, ...
    bool ok = false;
    QString detail;
};

// The pre-flight gate of a planned switch: every check must pass unless forced.
struct FailoverGate {
    QString target;  // pool the switch would activate
    QList<FailoverCheck> checks;
    bool ok() const;
    QString failures() const;  // "replica-link: master_link_status:down; ..."
    QJsonObject toJson() const;
};

struct FailoverStep {
    QString name;          // gate, probe, drain, pause, catch-up, promote, gap (async), fence, activate, verify, sentinel
    qint64 startMs = 0;    // since the switch began
    qint64 durationMs = 0;
    bool ok = false;
    QString detail;
};

struct FailoverReport {
    QString from;          // pool active before
    QString to;            // pool asked for
    QString trigger;       // operator, automatic: <reason>
    bool forced = false;
    bool ok = false;
    bool rolledBack = false;
    QString message;       // what happened, and on failure what to do
    qint64 startedAtMs = 0;  // wall clock, ms since the epoch
    qint64 totalMs = 0;        // drain -> verify: until clients are served by the new side
    qint64 switchMs = -1;      // (internal) totalMs once verify passed
    qint64 settledMs = 0;      // until Sentinel names the new primary too
    qint64 probeBefore = -1;  // turno of the probe id before / after (-1: none)
    qint64 probeAfter = -1;
    QString redisPrimaryBefore;
    QString redisPrimaryAfter;
    QList<FailoverStep> steps;
    QJsonObject toJson() const;
    QString toText() const;
};

class FailoverController : public QObject {
    Q_OBJECT
public:
    enum class State { PrimaryActive, SwitchingOver, SecondaryActive, SwitchingBack, Degraded };
    static QString stateName(State s);
    // The id probed through the balancer before and after every switch.
    static QString probeId() { return QStringLiteral("__turno_failover_probe"); }

    // Starts automatic mode as the supervisor's profile says (failover.auto).
    explicit FailoverController(FleetSupervisor *supervisor, QObject *parent = nullptr);
    ~FailoverController() override;

    State state() const { return m_state; }
    QString stateName() const { return stateName(m_state); }
    bool busy() const { return m_state == State::SwitchingOver || m_state == State::SwitchingBack || m_run != nullptr; }
    // "primary" or "secondary": the side that serves (or would, in Degraded: the last target).
    QString activePool() const { return m_active; }
    bool automatic() const { return m_automatic; }
    void setAutomatic(bool on);
    const FailoverReport &lastReport() const { return m_last; }
    // State, active pool, automatic mode and the last switch, for status and the console.
    QJsonObject statusJson() const;

    // Checks that a switch to target ("primary" | "secondary") is safe now.
    void preflight(const QString &target, std::function<void(FailoverGate)> done);
    // Switches to target; refused (ok=false, nothing changed) when the gate
    // fails and force is false, or while another switch runs.
    void switchTo(const QString &target, bool force, const QString &trigger, std::function<void(FailoverReport)> done);
    // The other pool than the active one.
    QString otherPool() const;

signals:
    void stateChanged();
    void stepStarted(const QString &name);
    void stepFinished(const turno::FailoverStep &step);
    void finished(const turno::FailoverReport &report);
    // For the event history: kind is failover.step, failover.start, failover.end, failover.refused, failover.auto.
    void event(const QString &kind, const QString &node, const QString &message);

private:
    struct Run;
    using Done = std::function<void(bool ok, QString detail)>;

    void setState(State s);
    void publishStatus();
    void redis(const QString &node, const QList<QList<QByteArray>> &commands,
               std::function<void(Result<QList<RespValue>>)> done, int timeoutMs = 1000);
    void sentinel(const QList<QByteArray> &command, std::function<void(Result<RespValue>)> done, int index = 0);
    void info(const QString &node, std::function<void(Result<QHash<QString, QString>>)> done);
    void probe(std::function<void(Result<qint64>)> done, int timeoutMs = 1000);
    void poll(std::function<void(Done)> check, int intervalMs, int timeoutMs, Done done);
    void balancerRows(std::function<void(Result<QList<HaproxyStatRow>>)> done);
    QString replicaNode() const;
    quint16 redisPort(const QString &node) const;
    bool sentinelManaged() const;

    void step(const QString &name, std::function<void(Done)> body, std::function<void()> next);
    void stepDrain();
    void stepPause();
    void stepCatchUp();
    void stepPromote();
    void stepGap();
    void stepFence();
    void stepActivate();
    void stepVerify();
    void stepSentinel();
    void finish(bool ok, const QString &message);
    void rollback(const QString &why);
    // HAProxy server states for `active` serving: its pool ready; the primary
    // pool drained while the secondary (HAProxy backup servers) serves.
    void applyLayout(const QString &active, std::function<void(Result<void>)> done);
    void adoptSentinelView();

    void healthTick();
    void onSupervisorEvent(const FleetEvent &event);
    void autoSwitch(const QString &reason, bool certain);

    QPointer<FleetSupervisor> m_supervisor;
    State m_state = State::PrimaryActive;
    QString m_active = QStringLiteral("primary");
    bool m_automatic = false;
    bool m_automaticChosen = false;
    FailoverReport m_last;
    std::unique_ptr<Run> m_run;
    QTimer *m_health = nullptr;
    QElapsedTimer m_clock;
    qint64 m_poolDownSinceMs = -1;
    qint64 m_redisDownSinceMs = -1;
    qint64 m_lastAutoMs = -1;
    bool m_healthPending = false;
    quint64 m_ticks = 0;
};

}  // namespace turno
