// FleetMonitor: what the console runs on. Launches a local cluster (FleetSupervisor)
// or attaches read-only to a fleet launched elsewhere (FleetAttach), and scrapes
// its nodes and Redis at the scrape interval into a SeriesStore and the table models.
#pragma once

#include "common/result.h"
#include "control/control_server.h"
#include "fleet/prometheus_attach.h"
#include "fleet/cluster_profile.h"
#include "fleet/fleet_supervisor.h"
#include "metrics/metric_math.h"
#include "scrape/scrape_result.h"

#include <QHash>
#include <QJsonObject>
#include <QObject>
#include <QPointer>
#include <QString>
#include <functional>
#include <memory>
#include <vector>

class QTimer;

namespace turno {

class AlertEngine;
class FleetAttach;
struct AttachTarget;
class AlertListModel;
class ControlServer;
struct AlertTransition;
class FleetNodesModel;
class NodeCollector;
struct CollectedScrape;
class IncidentStore;
class LoadRun;
class MetricsScrape;
class RedisInfoScraper;
class RedisServersModel;
class SeriesStore;
struct RedisScrapeResult;

// A Redis server to talk to directly (the counters' primary) and its password.
struct RedisEndpoint {
    QString host;
    quint16 port = 0;
    QString password;
};

class FleetMonitor : public QObject {
    Q_OBJECT
public:
    // Series keys follow docs/alerts.md: metric{node="name"}; fleet-wide ones are fleet_<metric>.
    static QString nodeSeries(const QString &node, const QString &metric);
    static QString redisSeries(const QString &server, const QString &metric);
    static QString fleetSeries(const QString &metric);

    explicit FleetMonitor(QObject *parent = nullptr);
    ~FleetMonitor() override;

    // The event history (timeline). Empty path: IncidentStore::defaultPath().
    Result<void> openHistory(const QString &path = {});

    // Launches the cluster described by profile in runDir (empty: the cluster's
    // default run directory) and serves the control API there, as `turnoctl up`
    // does. Errors that can be known at once come back here; later ones arrive
    // as launchFailed().
    Result<void> launch(const ClusterProfile &profile, const QString &runDir = {});

    // Supervisor hand-over (SupervisorHandover): the launched cluster's state,
    // with every part's (addHandoverPart) and the history's path; refused while
    // something is half-done. adopt() resumes it in a new process image.
    using HandoverSave = std::function<Result<QJsonValue>()>;
    using HandoverRestore = std::function<void(const QJsonValue &)>;
    void addHandoverPart(const QString &key, HandoverSave save, HandoverRestore restore);
    Result<QJsonObject> handoverState() const;
    Result<void> adopt(const QJsonObject &state);
    // Just before the exec: the control socket closed, the history flushed and closed.
    void releaseForHandover();
    // The exec failed: this process supervises on as before.
    Result<void> resumeAfterFailedHandover(const QString &historyPath);
    // Attach mode (as `turnoctl attach`): watches the fleet target describes,
    // launching nothing; ready() follows its first status. Refused while a
    // launched cluster is active. Every action that changes the fleet is refused
    // while attached (isReadOnly()).
    Result<void> attach(const AttachTarget &target, int intervalMs = 1000);
    // Attach through a Prometheus (as `turnoctl attach --prometheus`): the turno
    // targets of job, their figures from instant queries every intervalMs and the
    // last 6 h from range queries; alert rules run on the same series. When
    // Prometheus fails, attachProblem() says why and the views keep their data.
    Result<void> attachPrometheus(const QUrl &url, const QString &job = QStringLiteral("turno"), int intervalMs = 1000,
                                  const QString &redisJob = QStringLiteral("redis"));
    QString attachProblemText() const { return m_attachProblem; }
    bool isAttached() const { return m_attach != nullptr || m_promAttach != nullptr; }
    // Attached through Prometheus: the reader the charts' range queries go through (else nullptr).
    PrometheusAttach *prometheusAttach() const { return m_promAttach; }
    bool isReadOnly() const { return isAttached(); }
    // Why an action is refused in read-only mode, for the GUI to say.
    QString readOnlyReason() const;
    // Stops the cluster in order (or detaches); stopped() follows (at once when none runs).
    void stop();
    // Starting, ready or stopping: there are processes to look after.
    bool isActive() const;
    bool isReady() const;
    QString stateName() const;
    // "ready: 9/9 processes up, balancer 127.0.0.1:7017" and the like.
    QString healthText() const;

    FleetSupervisor *supervisor() const { return m_supervisor; }
    SeriesStore *series() const { return m_series; }
    FleetNodesModel *nodesModel() const { return m_nodes; }
    RedisServersModel *redisModel() const { return m_redis; }
    IncidentStore *history() const { return m_history; }
    // Evaluated at every tick over the series store with the default rules.
    AlertEngine *alerts() const { return m_alerts; }
    AlertListModel *alertModel() const { return m_alertModel; }
    QString alertRulesError() const { return m_alertRulesError; }
    QStringList turnoNodes() const;
    QStringList redisServers() const;
    quint16 balancerPort() const;
    // The Redis server whose last INFO says it is the primary, with the password
    // the monitor uses; an error when no primary answered yet.
    Result<RedisEndpoint> redisPrimary() const;
    int scrapeIntervalMs() const { return m_intervalMs; }
    // Tail of a process's output: the end of its log file (its stdout and stderr go there directly).
    QByteArray processOutput(const QString &node, int lines) const;
    qint64 lastSampleMs() const { return m_lastSampleMs; }
    // The cluster's last status (as `turnoctl status --json` has it, without the
    // control API's parts), refreshed at every tick; attached: the remote one.
    QJsonObject lastStatus() const;
    // A command of the control API served by this monitor's supervisor, now and
    // after every later launch (alerts, silences, failover...).
    void addControlCommand(const QString &name, ControlServer::Handler handler);
    // A field of the control API's `status` reply that part owns (now and after every later launch).
    void addStatusPart(const QString &key, ControlServer::StatusPart part);

