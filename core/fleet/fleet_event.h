// FleetEvent: one notable happening of a supervised or attached fleet (a node
// exited, was restarted, the cluster became ready...), and the one mapping of
// each kind to the timeline's kind and severity.
#pragma once

#include "incidents/incident_event.h"

#include <QJsonObject>
#include <QMetaType>
#include <QString>
#include <optional>

namespace turno {

struct FleetEvent {
    enum class Kind {
        ClusterStarting,
        ClusterReady,
        ClusterStartFailed,
        ClusterStopping,
        ClusterStopped,
        NodeReady,
        NodeExited,
        NodeStartFailed,
        NodeRestarting,
        NodeNotReady,
        NodeRestarted,
        GaveUp,
        RedisPrimaryDown,
        RedisPrimaryMoved,
        Scaled,
        Autoscale,
        AutoscaleFailed,
        NodeDrained,
        NodeEnabled,
        NodeWeight,
        BalancerAlgorithm,
        BalancerReloaded,
        StateNotSaved,
        // Attach mode: what the registry and status polls saw.
        NodeDiscovered,
        NodeVanished,
        NodeUnready,
        Attached,
        Detached,
        AttachSentinelFailed,
        AttachPrometheusFailed,
        // Operator actions the monitor carries out (recorded before they run).
        OperatorDrain,
        OperatorEnable,
        OperatorWeight,
        OperatorRestart,
        OperatorKill,
    };

    Kind kind = Kind::ClusterReady;
    QString node;     // empty when it concerns the whole fleet
    QString message;  // one line for a person

    // The tag logs, `turnoctl up` and the event details have always used:
    // "node-exited", "gave-up", "cluster-ready", ...
    static QString kindName(Kind kind);
    QString kindName() const { return kindName(kind); }
    static std::optional<Kind> kindFromName(const QString &name);

    // Where it goes on the timeline (docs/incidents.md): e.g. gave-up is
    // process.crash, critical; kinds without their own are fleet.<tag>.
    QString timelineKind() const;
    Severity severity() const;
    // {"fleet_kind": "<tag>"}, the details of its timeline event.
    QJsonObject details() const;
    // A process the operator must look at now died or stays down (for notifications).
    bool isNodeTrouble() const;
};

}  // namespace turno

Q_DECLARE_METATYPE(turno::FleetEvent)
