#include "fleet/node_state.h"

namespace turno {

QString nodeStateName(NodeState state)
{
    switch (state) {
    case NodeState::New: return QStringLiteral("new");
    case NodeState::Starting: return QStringLiteral("starting");
    case NodeState::Running: return QStringLiteral("running");
    case NodeState::Restarting: return QStringLiteral("restarting");
    case NodeState::Failed: return QStringLiteral("failed");
    case NodeState::Down: return QStringLiteral("down");
    case NodeState::Stopping: return QStringLiteral("stopping");
    case NodeState::Stopped: return QStringLiteral("stopped");
    }
    return {};
}

BalancerState balancerStateFromStatus(const QString &status)
{
    if (status.isEmpty())
        return BalancerState::Unknown;
    if (status.startsWith(QLatin1String("MAINT")))
        return BalancerState::Maint;
    if (status == QLatin1String("DRAIN") || status.startsWith(QLatin1String("NOLB")))
        return BalancerState::Drain;
    if (status.startsWith(QLatin1String("UP")))
        return BalancerState::Up;
    if (status.startsWith(QLatin1String("DOWN")))
        return BalancerState::Down;
    return BalancerState::Other;
}

QString balancerStateName(BalancerState state)
{
    switch (state) {
    case BalancerState::Up: return QStringLiteral("UP");
    case BalancerState::Drain: return QStringLiteral("DRAIN");
    case BalancerState::Maint: return QStringLiteral("MAINT");
    case BalancerState::Down: return QStringLiteral("DOWN");
    case BalancerState::Unknown:
    case BalancerState::Other: break;
    }
    return {};
}

NodeHealth nodeHealth(NodeState process, BalancerState balancer)
{
    switch (process) {
    case NodeState::Running:
        switch (balancer) {
        case BalancerState::Drain:
        case BalancerState::Maint: return NodeHealth::Warning;
        case BalancerState::Down: return NodeHealth::Bad;
        case BalancerState::Up:
        case BalancerState::Unknown:
        case BalancerState::Other: return NodeHealth::Good;
        }
        return NodeHealth::Good;
    case NodeState::New:
    case NodeState::Starting:
    case NodeState::Restarting:
    case NodeState::Stopping: return NodeHealth::Busy;
    case NodeState::Failed:
    case NodeState::Down: return NodeHealth::Bad;
    case NodeState::Stopped: return NodeHealth::Idle;
    }
    return NodeHealth::Idle;
}

}  // namespace turno
