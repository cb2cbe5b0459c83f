// IncidentStore's incidents: open, close, edit (action items, peak metrics),
// read back, and the alert engine's hook that opens one on a critical alert.
#include "incidents/incident_store.h"
#include "incidents/incident_store_internal.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QSqlDatabase>
#include <QSqlError>
#include <QSqlQuery>
#include <QTimer>
#include <algorithm>
#include <limits>

namespace turno {

using incidentstore::nonNull;

namespace {

Severity clampSeverity(int s)
{
    return Severity(std::clamp(s, int(Severity::Info), int(Severity::Critical)));
}

}  // namespace

Result<qint64> IncidentStore::openIncident(const QString &title, Severity severity, const QString &node, qint64 atMs,
                                           const QString &openedBy, const QString &triggerRule)
{
    if (!isOpen())
        return Error{QStringLiteral("the incident database is not open")};
    if (title.trimmed().isEmpty())
        return Error{QStringLiteral("an incident needs a title")};
    // Queued events happened before this incident opened; commit them first so ids stay in time order.
    if (const auto f = flush(); !f)
        return Error{f.error()};
    const qint64 at = atMs ? atMs : nowMs();
    QSqlDatabase db = QSqlDatabase::database(m_connection, false);
    if (!db.transaction())
        return Error{fail(QStringLiteral("starting a transaction"), db.lastError().text())};
    QSqlQuery q(db);
    q.prepare(QStringLiteral("INSERT INTO incidents (title, state, severity, opened_ms, window_start_ms, opened_by, "
                             "trigger_rule, trigger_node) VALUES (?, 'open', ?, ?, ?, ?, ?, ?)"));
    q.addBindValue(title.trimmed());
    q.addBindValue(int(severity));
    q.addBindValue(at);
    q.addBindValue(at - m_options.incidentLeadMs);
    q.addBindValue(nonNull(openedBy));
    q.addBindValue(nonNull(triggerRule));
    q.addBindValue(nonNull(node));
    if (!q.exec()) {
        const QString why = q.lastError().text();
        db.rollback();
        return Error{fail(QStringLiteral("opening an incident"), why)};
    }
    const qint64 id = q.lastInsertId().toLongLong();
    IncidentEvent e{0, at, openedBy == QLatin1String("alert") ? QStringLiteral("alerts") : QStringLiteral("operator"),
                    node, QString::fromLatin1(EventKind::IncidentOpened), severity,
                    QStringLiteral("incident #%1 opened: %2").arg(id).arg(title.trimmed()),
                    QJsonObject{{QStringLiteral("incident"), id}, {QStringLiteral("opened_by"), openedBy},
                                {QStringLiteral("rule"), triggerRule}}};
    auto ids = insertEvents({e});
    if (!ids || !db.commit()) {
        const QString why = ids ? db.lastError().text() : ids.error();
        db.rollback();
        return Error{fail(QStringLiteral("opening an incident"), why)};
    }
    e.id = ids.value().first();
    if (m_watchTimer->isActive())
        m_ownIds.insert(e.id);
    else
        m_lastSeenId = std::max(m_lastSeenId, e.id);
    emit eventsAppended({e});
    emit incidentChanged(id);
    return id;
}

Result<void> IncidentStore::closeIncident(qint64 id, qint64 atMs)
{
    auto inc = incident(id);
    if (!inc)
        return Error{inc.error()};
    if (!inc->isOpen())
        return Error{QStringLiteral("incident #%1 is already closed (at %2)").arg(id).arg(formatEventTime(inc->closedMs))};
    if (const auto f = flush(); !f)
        return Error{f.error()};
    const qint64 at = atMs ? atMs : nowMs();
    if (at < inc->openedMs)
        return Error{QStringLiteral("incident #%1 cannot close at %2, before it opened (%3)")
                         .arg(id)
                         .arg(formatEventTime(at), formatEventTime(inc->openedMs))};
    QSqlDatabase db = QSqlDatabase::database(m_connection, false);
    if (!db.transaction())
        return Error{fail(QStringLiteral("starting a transaction"), db.lastError().text())};
    QSqlQuery q(db);
    q.prepare(QStringLiteral("UPDATE incidents SET state = 'closed', closed_ms = ? WHERE id = ?"));
    q.addBindValue(at);
    q.addBindValue(id);
    IncidentEvent e{0, at, QStringLiteral("operator"), inc->triggerNode, QString::fromLatin1(EventKind::IncidentClosed),
                    Severity::Info,
                    QStringLiteral("incident #%1 closed after %2").arg(id).arg(formatDuration(at - inc->openedMs)),
                    QJsonObject{{QStringLiteral("incident"), id}}};
    if (!q.exec()) {
        const QString why = q.lastError().text();
        db.rollback();
        return Error{fail(QStringLiteral("closing incident #%1").arg(id), why)};
    }
    const auto ids = insertEvents({e});
    if (!ids) {
        db.rollback();
        return Error{ids.error()};
    }
    if (!db.commit()) {
        const QString why = db.lastError().text();
        db.rollback();
        return Error{fail(QStringLiteral("closing incident #%1").arg(id), why)};
    }
    e.id = ids.value().first();
    if (m_watchTimer->isActive())
        m_ownIds.insert(e.id);
    else
        m_lastSeenId = std::max(m_lastSeenId, e.id);
    emit eventsAppended({e});
    emit incidentChanged(id);
    return {};
}

Result<void> IncidentStore::saveActionItems(qint64 incidentId, const QList<ActionItem> &items)
{
    QSqlQuery q(QSqlDatabase::database(m_connection, false));
    q.prepare(QStringLiteral("DELETE FROM action_items WHERE incident_id = ?"));
    q.addBindValue(incidentId);
    if (auto r = exec(q, "replacing action items"); !r)
        return r;
    q.prepare(QStringLiteral(
        "INSERT INTO action_items (incident_id, position, item, owner, due, done) VALUES (?, ?, ?, ?, ?, ?)"));
    for (qsizetype i = 0; i < items.size(); ++i) {
        const ActionItem &a = items[i];
        q.bindValue(0, incidentId);
        q.bindValue(1, int(i));
        q.bindValue(2, nonNull(a.item));
        q.bindValue(3, nonNull(a.owner));
        q.bindValue(4, a.due.isValid() ? a.due.toString(Qt::ISODate) : QStringLiteral(""));
        q.bindValue(5, a.done ? 1 : 0);
        if (auto r = exec(q, "writing an action item"); !r)
            return r;
    }
    return {};
}

Result<void> IncidentStore::updateIncident(const Incident &inc)
{
    if (!isOpen())
        return Error{QStringLiteral("the incident database is not open")};
    if (inc.title.trimmed().isEmpty())
        return Error{QStringLiteral("incident #%1 needs a title").arg(inc.id)};
    for (const ActionItem &a : inc.actionItems) {
        if (a.item.trimmed().isEmpty())
            return Error{QStringLiteral("incident #%1: an action item has no text").arg(inc.id)};
    }
    QSqlDatabase db = QSqlDatabase::database(m_connection, false);
    if (!db.transaction())
        return Error{fail(QStringLiteral("starting a transaction"), db.lastError().text())};
    QSqlQuery q(db);
    q.prepare(QStringLiteral("UPDATE incidents SET title = ?, severity = ?, summary = ?, impact = ?, root_cause = ?, "
                             "peak_metrics = ? WHERE id = ?"));
    q.addBindValue(inc.title.trimmed());
    q.addBindValue(int(inc.severity));
    q.addBindValue(nonNull(inc.summary));
    q.addBindValue(nonNull(inc.impact));
    q.addBindValue(nonNull(inc.rootCause));
    q.addBindValue(QString::fromUtf8(QJsonDocument(peakMetricsToJson(inc.peakMetrics)).toJson(QJsonDocument::Compact)));
    q.addBindValue(inc.id);
    if (!q.exec()) {
        const QString why = q.lastError().text();
        db.rollback();
        return Error{fail(QStringLiteral("saving incident #%1").arg(inc.id), why)};
    }
    if (q.numRowsAffected() != 1) {
        db.rollback();
        return Error{QStringLiteral("no incident #%1 in %2; 'turnoctl incident list' shows them").arg(inc.id).arg(m_path)};
    }
    if (auto r = saveActionItems(inc.id, inc.actionItems); !r) {
        db.rollback();
        return r;
    }
    if (!db.commit()) {
        const QString why = db.lastError().text();
        db.rollback();
        return Error{fail(QStringLiteral("saving incident #%1").arg(inc.id), why)};
    }
    emit incidentChanged(inc.id);
    return {};
}

Result<QList<Incident>> IncidentStore::loadIncidents(const QString &where, const QVariantList &binds) const
{
    if (!isOpen())
        return Error{QStringLiteral("the incident database is not open")};
    QSqlDatabase db = QSqlDatabase::database(m_connection, false);
    QSqlQuery q(db);
    q.setForwardOnly(true);
    q.prepare(QStringLiteral("SELECT id, title, state, severity, opened_ms, closed_ms, window_start_ms, opened_by, "
                             "trigger_rule, trigger_node, summary, impact, root_cause, peak_metrics FROM incidents ") +
              where);
    for (int i = 0; i < binds.size(); ++i)
        q.bindValue(i, binds[i]);
    if (!q.exec())
        return Error{fail(QStringLiteral("reading incidents"), q.lastError().text())};
    QList<Incident> out;
    while (q.next()) {
        Incident inc;
        inc.id = q.value(0).toLongLong();
        inc.title = q.value(1).toString();
        inc.state = q.value(2).toString() == QLatin1String("open") ? Incident::State::Open : Incident::State::Closed;
        inc.severity = clampSeverity(q.value(3).toInt());
        inc.openedMs = q.value(4).toLongLong();
        inc.closedMs = q.value(5).toLongLong();
        inc.windowStartMs = q.value(6).toLongLong();
        inc.openedBy = q.value(7).toString();
        inc.triggerRule = q.value(8).toString();
        inc.triggerNode = q.value(9).toString();
        inc.summary = q.value(10).toString();
        inc.impact = q.value(11).toString();
        inc.rootCause = q.value(12).toString();
        inc.peakMetrics = peakMetricsFromJson(QJsonDocument::fromJson(q.value(13).toString().toUtf8()).array());
        out.append(inc);
    }
    QSqlQuery a(db);
    a.setForwardOnly(true);
    a.prepare(QStringLiteral("SELECT item, owner, due, done FROM action_items WHERE incident_id = ? ORDER BY position"));
    for (Incident &inc : out) {
        a.bindValue(0, inc.id);
        if (!a.exec())
            return Error{fail(QStringLiteral("reading action items"), a.lastError().text())};
        while (a.next()) {
            ActionItem item;
            item.item = a.value(0).toString();
            item.owner = a.value(1).toString();
            item.due = QDate::fromString(a.value(2).toString(), Qt::ISODate);
            item.done = a.value(3).toInt() != 0;
            inc.actionItems.append(item);
        }
    }
    return out;
}

Result<Incident> IncidentStore::incident(qint64 id) const
{
    auto list = loadIncidents(QStringLiteral("WHERE id = ?"), {id});
    if (!list)
        return Error{list.error()};
    if (list->isEmpty())
        return Error{QStringLiteral("no incident #%1 in %2; 'turnoctl incident list' shows them").arg(id).arg(m_path)};
    return list->first();
}

Result<Incident> IncidentStore::lastIncident() const
{
    auto list = loadIncidents(QStringLiteral("ORDER BY opened_ms DESC, id DESC LIMIT 1"), {});
    if (!list)
        return Error{list.error()};
    if (list->isEmpty())
        return Error{QStringLiteral("no incident recorded yet in %1").arg(m_path)};
    return list->first();
}

Result<QList<Incident>> IncidentStore::incidents() const
{
    return loadIncidents(QStringLiteral("ORDER BY opened_ms DESC, id DESC"), {});
}

Result<qint64> IncidentStore::currentOpenIncident() const
{
    if (!isOpen())
        return Error{QStringLiteral("the incident database is not open")};
    QSqlQuery q(QSqlDatabase::database(m_connection, false));
    if (!q.exec(QStringLiteral("SELECT id FROM incidents WHERE state = 'open' ORDER BY opened_ms DESC, id DESC LIMIT 1")))
        return Error{fail(QStringLiteral("reading incidents"), q.lastError().text())};
    return q.next() ? q.value(0).toLongLong() : qint64(0);
}

Result<QList<IncidentEvent>> IncidentStore::incidentEvents(qint64 id) const
{
    const auto inc = incident(id);
    if (!inc)
        return Error{inc.error()};
    EventFilter f;
    f.fromMs = inc->windowStartMs;
    // An open incident's window runs to now; still-queued events are not in it yet.
    f.toMs = inc->isOpen() ? std::numeric_limits<qint64>::max() : inc->closedMs;
    return events(f);
}

Result<qint64> IncidentStore::onAlertTransition(const QString &rule, Severity severity, const QString &state,
                                                const QString &node, double value, qint64 timeMs)
{
    if (!isOpen())
        return Error{QStringLiteral("the incident database is not open")};
    const QString st = state.trimmed().toLower();
    if (st.isEmpty() || rule.trimmed().isEmpty())
        return Error{QStringLiteral("an alert transition needs a rule and a state (firing, resolved)")};
    const qint64 at = timeMs ? timeMs : nowMs();
    const bool firing = st == QLatin1String("firing");
    IncidentEvent e{0, at, QStringLiteral("alerts"), node, QStringLiteral("alert.") + st,
                    firing ? severity : Severity::Info,
                    QStringLiteral("%1 %2%3 (value %4)")
                        .arg(rule, st, node.isEmpty() ? QString() : QStringLiteral(" on ") + node)
                        .arg(value, 0, 'g', 6),
                    QJsonObject{{QStringLiteral("rule"), rule},
                                {QStringLiteral("severity"), severityName(severity)},
                                {QStringLiteral("state"), st},
                                {QStringLiteral("value"), value}}};
    if (const auto f = flush(); !f)
        return Error{f.error()};
    if (const auto r = append({e}); !r)
        return Error{r.error()};

    auto current = currentOpenIncident();
    if (!current)
        return current;
    qint64 id = current.value();
    if (!firing)
        return id;
    if (id == 0) {
        if (severity != Severity::Critical)
            return qint64(0);
        const QString title = node.isEmpty() ? rule : QStringLiteral("%1 on %2").arg(rule, node);
        auto opened = openIncident(title, severity, node, at, QStringLiteral("alert"), rule);
        if (!opened)
            return opened;
        id = opened.value();
    }
    // The worst value seen for each firing rule while the incident is open; for
    // the rules we ship (CPU, error rate, latency) higher is worse.
    auto inc = incident(id);
    if (!inc)
        return Error{inc.error()};
    bool found = false;
    bool changed = false;
    for (PeakMetric &m : inc.value().peakMetrics) {
        if (m.name == rule && m.node == node) {
            found = true;
            if (value > m.value) {
                m.value = value;
                m.timeMs = at;
                changed = true;
            }
        }
    }
    if (!found) {
        inc.value().peakMetrics.append(PeakMetric{rule, node, value, QString(), at});
        changed = true;
    }
    if (changed) {
        if (const auto r = updateIncident(inc.value()); !r)
            return Error{r.error()};
    }
    return id;
}

}  // namespace turno
