// IncidentStore's event log: recording (queued, committed in batches), watching
// for events other processes wrote, and the filtered, paginated queries.
#include "incidents/incident_store.h"
#include "incidents/incident_store_internal.h"

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

const char kEventColumns[] = "id, ts_ms, source, node, kind, severity, summary, details";

QString likeEscape(const QString &s)
{
    QString out;
    for (QChar c : s) {
        if (c == QLatin1Char('%') || c == QLatin1Char('_') || c == QLatin1Char('\\'))
            out += QLatin1Char('\\');
        out += c;
    }
    return out;
}

QString detailsText(const QJsonObject &details)
{
    return details.isEmpty() ? QStringLiteral("{}")
                             : QString::fromUtf8(QJsonDocument(details).toJson(QJsonDocument::Compact));
}

IncidentEvent eventFromQuery(const QSqlQuery &q)
{
    IncidentEvent e;
    e.id = q.value(0).toLongLong();
    e.timeMs = q.value(1).toLongLong();
    e.source = q.value(2).toString();
    e.node = q.value(3).toString();
    e.kind = q.value(4).toString();
    e.severity = Severity(std::clamp(q.value(5).toInt(), int(Severity::Info), int(Severity::Critical)));
    e.summary = q.value(6).toString();
    e.details = QJsonDocument::fromJson(q.value(7).toString().toUtf8()).object();
    return e;
}

}  // namespace

void IncidentStore::record(IncidentEvent event)
{
    if (event.timeMs == 0)
        event.timeMs = nowMs();
    event.id = 0;
    m_pending.append(std::move(event));
    scheduleFlush();
}

void IncidentStore::record(const QString &source, const QString &node, const QString &kind, Severity severity,
                           const QString &summary, const QJsonObject &details)
{
    record(IncidentEvent{0, 0, source, node, kind, severity, summary, details});
}

void IncidentStore::scheduleFlush()
{
    if (!m_flushTimer->isActive())
        m_flushTimer->start();
}

Result<qint64> IncidentStore::flush()
{
    m_flushTimer->stop();
    if (const auto r = flushSamples(); !r)
        return Error{r.error()};
    if (m_pending.isEmpty())
        return m_lastSeenId;
    if (!isOpen())
        return Error{QStringLiteral("the incident database is not open; %1 events wait to be written")
                         .arg(m_pending.size())};
    const QList<IncidentEvent> batch = m_pending;
    const auto ids = append(batch);
    if (!ids)
        return Error{ids.error()};
    m_pending.remove(0, batch.size());
    return ids.value().isEmpty() ? qint64(0) : ids.value().last();
}

Result<QList<qint64>> IncidentStore::insertEvents(const QList<IncidentEvent> &events)
{
    QSqlDatabase db = QSqlDatabase::database(m_connection, false);
    QSqlQuery q(db);
    if (!q.prepare(QStringLiteral("INSERT INTO events (ts_ms, source, node, kind, severity, summary, details) "
                                  "VALUES (?, ?, ?, ?, ?, ?, ?)")))
        return Error{fail(QStringLiteral("preparing the event insert"), q.lastError().text())};
    QList<qint64> ids;
    ids.reserve(events.size());
    for (const IncidentEvent &e : events) {
        q.bindValue(0, e.timeMs ? e.timeMs : nowMs());
        q.bindValue(1, nonNull(e.source));
        q.bindValue(2, nonNull(e.node));
        q.bindValue(3, nonNull(e.kind));
        q.bindValue(4, int(e.severity));
        q.bindValue(5, nonNull(e.summary));
        q.bindValue(6, detailsText(e.details));
        if (!q.exec())
            return Error{fail(QStringLiteral("writing an event"), q.lastError().text())};
        ids.append(q.lastInsertId().toLongLong());
    }
    return ids;
}

