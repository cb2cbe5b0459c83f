// FleetSupervisor: launches a local cluster (Redis primary + replica, sentinels,
// turno servers, HAProxy) from a ClusterProfile and stops it in order. It
// orchestrates; the jobs are its parts': ports (PortAllocator), configs and
// command lines (ConfigRenderer over a ClusterLayout), processes with their
// readiness, restarts and samples (ProcessSupervisor), runtime changes at the
// balancer (BalancerControl), the /metrics of every node (NodeCollector) and the
// status JSON (ClusterStatus).
#pragma once

#include "common/result.h"
#include "fleet/cluster_layout.h"
#include "fleet/cluster_profile.h"
#include "fleet/config_renderer.h"
#include "fleet/fleet_event.h"
#include "fleet/fleet_node.h"
#include "fleet/haproxy_runtime.h"
#include "fleet/port_allocator.h"
#include "fleet/process_supervisor.h"
#include "fleet/readiness_probe.h"
#include "metrics/balancer_figures.h"
#include "metrics/node_figures.h"

#include <QElapsedTimer>
#include <QHash>
#include <QJsonObject>
#include <QList>
#include <QObject>
#include <QPointer>
#include <functional>
#include <limits>
#include <memory>
#include <vector>

class QTimer;

namespace turno {

class Autoscaler;
class BalancerLogReceiver;
class BalancerControl;
class NodeCollector;

class FleetSupervisor : public QObject {
    Q_OBJECT
public:
    enum class State { Idle, Starting, Ready, Stopping, Stopped, Failed };

    explicit FleetSupervisor(QObject *parent = nullptr);
    ~FleetSupervisor() override;

    // Default run directory of a cluster: $XDG_RUNTIME_DIR/turno-ops/NAME, else
    // /tmp/turno-ops-UID/NAME. Clients find the control socket there.
    static QString defaultRunDir(const QString &clusterName);
    // turno-server to run: fromProfile if given, else $TURNO_SERVER_BIN, else
    // next to this program (or in the build tree beside it), else on PATH.
    static QString findServerBinary(const QString &fromProfile);

    // Prepares ports and configs synchronously (errors come back here), then
    // launches asynchronously: ready() or startFailed() follows.
    Result<void> start(const ClusterProfile &profile, const QString &runDir);
    // Drain at HAProxy -> SIGTERM turno nodes -> HAProxy and sentinels -> replica -> primary; stopped() follows.
    void stop();

    // A ready cluster's state for a supervisor hand-over (the console leaving its
    // cluster running: it execs into `turnoctl up --adopt`, and the same process,
    // the parent of every node, supervises on). Refused, with why, while anything
    // is half-done (not ready, a scale, a reload, a node starting or removed).
    Result<QJsonObject> handoverState() const;
    // Resumes supervising the cluster handoverState() described, from this new
    // process image: every node's pid must be a running child of this process.
    // Nothing is started; ready() follows once HAProxy and a request through it answer.
    Result<void> adopt(const QJsonObject &state);

    State state() const { return m_state; }
    QString stateName() const;
    const ClusterProfile &profile() const { return m_profile; }
    QString runDir() const { return m_runDir; }
    QString haproxySocket() const;
    quint16 balancerPort() const { return m_balancerPort; }
    quint16 prometheusPort() const { return m_prometheusPort; }
    QList<const FleetNode *> nodes() const;
    const FleetNode *node(const QString &name) const;
    ManagedProcess *process(const QString &name) const;
    qint64 readyMs() const { return m_readyMs; }
    HaproxyRuntime *haproxyRuntime() const { return m_haproxy; }
    // The one collector of the cluster's /metrics (every turno node and HAProxy's
    // exporter, named "haproxy"), scraping from ready to stop; null before start().
    NodeCollector *collector() const { return m_collector; }
    // HAProxy's request log of the turno frontend (null before start(); unbound when
    // no UDP port could be had, see the status's frontend.p99Note).
    BalancerLogReceiver *balancerLog() const { return m_balancerLog; }
    static QString backendName();
    // The Redis password the nodes use (empty: none).
    QString redisPassword() const { return m_password; }
    // Which embedded Redis node holds the primary role now (redis-1 at a first
    // start; the failover controller moves it). A node that is not the primary
    // is (re)started as a replica of it; the primary is never restarted as one.
    QString redisPrimaryNode() const { return m_redisPrimary; }
    void setRedisPrimaryNode(const QString &name);
    // Starts an embedded Redis node that is down as a replica of the current
    // primary; done once it answers PING (the sync may still be running).
    void restartRedisAsReplica(const QString &name, std::function<void(Result<void>)> done);
    // Sentinel ports of an embedded cluster (empty without sentinels).
    QList<quint16> sentinelPorts() const;
    // TTL of the registry keys turno nodes announce themselves under
    // (turno-server --announce; read by NodeRegistry).
    static constexpr int kRegistryTtlMs = ConfigRenderer::kRegistryTtlMs;

