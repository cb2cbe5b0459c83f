// IncidentStore: the connection's life (open, close, default path) and the
// error wording shared by the store's other files (incident_store_*.cpp).
#include "incidents/incident_store.h"
#include "incidents/incident_store_internal.h"

#include <QDateTime>
#include <QDir>
#include <QFileInfo>
#include <QProcessEnvironment>
#include <QSqlDatabase>
#include <QSqlError>
#include <QSqlQuery>
#include <QTimer>
#include <QUuid>

namespace turno {

using incidentstore::kDayMs;

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
    m_sampleTimer = new QTimer(this);
    m_sampleTimer->setSingleShot(true);
    m_sampleTimer->setInterval(kSampleFlushMs);
    connect(m_sampleTimer, &QTimer::timeout, this, [this] {
        const auto r = flushSamples();
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

void IncidentStore::close()
{
    if (!isOpen())
        return;
    if (!m_pending.isEmpty() || !m_pendingSamples.isEmpty()) {
        const auto r = flush();
        if (!r)
            emit storeError(r.error());
    }
    m_flushTimer->stop();
    m_sampleTimer->stop();
    m_pruneTimer->stop();
    m_watchTimer->stop();
    {
        QSqlDatabase db = QSqlDatabase::database(m_connection, false);
        db.close();
    }
    QSqlDatabase::removeDatabase(m_connection);
    m_pending.clear();
    m_pendingSamples.clear();
    m_ownIds.clear();
    m_dataVersion = -1;
}

bool IncidentStore::isOpen() const
{
    return QSqlDatabase::contains(m_connection) && QSqlDatabase::database(m_connection, false).isOpen();
}

}  // namespace turno
