// IncidentStore's fleet metrics history: the fleet's figures of each tick,
// queued and committed in batches, read back for a report's window, and pruned
// like the events (kept inside a kept incident's window).
#include "incidents/incident_store.h"
#include "incidents/incident_store_internal.h"

#include <QDateTime>
#include <QSqlDatabase>
#include <QSqlError>
#include <QSqlQuery>
#include <QTimer>
#include <algorithm>
#include <cmath>

namespace turno {

using incidentstore::kDayMs;

namespace {

constexpr int kPruneBatch = 5000;

// NULL stands for "unknown" (no traffic, no scrape yet); SQLite has no NaN.
QVariant sqlValue(double v)
{
    return std::isfinite(v) ? QVariant(v) : QVariant(QMetaType(QMetaType::Double));
}

// A value some other writer (or damage) left as text or NULL reads as unknown.
double sampleValue(const QVariant &v)
{
    if (v.isNull())
        return FleetSample::kUnknown;
    if (v.typeId() != QMetaType::Double && v.typeId() != QMetaType::LongLong && v.typeId() != QMetaType::Int)
        return FleetSample::kUnknown;
    const double d = v.toDouble();
    return std::isfinite(d) ? d : FleetSample::kUnknown;
}

}  // namespace

void IncidentStore::recordSample(FleetSample sample)
{
    if (sample.timeMs == 0)
        sample.timeMs = nowMs();
    m_pendingSamples.append(sample);
    if (!m_sampleTimer->isActive())
        m_sampleTimer->start();
}

Result<void> IncidentStore::flushSamples()
{
    m_sampleTimer->stop();
    if (m_pendingSamples.isEmpty())
        return {};
    if (!isOpen())
        return Error{QStringLiteral("the incident database is not open; %1 fleet samples wait to be written")
                         .arg(m_pendingSamples.size())};
    QSqlDatabase db = QSqlDatabase::database(m_connection, false);
    if (!db.transaction())
        return Error{fail(QStringLiteral("starting a transaction"), db.lastError().text())};
    QSqlQuery q(db);
    if (!q.prepare(QStringLiteral("INSERT INTO fleet_samples (ts_ms, req_s, p99_ms, error_ratio, cpu_percent) "
                                  "VALUES (?, ?, ?, ?, ?)"))) {
        const QString why = q.lastError().text();
        db.rollback();
        return Error{fail(QStringLiteral("preparing the sample insert"), why)};
    }
    for (const FleetSample &s : std::as_const(m_pendingSamples)) {
        q.bindValue(0, s.timeMs);
        q.bindValue(1, sqlValue(s.requestsPerSecond));
        q.bindValue(2, sqlValue(s.p99Ms));
        q.bindValue(3, sqlValue(s.errorRatio));
        q.bindValue(4, sqlValue(s.cpuPercent));
        if (!q.exec()) {
            const QString why = q.lastError().text();
            db.rollback();
            m_sampleTimer->start();
            return Error{fail(QStringLiteral("writing fleet samples"), why)};
        }
    }
    if (!db.commit()) {
        const QString why = db.lastError().text();
        db.rollback();
        m_sampleTimer->start();
        return Error{fail(QStringLiteral("committing fleet samples"), why)};
    }
    m_pendingSamples.clear();
    return {};
}

Result<QList<FleetSample>> IncidentStore::samples(qint64 fromMs, qint64 toMs) const
{
    if (!isOpen())
        return Error{QStringLiteral("the incident database is not open")};
    QSqlQuery q(QSqlDatabase::database(m_connection, false));
    q.setForwardOnly(true);
    if (!q.prepare(QStringLiteral("SELECT ts_ms, req_s, p99_ms, error_ratio, cpu_percent FROM fleet_samples "
                                  "WHERE ts_ms >= ? AND ts_ms <= ? ORDER BY ts_ms, rowid")))
        return Error{fail(QStringLiteral("preparing the sample query"), q.lastError().text())};
    q.bindValue(0, fromMs);
    q.bindValue(1, toMs);
    if (!q.exec())
        return Error{fail(QStringLiteral("reading fleet samples"), q.lastError().text())};
    QList<FleetSample> out;
    while (q.next()) {
        FleetSample s;
        s.timeMs = q.value(0).toLongLong();
        s.requestsPerSecond = sampleValue(q.value(1));
        s.p99Ms = sampleValue(q.value(2));
        s.errorRatio = sampleValue(q.value(3));
        s.cpuPercent = sampleValue(q.value(4));
        out.append(s);
    }
    return out;
}

Result<int> IncidentStore::pruneSamples(qint64 now)
{
    const int days = std::min(m_options.retentionDays, int(kSampleRetentionDays));
    if (days <= 0)
        return 0;
    const qint64 cutoff = now - qint64(days) * kDayMs;
    QSqlQuery q(QSqlDatabase::database(m_connection, false));
    if (!q.prepare(QStringLiteral(
            "DELETE FROM fleet_samples WHERE rowid IN (SELECT s.rowid FROM fleet_samples s WHERE s.ts_ms < ? AND NOT "
            "EXISTS (SELECT 1 FROM incidents i WHERE s.ts_ms >= i.window_start_ms"
            " AND (i.state = 'open' OR s.ts_ms <= i.closed_ms)) LIMIT %1)")
                       .arg(kPruneBatch)))
        return Error{fail(QStringLiteral("preparing the sample prune"), q.lastError().text())};
    int total = 0;
    for (;;) {
        q.bindValue(0, cutoff);
        if (!q.exec())
            return Error{fail(QStringLiteral("pruning old fleet samples"), q.lastError().text())};
        const int n = q.numRowsAffected();
        total += n;
        if (n < kPruneBatch)
            break;
    }
    return total;
}

}  // namespace turno
