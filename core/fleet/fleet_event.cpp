#include "fleet/fleet_event.h"

#include <iterator>

namespace turno {

namespace {

using Kind = FleetEvent::Kind;

struct KindInfo {
    Kind kind;
    const char *name;
    const char *timelineKind;  // null: fleet.<name>
    Severity severity;
};

// The one table of fleet event kinds. docs/incidents.md lists the mapping.
const KindInfo kKinds[] = {
    {Kind::ClusterStarting, "cluster-starting", nullptr, Severity::Info},
    {Kind::ClusterReady, "cluster-ready", nullptr, Severity::Info},
    {Kind::ClusterStartFailed, "cluster-start-failed", nullptr, Severity::Error},
    {Kind::ClusterStopping, "cluster-stopping", nullptr, Severity::Info},
    {Kind::ClusterStopped, "cluster-stopped", nullptr, Severity::Info},
    {Kind::NodeReady, "node-ready", EventKind::ProcessStart, Severity::Info},
    {Kind::NodeExited, "node-exited", EventKind::ProcessExit, Severity::Warning},
    {Kind::NodeStartFailed, "node-start-failed", EventKind::ProcessCrash, Severity::Error},
    {Kind::NodeRestarting, "node-restarting", EventKind::ProcessRestart, Severity::Warning},
    {Kind::NodeNotReady, "node-not-ready", EventKind::ProcessRestart, Severity::Warning},
    {Kind::NodeRestarted, "node-restarted", EventKind::ProcessRestart, Severity::Info},
    // The supervisor stopped restarting it: the node stays down until someone acts.
    {Kind::GaveUp, "gave-up", EventKind::ProcessCrash, Severity::Critical},
    // The counters' primary is gone until a failover promotes the replica.
    {Kind::RedisPrimaryDown, "redis-primary-down", nullptr, Severity::Critical},
    {Kind::RedisPrimaryMoved, "redis-primary-moved", nullptr, Severity::Info},
    {Kind::Scaled, "scaled", EventKind::FleetScale, Severity::Info},
    {Kind::Autoscale, "autoscale", EventKind::AutoscaleDecision, Severity::Info},
    {Kind::AutoscaleFailed, "autoscale-failed", nullptr, Severity::Warning},
    {Kind::NodeDrained, "node-drained", EventKind::OperatorAction, Severity::Info},
    {Kind::NodeEnabled, "node-enabled", EventKind::OperatorAction, Severity::Info},
    {Kind::NodeWeight, "node-weight", EventKind::OperatorAction, Severity::Info},
    {Kind::BalancerAlgorithm, "balancer-algorithm", nullptr, Severity::Info},
    {Kind::BalancerReloaded, "balancer-reloaded", nullptr, Severity::Info},
    {Kind::StateNotSaved, "state-not-saved", nullptr, Severity::Warning},
    {Kind::NodeDiscovered, "node-discovered", nullptr, Severity::Info},
    {Kind::NodeVanished, "node-vanished", nullptr, Severity::Info},
    {Kind::NodeUnready, "node-unready", nullptr, Severity::Info},
    {Kind::Attached, "attached", nullptr, Severity::Info},
    {Kind::Detached, "detached", nullptr, Severity::Info},
    {Kind::AttachSentinelFailed, "attach-sentinel-failed", nullptr, Severity::Warning},
    {Kind::AttachPrometheusFailed, "attach-prometheus-failed", nullptr, Severity::Warning},
    {Kind::OperatorDrain, "operator-drain", EventKind::OperatorAction, Severity::Info},
    {Kind::OperatorEnable, "operator-enable", EventKind::OperatorAction, Severity::Info},
    {Kind::OperatorWeight, "operator-weight", EventKind::OperatorAction, Severity::Info},
    {Kind::OperatorRestart, "operator-restart", EventKind::OperatorAction, Severity::Info},
    {Kind::OperatorKill, "operator-kill", EventKind::OperatorAction, Severity::Info},
};

const KindInfo &info(Kind kind)
{
    for (const KindInfo &k : kKinds)
        if (k.kind == kind)
            return k;
    return kKinds[0];  // unreachable while the table lists every Kind (test_fleet_event checks it)
}

}  // namespace

QString FleetEvent::kindName(Kind kind)
{
    return QString::fromLatin1(info(kind).name);
}

std::optional<FleetEvent::Kind> FleetEvent::kindFromName(const QString &name)
{
    for (const KindInfo &k : kKinds)
        if (name == QLatin1String(k.name))
            return k.kind;
    return std::nullopt;
}

QString FleetEvent::timelineKind() const
{
    const KindInfo &k = info(kind);
    return k.timelineKind ? QString::fromLatin1(k.timelineKind) : QStringLiteral("fleet.") + QString::fromLatin1(k.name);
}

Severity FleetEvent::severity() const
{
    return info(kind).severity;
}

QJsonObject FleetEvent::details() const
{
    return QJsonObject{{QStringLiteral("fleet_kind"), kindName()}};
}

bool FleetEvent::isNodeTrouble() const
{
    return kind == Kind::NodeExited || kind == Kind::GaveUp || kind == Kind::RedisPrimaryDown;
}

}  // namespace turno
