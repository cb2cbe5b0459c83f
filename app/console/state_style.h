// StateStyle: the one place that maps a node state to a colour and an icon,
// so the table, the status bar and the tray agree.
#pragma once

#include <QColor>
#include <QIcon>
#include <QString>

namespace turno::console {

enum class StateTone { Good, Busy, Warning, Bad, Idle };

StateTone stateTone(const QString &state);
QColor stateColor(const QString &state, bool dark);
QIcon stateIcon(const QString &state);

}  // namespace turno::console
