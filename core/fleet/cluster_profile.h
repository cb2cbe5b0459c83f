// ClusterProfile: what a local cluster is made of (pools, store, Redis topology,
// balancer, ports, supervision, autoscale), loaded from a hand-edited JSON file.
#pragma once

#include "common/result.h"

#include <QList>
#include <QString>
#include <QStringList>

namespace turno {

struct PoolSpec {
    QString name;          // "primary" or "secondary"
    int nodes = 0;
    QList<int> weights;    // one per node, 1..256
};

struct HostPortSpec {
    QString host = QStringLiteral("127.0.0.1");
    quint16 port = 0;      // 0 = auto
    QString text() const { return host + QLatin1Char(':') + QString::number(port); }
};

struct ClusterProfile {
    QString sourceFile;    // where it was loaded from, for messages

    QString name = QStringLiteral("local");
    QString store = QStringLiteral("redis");   // memory | redis

    // turno-server
    QString serverBinary;  // empty = TURNO_SERVER_BIN, next to turnoctl, then PATH
    int serverThreads = 1;
    QString durability = QStringLiteral("sync");  // sync | async
    int drainTimeoutMs = 1000;
    int retryWindowMs = 2000;  // --retry-window-ms: requests wait out a failover instead of failing
    // Enables the nodes' token-protected /debug/* endpoints (fault drills, alert
    // tests): the supervisor writes a random token to RUN_DIR/debug.token (0600).
    bool debugToken = false;

    PoolSpec primary{QStringLiteral("primary"), 2, {1, 1}};
    PoolSpec secondary{QStringLiteral("secondary"), 2, {1, 1}};

    // Redis topology
    QString redisMode = QStringLiteral("embedded");  // embedded | external | sentinel
    bool redisReplica = true;
    int sentinelCount = 3;
    QString sentinelMaster = QStringLiteral("turno");
    int sentinelDownAfterMs = 1000;
    int minReplicasToWrite = 1;
    int minReplicasMaxLagS = 10;
    HostPortSpec redisAddress;           // external
    QList<HostPortSpec> sentinels;       // sentinel (external set)
    QString passwordSource = QStringLiteral("generated");  // none | generated | env | file
    QString passwordEnv = QStringLiteral("TURNO_REDIS_PASSWORD");
    QString passwordFile;

    // Balancer (HAProxy)
    HostPortSpec balancerListen{QStringLiteral("127.0.0.1"), 7017};
    QString algorithm = QStringLiteral("roundrobin");  // roundrobin | weighted | leastconn
    int healthIntervalMs = 200;
    int healthRise = 2;
    int healthFall = 2;
    int retries = 3;

    // Ports of everything but the balancer's frontend
    QString portsMode = QStringLiteral("auto");  // auto | fixed
    int portsBase = 7100;
    QString portsOnConflict = QStringLiteral("fail");  // fail | next

    int scrapeIntervalMs = 1000;

    // Supervision of turno servers
    int restartLimit = 5;
    int restartWindowS = 60;
    int backoffInitialMs = 200;
    int backoffMaxMs = 5000;

    // Autoscale policy (opt-in)
    bool autoscaleEnabled = false;
    QString autoscalePool = QStringLiteral("primary");
    int autoscaleMin = 2;
    int autoscaleMax = 6;
    double autoscaleCpuHigh = 70;
    double autoscaleReqHigh = 5000;
    double autoscaleCpuLow = 20;
    double autoscaleReqLow = 500;
    int autoscaleSustainS = 30;
    int autoscaleCooldownS = 60;

    // Failover (active-passive between the pools, Redis roles with them)
    bool failoverAuto = false;          // switch by itself when the active side fails
    int failoverAfterMs = 1000;         // ...for this long (a supervised process that exits counts at once)
    int failoverStepTimeoutMs = 3000;   // each step's bound
    qint64 failoverMaxLagBytes = 0;     // pre-flight: replica offset may trail the primary's by this much
    int failoverAsyncGap = 1000;        // async durability: added to every counter when a lost primary's replica is promoted

    int totalNodes() const { return primary.nodes + secondary.nodes; }
    const PoolSpec *pool(const QString &poolName) const;
    PoolSpec *pool(const QString &poolName);
};

// Reads and validates profiles; every refusal names the file, line and reason.
class ProfileLoader {
public:
    static Result<ClusterProfile> loadFile(const QString &path);
    // sourceName is used in messages only.
    static Result<ClusterProfile> loadBytes(const QByteArray &json, const QString &sourceName);
    // The profile shipped in resources/profiles/default.json (compiled in).
    static Result<ClusterProfile> loadDefault();
    static QByteArray defaultProfileJson();
    // Serialises back (used to keep runtime changes such as weights and pool sizes).
    static QByteArray toJson(const ClusterProfile &profile);
    // Checks rules across fields (memory store vs node count, ...); line is unknown here.
    static Result<void> validate(const ClusterProfile &profile);
};

}  // namespace turno
