#include "runtime/failover_commands.h"

#include "failover/failover_controller.h"
#include "fleet/fleet_supervisor.h"
#include "incidents/incident_event.h"
#include "incidents/incident_store.h"
#include "runtime/fleet_monitor.h"

#include <QJsonObject>

namespace turno {

FailoverCommands::FailoverCommands(FleetMonitor *monitor) : QObject(monitor), m_monitor(monitor)
{
    setObjectName(QStringLiteral("failover-commands"));
    connect(monitor, &FleetMonitor::stateChanged, this, &FailoverCommands::follow);
    // Every start (processes up): the gate is asked until it passes.
    connect(monitor, &FleetMonitor::ready, this, [this] {
        if (m_readiness && m_monitor->isReady())
            m_readiness->arm();
    });

    auto noCluster = [this](ControlServer::Reply &reply) {
        if (m_controller)
            return false;
        reply(Error{QStringLiteral("no failover controller: the cluster is not running")});
        return true;
    };
    // {"cmd":"failover","target":"secondary|primary" (default: the other pool),"force":bool}
    monitor->addControlCommand(QStringLiteral("failover"), [this, noCluster](const QJsonObject &req, ControlServer::Reply reply) {
        if (noCluster(reply))
            return;
        QString target = req.value(QStringLiteral("target")).toString();
        if (target.isEmpty())
            target = m_controller->otherPool();
        const bool force = req.value(QStringLiteral("force")).toBool();
        const QString who = req.value(QStringLiteral("by")).toString(QStringLiteral("turnoctl"));
        m_controller->switchTo(target, force, QStringLiteral("operator (%1)").arg(who),
                               [reply](FailoverReport r) { reply(QJsonValue(r.toJson())); });
    });
    monitor->addControlCommand(QStringLiteral("preflight"), [this, noCluster](const QJsonObject &req, ControlServer::Reply reply) {
        if (noCluster(reply))
            return;
        QString target = req.value(QStringLiteral("target")).toString();
        if (target.isEmpty())
            target = m_controller->otherPool();
        m_controller->preflight(target, [reply](FailoverGate g) { reply(QJsonValue(g.toJson())); });
    });
    // {"cmd":"failover-auto","on":bool} sets; without "on" it only reports.
    monitor->addControlCommand(QStringLiteral("failover-auto"), [this, noCluster](const QJsonObject &req, ControlServer::Reply reply) {
        if (noCluster(reply))
            return;
        if (req.contains(QStringLiteral("on")))
            m_controller->setAutomatic(req.value(QStringLiteral("on")).toBool());
        reply(QJsonValue(status()));
    });
    // A hand-over keeps which pool serves and the automatic mode; never in the middle of a switch.
    monitor->addHandoverPart(
        QStringLiteral("failover"),
        [this]() -> Result<QJsonValue> {
            if (!m_controller)
                return QJsonValue(QJsonValue::Null);
            if (m_controller->busy())
                return Error{QStringLiteral("a failover switch is running (%1); hand over once it is done")
                                 .arg(m_controller->stateName())};
            return QJsonValue(QJsonObject{{QStringLiteral("active"), m_controller->activePool()},
                                          {QStringLiteral("automatic"), m_controller->automatic()},
                                          {QStringLiteral("state"), m_controller->stateName()}});
        },
        [this](const QJsonValue &v) {
            const QJsonObject o = v.toObject();
            if (m_controller && !o.isEmpty())
                m_controller->resumeHandedOver(o.value(QStringLiteral("active")).toString(),
                                               o.value(QStringLiteral("automatic")).toBool(),
                                               o.value(QStringLiteral("state")).toString());
        });
    // The controller owns its state; `status` reads it at every request.
    monitor->addStatusPart(QStringLiteral("failover"), [this]() -> QJsonValue {
        return m_controller ? QJsonValue(status()) : QJsonValue(QJsonValue::Undefined);
    });
    monitor->addControlCommand(QStringLiteral("failover-status"), [this, noCluster](const QJsonObject &, ControlServer::Reply reply) {
        if (noCluster(reply))
            return;
        reply(QJsonValue(status()));
    });
}

QJsonObject FailoverCommands::status() const
{
    QJsonObject o = m_controller->statusJson();
    if (m_readiness)
        o.insert(QStringLiteral("readiness"), m_readiness->toJson());
    return o;
}

FailoverCommands *FailoverCommands::of(const FleetMonitor *monitor)
{
    return monitor ? monitor->findChild<FailoverCommands *>(QStringLiteral("failover-commands"), Qt::FindDirectChildrenOnly)
                   : nullptr;
}

void FailoverCommands::follow()
{
    FleetSupervisor *supervisor = m_monitor->supervisor();
    if (m_controller && m_controller->parent() == supervisor)
        return;
    if (!supervisor) {
        if (m_controller) {
            m_controller = nullptr;
            m_readiness = nullptr;
            emit controllerChanged(nullptr);
            emit readinessChanged();
        }
        return;
    }
    // A child of the supervisor: it goes when that cluster goes.
    auto *controller = new FailoverController(supervisor, supervisor);
    m_controller = controller;
    connect(controller, &FailoverController::event, this, [this](const QString &kind, const QString &node, const QString &message) {
        IncidentStore *history = m_monitor->history();
        if (!history || !history->isOpen())
            return;
        Severity severity = Severity::Info;
        if (kind == QLatin1String("failover.refused") || message.contains(QLatin1String("FAILED")) ||
            (kind == QLatin1String("failover.end") && message.contains(QLatin1String("did not complete"))))
            severity = Severity::Warning;
        if (message.contains(QLatin1String("degraded")) || message.contains(QLatin1String("ALARM")))
            severity = Severity::Critical;
        history->record(QStringLiteral("failover"), node, QString::fromLatin1(EventKind::FailoverStep), severity, message,
                        {{QStringLiteral("phase"), kind}});
    });
    m_readiness = new FailoverReadiness(controller, [this] { return m_monitor->isReady(); });
    connect(m_readiness, &FailoverReadiness::changed, this, &FailoverCommands::readinessChanged);
    if (m_monitor->isReady())
        m_readiness->arm();
    emit controllerChanged(controller);
    emit readinessChanged();
}

}  // namespace turno
