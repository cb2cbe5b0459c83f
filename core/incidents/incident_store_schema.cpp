// IncidentStore's schema: telling our file from a foreign one, WAL and sync
// settings, and creating or upgrading the tables (PRAGMA user_version).
#include "incidents/incident_store.h"

#include <QSqlDatabase>
#include <QSqlError>
#include <QSqlQuery>

namespace turno {

namespace {

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

// Version 2: the fleet's figures per tick, for the metrics of a report's window.
// NULL is an unknown value; the time index serves both the window query and the prune.
const char *kUpgradeTo2[] = {
    "CREATE TABLE fleet_samples ("
    " ts_ms INTEGER NOT NULL,"
    " req_s REAL,"
    " p99_ms REAL,"
    " error_ratio REAL,"
    " cpu_percent REAL)",
    "CREATE INDEX fleet_samples_ts ON fleet_samples(ts_ms)",
};

}  // namespace

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
    // Version 0 is a new, empty file; each later version adds its upgrade steps.
    const auto run = [&](const auto &statements, const QString &what) -> Result<void> {
        for (const char *sql : statements) {
            if (!q.exec(QString::fromLatin1(sql))) {
                const QString why = q.lastError().text();
                db.rollback();
                return Error{fail(what, why)};
            }
        }
        return {};
    };
    if (version < 1)
        if (auto r = run(kCreateSchema, QStringLiteral("creating the schema")); !r)
            return r;
    if (version < 2)
        if (auto r = run(kUpgradeTo2, QStringLiteral("adding the fleet_samples table (schema version 2)")); !r)
            return r;
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

}  // namespace turno
