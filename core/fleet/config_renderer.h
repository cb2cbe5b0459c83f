// ConfigRenderer: what each process of a local cluster is started with
// (redis.conf, sentinel.conf, haproxy.cfg, turno-server's command line),
// rendered from a ClusterLayout alone: pure functions, no file and no process.
#pragma once

#include "fleet/cluster_layout.h"

#include <QByteArray>
#include <QString>
#include <QStringList>

namespace turno {

class ConfigRenderer {
public:
    // TTL of the registry keys turno nodes announce themselves under
    // (turno-server --announce; read by NodeRegistry).
    static constexpr int kRegistryTtlMs = 3000;

    // A Redis node: a replica of the layout's primary unless it is the primary.
    static QByteArray redisConf(const ClusterLayout &layout, const FleetNode &node);
    static QByteArray sentinelConf(const ClusterLayout &layout, const FleetNode &node);
    // Every turno node that is not being removed is a server; the secondary pool's are backups.
    static QByteArray haproxyCfg(const ClusterLayout &layout);
    // The config file of a Redis, Sentinel or HAProxy node (empty for turno nodes).
    static QByteArray configFor(const ClusterLayout &layout, const FleetNode &node);
    static QStringList turnoArgs(const ClusterLayout &layout, const FleetNode &node);
};

}  // namespace turno
