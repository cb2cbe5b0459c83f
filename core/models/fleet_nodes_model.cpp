#include "models/fleet_nodes_model.h"

#include "fleet/fleet_supervisor.h"
#include "fleet/managed_process.h"

#include <QHash>
#include <QSet>

namespace turno {

namespace {

bool sameInfo(const FleetNodeInfo &a, const FleetNodeInfo &b)
{
    return a.name == b.name && a.kind == b.kind && a.pool == b.pool && a.role == b.role && a.state == b.state && a.pid == b.pid &&
           a.address == b.address && a.weight == b.weight && a.restarts == b.restarts && a.logFile == b.logFile;
}

QVariant number(double value, int decimals)
{
    if (std::isnan(value))
        return QStringLiteral("–");
    return QString::number(value, 'f', decimals);
}

}  // namespace

FleetNodesModel::FleetNodesModel(QObject *parent) : QAbstractTableModel(parent) {}

int FleetNodesModel::rowCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : int(m_rows.size());
}

int FleetNodesModel::columnCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : ColumnCount;
}

QString FleetNodesModel::displayState(const Row &row)
{
    // The balancer knows about drain and health checks, which the process state cannot show.
    if (row.info.state == NodeState::Running && !row.balancerStatus.isEmpty()) {
        const QString name = balancerStateName(balancerStateFromStatus(row.balancerStatus));
        return name.isEmpty() ? row.balancerStatus : name;
    }
    return nodeStateName(row.info.state);
}

NodeHealth FleetNodesModel::health(const Row &row)
{
    return nodeHealth(row.info.state, balancerStateFromStatus(row.balancerStatus));
}

QString FleetNodesModel::formatBytes(double bytes)
{
    if (std::isnan(bytes))
        return QStringLiteral("–");
    if (bytes >= 1024.0 * 1024 * 1024)
        return QString::number(bytes / (1024.0 * 1024 * 1024), 'f', 2) + QStringLiteral(" GiB");
    if (bytes >= 1024.0 * 1024)
        return QString::number(bytes / (1024.0 * 1024), 'f', 1) + QStringLiteral(" MiB");
    if (bytes >= 1024.0)
        return QString::number(bytes / 1024.0, 'f', 0) + QStringLiteral(" KiB");
    return QString::number(bytes, 'f', 0) + QStringLiteral(" B");
}

QString FleetNodesModel::formatDuration(double seconds)
{
    if (std::isnan(seconds) || seconds < 0)
        return QStringLiteral("–");
    const qint64 s = qint64(seconds);
    if (s < 60)
        return QStringLiteral("%1s").arg(s);
    if (s < 3600)
        return QStringLiteral("%1m %2s").arg(s / 60).arg(s % 60);
    if (s < 86400)
        return QStringLiteral("%1h %2m").arg(s / 3600).arg((s % 3600) / 60);
    return QStringLiteral("%1d %2h").arg(s / 86400).arg((s % 86400) / 3600);
}

QVariant FleetNodesModel::data(const QModelIndex &index, int role) const
{
    if (!checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid))
        return {};
    const Row &r = m_rows.at(index.row());
    const FleetNodeMetrics &m = r.metrics;
    switch (role) {
    case NameRole: return r.info.name;
    case StateRole: return displayState(r);
    case HealthRole: return int(health(r));
    case KindRole: return r.info.kind;
    case LogFileRole: return r.info.logFile;
    case WeightRole: return r.info.weight;
    case RedisRoleRole: return r.info.role;
    case Qt::TextAlignmentRole:
        if (index.column() >= PidColumn && index.column() != AddressColumn)
            return int(Qt::AlignRight | Qt::AlignVCenter);
        return {};
    case Qt::ToolTipRole:
        if (index.column() == ErrorsColumn) {
            const bool frontend = r.info.kind == QLatin1String("haproxy");
            if (frontend)
                return tr("Frontend: 5xx HAProxy sent to clients per second over the last %1 (what clients got, after its "
                          "retries and redispatch); %2 since HAProxy started")
                    .arg(formatWindow(m_errorRateWindowMs), number(m.errors, 0).toString());
            if (r.info.kind != QLatin1String("turno"))
                return {};
            return tr("%1 answered 5xx per second over the last %2 (before HAProxy's retries, which may hide them from "
                      "clients); %3 since the node started")
                .arg(r.info.name, formatWindow(m_errorRateWindowMs), number(m.errors, 0).toString());
        }
        if (index.column() == P99Column || index.column() == P50Column) {
            if (r.info.kind == QLatin1String("haproxy"))
                return tr("Frontend: from HAProxy's request log (%Ta: queue, connect, server and transfer; the balancer "
                          "hop included)");
            if (r.info.kind == QLatin1String("turno"))
                return tr("Node: the server's own latency histogram (server time, no balancer hop)");
            return {};
        }
        if (index.column() == NameColumn || index.column() == StateColumn)
            return QStringLiteral("%1 (%2), restarts %3, weight %4\nlog: %5")
                .arg(r.info.name, r.info.role.isEmpty() ? r.info.kind : r.info.kind + QLatin1Char(' ') + r.info.role)
                .arg(r.info.restarts).arg(r.info.weight).arg(r.info.logFile);
        return {};
    case SortRole:
    case Qt::DisplayRole:
        break;
    default:
        return {};
    }
    const bool sort = role == SortRole;
    switch (index.column()) {
    case NameColumn: return r.info.name;
    case PoolColumn: return r.info.pool.isEmpty() ? r.info.kind : r.info.pool;
    case RoleColumn: return r.info.role;
    case StateColumn: return displayState(r);
    case PidColumn: return sort ? QVariant(r.info.pid) : (r.info.pid > 0 ? QVariant(r.info.pid) : QVariant(QStringLiteral("–")));
    case AddressColumn: return r.info.address;
    case RequestsColumn: return sort ? QVariant(m.requestsPerSecond) : number(m.requestsPerSecond, 1);
    case P50Column: return sort ? QVariant(m.p50Ms) : number(m.p50Ms, 2);
    case P99Column: return sort ? QVariant(m.p99Ms) : number(m.p99Ms, 2);
    case CpuColumn: return sort ? QVariant(m.cpuPercent) : number(m.cpuPercent, 1);
    case RssColumn: return sort ? QVariant(m.rssBytes) : QVariant(formatBytes(m.rssBytes));
    case ErrorsColumn: return sort ? QVariant(m.errorsPerSecond) : number(m.errorsPerSecond, 2);
    case UptimeColumn: return sort ? QVariant(m.uptimeSeconds) : QVariant(formatDuration(m.uptimeSeconds));
    case RestartsColumn: return r.info.restarts;
    }
    return {};
}

