// IncidentListModel: the incidents of the store as a table, newest first, kept
// current as incidents open, change and close.
#pragma once

#include "incidents/incident.h"

#include <QAbstractTableModel>
#include <QList>
#include <QPointer>

namespace turno {

class IncidentStore;

class IncidentListModel : public QAbstractTableModel {
    Q_OBJECT
public:
    enum Column { IdColumn, StateColumn, SeverityColumn, TitleColumn, OpenedColumn, DurationColumn, OpenedByColumn,
                  ActionsColumn, ColumnCount };
    enum Role {
        IncidentIdRole = Qt::UserRole + 1,
        OpenedMsRole,
        IsOpenRole,
        IncidentRole,  // the whole turno::Incident, for the editor
    };

    explicit IncidentListModel(IncidentStore *store, QObject *parent = nullptr);

    int rowCount(const QModelIndex &parent = {}) const override;
    int columnCount(const QModelIndex &parent = {}) const override;
    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;

    Incident incidentAt(int row) const { return m_rows.value(row); }
    int rowOf(qint64 incidentId) const;
    QString lastError() const { return m_lastError; }
    void reload();

signals:
    void loadFailed(const QString &message);

private:
    void onIncidentChanged(qint64 id);

    QPointer<IncidentStore> m_store;
    QList<Incident> m_rows;
    QString m_lastError;
};

}  // namespace turno
