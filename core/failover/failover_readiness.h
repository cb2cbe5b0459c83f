// FailoverReadiness: would a switch to the other pool pass its gate now? "Ready"
// means this, not just "every process is up": Sentinel needs a few seconds after
// a start (quorum) and after a switch (it learns the demoted node from INFO)
// before a switch can pass. From arm() it runs the controller's gate every
// kFastMs until it passes, then every kSlowMs to follow it; while a switch runs
// it waits and re-arms when the switch ends. `turnoctl up` returns, and the
// console says ready, once it passes; until then waitingFor() says for what.
#pragma once

#include "failover/failover_report.h"

#include <QElapsedTimer>
#include <QJsonObject>
#include <QObject>
#include <QPointer>
#include <functional>

class QTimer;

namespace turno {

class FailoverController;

class FailoverReadiness : public QObject {
    Q_OBJECT
public:
    static constexpr int kFastMs = 250;
    static constexpr int kSlowMs = 2000;

    // clusterReady: the processes are up (the gate is worth asking). A child of controller.
    FailoverReadiness(FailoverController *controller, std::function<bool()> clusterReady);

    // Starts over: unknown, fast polling (after a start; a switch's end re-arms by itself).
    void arm();
    // No cluster: unknown, no polling.
    void disarm();

    // The last gate passed (or there is no other pool to switch to: nothing to wait for).
    bool ready() const;
    // A gate ran since arm(), or there is nothing to ask.
    bool known() const { return m_known || !applicable(); }
    // The other pool has nodes: a switch is possible at all.
    bool applicable() const;
    // The failing checks of the last gate ("sentinel-quorum: NOQUORUM ...; ..."), or
    // what it waits for before it can ask; empty when ready.
    QString waitingFor() const;
    // ms from arm() to the first passing gate; -1 until then.
    qint64 readyAfterMs() const { return m_readyAfterMs; }
    // ms since arm(); -1 when disarmed.
    qint64 sinceArmMs() const { return m_armed ? m_sinceArm.elapsed() : -1; }
    const FailoverGate &lastGate() const { return m_gate; }
    // {"ready","applicable","target","waitingFor","readyAfterMs","checks":[...]}: status's failover.readiness.
    QJsonObject toJson() const;

signals:
    // ready(), waitingFor() or the last gate's verdict changed.
    void changed();

private:
    void schedule(int ms);
    void check();
    void onGate(const FailoverGate &gate);
    void onControllerState();

    QPointer<FailoverController> m_controller;
    std::function<bool()> m_clusterReady;
    QTimer *m_timer = nullptr;
    QElapsedTimer m_sinceArm;
    bool m_armed = false;
    bool m_known = false;
    bool m_asking = false;
    bool m_wasBusy = false;
    qint64 m_readyAfterMs = -1;
    FailoverGate m_gate;
    QString m_waiting;
};

}  // namespace turno
