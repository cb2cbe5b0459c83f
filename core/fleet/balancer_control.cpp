#include "fleet/balancer_control.h"

#include "fleet/config_renderer.h"
#include "fleet/managed_process.h"
#include "fleet/port_allocator.h"
#include "fleet/process_supervisor.h"
#include "fleet/run_files.h"

#include <QFile>
#include <csignal>

namespace turno {

namespace {
const QString kBackend = ClusterLayout::backendName();
int nodeIndex(const FleetNode *n)
{
    return n->name.section(QLatin1Char('-'), -1).toInt();
}
}  // namespace

BalancerControl::BalancerControl(Host host, QObject *parent) : QObject(parent), m_host(std::move(host)) {}

void BalancerControl::notify(FleetEvent::Kind kind, const QString &node, const QString &message)
{
    emit event(FleetEvent{kind, node, message});
}

QList<FleetNode *> BalancerControl::turnoNodes(const QString &pool) const
{
    QList<FleetNode *> out;
    for (FleetNode *n : m_host.processes->all())
        if (n->kind == FleetNode::Kind::Turno && !n->removing && (pool.isEmpty() || n->pool == pool))
            out << n;
    return out;
}

FleetNode *BalancerControl::turnoNode(const QString &name, QString *why) const
{
    const QList<FleetNode *> nodes = turnoNodes();
    for (FleetNode *n : nodes)
        if (n->name == name)
            return n;
    QStringList names;
    for (const FleetNode *n : nodes)
        names << n->name;
    *why = QStringLiteral("no turno node named \"%1\" in cluster %2; nodes: %3")
               .arg(name, m_host.profile->name, names.join(QStringLiteral(", ")));
    return nullptr;
}

bool BalancerControl::haproxyRunning() const
{
    const FleetNode *n = m_host.processes->firstOf(FleetNode::Kind::Haproxy);
    return n && n->process && n->process->running();
}

void BalancerControl::setServerState(const QString &nodeName, bool drain, Done done)
{
    QString why;
    FleetNode *n = turnoNode(nodeName, &why);
    if (!n)
        return done(Error{why});
    auto after = [this, n, drain, done](Result<void> r) {
        if (r.ok())
            notify(drain ? FleetEvent::Kind::NodeDrained : FleetEvent::Kind::NodeEnabled, n->name,
                   QStringLiteral("%1 %2 at HAProxy").arg(n->name, drain ? QStringLiteral("drained") : QStringLiteral("enabled")));
        done(r);
    };
    if (drain)
        m_haproxy->drain(kBackend, n->name, after);
    else
        m_haproxy->enable(kBackend, n->name, after);
}

void BalancerControl::setWeight(const QString &nodeName, int weight, Done done)
{
    QString why;
    FleetNode *n = turnoNode(nodeName, &why);
    if (!n)
        return done(Error{why});
    if (weight < 0 || weight > 256)
        return done(Error{QStringLiteral("weight %1 is out of range; use 0 to 256").arg(weight)});
    m_haproxy->setWeight(kBackend, n->name, weight, [this, n, weight, done](Result<void> r) {
        if (r.ok()) {
            n->weight = weight;
            saveProfileState();
            notify(FleetEvent::Kind::NodeWeight, n->name, QStringLiteral("%1 weight set to %2").arg(n->name).arg(weight));
        }
        done(r);
    });
}

void BalancerControl::drainAll(std::function<void()> done)
{
    QStringList commands;
    for (const FleetNode *n : m_host.processes->all())
        if (n->kind == FleetNode::Kind::Turno)
            commands << QStringLiteral("set server %1/%2 state drain").arg(kBackend, n->name);
    if (!m_haproxy || !haproxyRunning() || commands.isEmpty())
        return done();
    m_haproxy->send(commands.join(QStringLiteral("; ")), [done](Result<QByteArray>) { done(); }, 500);
}

void BalancerControl::showStat(std::function<void(QList<HaproxyStatRow>, QString)> done)
{
    if (!m_haproxy || !haproxyRunning())
        return done({}, QStringLiteral("haproxy is not running"));
    m_haproxy->send(QStringLiteral("show stat"), [done](Result<QByteArray> r) {
        if (!r.ok())
            return done({}, r.error());
        const auto rows = HaproxyRuntime::parseShowStat(r.value());
        done(rows.ok() ? rows.value() : QList<HaproxyStatRow>{}, rows.ok() ? QString() : rows.error());
    }, 1000);
}

void BalancerControl::saveProfileState()
{
    ClusterProfile &profile = *m_host.profile;
    // Runtime changes (weights, pool sizes) go back into the profile so a restart keeps them.
    for (PoolSpec *pool : {&profile.primary, &profile.secondary}) {
        pool->weights.clear();
        for (const FleetNode *n : turnoNodes(pool->name))
            pool->weights << n->weight;
        pool->nodes = int(pool->weights.size());
    }
    if (profile.algorithm == QLatin1String("roundrobin")) {
        bool uniform = true;
        for (const FleetNode *n : m_host.processes->all())
            uniform = uniform && (n->kind != FleetNode::Kind::Turno || n->weight == 1);
        if (!uniform)
            profile.algorithm = QStringLiteral("weighted");
    }
    QString why;
    RunFiles::write(m_host.layout().runDir + QStringLiteral("/profile.json"), ProfileLoader::toJson(profile), &why);
}

void BalancerControl::scaleTo(const QString &pool, int count, Done done)
{
    const int current = int(turnoNodes(pool).size());
    if (count > current)
        scaleUp(pool, count - current, done);
    else if (count < current)
        scaleDown(pool, current - count, done);
    else
        done(Result<void>());
}

void BalancerControl::scaleUp(const QString &pool, int count, Done done)
{
    if (count == 0) {
        saveProfileState();
        return done(Result<void>());
    }
    const ClusterProfile &profile = *m_host.profile;
    ProcessSupervisor *processes = m_host.processes;
    int index = 0;
    for (const FleetNode *n : processes->all())
        if (n->kind == FleetNode::Kind::Turno && n->pool == pool)
            index = std::max(index, nodeIndex(n));
    const QString name = QStringLiteral("%1-%2").arg(pool).arg(index + 1);
    const Result<quint16> port = m_host.ports->allocate(
        name, profile.portsMode == QLatin1String("fixed") ? quint16(profile.portsBase) : 0, QStringLiteral("ports.base"));
    if (!port.ok())
        return done(Error{port.error()});
    FleetNode *n = processes->add(name, FleetNode::Kind::Turno, pool, port.value(), 1);
    processes->launch(n);
    const int timeoutMs = ProcessSupervisor::kReadyTimeoutMs;
    processes->waitUntil(ReadinessProbe::turnoReady(this, n->port), timeoutMs, [this, n, pool, count, done, timeoutMs](bool ok) {
        if (!ok) {
            n->removing = true;
            n->process->stop(1000);
            return done(Error{QStringLiteral("new node %1 was not ready within %2 s; see %3")
                                  .arg(n->name).arg(timeoutMs / 1000).arg(n->process->logFile())});
        }
        n->state = NodeState::Running;
        const ClusterProfile &p = *m_host.profile;
        const QString checks =
            QStringLiteral("check inter %1ms rise %2 fall %3").arg(p.healthIntervalMs).arg(p.healthRise).arg(p.healthFall);
        m_haproxy->addServer(kBackend, n->name, QStringLiteral("127.0.0.1:%1").arg(n->port), n->weight,
                             pool == QLatin1String("secondary"), checks, [this, n, pool, count, done](Result<void> r) {
            if (!r.ok()) {
                n->removing = true;
                n->process->stop(1000);
                return done(r);
            }
            notify(FleetEvent::Kind::Scaled, n->name,
                   QStringLiteral("%1 added to pool %2 on 127.0.0.1:%3").arg(n->name, pool).arg(n->port));
            emit nodesChanged();
            scaleUp(pool, count - 1, done);
        });
    });
}

void BalancerControl::scaleDown(const QString &pool, int count, Done done)
{
    if (count == 0) {
        saveProfileState();
        return done(Result<void>());
    }
    FleetNode *victim = nullptr;
    for (FleetNode *n : turnoNodes(pool))
        if (!victim || nodeIndex(n) > nodeIndex(victim))
            victim = n;
    if (!victim)
        return done(Result<void>());
    FleetNode *n = victim;
    m_haproxy->drain(kBackend, n->name, [this, n, pool, count, done](Result<void> r) {
        if (!r.ok())
            return done(r);
        // Let in-flight requests finish before the server leaves HAProxy.
        const QString name = n->name;
        ProcessSupervisor::Check idle = [this, name](std::function<void(bool)> cb) {
            m_haproxy->send(QStringLiteral("show stat"), [name, cb](Result<QByteArray> reply) {
                if (!reply.ok())
                    return cb(false);
                const auto rows = HaproxyRuntime::parseShowStat(reply.value());
                bool idleNow = rows.ok();
                if (rows.ok())
                    for (const HaproxyStatRow &row : rows.value())
                        if (row.proxy == kBackend && row.server == name && row.currentSessions > 0)
                            idleNow = false;
                cb(idleNow);
            }, 500);
        };
        m_host.processes->waitUntil(idle, 5000, [this, n, pool, count, done](bool) {
            removeNode(n, pool, [this, pool, count, done](Result<void> rr) {
                if (!rr.ok())
                    return done(rr);
                scaleDown(pool, count - 1, done);
            });
        });
    });
}

void BalancerControl::removeNode(FleetNode *n, const QString &pool, Done done)
{
    n->removing = true;
    m_haproxy->removeServer(kBackend, n->name, [this, n, pool, done](Result<void> rr) {
        if (!rr.ok()) {
            n->removing = false;
            return done(rr);
        }
        m_host.processes->stopGroup({n}, m_host.profile->drainTimeoutMs + 1000, [this, n, pool, done] {
            const QString name = n->name;
            m_host.ports->release(n->port);
            m_host.processes->remove(n);
            notify(FleetEvent::Kind::Scaled, name, QStringLiteral("%1 removed from pool %2").arg(name, pool));
            emit nodesChanged();
            done(Result<void>());
        });
    });
}

void BalancerControl::setAlgorithm(const QString &algorithm, Done done)
{
    ClusterProfile &profile = *m_host.profile;
    const QString before = profile.algorithm;
    profile.algorithm = algorithm;
    if (algorithm == QLatin1String("roundrobin"))
        for (FleetNode *n : m_host.processes->all())
            if (n->kind == FleetNode::Kind::Turno)
                n->weight = 1;
    // HAProxy cannot change `balance` at runtime: reload, handing the listening sockets over.
    reload([this, algorithm, before, done](Result<void> r) {
        ClusterProfile &p = *m_host.profile;
        if (!r.ok()) {
            p.algorithm = before;
            return done(r);
        }
        saveProfileState();
        p.algorithm = algorithm;  // saveProfileState may call uniform weights "weighted"
        saveProfileState();
        notify(FleetEvent::Kind::BalancerAlgorithm, QStringLiteral("haproxy"),
               QStringLiteral("balancing switched from %1 to %2 without a restart").arg(before, algorithm));
        done(r);
    });
}

void BalancerControl::reload(Done finished)
{
    ++m_reloads;
    Done done = [this, finished](Result<void> r) {
        --m_reloads;
        finished(r);
    };
    FleetNode *n = m_host.processes->firstOf(FleetNode::Kind::Haproxy);
    if (!n || !n->process || !n->process->running())
        return done(Error{QStringLiteral("haproxy is not running; restart the cluster")});
    const QString dir = m_host.layout().runDir + QStringLiteral("/haproxy");
    m_haproxy->send(QStringLiteral("show servers state"), [this, n, dir, done](Result<QByteArray> state) {
        QString why;
        if (state.ok() && state.value().startsWith("1"))
            RunFiles::write(dir + QStringLiteral("/server-state"), state.value(), &why);
        ManagedProcess *old = n->process;
        const QString oldSocket = m_host.layout().generationSocket();
        ++m_generation;
        const ClusterLayout layout = m_host.layout();
        if (!RunFiles::write(dir + QStringLiteral("/haproxy.cfg"), ConfigRenderer::haproxyCfg(layout), &why))
            return done(Error{why});
        // -x takes the listening sockets from the running process: no connection is refused in between.
        ManagedProcess *fresh = m_host.processes->createProcess(
            n, RunFiles::findSystemProgram(QStringLiteral("haproxy")),
            {QStringLiteral("-db"), QStringLiteral("-f"), dir + QStringLiteral("/haproxy.cfg"), QStringLiteral("-x"),
             layout.haproxySocket()});
        fresh->start();
        QStringList names;
        for (const FleetNode *t : turnoNodes())
            names << t->name;
        // The new process owns the stats socket once `show info` reports its pid.
        auto *probe = new HaproxyRuntime(layout.generationSocket(), fresh);
        ProcessSupervisor::Check takenOver = [probe, fresh, names](std::function<void(bool)> cb) {
            probe->send(QStringLiteral("show stat"), [fresh, names, cb](Result<QByteArray> reply) {
                const auto rows = reply.ok() && fresh->pid() > 0 ? HaproxyRuntime::parseShowStat(reply.value())
                                                                 : Result<QList<HaproxyStatRow>>(Error{});
                if (!rows.ok())
                    return cb(false);
                int up = 0;
                for (const HaproxyStatRow &row : rows.value())
                    if (row.proxy == kBackend && names.contains(row.server) && row.state() != BalancerState::Down)
                        ++up;
                cb(up == names.size());
            }, 500);
        };
        const int timeoutMs = ProcessSupervisor::kReadyTimeoutMs;
        m_host.processes->waitUntil(takenOver, timeoutMs, [this, n, old, oldSocket, fresh, done, timeoutMs](bool ok) {
            if (!ok) {
                fresh->disconnect(m_host.processes);
                fresh->stop(500, SIGKILL);
                connect(fresh, &ManagedProcess::exited, fresh, &QObject::deleteLater);
                return done(Error{QStringLiteral("the reloaded haproxy did not take over within %1 s; the old one keeps "
                                                 "serving. See %2")
                                      .arg(timeoutMs / 1000).arg(fresh->logFile())});
            }
            n->process = fresh;
            old->disconnect(m_host.processes);
            ++m_reloads;
            connect(old, &ManagedProcess::exited, old, [this, old, oldSocket] {
                --m_reloads;
                QFile::remove(oldSocket);
                old->deleteLater();
            });
            // Soft stop: it stops accepting, finishes what it holds (bounded by hard-stop-after).
            old->stop(3000, SIGUSR1);
            QStringList weights;
            for (const FleetNode *t : turnoNodes())
                weights << QStringLiteral("set weight %1/%2 %3").arg(kBackend, t->name).arg(t->weight);
            m_haproxy->send(weights.join(QStringLiteral("; ")), [this, fresh, done](Result<QByteArray>) {
                notify(FleetEvent::Kind::BalancerReloaded, QStringLiteral("haproxy"),
                       QStringLiteral("haproxy reloaded, new pid %1").arg(fresh->pid()));
                emit nodesChanged();
                done(Result<void>());
            });
        });
    }, 1000);
}

}  // namespace turno
