// AlertListModel: the alert engine's pending, firing and recently resolved
// alerts as a table, most severe first, updated in place as they change.
#pragma once

#include "alerts/alert_engine.h"

#include <QAbstractTableModel>
#include <QList>
#include <QPointer>

namespace turno {

class AlertListModel : public QAbstractTableModel {
    Q_OBJECT
public:
    enum Column { StateColumn, SeverityColumn, RuleColumn, NodeColumn, ValueColumn, SinceColumn, SummaryColumn,
                  ColumnCount };
    enum Role { AlertIdRole = Qt::UserRole + 1, StateRole, SeverityRole };

    explicit AlertListModel(AlertEngine *engine, QObject *parent = nullptr);

    int rowCount(const QModelIndex &parent = {}) const override;
    int columnCount(const QModelIndex &parent = {}) const override;
    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;

    Alert alertAt(int row) const { return m_rows.value(row); }
    int count(Alert::State state) const;
    // Reads the engine again (called on its alertsChanged()).
    void reload();

private:
    QPointer<AlertEngine> m_engine;
    QList<Alert> m_rows;
};

}  // namespace turno
