// FleetNode: one supervised process of a cluster, what it is (name, kind,
// pool, port, weight) and what the supervisor knows about it now.
#pragma once

#include "fleet/node_state.h"

#include <QList>
#include <QString>

namespace turno {

class ManagedProcess;

struct FleetNode {
    // A Redis node's kind says nothing of its role: that moves with every failover
    // (FleetSupervisor::redisPrimaryNode()).
    enum class Kind { Turno, Redis, Sentinel, Haproxy };
    QString name;           // primary-1, secondary-2, redis-1, redis-2, sentinel-1, haproxy
    Kind kind = Kind::Turno;
    QString pool;           // primary | secondary for turno nodes, else empty
    quint16 port = 0;
    int weight = 1;
    NodeState state = NodeState::New;
    ManagedProcess *process = nullptr;
    QList<qint64> restartTimes;  // ms since supervisor start, inside the restart window
    int consecutiveRestarts = 0;
    bool removing = false;
    double cpuPercent = 0;
    qint64 rssBytes = 0;
    qint64 lastCpuTicks = -1;
    qint64 lastCpuSampleMs = 0;

    QString kindName() const;
};

}  // namespace turno
