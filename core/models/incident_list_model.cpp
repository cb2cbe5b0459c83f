#include "models/incident_list_model.h"

#include "incidents/incident_store.h"

#include <QDateTime>
#include <algorithm>

namespace turno {

namespace {

bool newerFirst(const Incident &a, const Incident &b)
{
    if (a.openedMs != b.openedMs)
        return a.openedMs > b.openedMs;
    return a.id > b.id;
}

}  // namespace

IncidentListModel::IncidentListModel(IncidentStore *store, QObject *parent)
    : QAbstractTableModel(parent), m_store(store)
{
    if (m_store)
        connect(m_store, &IncidentStore::incidentChanged, this, &IncidentListModel::onIncidentChanged);
    reload();
}

int IncidentListModel::rowCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : int(m_rows.size());
}

int IncidentListModel::columnCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : ColumnCount;
}

QVariant IncidentListModel::data(const QModelIndex &index, int role) const
{
    if (!checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid))
        return {};
    const Incident &inc = m_rows[index.row()];
    switch (role) {
    case Qt::DisplayRole:
        switch (index.column()) {
        case IdColumn:
            return inc.id;
        case StateColumn:
            return incidentStateName(inc.state);
        case SeverityColumn:
            return severityName(inc.severity);
        case TitleColumn:
            return inc.title;
        case OpenedColumn:
            return formatEventTime(inc.openedMs);
        case DurationColumn:
            // An open incident's duration grows; the view refreshes it on its own timer.
            return formatDuration(inc.durationMs(QDateTime::currentMSecsSinceEpoch()));
        case OpenedByColumn:
            return inc.openedBy == QLatin1String("alert") ? QStringLiteral("alert: ") + inc.triggerRule : inc.openedBy;
        case ActionsColumn: {
            const auto done = std::count_if(inc.actionItems.begin(), inc.actionItems.end(),
                                             [](const ActionItem &a) { return a.done; });
            return QStringLiteral("%1/%2").arg(done).arg(inc.actionItems.size());
        }
        }
        return {};
    case IncidentIdRole:
        return inc.id;
    case OpenedMsRole:
        return inc.openedMs;
    case IsOpenRole:
        return inc.isOpen();
    case IncidentRole:
        return QVariant::fromValue(inc);
    }
    return {};
}

QVariant IncidentListModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole)
        return QAbstractTableModel::headerData(section, orientation, role);
    switch (section) {
    case IdColumn:
        return tr("#");
    case StateColumn:
        return tr("State");
    case SeverityColumn:
        return tr("Severity");
    case TitleColumn:
        return tr("Title");
    case OpenedColumn:
        return tr("Opened (UTC)");
    case DurationColumn:
        return tr("Duration");
    case OpenedByColumn:
        return tr("Opened by");
    case ActionsColumn:
        return tr("Actions done");
    }
    return {};
}

int IncidentListModel::rowOf(qint64 incidentId) const
{
    for (qsizetype i = 0; i < m_rows.size(); ++i) {
        if (m_rows[i].id == incidentId)
            return int(i);
    }
    return -1;
}

void IncidentListModel::reload()
{
    beginResetModel();
    m_rows.clear();
    m_lastError.clear();
    if (m_store && m_store->isOpen()) {
        auto list = m_store->incidents();
        if (list)
            m_rows = list.value();
        else
            m_lastError = list.error();
    }
    endResetModel();
    if (!m_lastError.isEmpty())
        emit loadFailed(m_lastError);
}

void IncidentListModel::onIncidentChanged(qint64 id)
{
    if (id == 0 || !m_store) {
        reload();
        return;
    }
    auto inc = m_store->incident(id);
    if (!inc) {
        m_lastError = inc.error();
        emit loadFailed(m_lastError);
        return;
    }
    const int existing = rowOf(id);
    if (existing >= 0) {
        m_rows[existing] = inc.value();
        emit dataChanged(index(existing, 0), index(existing, ColumnCount - 1));
        return;
    }
    const auto it = std::lower_bound(m_rows.begin(), m_rows.end(), inc.value(), newerFirst);
    const int row = int(it - m_rows.begin());
    beginInsertRows({}, row, row);
    m_rows.insert(row, inc.value());
    endInsertRows();
}

}  // namespace turno
