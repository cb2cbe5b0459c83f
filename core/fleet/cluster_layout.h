// ClusterLayout: what a local cluster is made of before anything runs (its
// profile, run directory, ports, password, nodes, which Redis is primary and
// the balancer's generation), and where each of its files lives. The config
// renderer reads only this, so configs are tested without spawning a process.
#pragma once

#include "fleet/cluster_profile.h"
#include "fleet/fleet_node.h"

#include <QList>
#include <QString>

namespace turno {

struct ClusterLayout {
    ClusterProfile profile;
    QString runDir;
    quint16 balancerPort = 0;
    quint16 prometheusPort = 0;
    QString password;                                    // empty: none
    QString redisPrimary = QStringLiteral("redis-primary");  // node name
    int balancerGeneration = 0;                           // bumped at every HAProxy reload
    QList<const FleetNode *> nodes;                        // in start order; not owned

    static QString backendName() { return QStringLiteral("turno_nodes"); }
    const FleetNode *node(const QString &name) const;
    QList<quint16> sentinelPorts() const;

    QString nodeDir(const QString &node) const { return runDir + QLatin1Char('/') + node; }
    QString haproxySocket() const { return runDir + QStringLiteral("/haproxy.sock"); }
    // Private to one HAProxy generation: during a reload the shared socket may be
    // answered by either process, this one only by the new one.
    QString generationSocket() const;
    QString serverStateFile() const { return runDir + QStringLiteral("/haproxy/server-state"); }
    QString passwordFile() const { return runDir + QStringLiteral("/redis.pass"); }
    QString debugTokenFile() const { return runDir + QStringLiteral("/debug.token"); }
    // redis.conf, sentinel.conf or haproxy.cfg in the node's directory; empty for turno nodes.
    QString configFile(const FleetNode &node) const;
};

}  // namespace turno