    // The window the Fleet table's 5xx column is a rate over (the charts' window):
    // each node's 5xx answers per second over the last windowMs, from its counter's
    // samples, a restart counting from zero as rate() does. Default 1 min; at most 1 h.
    void setErrorRateWindowMs(qint64 windowMs);
    qint64 errorRateWindowMs() const { return m_errorRateWindowMs; }
    // Draws run's client-side p99 (fleet_client_p99_seconds) beside the nodes' and the
    // frontend's while it runs: what the load generator measured, everything included.
    void followLoad(LoadRun *run);
    // The name of the balancer's row and of its series' node label ("haproxy").
    static QString balancerNode();

    // Operator actions: the same supervisor calls turnoctl makes. done gets
    // the outcome; an error names the node and what to do. node is a name as
    // the fleet table shows it, or an old one (ClusterLayout::resolveNodeName).
    void drain(const QString &node, std::function<void(Result<void>)> done);
    void enable(const QString &node, std::function<void(Result<void>)> done);
    void setWeight(const QString &node, int weight, std::function<void(Result<void>)> done);
    // Restart: SIGTERM to the node; the supervisor brings it back as after any
    // exit (counted against the profile's restart limit). Turno nodes only.
    void restart(const QString &node, std::function<void(Result<void>)> done);
    // Chaos: SIGKILL to the process group, exactly what a crash looks like.
    void kill(const QString &node, std::function<void(Result<void>)> done);

signals:
    void stateChanged();
    // Attached through Prometheus: a look failed (Prometheus down, no such job, a timeout).
    void attachProblem(const QString &message);
    void launchFailed(const QString &message);
    void ready();
    void stopped();
    // After each aggregation tick: the series store holds a new second.
    void sampled(qint64 timestampMs);
    // lastStatus() was refreshed.
    void statusUpdated();
    // What the supervisor or the attached fleet reported, and the monitor's own operator actions.
    void fleetEvent(const turno::FleetEvent &event);
    void alertTransition(const turno::AlertTransition &transition);

private:
    void onReady();
    void onStopped();
    void onCollected(const CollectedScrape &scrape);
    void onBalancerScraped(const CollectedScrape &scrape);
    void onRedisScraped(const RedisScrapeResult &result);
    // Records node's 5xx counter at ms and returns its rate over the error-rate window (NaN with one point).
    double errorRate(const QString &node, qint64 ms, double total);
    void tick();
    // Fleet-wide series and alert evaluation, once per tick.
    void aggregate();
    void onAlertTransition(const AlertTransition &t);
    void record(const FleetEvent &event);
    void append(const QString &key, qint64 ms, double value);
    void teardownScrapers();
    // Before a launch, an adoption or an attach: no scraper, supervisor, row or last figure of the fleet before.
    void forgetFleet();
    // launch() and adopt(): a new supervisor with the control API on runDir; begin starts it.
    Result<void> supervise(const QString &runDir, int scrapeIntervalMs,
                           const std::function<Result<void>(FleetSupervisor *)> &begin);
    void onAttachStatus(const QJsonObject &status);
    void onPrometheusSnapshot(const turno::PrometheusAttach::Snapshot &snapshot);
    void backfill(const PrometheusAttach::History &history);
    void signalNode(const QString &node, int sig, const QString &what, std::function<void(Result<void>)> done);

    QPointer<FleetSupervisor> m_supervisor;
    FleetAttach *m_attach = nullptr;
    PrometheusAttach *m_promAttach = nullptr;
    QString m_attachProblem;
    QString m_attachCluster;
    QHash<QString, QString> m_attachNodes;  // name -> address, scraped at /metrics
    bool m_attachReady = false;
    QString m_redisPassword;
    int m_intervalMs = 1000;
    ControlServer *m_control = nullptr;
    SeriesStore *m_series = nullptr;
    FleetNodesModel *m_nodes = nullptr;
    RedisServersModel *m_redis = nullptr;
    IncidentStore *m_history = nullptr;
    // The fleet's one collector of /metrics: the supervisor's, or the monitor's own when attached.
    QPointer<NodeCollector> m_collector;
    bool m_ownsCollector = false;
    RedisInfoScraper *m_redisScraper = nullptr;
    QTimer *m_ticker = nullptr;
    AlertEngine *m_alerts = nullptr;
    AlertListModel *m_alertModel = nullptr;
    QString m_alertRulesError;
    QMap<QString, ControlServer::Handler> m_controlCommands;
    QMap<QString, std::pair<HandoverSave, HandoverRestore>> m_handoverParts;
    QJsonObject m_pendingHandover;  // parts of a hand-over, restored at ready
    QMap<QString, ControlServer::StatusPart> m_statusParts;
    QHash<QString, double> m_lastRps;
    QHash<QString, double> m_lastErrorRatio;
    QHash<QString, double> m_lastP99;
    // Cumulative 5xx per node (and the balancer's frontend), newest last, for the rate over the window.
    QHash<QString, std::vector<MetricMath::Point>> m_errorCounts;
    qint64 m_errorRateWindowMs = 60'000;
    QHash<QString, QString> m_redisAddress;
    qint64 m_lastSampleMs = 0;
    bool m_statusPending = false;
    QJsonObject m_lastStatus;
};

}  // namespace turno
