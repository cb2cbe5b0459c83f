#include "state_style.h"

#include <array>

namespace turno::console {

QColor healthColor(NodeHealth health, bool dark)
{
    switch (health) {
    case NodeHealth::Good: return dark ? QColor(0x2e, 0x6b, 0x3a) : QColor(0xc8, 0xf0, 0xcf);
    case NodeHealth::Busy: return dark ? QColor(0x2b, 0x4f, 0x7a) : QColor(0xcf, 0xe2, 0xff);
    case NodeHealth::Warning: return dark ? QColor(0x7a, 0x5c, 0x1c) : QColor(0xff, 0xe6, 0xb0);
    case NodeHealth::Bad: return dark ? QColor(0x80, 0x2a, 0x2a) : QColor(0xff, 0xc9, 0xc9);
    case NodeHealth::Idle: break;
    }
    return dark ? QColor(0x44, 0x44, 0x44) : QColor(0xe4, 0xe4, 0xe4);
}

QColor roleColor(const QString &role, bool dark)
{
    // Apart from the health colours: a role is no state, and a replica is not idle.
    if (role == QLatin1String("primary"))
        return dark ? QColor(0x5b, 0x3f, 0x8c) : QColor(0xe3, 0xd5, 0xfa);
    if (role == QLatin1String("replica"))
        return dark ? QColor(0x1f, 0x5e, 0x63) : QColor(0xcc, 0xee, 0xf0);
    return {};
}

QIcon healthIcon(NodeHealth health)
{
    // Each built once: a QIcon made from an SVG file parses the file on construction, and the
    // Fleet table asks for one per row whenever it sizes its columns to their contents (every
    // second with 200 nodes, the biggest cost of the whole console). Never deleted: an icon
    // engine must not outlive the application, as a static's destructor would make it do.
    static const auto *icons = new std::array<QIcon, 5>{
        QIcon(QStringLiteral(":/icons/state-up.svg")), QIcon(QStringLiteral(":/icons/state-busy.svg")),
        QIcon(QStringLiteral(":/icons/state-drain.svg")), QIcon(QStringLiteral(":/icons/state-down.svg")),
        QIcon(QStringLiteral(":/icons/state-stopped.svg"))};
    switch (health) {
    case NodeHealth::Good: return (*icons)[0];
    case NodeHealth::Busy: return (*icons)[1];
    case NodeHealth::Warning: return (*icons)[2];
    case NodeHealth::Bad: return (*icons)[3];
    case NodeHealth::Idle: break;
    }
    return (*icons)[4];
}

}  // namespace turno::console
