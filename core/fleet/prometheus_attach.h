// PrometheusAttach: a fleet seen through a real Prometheus instead of scraping
// it: the turno nodes of one job, their req/s, p50/p99, CPU, RSS and 5xx share
// from instant queries, and their history from range queries (the same PromQL
// `turnoctl export prometheus-rules` writes). The rate window follows the
// job's scrape interval (four of them, as Grafana's $__rate_interval).
// The Redis servers come from a second job scraped through Debian's
// prometheus-redis-exporter (its metric names; one exporter in multi-target
// mode or one per server): up, role, ops/s, memory, clients, offsets, the
// replicas' link and lag. A fleet without that job simply shows no Redis.
#pragma once

#include "common/result.h"

#include <QHash>
#include <QList>
#include <QMap>
#include <QObject>
#include <QString>
#include <QUrl>
#include <functional>
#include <limits>
#include <optional>

class QTimer;

namespace turno {

class PrometheusApi;
struct PromSample;

class PrometheusAttach : public QObject {
    Q_OBJECT
public:
    static constexpr double kUnknown = std::numeric_limits<double>::quiet_NaN();

    struct Node {
        QString name;      // the target's "node" label, else its instance
        QString instance;  // host:port
        QString pool;      // the target's "pool" label (turnoctl export prometheus sets it), else empty
        bool up = false;
        double rps = kUnknown;
        double p50Ms = kUnknown;
        double p99Ms = kUnknown;
        double cpuPercent = kUnknown;
        double rssBytes = kUnknown;
        std::optional<double> errorRatio;  // none without requests in the window
    };
    struct Replica {
        QString address;  // slave_ip:slave_port as the primary reports it
        double lagSeconds = kUnknown;
        double offset = kUnknown;
        QString state;
    };
    struct RedisServer {
        QString name;      // the target's "node" label, else its instance
        QString instance;  // as Prometheus labels it ("redis://host:port" in multi-target mode)
        QString address;   // host:port of the Redis itself
        bool up = false;
        QString role;      // "master" or "slave", as INFO says; empty when unknown
        QString version;
        QString runId;
        double uptimeSeconds = kUnknown;
        double opsPerSecond = kUnknown;
        double memoryBytes = kUnknown;
        double connectedClients = kUnknown;
        double replOffset = kUnknown;        // master_repl_offset on a primary, slave_repl_offset on a replica
        std::optional<bool> masterLinkUp;    // replicas only
        QString masterAddress;               // replicas only: host:port of their primary
        QList<Replica> replicas;             // primaries only
        // INFO as Redis would have written it, from these figures: the console's
        // Redis views read one parser whichever way the figures came.
        QByteArray infoText() const;
    };
    struct Snapshot {
        qint64 timestampMs = 0;
        QList<Node> nodes;
        QList<RedisServer> redis;
        int rateWindowS = 0;
    };
    // metric (requests_per_second, p99_seconds, ...) -> node -> points (ms, value)
    using History = QMap<QString, QMap<QString, QList<std::pair<qint64, double>>>>;

    PrometheusAttach(QUrl url, QString job, QObject *parent = nullptr);
    QUrl url() const;
    QString job() const { return m_job; }
    // The scrape job of the Redis exporter ("redis" by default).
    void setRedisJob(const QString &job) { m_redisJob = job; }
    QString redisJob() const { return m_redisJob; }
    // The turno job's scrape interval (0 until the first look found it).
    qint64 scrapeIntervalMs() const { return m_scrapeIntervalMs; }
    void setTimeoutMs(int ms);

    // Every intervalMs: snapshot(), or problem() (and the last snapshot stays).
    void start(int intervalMs);
    void stop();
    // One look: every figure of every node of the job, or what went wrong.
    void refresh(std::function<void(Result<Snapshot>)> done);
    // The same figures over [fromMs, toMs] every stepMs (raised to Prometheus's point limit);
    // only those named in metrics when it is not empty. Redis figures are keyed by server name.
    void history(qint64 fromMs, qint64 toMs, qint64 stepMs, std::function<void(Result<History>)> done,
                 const QStringList &metrics = {});

    // The PromQL of each figure (metric name as the alert rules call it) for job over a window.
    static QMap<QString, QString> queries(const QString &job, int rateWindowS);
    // The same for the Redis exporter's job (redis_up, redis_role, redis_ops_per_second, ...).
    static QMap<QString, QString> redisQueries(const QString &redisJob, int rateWindowS);
    // What one look asks: queries() and redisQueries(), their plain gauges in one selector per job.
    static QMap<QString, QString> snapshotQueries(const QString &job, const QString &redisJob, int rateWindowS);
    // The answers to snapshotQueries()' gauge selectors, under each gauge's own figure name.
    static void splitGauges(QMap<QString, QList<PromSample>> &results);
    // "redis://host:port" or "host:port" -> "host:port".
    static QString redisAddress(const QString &instance);
    // A target's name in the tables: its node label, else its instance.
    static QString nodeName(const QMap<QString, QString> &labels);

signals:
    void snapshot(const turno::PrometheusAttach::Snapshot &snapshot);
    void problem(const QString &message);
    void recovered();

private:
    void tick();
    // The job's scrape interval from up's samples of the last minute; then the rate window.
    void discoverWindow(std::function<void(Result<int>)> done);

    static QList<RedisServer> redisServers(const QMap<QString, QList<PromSample>> &results);
    // The name of the Redis server at host:port (a replica as its primary lists it).
    QString redisName(const QString &address) const;

    PrometheusApi *m_api;
    QString m_job;
    QString m_redisJob = QStringLiteral("redis");
    QHash<QString, QString> m_redisNames;  // host:port -> name, from the last look
    QTimer *m_timer;
    int m_rateWindowS = 0;
    qint64 m_scrapeIntervalMs = 0;
    bool m_inFlight = false;
    bool m_failing = false;
};

}  // namespace turno