Result<QList<qint64>> IncidentStore::append(const QList<IncidentEvent> &events)
{
    if (!isOpen())
        return Error{QStringLiteral("the incident database is not open")};
    if (events.isEmpty())
        return QList<qint64>{};
    QSqlDatabase db = QSqlDatabase::database(m_connection, false);
    if (!db.transaction())
        return Error{fail(QStringLiteral("starting a transaction"), db.lastError().text())};
    auto ids = insertEvents(events);
    if (!ids) {
        db.rollback();
        return ids;
    }
    if (!db.commit()) {
        const QString why = db.lastError().text();
        db.rollback();
        return Error{fail(QStringLiteral("committing events"), why)};
    }
    QList<IncidentEvent> committed = events;
    for (qsizetype i = 0; i < committed.size(); ++i) {
        committed[i].id = ids.value()[i];
        if (committed[i].timeMs == 0)
            committed[i].timeMs = nowMs();
        if (m_watchTimer->isActive())
            m_ownIds.insert(committed[i].id);
    }
    if (!m_watchTimer->isActive())
        m_lastSeenId = std::max(m_lastSeenId, ids.value().last());
    emit eventsAppended(committed);
    return ids;
}

void IncidentStore::pollExternal()
{
    if (!isOpen())
        return;
    QSqlDatabase db = QSqlDatabase::database(m_connection, false);
    QSqlQuery q(db);
    // data_version changes only when another connection commits: a cheap "anything new?".
    if (!q.exec(QStringLiteral("PRAGMA data_version")) || !q.next())
        return;
    const qint64 version = q.value(0).toLongLong();
    if (version == m_dataVersion)
        return;
    m_dataVersion = version;
    q.setForwardOnly(true);
    q.prepare(QStringLiteral("SELECT %1 FROM events WHERE id > ? ORDER BY id").arg(QLatin1String(kEventColumns)));
    q.bindValue(0, m_lastSeenId);
    if (!q.exec())
        return;
    QList<IncidentEvent> external;
    while (q.next()) {
        IncidentEvent e = eventFromQuery(q);
        m_lastSeenId = std::max(m_lastSeenId, e.id);
        if (!m_ownIds.remove(e.id))
            external.append(std::move(e));
    }
    if (!external.isEmpty())
        emit eventsAppended(external);
    // Incidents edited elsewhere: 0 asks listeners to reload them all.
    emit incidentChanged(0);
}

Result<QList<IncidentEvent>> IncidentStore::events(const EventFilter &filter, const EventQuery &query) const
{
    if (!isOpen())
        return Error{QStringLiteral("the incident database is not open")};
    QStringList where;
    QVariantList binds;
    if (filter.minSeverity != Severity::Info) {
        where << QStringLiteral("severity >= ?");
        binds << int(filter.minSeverity);
    }
    if (filter.fromMs != std::numeric_limits<qint64>::min()) {
        where << QStringLiteral("ts_ms >= ?");
        binds << filter.fromMs;
    }
    if (filter.toMs != std::numeric_limits<qint64>::max()) {
        where << QStringLiteral("ts_ms <= ?");
        binds << filter.toMs;
    }
    if (!filter.nodes.isEmpty()) {
        QStringList marks;
        for (const QString &n : filter.nodes) {
            marks << QStringLiteral("?");
            binds << nonNull(n);
        }
        where << QStringLiteral("node IN (%1)").arg(marks.join(QLatin1Char(',')));
    }
    if (!filter.kinds.isEmpty()) {
        QStringList ors;
        QVariantList kindBinds;
        for (const QString &k : filter.kinds) {
            // "process" or "process.*": a range ('/' follows '.') the kind index can
            // serve, and case-sensitive like EventFilter::matches().
            ors << QStringLiteral("kind = ? OR (kind >= ? AND kind < ?)");
            kindBinds << nonNull(k) << k + QLatin1Char('.') << k + QLatin1Char('/');
        }
        QString kindSql = QStringLiteral("(%1)").arg(ors.join(QStringLiteral(" OR ")));
        // For one page of a common kind, walking the time index until the page is
        // full beats sorting every match; for a rare kind it is the other way
        // round. A bounded count on the kind index tells which (at most kKindProbe rows).
        if (query.limit >= 0 && kindIsCommon(kindSql, kindBinds, query.limit))
            kindSql.replace(QStringLiteral("kind"), QStringLiteral("+kind"));
        where << kindSql;
        binds << kindBinds;
    }
    if (!filter.text.isEmpty()) {
        // One LIKE per field (the same fields as eventSearchFields()): a full scan
        // either way, but ~40% quicker than matching their concatenation.
        QStringList likes;
        const QString pattern = QStringLiteral("%") + likeEscape(filter.text) + QStringLiteral("%");
        for (const char *column : {"summary", "node", "source", "kind", "details"}) {
            likes << QStringLiteral("%1 LIKE ? ESCAPE '\\'").arg(QLatin1String(column));
            binds << pattern;
        }
        where << QStringLiteral("(%1)").arg(likes.join(QStringLiteral(" OR ")));
    }
    if (query.hasAfter) {
        // The first term bounds the ts_ms index range; the second drops the rows
        // already shown at the boundary time.
        const char *op = query.newestFirst ? "<" : ">";
        where << QStringLiteral("ts_ms %1= ? AND (ts_ms %1 ? OR id %1 ?)").arg(QLatin1String(op));
        binds << query.afterTimeMs << query.afterTimeMs << query.afterId;
    }
    QString sql = QStringLiteral("SELECT %1 FROM events").arg(QLatin1String(kEventColumns));
    if (!where.isEmpty())
        sql += QStringLiteral(" WHERE ") + where.join(QStringLiteral(" AND "));
    sql += query.newestFirst ? QStringLiteral(" ORDER BY ts_ms DESC, id DESC") : QStringLiteral(" ORDER BY ts_ms, id");
    if (query.limit >= 0)
        sql += QStringLiteral(" LIMIT %1").arg(query.limit);

    QSqlQuery q(QSqlDatabase::database(m_connection, false));
    q.setForwardOnly(true);
    if (!q.prepare(sql))
        return Error{fail(QStringLiteral("preparing the event query"), q.lastError().text())};
    for (int i = 0; i < binds.size(); ++i)
        q.bindValue(i, binds[i]);
    if (!q.exec())
        return Error{fail(QStringLiteral("querying events"), q.lastError().text())};
    QList<IncidentEvent> out;
    while (q.next())
        out.append(eventFromQuery(q));
    return out;
}

