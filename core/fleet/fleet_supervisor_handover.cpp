// FleetSupervisor's hand-over: the state a new image of this process needs to
// supervise the same running nodes (handoverState), and taking them over (adopt).
#include "fleet/fleet_supervisor.h"

#include "common/secret_file.h"
#include "fleet/autoscaler.h"
#include "fleet/balancer_control.h"
#include "fleet/managed_process.h"
#include "scrape/node_collector.h"

#include <QCoreApplication>
#include <QDir>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QTimer>

namespace turno {

namespace {

constexpr int kHandoverVersion = 1;

std::optional<FleetNode::Kind> kindFrom(const QString &name)
{
    for (FleetNode::Kind k : {FleetNode::Kind::Turno, FleetNode::Kind::Redis, FleetNode::Kind::Sentinel, FleetNode::Kind::Haproxy}) {
        FleetNode probe;
        probe.kind = k;
        if (probe.kindName() == name)
            return k;
    }
    return std::nullopt;
}

}  // namespace

Result<QJsonObject> FleetSupervisor::handoverState() const
{
    if (m_state != State::Ready)
        return Error{QStringLiteral("cluster %1 is %2; only a ready cluster can be handed over").arg(m_profile.name, stateName())};
    if (m_scaling)
        return Error{QStringLiteral("cluster %1 is being autoscaled; try again when the scale is done").arg(m_profile.name)};
    if (m_balancer->reloading())
        return Error{QStringLiteral("HAProxy of cluster %1 is being reloaded; try again in a few seconds").arg(m_profile.name)};
    QJsonArray nodes;
    const qint64 now = m_processes->elapsedMs();
    for (const FleetNode *n : m_processes->all()) {
        // Running, or down for good (a Redis primary is never restarted, a node past its restart
        // limit is given up): both carry over. A start, restart or stop under way would not.
        const bool running = n->process && n->process->running() && n->process->pid() > 0;
        const bool settled = running ? n->state == NodeState::Running
                                     : n->state == NodeState::Down || n->state == NodeState::Failed || n->state == NodeState::Stopped;
        if (n->removing || !settled)
            return Error{QStringLiteral("%1 is %2; try again once it runs (or stop the cluster)")
                             .arg(n->name, n->removing ? QStringLiteral("being removed") : nodeStateName(n->state))};
        QJsonArray ages;
        for (qint64 t : n->restartTimes)
            ages << double(now - t);
        nodes << QJsonObject{{QStringLiteral("name"), n->name},
                             {QStringLiteral("kind"), n->kindName()},
                             {QStringLiteral("pool"), n->pool},
                             {QStringLiteral("port"), n->port},
                             {QStringLiteral("weight"), n->weight},
                             {QStringLiteral("pid"), running ? double(n->process->pid()) : 0.0},
                             {QStringLiteral("state"), nodeStateName(n->state)},
                             {QStringLiteral("restartAgesMs"), ages}};
    }
    return QJsonObject{{QStringLiteral("version"), kHandoverVersion},
                       {QStringLiteral("profile"), QJsonDocument::fromJson(ProfileLoader::toJson(m_profile)).object()},
                       {QStringLiteral("profileSource"), m_profile.sourceFile},
                       {QStringLiteral("runDir"), m_runDir},
                       {QStringLiteral("balancerPort"), m_balancerPort},
                       {QStringLiteral("prometheusPort"), m_prometheusPort},
                       {QStringLiteral("balancerLogPort"), m_balancerLogPort},
                       {QStringLiteral("redisPrimary"), m_redisPrimary},
                       {QStringLiteral("balancerGeneration"), m_balancer->generation()},
                       {QStringLiteral("nodes"), nodes}};
}

Result<void> FleetSupervisor::adopt(const QJsonObject &state)
{
    if (m_state == State::Starting || m_state == State::Ready || m_state == State::Stopping)
        return Error{QStringLiteral("cluster \"%1\" is already %2 here").arg(m_profile.name, stateName())};
    if (state.value(QStringLiteral("version")).toInt() != kHandoverVersion)
        return Error{QStringLiteral("hand-over state of version %1; this build reads version %2")
                         .arg(state.value(QStringLiteral("version")).toInt()).arg(kHandoverVersion)};
    const Result<ClusterProfile> profile = ProfileLoader::loadBytes(
        QJsonDocument(state.value(QStringLiteral("profile")).toObject()).toJson(), QStringLiteral("the hand-over's profile"));
    if (!profile.ok())
        return Error{profile.error()};
    m_profile = profile.value();
    m_profile.sourceFile = state.value(QStringLiteral("profileSource")).toString();
    m_runDir = state.value(QStringLiteral("runDir")).toString();
    if (m_runDir.isEmpty() || !QDir(m_runDir).exists())
        return Error{QStringLiteral("the hand-over names no existing run directory (\"%1\")").arg(m_runDir)};
    m_balancerPort = quint16(state.value(QStringLiteral("balancerPort")).toInt());
    m_prometheusPort = quint16(state.value(QStringLiteral("prometheusPort")).toInt());
    m_ports.reset(m_profile.portsOnConflict, m_profile.sourceFile);
    m_processes->reset(m_profile, m_runDir);
    m_readyMs = -1;
    m_phaseClock.start();
    m_adoptedDirs.clear();
    // The password the nodes run with is the one in the run directory (a generated one is not made again).
    m_password.clear();
    if (m_profile.store == QLatin1String("redis")) {
        QFile pass(layout().passwordFile());
        if (pass.open(QIODevice::ReadOnly))
            m_password = QString::fromUtf8(pass.readAll()).trimmed();
    }
    m_processes->setPassword(m_password);
    m_redisPrimary = state.value(QStringLiteral("redisPrimary")).toString(ClusterLayout::redisNodeName(1));
    m_processes->setRedisPrimary(m_redisPrimary);
    m_balancer->setGeneration(state.value(QStringLiteral("balancerGeneration")).toInt());

    // The running HAProxy logs to the port its config names: the same one, bound again here.
    makeCollectors(quint16(state.value(QStringLiteral("balancerLogPort")).toInt()));
    if (!m_balancerLogError.isEmpty())
        notify(FleetEvent::Kind::StateNotSaved, QStringLiteral("haproxy"),
               QStringLiteral("%1; the frontend's p50/p99 stay unknown until HAProxy restarts").arg(m_balancerLogError));

    QList<std::pair<FleetNode *, qint64>> adopted;
    for (const QJsonValue &v : state.value(QStringLiteral("nodes")).toArray()) {
        const QJsonObject o = v.toObject();
        const QString name = o.value(QStringLiteral("name")).toString();
        const std::optional<FleetNode::Kind> kind = kindFrom(o.value(QStringLiteral("kind")).toString());
        const qint64 pid = qint64(o.value(QStringLiteral("pid")).toDouble());
        const quint16 port = quint16(o.value(QStringLiteral("port")).toInt());
        if (name.isEmpty() || !kind || pid < 0 || port == 0)
            return Error{QStringLiteral("the hand-over's node \"%1\" lacks its kind, pid or port").arg(name)};
        FleetNode *n = m_processes->add(name, *kind, o.value(QStringLiteral("pool")).toString(), port,
                                        o.value(QStringLiteral("weight")).toInt(1));
        for (const QJsonValue &age : o.value(QStringLiteral("restartAgesMs")).toArray())
            n->restartTimes << m_processes->elapsedMs() - qint64(age.toDouble());
        m_ports.keep(port);
        if (pid > 0) {
            adopted << std::pair{n, pid};
        } else {
            n->state = NodeState::Down;
            for (NodeState st : {NodeState::Failed, NodeState::Stopped})
                if (nodeStateName(st) == o.value(QStringLiteral("state")).toString())
                    n->state = st;
        }
    }
    if (m_prometheusPort)
        m_ports.keep(m_prometheusPort);
    m_ports.keep(m_balancerPort);
    if (!m_processes->firstOf(FleetNode::Kind::Haproxy))
        return Error{QStringLiteral("the hand-over lists no haproxy node")};
    // Every pid first: a hand-over to a process that is not their parent takes nothing over.
    for (const auto &[n, pid] : adopted)
        if (const Result<void> r = m_processes->adopt(n, pid); !r.ok())
            return r;
    if (!m_haproxy)
        m_haproxy = new HaproxyRuntime(haproxySocket(), this);
    m_balancer->setRuntime(m_haproxy);
    setState(State::Starting);
    // The nodes run already: one that exits while the balancer is probed is restarted, as in a ready
    // cluster, instead of breaking a start that starts nothing.
    m_processes->setPhase(ProcessSupervisor::Phase::Running);
    notify(FleetEvent::Kind::ClusterStarting, {},
           QStringLiteral("cluster %1 handed over to this supervisor (pid %2); its %3 processes kept running")
               .arg(m_profile.name).arg(QCoreApplication::applicationPid()).arg(adopted.size()));
    // No node is started: the cluster is ready again once the balancer answers a request.
    m_startPending = 0;
    QTimer::singleShot(0, this, &FleetSupervisor::probeThroughBalancer);
    return {};
}

}  // namespace turno
