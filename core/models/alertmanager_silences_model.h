// AlertmanagerSilencesModel: the Alertmanagers' silences that cover the
// cluster's alerts (AlertmanagerClient::fetchSilences), one row each, for the
// console's Alerts tab.
#pragma once

#include "alerts/alertmanager_client.h"

#include <QAbstractTableModel>
#include <QList>

namespace turno {

class AlertmanagerSilencesModel : public QAbstractTableModel {
    Q_OBJECT
public:
    enum Column { MatchersColumn, StateColumn, EndsColumn, CreatedByColumn, AlertsColumn, CommentColumn, ColumnCount };

    explicit AlertmanagerSilencesModel(QObject *parent = nullptr);
    void setSilences(const QList<AlertmanagerSilence> &silences);
    const AlertmanagerSilence &silenceAt(int row) const { return m_rows.at(row); }

    int rowCount(const QModelIndex &parent = {}) const override;
    int columnCount(const QModelIndex &parent = {}) const override;
    QVariant data(const QModelIndex &index, int role) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role) const override;

private:
    QList<AlertmanagerSilence> m_rows;
};

}  // namespace turno