    // Operator actions; done gets the outcome (never called synchronously before return... may be).
    void drain(const QString &nodeName, std::function<void(Result<void>)> done);
    void enable(const QString &nodeName, std::function<void(Result<void>)> done);
    void setWeight(const QString &nodeName, int weight, std::function<void(Result<void>)> done);
    // Adds or removes turno nodes of a pool live (HAProxy dynamic servers, no reload).
    void scale(const QString &pool, int count, std::function<void(Result<void>)> done);
    // Switches roundrobin | weighted | leastconn live: HAProxy is reloaded with its
    // listening sockets handed over (-x), the old process soft-stopped; no request is refused.
    void setAlgorithm(const QString &algorithm, std::function<void(Result<void>)> done);
    // Status of every process plus HAProxy's view (UP/DOWN/DRAIN/MAINT, sessions, errors).
    void status(std::function<void(QJsonObject)> done);

signals:
    void ready(qint64 elapsedMs);
    void startFailed(const QString &message);
    void stopped(qint64 elapsedMs);
    // Notable happenings for the timeline and the operator (node exited, restarted, gave up...).
    void event(const turno::FleetEvent &event);
    void nodesChanged();

private:
    using Check = ReadinessProbe::Check;

    void notify(FleetEvent::Kind kind, const QString &node, const QString &message);
    bool embeddedRedis() const;
    // The collector of /metrics, and the receiver of HAProxy's request log on
    // balancerLogPort (0: a port the kernel picks), both new.
    void makeCollectors(quint16 balancerLogPort);
    // The parts of start(), in order; each says what is wrong and what to do.
    Result<void> readPassword();
    Result<void> planNodes();
    // Run directories of earlier versions name the Redis nodes' directories (and
    // their append-only files: the counters) by role; they become the new names'.
    Result<void> adoptRenamedNodeDirs();
    Result<void> checkPrograms();
    // The supervisor's cluster as the config renderer sees it.
    ClusterLayout layout() const;
    Result<void> writeConfigs();
    // What the process supervisor runs for a node, and when a restarted one is ready.
    ProcessSupervisor::Command commandFor(const FleetNode &n);
    Check readinessFor(const FleetNode &n);
    // The start, in dependency order: Redis and the sentinels, then turno and
    // HAProxy, then one request through the balancer.
    void phaseRedis();
    void phaseNodes();
    void probeThroughBalancer();
    // Waits for n to pass check during start; then runs `then`; the last one triggers the balancer probe.
    void watchReady(FleetNode *n, Check check, const QString &hint, std::function<void()> then);
    void fail(const QString &message);
    void finishStop();
    void sampleTick();
    void syncCollector();
    // The collector's last figures of a node; all unknown (NaN) when it has none.
    NodeFigures figuresOf(const QString &node) const;
    void autoscaleTick();
    void setState(State state);

    ClusterProfile m_profile;
    QString m_runDir;
    QString m_password;
    State m_state = State::Idle;
    // Constructed with the supervisor; m_balancer works on m_profile, m_processes and m_ports.
    ProcessSupervisor *m_processes = nullptr;
    PortAllocator m_ports;
    BalancerControl *m_balancer = nullptr;
    HaproxyRuntime *m_haproxy = nullptr;
    quint16 m_balancerPort = 0;
    quint16 m_prometheusPort = 0;
    QElapsedTimer m_phaseClock;
    qint64 m_readyMs = -1;
    int m_startPending = 0;
    std::unique_ptr<Autoscaler> m_autoscaler;
    bool m_scaling = false;
    QTimer *m_sampler = nullptr;
    NodeCollector *m_collector = nullptr;
    BalancerLogReceiver *m_balancerLog = nullptr;
    quint16 m_balancerLogPort = 0;
    QString m_balancerLogError;
    BalancerFigures m_balancerFigures;  // the last exporter window, for the status JSON's frontend
    QString m_redisPrimary = ClusterLayout::redisNodeName(1);
    QStringList m_adoptedDirs;  // "old/ -> new/" of the last start, for its event
};

}  // namespace turno
