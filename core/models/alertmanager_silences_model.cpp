#include "models/alertmanager_silences_model.h"

#include <QDateTime>

namespace turno {

AlertmanagerSilencesModel::AlertmanagerSilencesModel(QObject *parent) : QAbstractTableModel(parent) {}

void AlertmanagerSilencesModel::setSilences(const QList<AlertmanagerSilence> &silences)
{
    beginResetModel();
    m_rows = silences;
    endResetModel();
}

int AlertmanagerSilencesModel::rowCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : int(m_rows.size());
}

int AlertmanagerSilencesModel::columnCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : ColumnCount;
}

QVariant AlertmanagerSilencesModel::data(const QModelIndex &index, int role) const
{
    if (!index.isValid() || index.row() >= m_rows.size())
        return {};
    const AlertmanagerSilence &s = m_rows.at(index.row());
    if (role == Qt::ToolTipRole)
        return tr("Silence %1 in %2").arg(s.id, s.url);
    if (role != Qt::DisplayRole)
        return {};
    switch (index.column()) {
    case MatchersColumn: return s.matchers;
    case StateColumn: return s.state;
    case EndsColumn: return QDateTime::fromMSecsSinceEpoch(s.endsAtMs).toString(QStringLiteral("yyyy-MM-dd HH:mm"));
    case CreatedByColumn: return s.createdBy;
    case AlertsColumn: return int(s.matchedAlerts.size());
    case CommentColumn: return s.comment;
    default: return {};
    }
}

QVariant AlertmanagerSilencesModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole)
        return {};
    switch (section) {
    case MatchersColumn: return tr("Matchers");
    case StateColumn: return tr("State");
    case EndsColumn: return tr("Ends");
    case CreatedByColumn: return tr("By");
    case AlertsColumn: return tr("Alerts covered");
    case CommentColumn: return tr("Comment");
    default: return {};
    }
}

}  // namespace turno
