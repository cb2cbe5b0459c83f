#include "state_style.h"

namespace turno::console {

StateTone stateTone(const QString &state)
{
    const QString s = state.toLower();
    if (s == QLatin1String("running") || s == QLatin1String("up") || s.startsWith(QLatin1String("up ")))
        return StateTone::Good;
    if (s == QLatin1String("starting") || s == QLatin1String("restarting") || s == QLatin1String("new") ||
        s == QLatin1String("stopping"))
        return StateTone::Busy;
    if (s == QLatin1String("drain") || s == QLatin1String("maint") || s.startsWith(QLatin1String("nolb")))
        return StateTone::Warning;
    if (s == QLatin1String("failed") || s == QLatin1String("down") || s.startsWith(QLatin1String("down ")))
        return StateTone::Bad;
    return StateTone::Idle;
}

QColor stateColor(const QString &state, bool dark)
{
    switch (stateTone(state)) {
    case StateTone::Good: return dark ? QColor(0x2e, 0x6b, 0x3a) : QColor(0xc8, 0xf0, 0xcf);
    case StateTone::Busy: return dark ? QColor(0x2b, 0x4f, 0x7a) : QColor(0xcf, 0xe2, 0xff);
    case StateTone::Warning: return dark ? QColor(0x7a, 0x5c, 0x1c) : QColor(0xff, 0xe6, 0xb0);
    case StateTone::Bad: return dark ? QColor(0x80, 0x2a, 0x2a) : QColor(0xff, 0xc9, 0xc9);
    case StateTone::Idle: break;
    }
    return dark ? QColor(0x44, 0x44, 0x44) : QColor(0xe4, 0xe4, 0xe4);
}

QIcon stateIcon(const QString &state)
{
    switch (stateTone(state)) {
    case StateTone::Good: return QIcon(QStringLiteral(":/icons/state-up.svg"));
    case StateTone::Busy: return QIcon(QStringLiteral(":/icons/state-busy.svg"));
    case StateTone::Warning: return QIcon(QStringLiteral(":/icons/state-drain.svg"));
    case StateTone::Bad: return QIcon(QStringLiteral(":/icons/state-down.svg"));
    case StateTone::Idle: break;
    }
    return QIcon(QStringLiteral(":/icons/state-stopped.svg"));
}

}  // namespace turno::console
