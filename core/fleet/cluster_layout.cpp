#include "fleet/cluster_layout.h"

namespace turno {

const FleetNode *ClusterLayout::node(const QString &name) const
{
    for (const FleetNode *n : nodes)
        if (n->name == name)
            return n;
    return nullptr;
}

QList<quint16> ClusterLayout::sentinelPorts() const
{
    QList<quint16> ports;
    for (const FleetNode *n : nodes)
        if (n->kind == FleetNode::Kind::Sentinel)
            ports << n->port;
    return ports;
}

QString ClusterLayout::generationSocket() const
{
    return runDir + QStringLiteral("/haproxy/admin-%1.sock").arg(balancerGeneration);
}

QString ClusterLayout::configFile(const FleetNode &n) const
{
    switch (n.kind) {
    case FleetNode::Kind::Haproxy: return nodeDir(n.name) + QStringLiteral("/haproxy.cfg");
    case FleetNode::Kind::Sentinel: return nodeDir(n.name) + QStringLiteral("/sentinel.conf");
    case FleetNode::Kind::RedisPrimary:
    case FleetNode::Kind::RedisReplica: return nodeDir(n.name) + QStringLiteral("/redis.conf");
    case FleetNode::Kind::Turno: break;
    }
    return {};
}

}  // namespace turno
