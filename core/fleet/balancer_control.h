// BalancerControl: what an operator (or the autoscaler) changes at the balancer
// of a local cluster while it runs, through HAProxy's runtime API: drain,
// enable and weigh a turno node, add and remove turno nodes of a pool (dynamic
// servers, no reload), and switch the balancing algorithm (a reload that hands
// the listening sockets over). Runtime changes go back into the running profile
// (RUN_DIR/profile.json) so a restart keeps them.
#pragma once

#include "common/result.h"
#include "fleet/cluster_layout.h"
#include "fleet/cluster_profile.h"
#include "fleet/fleet_event.h"
#include "fleet/haproxy_runtime.h"

#include <QObject>
#include <functional>

namespace turno {

class PortAllocator;
class ProcessSupervisor;
struct FleetNode;

class BalancerControl : public QObject {
    Q_OBJECT
public:
    using Done = std::function<void(Result<void>)>;
    // What it works on, owned by the supervisor: the running profile (weights,
    // pool sizes and the algorithm are written back), the processes, the
    // cluster's ports and its layout now (for haproxy.cfg and the sockets).
    struct Host {
        ClusterProfile *profile = nullptr;
        ProcessSupervisor *processes = nullptr;
        PortAllocator *ports = nullptr;
        std::function<ClusterLayout()> layout;
    };

    BalancerControl(Host host, QObject *parent = nullptr);

    // The runtime API of the cluster's HAProxy (its stats socket); set at start.
    void setRuntime(HaproxyRuntime *runtime) { m_haproxy = runtime; }
    HaproxyRuntime *runtime() const { return m_haproxy; }
    // How many times haproxy was reloaded (each reload has its own stats socket).
    int generation() const { return m_generation; }
    // A hand-over carries the generation on (the admin socket of the running haproxy is named after it).
    void setGeneration(int generation) { m_generation = generation; }
    // A reload runs, or the process it replaced is still finishing its connections.
    bool reloading() const { return m_reloads > 0; }

    void drain(const QString &nodeName, Done done) { setServerState(nodeName, true, std::move(done)); }
    void enable(const QString &nodeName, Done done) { setServerState(nodeName, false, std::move(done)); }
    void setWeight(const QString &nodeName, int weight, Done done);
    // Adds or removes turno nodes of pool until it has count (checked by the caller).
    void scaleTo(const QString &pool, int count, Done done);
    // roundrobin | weighted | leastconn, by a reload; on failure the old process keeps serving.
    void setAlgorithm(const QString &algorithm, Done done);
    // Every turno node drained at once (a stop's first step); done whatever HAProxy answered.
    void drainAll(std::function<void()> done);
    // HAProxy's `show stat`, parsed; the error says why there is none.
    void showStat(std::function<void(QList<HaproxyStatRow>, QString error)> done);
    // Weights and pool sizes of the running nodes into the profile and RUN_DIR/profile.json.
    void saveProfileState();

signals:
    void event(const turno::FleetEvent &event);
    void nodesChanged();

private:
    void notify(FleetEvent::Kind kind, const QString &node, const QString &message);
    FleetNode *turnoNode(const QString &name, QString *why) const;
    // drain (true) or enable (false) one turno node at HAProxy, with its event.
    void setServerState(const QString &nodeName, bool drain, Done done);
    QList<FleetNode *> turnoNodes(const QString &pool = {}) const;
    bool haproxyRunning() const;
    void scaleUp(const QString &pool, int count, Done done);
    void scaleDown(const QString &pool, int count, Done done);
    void removeNode(FleetNode *n, const QString &pool, Done done);
    void reload(Done done);

    Host m_host;
    HaproxyRuntime *m_haproxy = nullptr;
    int m_generation = 0;
    int m_reloads = 0;  // reloads running plus replaced processes not yet exited
};

}  // namespace turno