QVariant FleetNodesModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole)
        return QAbstractTableModel::headerData(section, orientation, role);
    switch (section) {
    case NameColumn: return tr("Node");
    case PoolColumn: return tr("Pool");
    case RoleColumn: return tr("Role");
    case StateColumn: return tr("State");
    case PidColumn: return tr("PID");
    case AddressColumn: return tr("Address");
    case RequestsColumn: return tr("req/s");
    case P50Column: return tr("p50 ms");
    case P99Column: return tr("p99 ms");
    case CpuColumn: return tr("CPU %");
    case RssColumn: return tr("RSS");
    case ErrorsColumn: return tr("5xx/s (%1)").arg(formatWindow(m_errorRateWindowMs));
    case UptimeColumn: return tr("Uptime");
    case RestartsColumn: return tr("Restarts");
    }
    return {};
}

int FleetNodesModel::rowOf(const QString &name) const
{
    for (int i = 0; i < m_rows.size(); ++i)
        if (m_rows.at(i).info.name == name)
            return i;
    return -1;
}

void FleetNodesModel::rowChanged(int row)
{
    emit dataChanged(index(row, 0), index(row, ColumnCount - 1));
}

void FleetNodesModel::setNodes(const QList<FleetNodeInfo> &nodes)
{
    QSet<QString> wanted;
    for (const FleetNodeInfo &n : nodes)
        wanted.insert(n.name);
    for (int i = int(m_rows.size()) - 1; i >= 0; --i) {
        if (wanted.contains(m_rows.at(i).info.name))
            continue;
        beginRemoveRows({}, i, i);
        m_rows.removeAt(i);
        endRemoveRows();
    }
    for (const FleetNodeInfo &n : nodes) {
        const int row = rowOf(n.name);
        if (row < 0) {
            beginInsertRows({}, int(m_rows.size()), int(m_rows.size()));
            m_rows.append(Row{n, {}, {}});
            endInsertRows();
        } else if (!sameInfo(m_rows.at(row).info, n)) {
            if (m_rows.at(row).info.pid != n.pid)
                m_rows[row].metrics = FleetNodeMetrics{};
            m_rows[row].info = n;
            rowChanged(row);
        }
    }
}

void FleetNodesModel::syncFrom(const FleetSupervisor &supervisor)
{
    QList<FleetNodeInfo> nodes;
    for (const FleetNode *n : supervisor.nodes()) {
        FleetNodeInfo info;
        info.name = n->name;
        info.kind = n->kindName();
        info.pool = n->pool;
        if (n->kind == FleetNode::Kind::Redis)
            info.role = n->name == supervisor.redisPrimaryNode() ? QStringLiteral("primary") : QStringLiteral("replica");
        info.state = n->state;
        info.pid = n->process && n->process->running() ? n->process->pid() : 0;
        info.address = QStringLiteral("127.0.0.1:%1").arg(n->port);
        info.weight = n->weight;
        info.restarts = int(n->restartTimes.size());
        info.logFile = n->process ? n->process->logFile() : QString();
        nodes << info;
    }
    setNodes(nodes);
}

void FleetNodesModel::setBalancerStates(const QHash<QString, QString> &stateByNode)
{
    for (int i = 0; i < m_rows.size(); ++i) {
        const QString state = stateByNode.value(m_rows.at(i).info.name);
        if (state == m_rows.at(i).balancerStatus)
            continue;
        m_rows[i].balancerStatus = state;
        emit dataChanged(index(i, StateColumn), index(i, StateColumn));
    }
}

bool FleetNodesModel::setMetrics(const QString &name, const FleetNodeMetrics &metrics)
{
    const int row = rowOf(name);
    if (row < 0)
        return false;
    m_rows[row].metrics = metrics;
    emit dataChanged(index(row, RequestsColumn), index(row, UptimeColumn));
    return true;
}

void FleetNodesModel::setErrorRateWindowMs(qint64 windowMs)
{
    if (windowMs == m_errorRateWindowMs)
        return;
    m_errorRateWindowMs = windowMs;
    emit headerDataChanged(Qt::Horizontal, ErrorsColumn, ErrorsColumn);
}

QString FleetNodesModel::formatWindow(qint64 windowMs)
{
    if (windowMs >= 3600'000 && windowMs % 3600'000 == 0)
        return tr("%1 h").arg(windowMs / 3600'000);
    if (windowMs >= 60'000 && windowMs % 60'000 == 0)
        return tr("%1 min").arg(windowMs / 60'000);
    return tr("%1 s").arg(QString::number(double(windowMs) / 1000.0, 'g', 3));
}

void FleetNodesModel::clear()
{
    if (m_rows.isEmpty())
        return;
    beginResetModel();
    m_rows.clear();
    endResetModel();
}

}  // namespace turno
