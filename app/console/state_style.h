// StateStyle: the one place that maps a node's health to a colour and an icon,
// so the table, the status bar and the tray agree.
#pragma once

#include "fleet/node_state.h"

#include <QColor>
#include <QIcon>

namespace turno::console {

QColor healthColor(NodeHealth health, bool dark);
QIcon healthIcon(NodeHealth health);

}  // namespace turno::console
