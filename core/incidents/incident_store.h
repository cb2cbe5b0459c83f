// IncidentStore: the one owner of history. Records every event in SQLite (WAL)
// so that nothing committed is lost when the process is killed, and keeps incidents.
// Use it from the thread that opened it (a Qt SQL connection belongs to one thread);
// commits are cheap enough for the GUI thread (see docs/incidents.md).
#pragma once

#include "common/result.h"
#include "incidents/event_filter.h"
#include "incidents/fleet_sample.h"
#include "incidents/incident.h"

#include <QList>
#include <QObject>
#include <QSet>
#include <QString>

class QSqlDatabase;
class QSqlQuery;
class QTimer;

namespace turno {

class IncidentStore : public QObject {
    Q_OBJECT
public:
    // Version 1: events, incidents, action_items. Version 2: fleet_samples.
    // Bumped with each schema change; a file from a newer build is refused rather than misread.
    static constexpr int kSchemaVersion = 2;
    static constexpr int kDefaultRetentionDays = 30;
    // Fleet samples (one per tick) outside a kept incident's window are kept at
    // most this long, whatever the event retention (they are far more numerous).
    static constexpr int kSampleRetentionDays = 3;
    // Queued samples are committed with the next events, or after this long.
    static constexpr int kSampleFlushMs = 5000;
    // 'TRNO': tells our database apart from any other SQLite file.
    static constexpr int kApplicationId = 0x54524e4f;

    struct Options {
        // Events older than this are pruned, fleet samples older than
        // min(retentionDays, kSampleRetentionDays); 0 keeps all of both.
        int retentionDays = kDefaultRetentionDays;
        bool pruneDaily = true;                     // besides the prune done by open()
        // false: synchronous=NORMAL (a commit survives a process kill, the last
        // commits may be lost on power loss or OS crash); true: FULL, an fsync per commit.
        bool fsyncEachCommit = false;
        qint64 incidentLeadMs = 10 * 60 * 1000;     // an incident's timeline starts this long before it opened
        int watchIntervalMs = 0;                    // > 0: poll for events other processes wrote
        bool createIfMissing = true;                // false: a missing file is an error (readers like reports)
    };

    // Where the events of a new event page start (keyset pagination over (time, id)).
    struct EventQuery {
        bool newestFirst = false;
        int limit = -1;              // -1: no limit
        bool hasAfter = false;       // continue after (afterTimeMs, afterId) in the query's order
        qint64 afterTimeMs = 0;
        qint64 afterId = 0;
    };

    explicit IncidentStore(QObject *parent = nullptr);
    ~IncidentStore() override;

    // $TURNO_INCIDENT_DB, else $XDG_DATA_HOME/turno-ops/incidents.db
    // (XDG_DATA_HOME defaults to ~/.local/share).
    static QString defaultPath();

    // Creates or upgrades the database, then prunes old events. Errors name the file.
    Result<void> open(const QString &path, const Options &options);
    Result<void> open(const QString &path) { return open(path, Options{}); }
    // Commits what is pending, then closes.
    void close();
    bool isOpen() const;
    QString path() const { return m_path; }
    const Options &options() const { return m_options; }

    // Queues an event; it is committed, with whatever else was recorded in the
    // same event-loop iteration, in one transaction (or at flush()). Time 0 = now.
    void record(IncidentEvent event);
    void record(const QString &source, const QString &node, const QString &kind, Severity severity,
                const QString &summary, const QJsonObject &details = {});
    // Commits the queued events now. Returns the id of the last committed event (0 if none).
    Result<qint64> flush();
    // Commits events in one transaction at once; returns their ids in order.
    Result<QList<qint64>> append(const QList<IncidentEvent> &events);
    int pendingCount() const { return int(m_pending.size()); }

