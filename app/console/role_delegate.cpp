#include "role_delegate.h"

#include "state_style.h"

namespace turno::console {

RoleDelegate::RoleDelegate(int roleDataRole, QObject *parent) : QStyledItemDelegate(parent), m_roleDataRole(roleDataRole) {}

void RoleDelegate::initStyleOption(QStyleOptionViewItem *option, const QModelIndex &index) const
{
    QStyledItemDelegate::initStyleOption(option, index);
    const bool dark = option->palette.color(QPalette::Base).lightness() < 128;
    if (const QColor c = roleColor(index.data(m_roleDataRole).toString(), dark); c.isValid())
        option->backgroundBrush = c;
}

}  // namespace turno::console
