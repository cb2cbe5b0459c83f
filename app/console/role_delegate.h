// RoleDelegate: paints a table's Role cells (a Redis node's primary | replica,
// read from one data role of the model) in the role's colour.
#pragma once

#include <QStyledItemDelegate>

namespace turno::console {

class RoleDelegate : public QStyledItemDelegate {
public:
    RoleDelegate(int roleDataRole, QObject *parent = nullptr);

protected:
    void initStyleOption(QStyleOptionViewItem *option, const QModelIndex &index) const override;

private:
    int m_roleDataRole;
};

}  // namespace turno::console
