// AlertHistoryModel: alerts that ended, newest first: resolved after firing, or
// cleared before firing (a pending that went back to inactive), with how long
// each was pending and firing. Filled from the engine's transitions as they
// happen and, at start, from the alert events the incident store recorded.
#pragma once

#include "alerts/alert_engine.h"
#include "common/result.h"

#include <QAbstractTableModel>
#include <QHash>
#include <QList>

namespace turno {

class IncidentStore;

class AlertHistoryModel : public QAbstractTableModel {
    Q_OBJECT
public:
    enum Column { RuleColumn, NodeColumn, SeverityColumn, OutcomeColumn, StartedColumn, EndedColumn, PendingColumn,
                  FiringColumn, ColumnCount };
    static constexpr int kMaxRows = 500;

    struct Entry {
        QString rule;
        QString node;
        QString severity;
        bool fired = false;       // resolved after firing; false: cleared before firing
        qint64 pendingSinceMs = -1;
        qint64 firingSinceMs = -1;
        qint64 endedMs = -1;
        qint64 pendingMs() const;  // -1 when unknown
        qint64 firingMs() const;   // -1 when it never fired
    };

    explicit AlertHistoryModel(QObject *parent = nullptr);

    int rowCount(const QModelIndex &parent = {}) const override;
    int columnCount(const QModelIndex &parent = {}) const override;
    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;

    Entry entryAt(int row) const { return m_rows.value(row); }
    // Connects to the engine's transitions.
    void follow(AlertEngine *engine);
    void onTransition(const AlertTransition &t);
    // Replays the store's alert.pending/firing/resolved/inactive events, oldest first.
    Result<int> loadFrom(const IncidentStore &store);

    static QString formatDuration(qint64 ms);

private:
    void apply(const QString &rule, const QString &node, const QString &severity, Alert::State to, qint64 atMs);

    QHash<QString, Entry> m_open;  // rule|node -> pending or firing now
    QList<Entry> m_rows;
};

}  // namespace turno
