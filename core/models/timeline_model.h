// TimelineModel: the events of the incident store as a table (time, severity,
// node, kind, source, summary), filtered, paged from SQLite and updated live.
#pragma once

#include "incidents/event_filter.h"

#include <QAbstractTableModel>
#include <QList>
#include <QPointer>

namespace turno {

class IncidentStore;

class TimelineModel : public QAbstractTableModel {
    Q_OBJECT
public:
    enum Column { TimeColumn, SeverityColumn, NodeColumn, KindColumn, SourceColumn, SummaryColumn, ColumnCount };
    // Raw values for delegates and proxies (colours are the view's business: core has no QtGui).
    enum Role {
        EventIdRole = Qt::UserRole + 1,
        TimeMsRole,
        SeverityRole,  // int(Severity)
        KindRole,
        NodeRole,
        DetailsRole,   // QJsonObject
    };
    // Rows come from SQLite a page at a time (canFetchMore/fetchMore), so a
    // million-event store opens as fast as a small one.
    static constexpr int kPageSize = 500;

    explicit TimelineModel(IncidentStore *store, QObject *parent = nullptr);

    int rowCount(const QModelIndex &parent = {}) const override;
    int columnCount(const QModelIndex &parent = {}) const override;
    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;
    bool canFetchMore(const QModelIndex &parent) const override;
    void fetchMore(const QModelIndex &parent) override;
    // Only the time column sorts here (it is the SQL order); other columns are
    // for a QSortFilterProxyModel over the loaded rows.
    void sort(int column, Qt::SortOrder order = Qt::AscendingOrder) override;

    const EventFilter &filter() const { return m_filter; }
    void setFilter(const EventFilter &filter);
    void setMinimumSeverity(Severity severity);
    void setNodes(const QStringList &nodes);
    void setKinds(const QStringList &kinds);
    void setText(const QString &text);
    void setTimeRange(qint64 fromMs, qint64 toMs);
    void clearTimeRange();
    // Newest first (the default) puts live events at the top.
    void setNewestFirst(bool newestFirst);
    bool newestFirst() const { return m_newestFirst; }

    IncidentEvent eventAt(int row) const { return m_rows.value(row); }
    // Whether every matching event is loaded (no page left to fetch).
    bool isComplete() const { return m_complete; }
    QString lastError() const { return m_lastError; }
    void reload();

signals:
    void loadFailed(const QString &message);

private:
    void onEventsAppended(const QList<turno::IncidentEvent> &events);
    bool before(const IncidentEvent &a, const IncidentEvent &b) const;
    bool fetchPage();

    QPointer<IncidentStore> m_store;
    EventFilter m_filter;
    bool m_newestFirst = true;
    QList<IncidentEvent> m_rows;
    bool m_complete = true;
    int m_notifying = 0;        // > 0 while this model announces a reset or an insert
    bool m_fetchQueued = false;
    QString m_lastError;
};

}  // namespace turno
