#include "incidents/incident_store.h"

#include <QDateTime>
#include <QDir>
#include <QFileInfo>
#include <QJsonDocument>
#include <QProcessEnvironment>
#include <QSqlDatabase>
#include <QSqlError>
#include <QSqlQuery>
#include <QStandardPaths>
#include <QTimer>
#include <QUuid>
#include <limits>

namespace turno {

namespace {

constexpr int kPruneBatch = 5000;
constexpr int kDayMs = 24 * 60 * 60 * 1000;

const char *kCreateSchema[] = {
    "CREATE TABLE events ("
    " id INTEGER PRIMARY KEY,"
    " ts_ms INTEGER NOT NULL,"
    " source TEXT NOT NULL,"
    " node TEXT NOT NULL DEFAULT '',"
    " kind TEXT NOT NULL,"
    " severity INTEGER NOT NULL,"
    " summary TEXT NOT NULL,"
    " details TEXT NOT NULL DEFAULT '{}')",
    // Every timeline query orders by (ts_ms, id); the node and kind filters of
    // the console's timeline view get their own ordered index.
    "CREATE INDEX events_ts ON events(ts_ms)",
    "CREATE INDEX events_node_ts ON events(node, ts_ms)",
    "CREATE INDEX events_kind_ts ON events(kind, ts_ms)",
    "CREATE TABLE incidents ("
    " id INTEGER PRIMARY KEY,"
    " title TEXT NOT NULL,"
    " state TEXT NOT NULL CHECK (state IN ('open', 'closed')),"
    " severity INTEGER NOT NULL,"
    " opened_ms INTEGER NOT NULL,"
    " closed_ms INTEGER NOT NULL DEFAULT 0,"
    " window_start_ms INTEGER NOT NULL,"
    " opened_by TEXT NOT NULL,"
    " trigger_rule TEXT NOT NULL DEFAULT '',"
    " trigger_node TEXT NOT NULL DEFAULT '',"
    " summary TEXT NOT NULL DEFAULT '',"
    " impact TEXT NOT NULL DEFAULT '',"
    " root_cause TEXT NOT NULL DEFAULT '',"
    " peak_metrics TEXT NOT NULL DEFAULT '[]')",
    "CREATE TABLE action_items ("
    " id INTEGER PRIMARY KEY,"
    " incident_id INTEGER NOT NULL REFERENCES incidents(id) ON DELETE CASCADE,"
    " position INTEGER NOT NULL,"
    " item TEXT NOT NULL,"
    " owner TEXT NOT NULL DEFAULT '',"
    " due TEXT NOT NULL DEFAULT '',"
    " done INTEGER NOT NULL DEFAULT 0)",
    "CREATE INDEX action_items_incident ON action_items(incident_id, position)",
};

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

// Qt binds a null QString as SQL NULL; the text columns are NOT NULL.
QString nonNull(const QString &s)
{
    return s.isNull() ? QStringLiteral("") : s;
}

Severity clampSeverity(int s)
{
    return Severity(std::clamp(s, int(Severity::Info), int(Severity::Critical)));
}

}  // namespace

IncidentStore::IncidentStore(QObject *parent)
    : QObject(parent),
      m_connection(QStringLiteral("turno-incidents-") + QUuid::createUuid().toString(QUuid::WithoutBraces))
{
    qRegisterMetaType<turno::IncidentEvent>();
    qRegisterMetaType<QList<turno::IncidentEvent>>();
    m_flushTimer = new QTimer(this);
    m_flushTimer->setSingleShot(true);
    m_flushTimer->setInterval(0);
    connect(m_flushTimer, &QTimer::timeout, this, [this] {
        const auto r = flush();
        if (!r)
            emit storeError(r.error());
    });
    m_pruneTimer = new QTimer(this);
    m_pruneTimer->setInterval(kDayMs);
    connect(m_pruneTimer, &QTimer::timeout, this, [this] {
        const auto r = prune(nowMs());
        if (!r)
            emit storeError(r.error());
    });
    m_watchTimer = new QTimer(this);
    connect(m_watchTimer, &QTimer::timeout, this, &IncidentStore::pollExternal);
}

IncidentStore::~IncidentStore()
{
    close();
}

qint64 IncidentStore::nowMs()
{
    return QDateTime::currentMSecsSinceEpoch();
}

QString IncidentStore::defaultPath()
{
    const QString env = QProcessEnvironment::systemEnvironment().value(QStringLiteral("TURNO_INCIDENT_DB"));
    if (!env.isEmpty())
        return env;
    QString dataHome = QProcessEnvironment::systemEnvironment().value(QStringLiteral("XDG_DATA_HOME"));
    if (dataHome.isEmpty() || !QDir::isAbsolutePath(dataHome))
        dataHome = QDir::homePath() + QStringLiteral("/.local/share");
    return dataHome + QStringLiteral("/turno-ops/incidents.db");
}

QString IncidentStore::fail(const QString &what, const QString &sqlError) const
{
    return QStringLiteral("incident database %1: %2: %3").arg(m_path, what, sqlError);
}

Result<void> IncidentStore::exec(QSqlQuery &query, const char *what) const
{
    if (!query.exec())
        return Error{fail(QString::fromLatin1(what), query.lastError().text())};
    return {};
}

Result<void> IncidentStore::open(const QString &path, const Options &options)
{
    close();
    m_path = QFileInfo(path).absoluteFilePath();
    m_options = options;

    const QFileInfo info(m_path);
    if (!QDir().mkpath(info.absolutePath()))
        return Error{QStringLiteral("cannot create the directory %1 for the incident database; check its "
                                    "permissions or pass another file (--db / TURNO_INCIDENT_DB)")
                         .arg(info.absolutePath())};
    if (!info.exists() && !m_options.createIfMissing)
        return Error{QStringLiteral("no incident database at %1: nothing has been recorded there yet; pass the "
                                    "right file with --db or TURNO_INCIDENT_DB")
                         .arg(m_path)};
    if (info.exists() && !info.isReadable())
        return Error{QStringLiteral("the incident database %1 is not readable by this user; fix its permissions or "
                                    "pass another file (--db / TURNO_INCIDENT_DB)")
                         .arg(m_path)};

    if (!QSqlDatabase::isDriverAvailable(QStringLiteral("QSQLITE")))
        return Error{QStringLiteral("Qt's SQLite driver (QSQLITE) is not installed; install the Qt 6 SQLite plugin "
                                    "(Debian: libqt6sql6-sqlite)")};
    {
        QSqlDatabase db = QSqlDatabase::addDatabase(QStringLiteral("QSQLITE"), m_connection);
        db.setDatabaseName(m_path);
        // The busy timeout covers another process (turnoctl beside the console) writing at the same moment.
        db.setConnectOptions(QStringLiteral("QSQLITE_BUSY_TIMEOUT=5000"));
        if (!db.open()) {
            const QString why = db.lastError().text();
            db = QSqlDatabase();
            QSqlDatabase::removeDatabase(m_connection);
            return Error{QStringLiteral("cannot open the incident database %1: %2").arg(m_path, why)};
        }
        Result<void> r = configure(db);
        if (r)
            r = createOrUpgrade(db);
        if (!r) {
            db.close();
            db = QSqlDatabase();
            QSqlDatabase::removeDatabase(m_connection);
            return r;
        }
        QSqlQuery q(db);
        if (q.exec(QStringLiteral("SELECT coalesce(max(id), 0) FROM events")) && q.next())
            m_lastSeenId = q.value(0).toLongLong();
    }

    if (m_options.retentionDays > 0) {
        const auto pruned = prune(nowMs());
        if (!pruned)
            return Error{pruned.error()};
    }
    if (m_options.pruneDaily && m_options.retentionDays > 0)
        m_pruneTimer->start();
    if (m_options.watchIntervalMs > 0) {
        m_watchTimer->start(m_options.watchIntervalMs);
    }
    return {};
}

Result<void> IncidentStore::configure(QSqlDatabase &db)
{
    QSqlQuery q(db);
    // Reading the header first tells a foreign or damaged file apart before we write to it.
    if (!q.exec(QStringLiteral("PRAGMA application_id")) || !q.next())
        return Error{QStringLiteral("cannot read the incident database %1: %2. It is not a SQLite database or it "
                                    "is damaged; move it aside (a new one is then created) or pass another file "
                                    "(--db / TURNO_INCIDENT_DB)")
                         .arg(m_path, q.lastError().text())};
    const int appId = q.value(0).toInt();
    if (!q.exec(QStringLiteral("PRAGMA user_version")) || !q.next())
        return Error{fail(QStringLiteral("reading the schema version"), q.lastError().text())};
    const int version = q.value(0).toInt();
    if (appId != 0 && appId != kApplicationId)
        return Error{QStringLiteral("%1 is a SQLite database of another program (application_id 0x%2), not a Turno "
                                    "Ops incident database; pass another file (--db / TURNO_INCIDENT_DB)")
                         .arg(m_path)
                         .arg(quint32(appId), 8, 16, QLatin1Char('0'))};
    if (appId == 0) {
        if (!q.exec(QStringLiteral("SELECT count(*) FROM sqlite_master")) || !q.next())
            return Error{fail(QStringLiteral("reading the schema"), q.lastError().text())};
        if (q.value(0).toInt() > 0)
            return Error{QStringLiteral("%1 is a SQLite database but not a Turno Ops incident database (it has tables "
                                        "of its own); pass another file (--db / TURNO_INCIDENT_DB)")
                             .arg(m_path)};
    }
    if (version > kSchemaVersion)
        return Error{QStringLiteral("%1 was written by a newer Turno Ops (schema version %2; this build reads up to "
                                    "%3); upgrade turnoctl / turno-console or pass another file (--db)")
                         .arg(m_path)
                         .arg(version)
                         .arg(kSchemaVersion)};

    if (!q.exec(QStringLiteral("PRAGMA journal_mode=WAL")) || !q.next())
        return Error{fail(QStringLiteral("switching to WAL"), q.lastError().text())};
    if (q.value(0).toString().toLower() != QLatin1String("wal"))
        return Error{QStringLiteral("the incident database %1 cannot use write-ahead logging (journal mode stayed "
                                    "'%2'); put it on a local file system")
                         .arg(m_path, q.value(0).toString())};
    // WAL + NORMAL: a commit is a write() into the WAL, in the kernel's page
    // cache once it returns, so it survives SIGKILL of this process; only an OS
    // crash or power loss can drop the newest commits (never corrupt the file).
    const QString sync = m_options.fsyncEachCommit ? QStringLiteral("FULL") : QStringLiteral("NORMAL");
    if (!q.exec(QStringLiteral("PRAGMA synchronous=") + sync))
        return Error{fail(QStringLiteral("setting synchronous"), q.lastError().text())};
    if (!q.exec(QStringLiteral("PRAGMA foreign_keys=ON")))
        return Error{fail(QStringLiteral("enabling foreign keys"), q.lastError().text())};
    return {};
}

Result<void> IncidentStore::createOrUpgrade(QSqlDatabase &db)
{
    QSqlQuery q(db);
    if (!q.exec(QStringLiteral("PRAGMA user_version")) || !q.next())
        return Error{fail(QStringLiteral("reading the schema version"), q.lastError().text())};
    const int version = q.value(0).toInt();
    if (version == kSchemaVersion)
        return {};
    if (!db.transaction())
        return Error{fail(QStringLiteral("starting the schema transaction"), db.lastError().text())};
    // Version 0 is a new, empty file. Later versions add their upgrade steps here.
    if (version == 0) {
        for (const char *sql : kCreateSchema) {
            if (!q.exec(QString::fromLatin1(sql))) {
                const QString why = q.lastError().text();
                db.rollback();
                return Error{fail(QStringLiteral("creating the schema"), why)};
            }
        }
    }
    if (!q.exec(QStringLiteral("PRAGMA application_id=%1").arg(kApplicationId)) ||
        !q.exec(QStringLiteral("PRAGMA user_version=%1").arg(kSchemaVersion))) {
        const QString why = q.lastError().text();
        db.rollback();
        return Error{fail(QStringLiteral("setting the schema version"), why)};
    }
    if (!db.commit())
        return Error{fail(QStringLiteral("committing the schema"), db.lastError().text())};
    return {};
}

void IncidentStore::close()
{
    if (!isOpen())
        return;
    if (!m_pending.isEmpty()) {
        const auto r = flush();
        if (!r)
            emit storeError(r.error());
    }
    m_flushTimer->stop();
    m_pruneTimer->stop();
    m_watchTimer->stop();
    {
        QSqlDatabase db = QSqlDatabase::database(m_connection, false);
        db.close();
    }
    QSqlDatabase::removeDatabase(m_connection);
    m_pending.clear();
    m_ownIds.clear();
    m_dataVersion = -1;
}

bool IncidentStore::isOpen() const
{
    return QSqlDatabase::contains(m_connection) && QSqlDatabase::database(m_connection, false).isOpen();
}

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

Result<int> IncidentStore::prune(qint64 now)
{
    if (!isOpen())
        return Error{QStringLiteral("the incident database is not open")};
    if (m_options.retentionDays <= 0)
        return 0;
    const qint64 cutoff = now - qint64(m_options.retentionDays) * kDayMs;
    QSqlDatabase db = QSqlDatabase::database(m_connection, false);
    QSqlQuery q(db);
    // Small batches keep each write transaction (and the lock other writers wait on) short.
    if (!q.prepare(QStringLiteral(
            "DELETE FROM events WHERE id IN (SELECT e.id FROM events e WHERE e.ts_ms < ? AND NOT EXISTS ("
            " SELECT 1 FROM incidents i WHERE e.ts_ms >= i.window_start_ms"
            " AND (i.state = 'open' OR e.ts_ms <= i.closed_ms)) LIMIT %1)")
                       .arg(kPruneBatch)))
        return Error{fail(QStringLiteral("preparing the prune"), q.lastError().text())};
    int total = 0;
    for (;;) {
        q.bindValue(0, cutoff);
        if (!q.exec())
            return Error{fail(QStringLiteral("pruning old events"), q.lastError().text())};
        const int n = q.numRowsAffected();
        total += n;
        if (n < kPruneBatch)
            break;
    }
    if (total > 0)
        emit eventsPruned(total);
    return total;
}

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
