#include "models/timeline_model.h"

#include "incidents/incident_store.h"

#include <QJsonDocument>
#include <algorithm>
#include <limits>

namespace turno {

TimelineModel::TimelineModel(IncidentStore *store, QObject *parent) : QAbstractTableModel(parent), m_store(store)
{
    if (m_store) {
        connect(m_store, &IncidentStore::eventsAppended, this, &TimelineModel::onEventsAppended);
        connect(m_store, &IncidentStore::eventsPruned, this, &TimelineModel::reload);
    }
    reload();
}

int TimelineModel::rowCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : int(m_rows.size());
}

int TimelineModel::columnCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : ColumnCount;
}

QVariant TimelineModel::data(const QModelIndex &index, int role) const
{
    if (!checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid))
        return {};
    const IncidentEvent &e = m_rows[index.row()];
    switch (role) {
    case Qt::DisplayRole:
        switch (index.column()) {
        case TimeColumn:
            return formatEventTime(e.timeMs);
        case SeverityColumn:
            return severityName(e.severity);
        case NodeColumn:
            return e.node;
        case KindColumn:
            return e.kind;
        case SourceColumn:
            return e.source;
        case SummaryColumn:
            return e.summary;
        }
        return {};
    case Qt::ToolTipRole:
        if (e.details.isEmpty())
            return e.summary;
        return e.summary + QLatin1Char('\n') + QString::fromUtf8(QJsonDocument(e.details).toJson(QJsonDocument::Indented));
    case EventIdRole:
        return e.id;
    case TimeMsRole:
        return e.timeMs;
    case SeverityRole:
        return int(e.severity);
    case KindRole:
        return e.kind;
    case NodeRole:
        return e.node;
    case DetailsRole:
        return e.details;
    }
    return {};
}

QVariant TimelineModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole)
        return QAbstractTableModel::headerData(section, orientation, role);
    switch (section) {
    case TimeColumn:
        return tr("Time (UTC)");
    case SeverityColumn:
        return tr("Severity");
    case NodeColumn:
        return tr("Node");
    case KindColumn:
        return tr("Kind");
    case SourceColumn:
        return tr("Source");
    case SummaryColumn:
        return tr("Event");
    }
    return {};
}

bool TimelineModel::canFetchMore(const QModelIndex &parent) const
{
    return !parent.isValid() && !m_complete;
}

void TimelineModel::fetchMore(const QModelIndex &parent)
{
    if (parent.isValid() || m_complete)
        return;
    // A listener (QAbstractItemModelTester does) may ask for more from its slot
    // for our own reset or insert; a nested insert then would reach the other
    // listeners before the change they are still being told about, so wait a turn.
    if (m_notifying > 0) {
        if (!m_fetchQueued) {
            m_fetchQueued = true;
            QMetaObject::invokeMethod(
                this,
                [this] {
                    m_fetchQueued = false;
                    fetchMore({});
                },
                Qt::QueuedConnection);
        }
        return;
    }
    fetchPage();
}

bool TimelineModel::fetchPage()
{
    if (!m_store || !m_store->isOpen()) {
        m_complete = true;
        return false;
    }
    IncidentStore::EventQuery q;
    q.newestFirst = m_newestFirst;
    q.limit = kPageSize;
    if (!m_rows.isEmpty()) {
        q.hasAfter = true;
        q.afterTimeMs = m_rows.last().timeMs;
        q.afterId = m_rows.last().id;
    }
    const auto page = m_store->events(m_filter, q);
    if (!page) {
        m_complete = true;
        m_lastError = page.error();
        emit loadFailed(m_lastError);
        return false;
    }
    m_complete = page->size() < kPageSize;
    if (page->isEmpty())
        return true;
    ++m_notifying;
    beginInsertRows({}, int(m_rows.size()), int(m_rows.size() + page->size() - 1));
    m_rows.append(page.value());
    endInsertRows();
    --m_notifying;
    return true;
}

void TimelineModel::reload()
{
    ++m_notifying;
    beginResetModel();
    m_rows.clear();
    m_lastError.clear();
    m_complete = true;
    QList<IncidentEvent> first;
    if (m_store && m_store->isOpen()) {
        IncidentStore::EventQuery q;
        q.newestFirst = m_newestFirst;
        q.limit = kPageSize;
        const auto page = m_store->events(m_filter, q);
        if (page) {
            m_rows = page.value();
            m_complete = m_rows.size() < kPageSize;
        } else {
            m_lastError = page.error();
        }
    }
    endResetModel();
    --m_notifying;
    if (!m_lastError.isEmpty())
        emit loadFailed(m_lastError);
}

bool TimelineModel::before(const IncidentEvent &a, const IncidentEvent &b) const
{
    if (a.timeMs != b.timeMs)
        return m_newestFirst ? a.timeMs > b.timeMs : a.timeMs < b.timeMs;
    return m_newestFirst ? a.id > b.id : a.id < b.id;
}

void TimelineModel::onEventsAppended(const QList<IncidentEvent> &events)
{
    for (const IncidentEvent &e : events) {
        if (!m_filter.matches(e))
            continue;
        const auto it = std::lower_bound(m_rows.begin(), m_rows.end(), e,
                                         [this](const IncidentEvent &a, const IncidentEvent &b) { return before(a, b); });
        const int row = int(it - m_rows.begin());
        // Past the last loaded row with pages still unread: the next fetchMore brings it.
        if (row == m_rows.size() && !m_complete)
            continue;
        if (it != m_rows.end() && it->id == e.id)
            continue;
        ++m_notifying;
        beginInsertRows({}, row, row);
        m_rows.insert(row, e);
        endInsertRows();
        --m_notifying;
    }
}

void TimelineModel::sort(int column, Qt::SortOrder order)
{
    if (column != TimeColumn)
        return;
    setNewestFirst(order == Qt::DescendingOrder);
}

void TimelineModel::setFilter(const EventFilter &filter)
{
    if (filter == m_filter)
        return;
    m_filter = filter;
    reload();
}

void TimelineModel::setMinimumSeverity(Severity severity)
{
    EventFilter f = m_filter;
    f.minSeverity = severity;
    setFilter(f);
}

void TimelineModel::setNodes(const QStringList &nodes)
{
    EventFilter f = m_filter;
    f.nodes = nodes;
    setFilter(f);
}

void TimelineModel::setKinds(const QStringList &kinds)
{
    EventFilter f = m_filter;
    f.kinds = kinds;
    setFilter(f);
}

void TimelineModel::setText(const QString &text)
{
    EventFilter f = m_filter;
    f.text = text;
    setFilter(f);
}

void TimelineModel::setTimeRange(qint64 fromMs, qint64 toMs)
{
    EventFilter f = m_filter;
    f.fromMs = fromMs;
    f.toMs = toMs;
    setFilter(f);
}

void TimelineModel::clearTimeRange()
{
    setTimeRange(std::numeric_limits<qint64>::min(), std::numeric_limits<qint64>::max());
}

void TimelineModel::setNewestFirst(bool newestFirst)
{
    if (newestFirst == m_newestFirst)
        return;
    m_newestFirst = newestFirst;
    reload();
}

}  // namespace turno
