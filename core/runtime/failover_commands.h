// FailoverCommands: gives every cluster a FleetMonitor launches its
// FailoverController, serves it on the control API (failover, preflight,
// failover-auto) and records its steps in the event history.
#pragma once

#include "failover/failover_controller.h"
#include "failover/failover_readiness.h"

#include <QObject>
#include <QPointer>

namespace turno {

class FleetMonitor;

class FailoverCommands : public QObject {
    Q_OBJECT
public:
    explicit FailoverCommands(FleetMonitor *monitor);
    // The monitor's instance (a child of it), or null.
    static FailoverCommands *of(const FleetMonitor *monitor);
    // The current cluster's controller; null while none runs.
    FailoverController *controller() const { return m_controller; }
    // Whether the current cluster's gate would pass now (status's failover.readiness); null while none runs.
    FailoverReadiness *readiness() const { return m_readiness; }

signals:
    // A new cluster (and controller) came up, or the old one went away.
    void controllerChanged(turno::FailoverController *controller);
    // The readiness of the current cluster changed (or went with it).
    void readinessChanged();

private:
    void follow();
    // The controller's status with the readiness in it (needs a controller).
    QJsonObject status() const;
    FleetMonitor *m_monitor;
    QPointer<FailoverController> m_controller;
    QPointer<FailoverReadiness> m_readiness;
};

}  // namespace turno
