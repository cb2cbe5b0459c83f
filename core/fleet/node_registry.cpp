#include "fleet/node_registry.h"

#include "redis/resp_client.h"

#include <QJsonDocument>
#include <QTimer>

namespace turno {

QByteArray NodeRegistry::key(const QString &cluster, const QString &node)
{
    return "turno:registry:" + cluster.toUtf8() + ":" + node.toUtf8();
}

NodeRegistry::NodeRegistry(QString redisHost, quint16 redisPort, QString password, QString cluster, QObject *parent)
    : QObject(parent), m_host(std::move(redisHost)), m_port(redisPort), m_password(std::move(password)),
      m_cluster(std::move(cluster))
{
}

RespClient *NodeRegistry::client()
{
    if (!m_client)
        m_client = new RespClient(m_host, m_port, m_password, this);
    return m_client;
}

void NodeRegistry::setRedis(const QString &host, quint16 port)
{
    m_host = host;
    m_port = port;
    if (m_client) {
        m_client->deleteLater();
        m_client = nullptr;
    }
}

void NodeRegistry::followSentinel(const QString &host, quint16 port, const QString &masterName)
{
    m_sentinelHost = host;
    m_sentinelPort = port;
    m_masterName = masterName;
    if (m_sentinel)
        m_sentinel->deleteLater();
    // Sentinels of the embedded cluster run without a password (only the data nodes have one).
    m_sentinel = new RespClient(host, port, {}, this);
}

void NodeRegistry::withPrimary(std::function<void()> then)
{
    if (!m_sentinel)
        return then();
    m_sentinel->run({{"SENTINEL", "get-master-addr-by-name", m_masterName.toUtf8()}}, [this, then](Result<QList<RespValue>> r) {
        if (r.ok() && r.value().first().items.size() == 2) {
            const QString host = QString::fromUtf8(r.value().first().items[0].text);
            const quint16 port = quint16(r.value().first().items[1].text.toUInt());
            if (host != m_host || port != m_port)
                setRedis(host, port);
        }
        // Without an answer the last known primary is tried; its error is reported there.
        then();
    });
}

void NodeRegistry::discover(std::function<void(Result<QList<RegisteredNode>>)> done)
{
    withPrimary([this, done] { discoverNow(done); });
}

void NodeRegistry::discoverNow(std::function<void(Result<QList<RegisteredNode>>)> done)
{
    const QByteArray pattern = "turno:registry:" + m_cluster.toUtf8() + ":*";
    // The registry is small (one key per node): KEYS then MGET keeps it to two round trips.
    client()->run({{"KEYS", pattern}}, [this, done](Result<QList<RespValue>> keys) {
        if (!keys.ok())
            return done(Error{keys.error()});
        const RespValue &list = keys.value().first();
        if (list.type == RespValue::Type::Error)
            return done(Error{QStringLiteral("Redis refused KEYS: %1").arg(QString::fromUtf8(list.text))});
        if (list.items.isEmpty())
            return done(QList<RegisteredNode>{});
        QList<QByteArray> mget{"MGET"};
        for (const RespValue &k : list.items)
            mget << k.text;
        client()->run({mget}, [done](Result<QList<RespValue>> values) {
            if (!values.ok())
                return done(Error{values.error()});
            QList<RegisteredNode> out;
            for (const RespValue &v : values.value().first().items) {
                if (v.type != RespValue::Type::Bulk)
                    continue;  // expired between KEYS and MGET
                const QJsonObject o = QJsonDocument::fromJson(v.text).object();
                out << RegisteredNode{o.value(QStringLiteral("name")).toString(), o.value(QStringLiteral("pool")).toString(),
                                      o.value(QStringLiteral("address")).toString(),
                                      o.value(QStringLiteral("pid")).toInteger(), o.value(QStringLiteral("cluster")).toString()};
            }
            done(out);
        });
    });
}

void NodeRegistry::poll()
{
    discover([this](Result<QList<RegisteredNode>> r) {
        if (!r.ok()) {
            if (r.error() != m_lastError)
                emit registryError(r.error());
            m_lastError = r.error();
            return;
        }
        m_lastError.clear();
        QHash<QString, RegisteredNode> now;
        for (const RegisteredNode &n : r.value())
            now.insert(n.name, n);
        for (const RegisteredNode &n : std::as_const(now))
            if (!m_seen.contains(n.name))
                emit nodeAppeared(n);
        for (auto it = m_seen.cbegin(); it != m_seen.cend(); ++it)
            if (!now.contains(it.key()))
                emit nodeVanished(it.key());
        m_seen = now;
    });
}

void NodeRegistry::watch(int intervalMs)
{
    if (!m_watcher) {
        m_watcher = new QTimer(this);
        connect(m_watcher, &QTimer::timeout, this, &NodeRegistry::poll);
    }
    m_watcher->start(intervalMs);
    poll();
}

}  // namespace turno
