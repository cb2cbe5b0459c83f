// FailoverController: moves traffic and data between the primary and the
// secondary side of a cluster (active-passive), by an operator's request or by
// itself, without ever letting a number be handed out twice.
//
// A switch (a FailoverRun, one step machine per switch) drains the active pool
// at HAProxy (the other pool takes the traffic at once), pauses writes on the
// Redis primary, waits until the replica holds every byte of it, has Sentinel
// promote the replica (SENTINEL FAILOVER; the FAILOVER command only when no
// Sentinel manages the pair), fences the old primary (demoted, its clients cut
// off), checks the new pool is up, and verifies with a probe turno through the
// balancer that is above every number issued before. Every step is bounded and
// reported; a failed step rolls back when nothing irreversible happened yet,
// else stops in Degraded with advice. The controller keeps the state between
// switches and decides when automatic mode switches (FailoverWatch).
#pragma once

#include "common/result.h"
#include "failover/failover_report.h"
#include "failover/failover_run.h"

#include <QElapsedTimer>
#include <QHash>
#include <QJsonObject>
#include <QList>
#include <QObject>
#include <QPointer>
#include <QString>
#include <functional>
#include <memory>

namespace turno {

class FailoverFleet;
class FailoverWatch;
class FleetSupervisor;

class FailoverController : public QObject {
    Q_OBJECT
public:
    enum class State { PrimaryActive, SwitchingOver, SecondaryActive, SwitchingBack, Degraded };
    static QString stateName(State s);
    // The id probed through the balancer before and after every switch.
    static QString probeId() { return QStringLiteral("__turno_failover_probe"); }

    // Over a supervised cluster; starts automatic mode as its profile says (failover.auto).
    explicit FailoverController(FleetSupervisor *supervisor, QObject *parent = nullptr);
    // Over any fleet (a fake one in tests); fleet must outlive the controller.
    explicit FailoverController(FailoverFleet *fleet, QObject *parent = nullptr);
    ~FailoverController() override;

    State state() const { return m_state; }
    QString stateName() const { return stateName(m_state); }
    bool busy() const { return m_state == State::SwitchingOver || m_state == State::SwitchingBack || m_run != nullptr; }
    // "primary" or "secondary": the side that serves (or would, in Degraded: the last target).
    QString activePool() const { return m_active; }
    bool automatic() const { return m_automatic; }
    void setAutomatic(bool on);
    // The controller of a cluster handed over from another supervisor image takes
    // on where that one's was: the serving pool, automatic mode and a Degraded state.
    void resumeHandedOver(const QString &activePool, bool automatic, const QString &stateName);
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
    // pool has turno nodes (not being scaled away): a switch to it is possible at all.
    bool poolHasNodes(const QString &pool) const;

signals:
    void stateChanged();
    void stepStarted(const QString &name);
    void stepFinished(const turno::FailoverStep &step);
    void finished(const turno::FailoverReport &report);
    // For the event history: kind is failover.step, failover.start, failover.end, failover.refused, failover.auto.
    void event(const QString &kind, const QString &node, const QString &message);

private:
    void init();
    void setState(State s);
    void onRunFinished(const FailoverReport &report, FailoverRun::Outcome outcome);
    void autoSwitch(const QString &reason, bool certain);

    FailoverFleet *m_fleet;
    FailoverWatch *m_watch = nullptr;
    State m_state = State::PrimaryActive;
    QString m_active = QStringLiteral("primary");
    bool m_automatic = false;
    bool m_automaticChosen = false;
    FailoverReport m_last;
    FailoverRun *m_run = nullptr;  // a child, while a switch runs
    std::function<void(FailoverReport)> m_done;
    QElapsedTimer m_clock;
    qint64 m_lastAutoMs = -1;
};

}  // namespace turno
