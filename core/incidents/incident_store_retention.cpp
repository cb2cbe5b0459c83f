// IncidentStore's retention: pruning events past the retention period, in small
// batches, except those inside a kept incident's window (fleet samples: incident_store_samples.cpp).
#include "incidents/incident_store.h"
#include "incidents/incident_store_internal.h"

#include <QSqlDatabase>
#include <QSqlError>
#include <QSqlQuery>

namespace turno {

using incidentstore::kDayMs;

namespace {

constexpr int kPruneBatch = 5000;

}  // namespace

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
    if (const auto samples = pruneSamples(now); !samples)
        return Error{samples.error()};
    return total;
}

}  // namespace turno
