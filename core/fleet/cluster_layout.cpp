#include "fleet/cluster_layout.h"

namespace turno {

namespace {

// Old name -> the node launched in that role; the order is the launch order.
struct NodeAlias {
    const char *alias;
    int redisOrdinal;
};
constexpr NodeAlias kAliases[] = {{"redis-primary", 1}, {"redis-replica", 2}};

}  // namespace

QString ClusterLayout::resolveNodeName(const QString &typed)
{
    for (const NodeAlias &a : kAliases)
        if (typed == QLatin1String(a.alias))
            return redisNodeName(a.redisOrdinal);
    return typed;
}

QStringList ClusterLayout::namesOf(const QString &node)
{
    const QString name = resolveNodeName(node);
    QStringList names{name};
    for (const NodeAlias &a : kAliases)
        if (name == redisNodeName(a.redisOrdinal))
            names << QString::fromLatin1(a.alias);
    return names;
}

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
    case FleetNode::Kind::Redis: return nodeDir(n.name) + QStringLiteral("/redis.conf");
    case FleetNode::Kind::Turno: break;
    }
    return {};
}

}  // namespace turno