    // Queues the fleet's figures of one tick (time 0 = now); committed with the
    // next flush() of events, or within kSampleFlushMs, in one transaction.
    void recordSample(FleetSample sample);
    int pendingSampleCount() const { return int(m_pendingSamples.size()); }
    // Committed samples with fromMs <= time <= toMs, oldest first. A stored
    // value that is not a number reads as FleetSample::kUnknown.
    Result<QList<FleetSample>> samples(qint64 fromMs, qint64 toMs) const;

    Result<QList<IncidentEvent>> events(const EventFilter &filter, const EventQuery &query) const;
    Result<QList<IncidentEvent>> events(const EventFilter &filter) const { return events(filter, EventQuery{}); }
    Result<qint64> countEvents(const EventFilter &filter) const;
    // Distinct nodes and kinds seen, for filter drop-downs.
    Result<QStringList> distinctValues(const QString &column) const;

    // Deletes events older than the retention period (and fleet samples older
    // than the sample retention), except those inside the window of a kept
    // incident (its report needs them). Returns how many events went.
    Result<int> prune(qint64 nowMs);
    void setRetentionDays(int days) { m_options.retentionDays = days; }

    // Incidents. Opening one records an incident.opened event; closing, incident.closed.
    Result<qint64> openIncident(const QString &title, Severity severity, const QString &node, qint64 atMs = 0,
                                const QString &openedBy = QStringLiteral("operator"),
                                const QString &triggerRule = {});
    Result<void> closeIncident(qint64 id, qint64 atMs = 0);
    // Saves title, severity, summary, impact, root cause, action items and peak metrics.
    Result<void> updateIncident(const Incident &incident);
    Result<Incident> incident(qint64 id) const;
    Result<Incident> lastIncident() const;
    Result<QList<Incident>> incidents() const;  // newest first
    // The open incident most recently opened, or id 0 when none is open.
    Result<qint64> currentOpenIncident() const;
    // The events of the incident's window, oldest first.
    Result<QList<IncidentEvent>> incidentEvents(qint64 id) const;

    // The alert engine's hook: records the transition (state "firing" or
    // "resolved") and, when a critical alert fires while no incident is open,
    // opens one. Returns the id of the incident the transition belongs to (0: none).
    Result<qint64> onAlertTransition(const QString &rule, Severity severity, const QString &state,
                                     const QString &node, double value, qint64 timeMs = 0);

signals:
    // Committed events, in commit order, whoever wrote them (this process or,
    // with watchIntervalMs, another one).
    void eventsAppended(const QList<turno::IncidentEvent> &events);
    void incidentChanged(qint64 id);
    void eventsPruned(int count);
    // A deferred commit failed; the events stay queued for the next attempt.
    void storeError(const QString &message);

private:
    Result<void> configure(QSqlDatabase &db);
    Result<void> createOrUpgrade(QSqlDatabase &db);
    Result<void> exec(QSqlQuery &query, const char *what) const;
    Result<QList<qint64>> insertEvents(const QList<IncidentEvent> &events);
    Result<void> flushSamples();
    Result<int> pruneSamples(qint64 now);
    Result<void> saveActionItems(qint64 incidentId, const QList<ActionItem> &items);
    Result<QList<Incident>> loadIncidents(const QString &where, const QVariantList &binds) const;
    QString fail(const QString &what, const QString &sqlError) const;
    bool kindIsCommon(const QString &kindSql, const QVariantList &binds, int limit) const;
    void scheduleFlush();
    void pollExternal();
    static qint64 nowMs();

    QString m_connection;
    QString m_path;
    Options m_options;
    QList<IncidentEvent> m_pending;
    QList<FleetSample> m_pendingSamples;
    QTimer *m_flushTimer = nullptr;
    QTimer *m_sampleTimer = nullptr;
    QTimer *m_pruneTimer = nullptr;
    QTimer *m_watchTimer = nullptr;
    qint64 m_lastSeenId = 0;      // highest id reported through eventsAppended
    QSet<qint64> m_ownIds;        // ids this store committed that the watcher has not passed yet
    qint64 m_dataVersion = -1;
};

}  // namespace turno
