// RedisServersModel: the Redis table (role, clients, memory, ops/s, keys,
// replication) from the latest INFO of each scraped Redis server; the role as
// the console says it everywhere (primary, replica), Redis's own word in the tip.
#pragma once

#include "redis/redis_info.h"

#include <QAbstractTableModel>
#include <QList>
#include <memory>

namespace turno {

class RedisServersModel : public QAbstractTableModel {
    Q_OBJECT
public:
    enum Column { NameColumn, UpColumn, RoleColumn, AddressColumn, ClientsColumn, MemoryColumn, OpsColumn,
                  KeysColumn, OffsetColumn, ReplicationColumn, ColumnCount };
    // The role in the console's words (primary | replica, empty while unknown), for the role's colour.
    enum DataRole { RedisRoleRole = Qt::UserRole + 1 };

    explicit RedisServersModel(QObject *parent = nullptr);

    int rowCount(const QModelIndex &parent = {}) const override;
    int columnCount(const QModelIndex &parent = {}) const override;
    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;

    // A server's row is created on its first result; info is null when it is down.
    void update(const QString &name, const QString &address, std::shared_ptr<const RedisInfo> info,
                const QString &error);
    void clear();
    std::shared_ptr<const RedisInfo> info(const QString &name) const;

private:
    struct Row {
        QString name;
        QString address;
        std::shared_ptr<const RedisInfo> info;  // the last good one
        bool up = false;
        QString error;
    };
    QList<Row> m_rows;
};

}  // namespace turno
