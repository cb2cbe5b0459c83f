// FailoverRun: one switch, from the gate to its report, as an explicit step
// machine: one table of steps (when it applies, its body, its bound, whether a
// failure may roll back), one advance() that dispatches the next step, and the
// point of no return written once (the promote command was accepted).
//
// Each step runs in its own scope, a child of the run: the step's end (its
// answer or its bound, whichever comes first) closes the scope, which aborts
// the step's requests and drops their late answers. Everything a run knows
// lives in the run (per-run storage); nothing outside it points into it.
#pragma once

#include "failover/failover_fleet.h"
#include "failover/failover_report.h"

#include <QElapsedTimer>
#include <QObject>
#include <QString>
#include <functional>

namespace turno {

class FailoverRun : public QObject {
    Q_OBJECT
public:
    enum class Outcome { Done, Refused, RolledBack, Degraded };
    struct Plan {
        QString from;     // pool active before
        QString to;       // pool asked for
        QString trigger;
        bool force = false;
        QString probeId;  // the id probed through the balancer
    };

    FailoverRun(FailoverFleet *fleet, Plan plan, QObject *parent = nullptr);
    ~FailoverRun() override;

    // Runs the steps; finished() follows once (from inside start() when the gate answers at once).
    void start();
    const FailoverReport &report() const { return m_report; }
    bool running() const { return !m_finished; }

signals:
    void stepStarted(const QString &name);
    void stepFinished(const turno::FailoverStep &step);
    void event(const QString &kind, const QString &node, const QString &message);
    // The target pool serves from here on (activate passed).
    void activated(const QString &pool);
    void finished(const turno::FailoverReport &report, turno::FailoverRun::Outcome outcome);

private:
    class Scope;
    using Done = std::function<void(bool ok, QString detail)>;
    struct StepSpec {
        FailoverStepId id;
        bool (FailoverRun::*applies)() const;  // null: always
        void (FailoverRun::*body)(Scope *scope);
        int slackMs;        // bound = failover.stepTimeoutMs + slack: the body's own waits report first
        bool mayRollBack;   // ...while the point of no return is not passed
    };
    static const StepSpec &spec(FailoverStepId id);

    // The dispatcher: the next step that applies, or the end of the switch.
    void advance();
    void enter(const StepSpec &s);
    // The one way a step ends: records it, closes its scope, then advances, rolls back or stops.
    void endStep(Scope *scope, bool ok, const QString &detail);
    bool pastPointOfNoReturn() const { return m_promoteAccepted && !m_stillReplica; }
    void rollback(const QString &why);
    void finish(Outcome outcome, const QString &message);
    Scope *openScope();
    void closeScope(Scope *scope);

    // The fleet, within a scope: answers after the scope closed are dropped.
    template <typename F>
    auto within(Scope *scope, F fn);
    void redis(Scope *s, const QString &node, const QList<QList<QByteArray>> &commands, int timeoutMs,
               FailoverFleet::RedisDone done);
    void sentinel(Scope *s, const QList<QByteArray> &command, FailoverFleet::SentinelDone done);
    void info(Scope *s, const QString &node, std::function<void(Result<RedisInfo>)> done);
    // check until it passes or timeoutMs went by, every intervalMs.
    void poll(Scope *s, std::function<void(Done)> check, int intervalMs, int timeoutMs, Done done);
    void setLayout(Scope *s, const QString &active, std::function<void(Result<void>)> done);
    Done stepDone(Scope *s);

    bool hasRedisPair() const;
    bool wasPaused() const { return m_paused; }
    bool needsGap() const;
    bool sentinelFollows() const;

    void stepGate(Scope *s);
    void stepProbe(Scope *s);
    void stepDrain(Scope *s);
    void stepPause(Scope *s);
    void stepCatchUp(Scope *s);
    void stepPromote(Scope *s);
    void promoteAccepted(Scope *s, const QString &how);
    void stepGap(Scope *s);
    void raiseCounters(Scope *s, const QByteArray &cursor, const QByteArray &before, qint64 raised);
    void stepFence(Scope *s);
    void waitForReplica(Scope *s, const QString &how);
    void stepActivate(Scope *s);
    void stepVerify(Scope *s);
    void stepSentinel(Scope *s);

    FailoverFleet *m_fleet;
    const FailoverSettings m_settings;
    const Plan m_plan;
    // Per-run storage.
    FailoverReport m_report;
    QElapsedTimer m_clock;
    QString m_oldPrimary;  // Redis node names
    QString m_newPrimary;
    bool m_primaryReachable = true;
    bool m_paused = false;
    qint64 m_pausedOffset = -1;
    bool m_promoteAccepted = false;
    bool m_stillReplica = false;  // promote's bound found the replica still a replica: nothing changed
    int m_index = -1;             // into the step table
    Scope *m_scope = nullptr;     // the step (or rollback) running now
    bool m_finished = false;
};

}  // namespace turno
