#include "failover/failover_readiness.h"

#include "failover/failover_controller.h"

#include <QJsonArray>
#include <QTimer>

namespace turno {

FailoverReadiness::FailoverReadiness(FailoverController *controller, std::function<bool()> clusterReady)
    : QObject(controller), m_controller(controller), m_clusterReady(std::move(clusterReady))
{
    m_timer = new QTimer(this);
    m_timer->setSingleShot(true);
    connect(m_timer, &QTimer::timeout, this, &FailoverReadiness::check);
    connect(controller, &FailoverController::stateChanged, this, &FailoverReadiness::onControllerState);
}

void FailoverReadiness::arm()
{
    m_armed = true;
    m_known = false;
    m_readyAfterMs = -1;
    m_gate = FailoverGate{};
    m_waiting = QStringLiteral("the first gate check");
    m_sinceArm.start();
    schedule(0);
    emit changed();
}

void FailoverReadiness::disarm()
{
    m_armed = false;
    m_known = false;
    m_readyAfterMs = -1;
    m_gate = FailoverGate{};
    m_waiting = QStringLiteral("a running cluster");
    m_timer->stop();
    emit changed();
}

bool FailoverReadiness::applicable() const
{
    return m_controller && m_controller->poolHasNodes(m_controller->otherPool());
}

bool FailoverReadiness::ready() const
{
    if (!m_armed)
        return false;
    if (!applicable())
        return true;
    return m_known && m_gate.ok();
}

QString FailoverReadiness::waitingFor() const
{
    return ready() ? QString() : m_waiting;
}

void FailoverReadiness::schedule(int ms)
{
    if (m_armed && !m_asking)
        m_timer->start(ms);
}

void FailoverReadiness::check()
{
    if (!m_armed || !m_controller)
        return;
    if (!applicable()) {
        // Nothing to switch to: follow it slowly in case a pool is scaled up.
        schedule(kSlowMs);
        return;
    }
    if (m_controller->busy()) {
        m_wasBusy = true;
        const QString waiting = QStringLiteral("the running switch (%1)").arg(m_controller->stateName());
        if (waiting != m_waiting || m_known) {
            m_known = false;
            m_waiting = waiting;
            emit changed();
        }
        return;  // onControllerState re-arms when it ends
    }
    if (m_clusterReady && !m_clusterReady()) {
        schedule(kFastMs);
        return;
    }
    m_asking = true;
    QPointer<FailoverReadiness> self(this);
    m_controller->preflight(m_controller->otherPool(), [self](FailoverGate gate) {
        if (self)
            self->onGate(gate);
    });
}

void FailoverReadiness::onGate(const FailoverGate &gate)
{
    m_asking = false;
    if (!m_armed || !m_controller)
        return;
    if (m_controller->busy())
        return;  // a switch started meanwhile: this gate is stale (onControllerState re-arms)
    const bool wasReady = ready();
    const QString wasWaiting = m_waiting;
    const bool wasKnown = m_known;
    m_gate = gate;
    m_known = true;
    m_waiting = gate.ok() ? QString() : gate.failures();
    if (gate.ok() && m_readyAfterMs < 0)
        m_readyAfterMs = m_sinceArm.elapsed();
    schedule(gate.ok() ? kSlowMs : kFastMs);
    if (wasReady != ready() || wasWaiting != m_waiting || !wasKnown)
        emit changed();
}

void FailoverReadiness::onControllerState()
{
    if (!m_controller || !m_armed)
        return;
    if (m_controller->busy()) {
        m_timer->stop();
        m_wasBusy = true;
        m_known = false;
        m_waiting = QStringLiteral("the running switch (%1)").arg(m_controller->stateName());
        emit changed();
        return;
    }
    if (m_wasBusy) {
        // A switch ended: Sentinel settles again (it learns the demoted node), count from now.
        m_wasBusy = false;
        arm();
    }
}

QJsonObject FailoverReadiness::toJson() const
{
    QJsonObject o{{QStringLiteral("ready"), ready()},
                  {QStringLiteral("applicable"), applicable()},
                  {QStringLiteral("waitingFor"), waitingFor()},
                  {QStringLiteral("readyAfterMs"), m_readyAfterMs}};
    if (m_controller)
        o.insert(QStringLiteral("target"), m_controller->otherPool());
    if (m_known)
        o.insert(QStringLiteral("checks"), m_gate.toJson().value(QStringLiteral("checks")));
    return o;
}

}  // namespace turno
