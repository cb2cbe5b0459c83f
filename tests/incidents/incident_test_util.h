// Helpers for the incident tests: a store on a temporary file, events built in
// one line, and a raw SQLite connection to look at the file behind the store's back.
#pragma once

#include "incidents/incident_store.h"

#include <QJsonObject>
#include <QSqlDatabase>
#include <QSqlQuery>
#include <QTemporaryDir>
#include <QTest>
#include <QUuid>
#include <QVariant>

namespace inctest {

inline turno::IncidentEvent makeEvent(qint64 timeMs, const QString &node, const QString &kind, turno::Severity severity,
                                  const QString &summary, const QJsonObject &details = {},
                                  const QString &source = QStringLiteral("test"))
{
    return turno::IncidentEvent{0, timeMs, source, node, kind, severity, summary, details};
}

// Options for tests: no pruning unless a test asks for it.
inline turno::IncidentStore::Options keepAll()
{
    turno::IncidentStore::Options o;
    o.retentionDays = 0;
    o.pruneDaily = false;
    return o;
}

// A separate connection to the same file (what another process would see).
class RawDb {
public:
    explicit RawDb(const QString &path)
        : m_name(QStringLiteral("raw-") + QUuid::createUuid().toString(QUuid::WithoutBraces))
    {
        QSqlDatabase db = QSqlDatabase::addDatabase(QStringLiteral("QSQLITE"), m_name);
        db.setDatabaseName(path);
        db.open();
    }
    ~RawDb()
    {
        {
            QSqlDatabase db = QSqlDatabase::database(m_name, false);
            db.close();
        }
        QSqlDatabase::removeDatabase(m_name);
    }
    RawDb(const RawDb &) = delete;
    RawDb &operator=(const RawDb &) = delete;

    // First column of the first row of sql, or an invalid QVariant on error.
    QVariant scalar(const QString &sql)
    {
        QSqlQuery q(QSqlDatabase::database(m_name, false));
        if (!q.exec(sql) || !q.next())
            return {};
        return q.value(0);
    }
    bool exec(const QString &sql)
    {
        QSqlQuery q(QSqlDatabase::database(m_name, false));
        return q.exec(sql);
    }

private:
    QString m_name;
};

}  // namespace inctest
