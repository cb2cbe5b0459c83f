// StateStyle: the one place that maps a node's health to a colour and an icon,
// and a Redis node's role to its colour, so the tables, the status bar and the
// tray agree.
#pragma once

#include "fleet/node_state.h"

#include <QColor>
#include <QIcon>
#include <QString>

namespace turno::console {

QColor healthColor(NodeHealth health, bool dark);
QIcon healthIcon(NodeHealth health);
// primary | replica (the Fleet, Redis and Failover tabs' Role cells); an invalid colour otherwise.
QColor roleColor(const QString &role, bool dark);

}  // namespace turno::console
