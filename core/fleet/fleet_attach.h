// FleetAttach: attach mode. Watches a fleet it did not launch, from its
// balancer's stats, node URLs and the Redis registry, launching nothing.
#pragma once

#include "common/result.h"
#include "fleet/fleet_event.h"
#include "fleet/haproxy_runtime.h"
#include "fleet/node_registry.h"

#include <QHash>
#include <QJsonObject>
#include <QObject>
#include <QStringList>
#include <QUrl>
#include <functional>

class QTimer;

namespace turno {

struct AttachTarget {
    QString balancerStats;   // a stats socket path, or http://HOST:PORT/stats (read as ;csv)
    QString backend = QStringLiteral("turno_nodes");
    QStringList nodeUrls;    // http://HOST:PORT of nodes to probe directly
    QString redisHost;       // registry; empty = no discovery
    quint16 redisPort = 0;
    QString redisPassword;
    QString sentinelHost;    // optional: find the Redis primary through Sentinel
    quint16 sentinelPort = 0;
    QString masterName = QStringLiteral("turno");
    QString cluster = QStringLiteral("local");
};

class FleetAttach : public QObject {
    Q_OBJECT
public:
    explicit FleetAttach(AttachTarget target, QObject *parent = nullptr);

    // Every intervalMs: registry, balancer stats, /readyz of every known node.
    void start(int intervalMs);
    // One full look; done receives the same JSON shape as a supervisor's status.
    void refresh(std::function<void(QJsonObject)> done);
    QJsonObject lastStatus() const { return m_last; }

signals:
    void event(const turno::FleetEvent &event);
    void statusChanged(const QJsonObject &status);

private:
    void notify(FleetEvent::Kind kind, const QString &node, const QString &message);
    struct Known {
        QString name;
        QString pool;
        QString address;
        QString source;     // registry, url, balancer
        bool ready = false;
        bool probed = false;
    };
    void readBalancer(std::function<void(Result<QList<HaproxyStatRow>>)> done);
    void probeReady(const QString &address, std::function<void(bool)> done);

    AttachTarget m_target;
    NodeRegistry *m_registry = nullptr;
    HaproxyRuntime *m_runtime = nullptr;
    QHash<QString, Known> m_known;
    QJsonObject m_last;
    QTimer *m_timer = nullptr;
};

}  // namespace turno
