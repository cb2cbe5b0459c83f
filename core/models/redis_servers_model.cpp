#include "models/redis_servers_model.h"

#include "models/fleet_nodes_model.h"

namespace turno {

namespace {

// Redis says master and slave; the fleet table, the status and the failover tab say primary and replica.
QString roleName(const RedisInfo &info)
{
    const QString role = info.role();
    if (role == QLatin1String("master"))
        return QStringLiteral("primary");
    if (role == QLatin1String("slave"))
        return QStringLiteral("replica");
    return role;
}

}  // namespace

RedisServersModel::RedisServersModel(QObject *parent) : QAbstractTableModel(parent) {}

int RedisServersModel::rowCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : int(m_rows.size());
}

int RedisServersModel::columnCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : ColumnCount;
}

QVariant RedisServersModel::data(const QModelIndex &index, int role) const
{
    if (!checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid))
        return {};
    const Row &r = m_rows.at(index.row());
    const RedisInfo *i = r.info.get();
    if (role == RedisRoleRole)
        return i ? roleName(*i) : QString();
    if (role == Qt::ToolTipRole) {
        if (!r.up)
            return r.error;
        if (i && index.column() == RoleColumn)
            return tr("INFO replication: role:%1").arg(i->role());
        return {};
    }
    if (role != Qt::DisplayRole)
        return {};
    if (index.column() == NameColumn)
        return r.name;
    if (index.column() == UpColumn)
        return r.up ? tr("up") : tr("down");
    if (index.column() == AddressColumn)
        return r.address;
    if (!i)
        return QStringLiteral("–");
    switch (index.column()) {
    case RoleColumn: return roleName(*i);
    case ClientsColumn: return i->connectedClients();
    case MemoryColumn: return FleetNodesModel::formatBytes(double(i->usedMemoryBytes()));
    case OpsColumn: return i->opsPerSecond();
    case KeysColumn: return i->totalKeys();
    case OffsetColumn: return i->isPrimary() ? i->masterReplOffset() : i->slaveReplOffset();
    case ReplicationColumn: {
        if (!i->isPrimary())
            return tr("link %1 to %2:%3").arg(i->masterLinkStatus(), i->masterHost()).arg(i->masterPort());
        QStringList parts;
        for (const RedisInfo::Replica &rep : i->replicas())
            parts << tr("%1:%2 %3, %4 B behind, lag %5 s")
                         .arg(rep.ip).arg(rep.port).arg(rep.state)
                         .arg(i->masterReplOffset() - rep.offset).arg(rep.lagSeconds);
        return parts.isEmpty() ? tr("no replica") : parts.join(QStringLiteral("; "));
    }
    }
    return {};
}

QVariant RedisServersModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole)
        return QAbstractTableModel::headerData(section, orientation, role);
    switch (section) {
    case NameColumn: return tr("Server");
    case UpColumn: return tr("Up");
    case RoleColumn: return tr("Role");
    case AddressColumn: return tr("Address");
    case ClientsColumn: return tr("Clients");
    case MemoryColumn: return tr("Memory");
    case OpsColumn: return tr("ops/s");
    case KeysColumn: return tr("Keys");
    case OffsetColumn: return tr("Repl. offset");
    case ReplicationColumn: return tr("Replication");
    }
    return {};
}

void RedisServersModel::update(const QString &name, const QString &address, std::shared_ptr<const RedisInfo> info,
                               const QString &error)
{
    int row = -1;
    for (int i = 0; i < m_rows.size(); ++i)
        if (m_rows.at(i).name == name)
            row = i;
    if (row < 0) {
        row = int(m_rows.size());
        beginInsertRows({}, row, row);
        m_rows.append(Row{name, address, {}, false, {}});
        endInsertRows();
    }
    Row &r = m_rows[row];
    r.address = address;
    r.up = info != nullptr;
    r.error = error;
    if (info)
        r.info = std::move(info);
    emit dataChanged(index(row, 0), index(row, ColumnCount - 1));
}

void RedisServersModel::clear()
{
    beginResetModel();
    m_rows.clear();
    endResetModel();
}

std::shared_ptr<const RedisInfo> RedisServersModel::info(const QString &name) const
{
    for (const Row &r : m_rows)
        if (r.name == name)
            return r.info;
    return {};
}

}  // namespace turno
