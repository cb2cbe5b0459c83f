// FailoverCommands: gives every cluster a FleetMonitor launches its
// FailoverController, serves it on the control API (failover, preflight,
// failover-auto) and records its steps in the event history.
#pragma once

#include "failover/failover_controller.h"

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

signals:
    // A new cluster (and controller) came up, or the old one went away.
    void controllerChanged(turno::FailoverController *controller);

private:
    void follow();
    FleetMonitor *m_monitor;
    QPointer<FailoverController> m_controller;
};

}  // namespace turno
