// NodeState, BalancerState, NodeHealth: what a supervised process is doing,
// what the balancer says of it, and how that reads at a glance. The names are
// the words status JSON, tables and logs have always shown.
#pragma once

#include <QString>

namespace turno {

// The supervisor's view of one process.
enum class NodeState { New, Starting, Running, Restarting, Failed, Down, Stopping, Stopped };

// "new", "starting", "running", "restarting", "failed", "down", "stopping", "stopped".
QString nodeStateName(NodeState state);

// HAProxy's view of a server (the status column of `show stat`).
enum class BalancerState { Unknown, Up, Drain, Maint, Down, Other };

// UP and "UP 1/3" are Up, DRAIN and NOLB Drain, MAINT (any) Maint, DOWN (any) Down,
// an empty status Unknown, anything else (e.g. "no check") Other.
BalancerState balancerStateFromStatus(const QString &haproxyStatus);
// "UP", "DRAIN", "MAINT", "DOWN"; empty for Unknown and Other.
QString balancerStateName(BalancerState state);

// One tone for colours and icons: the process state, unless the balancer
// knows better (a running node that is drained or failing its health checks).
enum class NodeHealth { Good, Busy, Warning, Bad, Idle };

NodeHealth nodeHealth(NodeState process, BalancerState balancer = BalancerState::Unknown);

}  // namespace turno
