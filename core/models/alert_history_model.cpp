#include "models/alert_history_model.h"

#include "incidents/event_filter.h"
#include "incidents/incident_store.h"

#include <QDateTime>

namespace turno {

qint64 AlertHistoryModel::Entry::pendingMs() const
{
    if (pendingSinceMs < 0)
        return -1;
    const qint64 until = firingSinceMs >= 0 ? firingSinceMs : endedMs;
    return until >= pendingSinceMs ? until - pendingSinceMs : -1;
}

qint64 AlertHistoryModel::Entry::firingMs() const
{
    return fired && firingSinceMs >= 0 && endedMs >= firingSinceMs ? endedMs - firingSinceMs : -1;
}

AlertHistoryModel::AlertHistoryModel(QObject *parent) : QAbstractTableModel(parent) {}

int AlertHistoryModel::rowCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : int(m_rows.size());
}

int AlertHistoryModel::columnCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : ColumnCount;
}

QString AlertHistoryModel::formatDuration(qint64 ms)
{
    if (ms < 0)
        return QStringLiteral("–");
    const qint64 s = ms / 1000;
    if (s < 60)
        return QStringLiteral("%1 s").arg(s);
    if (s < 3600)
        return QStringLiteral("%1 min %2 s").arg(s / 60).arg(s % 60);
    return QStringLiteral("%1 h %2 min").arg(s / 3600).arg((s % 3600) / 60);
}

QVariant AlertHistoryModel::data(const QModelIndex &index, int role) const
{
    if (!checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid) || role != Qt::DisplayRole)
        return {};
    const Entry &e = m_rows.at(index.row());
    auto time = [](qint64 ms) {
        return ms >= 0 ? QDateTime::fromMSecsSinceEpoch(ms).toString(QStringLiteral("yyyy-MM-dd HH:mm:ss")) : QString();
    };
    switch (index.column()) {
    case RuleColumn: return e.rule;
    case NodeColumn: return e.node;
    case SeverityColumn: return e.severity;
    case OutcomeColumn: return e.fired ? tr("resolved") : tr("cleared before firing");
    case StartedColumn: return time(e.pendingSinceMs >= 0 ? e.pendingSinceMs : e.firingSinceMs);
    case EndedColumn: return time(e.endedMs);
    case PendingColumn: return formatDuration(e.pendingMs());
    case FiringColumn: return formatDuration(e.firingMs());
    }
    return {};
}

QVariant AlertHistoryModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole)
        return QAbstractTableModel::headerData(section, orientation, role);
    switch (section) {
    case RuleColumn: return tr("Rule");
    case NodeColumn: return tr("Node");
    case SeverityColumn: return tr("Severity");
    case OutcomeColumn: return tr("Ended as");
    case StartedColumn: return tr("Started");
    case EndedColumn: return tr("Ended");
    case PendingColumn: return tr("Pending for");
    case FiringColumn: return tr("Firing for");
    }
    return {};
}

void AlertHistoryModel::follow(AlertEngine *engine)
{
    connect(engine, &AlertEngine::transition, this, &AlertHistoryModel::onTransition);
}

void AlertHistoryModel::onTransition(const AlertTransition &t)
{
    // Pending counts from its evidence, which may be older than the transition.
    const qint64 at = t.to == Alert::State::Pending && t.alert.pendingSinceMs >= 0 ? t.alert.pendingSinceMs : t.atMs;
    apply(t.alert.rule, t.alert.node, t.alert.severity, t.to, at);
}

void AlertHistoryModel::apply(const QString &rule, const QString &node, const QString &severity, Alert::State to,
                              qint64 atMs)
{
    const QString key = rule + QLatin1Char('|') + node;
    switch (to) {
    case Alert::State::Pending: {
        Entry e;
        e.rule = rule;
        e.node = node;
        e.severity = severity;
        e.pendingSinceMs = atMs;
        m_open.insert(key, e);
        return;
    }
    case Alert::State::Firing: {
        Entry &e = m_open[key];
        e.rule = rule;
        e.node = node;
        e.severity = severity;
        e.firingSinceMs = atMs;
        return;
    }
    case Alert::State::Resolved:
    case Alert::State::Inactive: {
        if (!m_open.contains(key))
            return;  // its start is not known (before the store's oldest event): nothing to say
        Entry e = m_open.take(key);
        e.fired = to == Alert::State::Resolved;
        e.endedMs = atMs;
        beginInsertRows({}, 0, 0);
        m_rows.prepend(e);
        endInsertRows();
        if (m_rows.size() > kMaxRows) {
            beginRemoveRows({}, int(m_rows.size()) - 1, int(m_rows.size()) - 1);
            m_rows.removeLast();
            endRemoveRows();
        }
        return;
    }
    }
}

Result<int> AlertHistoryModel::loadFrom(const IncidentStore &store)
{
    EventFilter filter;
    filter.kinds = {QStringLiteral("alert.pending"), QStringLiteral("alert.firing"), QStringLiteral("alert.resolved"),
                    QStringLiteral("alert.inactive")};
    const auto events = store.events(filter);
    if (!events)
        return Error{events.error()};
    const qsizetype before = m_rows.size();
    for (const IncidentEvent &e : events.value()) {
        const QString state = e.details.value(QStringLiteral("state")).toString();
        const Alert::State to = state == QLatin1String("pending")    ? Alert::State::Pending
                                : state == QLatin1String("firing")   ? Alert::State::Firing
                                : state == QLatin1String("resolved") ? Alert::State::Resolved
                                                                     : Alert::State::Inactive;
        apply(e.details.value(QStringLiteral("rule")).toString(), e.node,
              e.details.value(QStringLiteral("severity")).toString(), to, e.timeMs);
    }
    // What was still open at the last event ended with that console; the live engine starts afresh.
    m_open.clear();
    return int(m_rows.size() - before);
}

}  // namespace turno
