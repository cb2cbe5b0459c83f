// FleetNodesModel: the fleet table, one row per supervised process, joining the
// supervisor's view (state, pid, address) with scraped figures (req/s, latency, CPU).
#pragma once

#include "fleet/node_state.h"

#include <QAbstractTableModel>
#include <QList>
#include <QString>
#include <cmath>
#include <limits>

namespace turno {

class FleetSupervisor;

// What the supervisor and HAProxy say about one process.
struct FleetNodeInfo {
    QString name;
    QString kind;          // turno, redis, sentinel, haproxy
    QString pool;          // primary | secondary for turno nodes
    QString role;          // primary | replica for Redis nodes, as the supervisor follows it now; else empty
    NodeState state = NodeState::New;  // the process; the balancer's view comes from setBalancerStates
    qint64 pid = 0;
    QString address;
    int weight = 0;
    int restarts = 0;
    QString logFile;
};

// What the scrapes of one node measured; NaN where nothing was measured yet.
struct FleetNodeMetrics {
    static constexpr double kUnknown = std::numeric_limits<double>::quiet_NaN();
    double requestsPerSecond = kUnknown;
    double p50Ms = kUnknown;
    double p99Ms = kUnknown;
    double cpuPercent = kUnknown;
    double rssBytes = kUnknown;
    double errors = kUnknown;     // 5xx answers since the node started (the balancer's row: its frontend's since HAProxy started)
    double errorsPerSecond = kUnknown;  // those 5xx per second over the error-rate window
    double uptimeSeconds = kUnknown;
    bool up = false;              // last scrape succeeded
};

class FleetNodesModel : public QAbstractTableModel {
    Q_OBJECT
public:
    enum Column { NameColumn, PoolColumn, RoleColumn, StateColumn, PidColumn, AddressColumn, RequestsColumn, P50Column,
                  P99Column, CpuColumn, RssColumn, ErrorsColumn, UptimeColumn, RestartsColumn, ColumnCount };
    // Raw values for delegates, proxies and actions (colours are the view's business).
    enum Role {
        NameRole = Qt::UserRole + 1,
        StateRole,     // the state shown (process state, or the balancer's for a running node)
        HealthRole,    // int(NodeHealth) of that state, for colours and icons
        KindRole,
        SortRole,      // numbers as numbers, so a proxy sorts 10 after 9
        LogFileRole,
        WeightRole,
        RedisRoleRole, // primary | replica | empty, for the role's colour
    };

    explicit FleetNodesModel(QObject *parent = nullptr);

    int rowCount(const QModelIndex &parent = {}) const override;
    int columnCount(const QModelIndex &parent = {}) const override;
    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;

    // Replaces the node list, keeping metrics of nodes that stay: rows are
    // removed, inserted and changed individually so a view keeps its selection.
    // A node whose pid changed (it stopped, or a restart started) loses its
    // per-process figures at once: they were the old process's.
    void setNodes(const QList<FleetNodeInfo> &nodes);
    // Reads every node of the supervisor (its state, pid, port, restarts, and
    // which Redis node is the primary now).
    void syncFrom(const FleetSupervisor &supervisor);
    // Overrides the state of turno nodes with the balancer's view (UP, DRAIN, MAINT, DOWN).
    void setBalancerStates(const QHash<QString, QString> &stateByNode);
    // False when no row has that name.
    bool setMetrics(const QString &name, const FleetNodeMetrics &metrics);
    // The window the 5xx column's rate is over, for its header and tooltips (the figures come with setMetrics).
    void setErrorRateWindowMs(qint64 windowMs);
    qint64 errorRateWindowMs() const { return m_errorRateWindowMs; }
    // "1 min", "15 min", "1 h", "10 s".
    static QString formatWindow(qint64 windowMs);
    void clear();

    int rowOf(const QString &name) const;
    FleetNodeInfo nodeAt(int row) const { return m_rows.value(row).info; }
    FleetNodeMetrics metricsAt(int row) const { return m_rows.value(row).metrics; }

    static QString formatBytes(double bytes);
    static QString formatDuration(double seconds);

private:
    struct Row {
        FleetNodeInfo info;
        QString balancerStatus;  // HAProxy's status column, empty when it does not know the node
        FleetNodeMetrics metrics;
    };
    static QString displayState(const Row &row);
    static NodeHealth health(const Row &row);
    void rowChanged(int row);

    QList<Row> m_rows;
    qint64 m_errorRateWindowMs = 60'000;
};

}  // namespace turno