bool IncidentStore::kindIsCommon(const QString &kindSql, const QVariantList &binds, int limit) const
{
    constexpr int kKindProbe = 20000;
    const int enough = std::min(kKindProbe, std::max(limit, 1) * 40);
    QSqlQuery q(QSqlDatabase::database(m_connection, false));
    q.prepare(QStringLiteral("SELECT count(*) FROM (SELECT 1 FROM events WHERE %1 LIMIT %2)").arg(kindSql).arg(enough));
    for (int i = 0; i < binds.size(); ++i)
        q.bindValue(i, binds[i]);
    return q.exec() && q.next() && q.value(0).toInt() >= enough;
}

Result<qint64> IncidentStore::countEvents(const EventFilter &filter) const
{
    if (!isOpen())
        return Error{QStringLiteral("the incident database is not open")};
    if (filter == EventFilter{}) {
        QSqlQuery q(QSqlDatabase::database(m_connection, false));
        if (!q.exec(QStringLiteral("SELECT count(*) FROM events")) || !q.next())
            return Error{fail(QStringLiteral("counting events"), q.lastError().text())};
        return q.value(0).toLongLong();
    }
    // Filtered counts are rare (status lines); reuse the one query builder.
    const auto all = events(filter);
    if (!all)
        return Error{all.error()};
    return qint64(all.value().size());
}

Result<QStringList> IncidentStore::distinctValues(const QString &column) const
{
    if (column != QLatin1String("node") && column != QLatin1String("kind") && column != QLatin1String("source"))
        return Error{QStringLiteral("distinct values exist for node, kind and source only, not '%1'").arg(column)};
    if (!isOpen())
        return Error{QStringLiteral("the incident database is not open")};
    QSqlQuery q(QSqlDatabase::database(m_connection, false));
    if (!q.exec(QStringLiteral("SELECT DISTINCT %1 FROM events ORDER BY 1").arg(column)))
        return Error{fail(QStringLiteral("listing values"), q.lastError().text())};
    QStringList out;
    while (q.next())
        out << q.value(0).toString();
    return out;
}

}  // namespace turno
