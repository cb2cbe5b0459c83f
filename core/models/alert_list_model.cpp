#include "models/alert_list_model.h"

#include <QDateTime>
#include <QHash>

namespace turno {

AlertListModel::AlertListModel(AlertEngine *engine, QObject *parent) : QAbstractTableModel(parent), m_engine(engine)
{
    connect(engine, &AlertEngine::alertsChanged, this, &AlertListModel::reload);
    reload();
}

int AlertListModel::rowCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : int(m_rows.size());
}

int AlertListModel::columnCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : ColumnCount;
}

int AlertListModel::count(Alert::State state) const
{
    return int(std::count_if(m_rows.cbegin(), m_rows.cend(), [state](const Alert &a) { return a.state == state; }));
}

QVariant AlertListModel::data(const QModelIndex &index, int role) const
{
    if (!checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid))
        return {};
    const Alert &a = m_rows.at(index.row());
    switch (role) {
    case AlertIdRole: return a.id;
    case StateRole: return Alert::stateName(a.state);
    case SeverityRole: return a.severity;
    case Qt::DisplayRole: break;
    default: return {};
    }
    switch (index.column()) {
    case StateColumn: {
        QString s = Alert::stateName(a.state);
        if (a.acknowledged)
            s += tr(", acked");
        if (a.silenced)
            s += tr(", silenced");
        return s;
    }
    case SeverityColumn: return a.severity;
    case RuleColumn: return a.rule;
    case NodeColumn: return a.node;
    case ValueColumn: return QString::number(a.value, 'g', 4);
    case SinceColumn: {
        const qint64 since = a.state == Alert::State::Firing    ? a.firingSinceMs
                             : a.state == Alert::State::Pending ? a.pendingSinceMs
                                                                : a.resolvedAtMs;
        return since > 0 ? QDateTime::fromMSecsSinceEpoch(since).toString(QStringLiteral("HH:mm:ss")) : QString();
    }
    case SummaryColumn: return a.summary;
    }
    return {};
}

QVariant AlertListModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole)
        return QAbstractTableModel::headerData(section, orientation, role);
    switch (section) {
    case StateColumn: return tr("State");
    case SeverityColumn: return tr("Severity");
    case RuleColumn: return tr("Rule");
    case NodeColumn: return tr("Node");
    case ValueColumn: return tr("Value");
    case SinceColumn: return tr("Since");
    case SummaryColumn: return tr("Summary");
    }
    return {};
}

void AlertListModel::reload()
{
    if (!m_engine)
        return;
    const QList<Alert> fresh = m_engine->alerts();
    QHash<QString, int> wanted;
    for (int i = 0; i < fresh.size(); ++i)
        wanted.insert(fresh[i].id, i);
    // Rows are removed, changed and appended one by one so a view keeps its selection.
    for (int i = int(m_rows.size()) - 1; i >= 0; --i) {
        if (wanted.contains(m_rows.at(i).id))
            continue;
        beginRemoveRows({}, i, i);
        m_rows.removeAt(i);
        endRemoveRows();
    }
    for (const Alert &a : fresh) {
        int row = -1;
        for (int i = 0; i < m_rows.size() && row < 0; ++i)
            if (m_rows.at(i).id == a.id)
                row = i;
        if (row < 0) {
            beginInsertRows({}, int(m_rows.size()), int(m_rows.size()));
            m_rows.append(a);
            endInsertRows();
        } else {
            m_rows[row] = a;
            emit dataChanged(index(row, 0), index(row, ColumnCount - 1));
        }
    }
}

}  // namespace turno
