// NodeRegistry: the reading side of discovery. turno-server --announce keeps one
// key per node in Redis with a TTL refreshed by heartbeat (server/registry_announcer.h);
// this finds them, so a console that did not start the nodes sees them come and go.
#pragma once

#include "common/result.h"

#include <QHash>
#include <QJsonObject>
#include <QList>
#include <QObject>
#include <QString>
#include <functional>

class QTimer;

namespace turno {

class RespClient;

struct RegisteredNode {
    QString name;
    QString pool;
    QString address;   // HOST:PORT of the node's HTTP listener
    qint64 pid = 0;
    QString cluster;
};

class NodeRegistry : public QObject {
    Q_OBJECT
public:
    // Keys are turno:registry:CLUSTER:NODE; values are JSON of RegisteredNode.
    static QByteArray key(const QString &cluster, const QString &node);

    NodeRegistry(QString redisHost, quint16 redisPort, QString password, QString cluster, QObject *parent = nullptr);

    // One look at the registry.
    void discover(std::function<void(Result<QList<RegisteredNode>>)> done);
    // Keeps looking every intervalMs; emits nodeAppeared / nodeVanished.
    void watch(int intervalMs);

    // Where the registry is read; changes after a Redis failover.
    void setRedis(const QString &host, quint16 port);
    // Follow the primary through Sentinel: before each beat or look, ask the
    // sentinel which address currently holds master name (survives failovers).
    void followSentinel(const QString &host, quint16 port, const QString &masterName);

signals:
    void nodeAppeared(const turno::RegisteredNode &node);
    void nodeVanished(const QString &name);
    void registryError(const QString &message);

private:
    void discoverNow(std::function<void(Result<QList<RegisteredNode>>)> done);
    void poll();
    // Runs then() against the current primary (asks Sentinel first when following one).
    void withPrimary(std::function<void()> then);
    RespClient *client();

    QString m_host;
    quint16 m_port;
    QString m_password;
    QString m_cluster;
    QHash<QString, RegisteredNode> m_seen;
    QTimer *m_watcher = nullptr;
    RespClient *m_client = nullptr;
    QString m_lastError;
    QString m_sentinelHost;
    quint16 m_sentinelPort = 0;
    QString m_masterName;
    RespClient *m_sentinel = nullptr;
};

}  // namespace turno
