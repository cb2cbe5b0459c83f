// GUI test helper: what a table view paints, as a user sees it.
#pragma once

#include <QAbstractItemModel>
#include <QColor>
#include <QImage>
#include <QPixmap>
#include <QTableView>

namespace turno::test {

// The colour a table paints node's cell in column: a pixel of the rendered view
// inside the cell's left margin, before its text.
inline QColor paintedColour(QTableView *table, const QString &node, int column)
{
    QAbstractItemModel *m = table->model();
    for (int r = 0; r < m->rowCount(); ++r) {
        if (m->index(r, 0).data().toString() != node)
            continue;
        const QModelIndex index = m->index(r, column);
        table->clearSelection();
        table->scrollTo(index);
        const QRect cell = table->visualRect(index);
        return table->viewport()->grab().toImage().pixelColor(cell.left() + 1, cell.center().y());
    }
    return {};
}

}  // namespace turno::test
