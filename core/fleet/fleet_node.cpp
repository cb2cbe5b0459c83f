#include "fleet/fleet_node.h"

namespace turno {

QString FleetNode::kindName() const
{
    switch (kind) {
    case Kind::Turno: return QStringLiteral("turno");
    case Kind::Redis: return QStringLiteral("redis");
    case Kind::Sentinel: return QStringLiteral("sentinel");
    case Kind::Haproxy: return QStringLiteral("haproxy");
    }
    return {};
}

}  // namespace turno
