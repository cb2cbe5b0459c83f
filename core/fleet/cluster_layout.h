// ClusterLayout: what a local cluster is made of before anything runs (its
// profile, run directory, ports, password, nodes, which Redis is primary and
// the balancer's generation), and where each of its files lives. The config
// renderer reads only this, so configs are tested without spawning a process.
#pragma once

#include "fleet/cluster_profile.h"
#include "fleet/fleet_node.h"

#include <QList>
#include <QString>
#include <QStringList>

namespace turno {

struct ClusterLayout {
    ClusterProfile profile;
    QString runDir;
    quint16 balancerPort = 0;
    quint16 prometheusPort = 0;
    quint16 balancerLogPort = 0;                           // UDP on 127.0.0.1 for HAProxy's request log; 0: none
    QString password;                                    // empty: none
    QString redisPrimary = redisNodeName(1);               // node name
    int balancerGeneration = 0;                           // bumped at every HAProxy reload
    QList<const FleetNode *> nodes;                        // in start order; not owned

    static QString backendName() { return QStringLiteral("turno_nodes"); }
    // The embedded Redis nodes are named by launch order, redis-1 (launched as the
    // primary), redis-2 (as its replica), never by role: the role moves with every
    // failover, and the status, the tables and the events show it apart.
    static QString redisNodeName(int ordinal) { return QStringLiteral("redis-%1").arg(ordinal); }
    // The node an operator means by a name typed on a command line, in the console,
    // in a profile or found in a run directory's files: the names earlier versions
    // gave the Redis nodes are kept as aliases of the node launched so, whatever
    // its role is now (redis-primary is redis-1, redis-replica is redis-2); every
    // other name is returned as is (an unknown one is the caller's to refuse).
    static QString resolveNodeName(const QString &typed);
    // The names a node's history may carry: its own and its alias from before the
    // rename (events recorded then name redis-primary); just the name for others.
    static QStringList namesOf(const QString &node);
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
