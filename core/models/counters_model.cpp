#include "models/counters_model.h"

#include <QSet>

namespace turno {

CountersModel::CountersModel(QObject *parent) : QAbstractTableModel(parent) {}

int CountersModel::rowCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : int(m_rows.size());
}

int CountersModel::columnCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : ColumnCount;
}

CountersModel::Check CountersModel::check(const Row &row) const
{
    const auto it = m_issued.constFind(row.id);
    if (it == m_issued.cend())
        return Check::None;
    return row.turno >= *it ? Check::Ok : Check::StoredBelowIssued;
}

QVariant CountersModel::data(const QModelIndex &index, int role) const
{
    if (!index.isValid() || index.row() >= m_rows.size())
        return {};
    const Row &r = m_rows[index.row()];
    const auto issued = m_issued.constFind(r.id);
    const Check c = check(r);
    if (role == CheckRole)
        return int(c);
    if (role == IdRole)
        return r.id;
    if (role == SortRole) {
        switch (index.column()) {
        case IdColumn: return r.id;
        case TurnoColumn: return r.turno;
        case RateColumn: return r.rate;
        case IssuedColumn: return issued == m_issued.cend() ? qint64(-1) : *issued;
        case CheckColumn: return int(c);
        default: return {};
        }
    }
    if (role == Qt::TextAlignmentRole && index.column() != IdColumn && index.column() != CheckColumn)
        return int(Qt::AlignRight | Qt::AlignVCenter);
    if (role != Qt::DisplayRole && role != Qt::ToolTipRole)
        return {};
    switch (index.column()) {
    case IdColumn: return r.id;
    case TurnoColumn: return r.turno > 0 ? QString::number(r.turno) : tr("– (no key)");
    case RateColumn: return r.rate < 0 ? QStringLiteral("–") : QString::number(r.rate, 'f', r.rate < 10 ? 1 : 0) + tr("/s");
    case IssuedColumn: return issued == m_issued.cend() ? QStringLiteral("–") : QString::number(*issued);
    case CheckColumn:
        switch (c) {
        case Check::None: return role == Qt::ToolTipRole ? tr("no load test used this id") : QString();
        case Check::Ok: return tr("ok: stored ≥ issued");
        case Check::StoredBelowIssued:
            return tr("STORED < ISSUED by %1: numbers above %2 would be handed out again").arg(*issued - r.turno).arg(r.turno);
        }
        return {};
    default: return {};
    }
}

QVariant CountersModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole)
        return {};
    switch (section) {
    case IdColumn: return tr("Id");
    case TurnoColumn: return tr("Turno (stored)");
    case RateColumn: return tr("Rate");
    case IssuedColumn: return tr("Issued (load test)");
    case CheckColumn: return tr("Issued vs stored");
    default: return {};
    }
}

void CountersModel::setValues(const QList<CounterValue> &values, qint64 timeMs)
{
    QHash<QString, qint64> byId;
    QStringList order;
    for (const CounterValue &v : values) {
        if (!byId.contains(v.id))
            order << v.id;
        byId.insert(v.id, v.turno);
    }
    for (int i = int(m_rows.size()) - 1; i >= 0; --i) {
        if (byId.contains(m_rows[i].id))
            continue;
        beginRemoveRows({}, i, i);
        m_rows.removeAt(i);
        endRemoveRows();
    }
    for (int i = 0; i < m_rows.size(); ++i) {
        Row &r = m_rows[i];
        const qint64 now = byId.value(r.id);
        if (r.previous >= 0 && timeMs > r.previousMs)
            r.rate = now >= r.previous ? double(now - r.previous) * 1000.0 / double(timeMs - r.previousMs) : 0.0;
        r.turno = now;
        r.previous = now;
        r.previousMs = timeMs;
        emit dataChanged(index(i, 0), index(i, ColumnCount - 1));
    }
    QSet<QString> present;
    for (const Row &r : std::as_const(m_rows))
        present.insert(r.id);
    for (const QString &id : std::as_const(order)) {
        if (present.contains(id))
            continue;
        const int row = int(m_rows.size());
        beginInsertRows({}, row, row);
        m_rows.append(Row{id, byId.value(id), -1, byId.value(id), timeMs});
        endInsertRows();
    }
    m_lastReadMs = timeMs;
}

void CountersModel::setIssued(const QHash<QString, qint64> &highestById)
{
    m_issued = highestById;
    if (!m_rows.isEmpty())
        emit dataChanged(index(0, 0), index(int(m_rows.size()) - 1, ColumnCount - 1));
}

void CountersModel::clear()
{
    beginResetModel();
    m_rows.clear();
    m_lastReadMs = 0;
    endResetModel();
}

int CountersModel::rowOf(const QString &id) const
{
    for (int i = 0; i < m_rows.size(); ++i)
        if (m_rows[i].id == id)
            return i;
    return -1;
}

qint64 CountersModel::storedOf(const QString &id) const
{
    const int row = rowOf(id);
    return row < 0 ? -1 : m_rows[row].turno;
}

CountersModel::Check CountersModel::checkOf(const QString &id) const
{
    const int row = rowOf(id);
    return row < 0 ? (m_issued.contains(id) ? Check::StoredBelowIssued : Check::None) : check(m_rows[row]);
}

int CountersModel::violationCount() const
{
    int n = 0;
    for (const Row &r : m_rows)
        n += check(r) == Check::StoredBelowIssued ? 1 : 0;
    return n;
}

}  // namespace turno
