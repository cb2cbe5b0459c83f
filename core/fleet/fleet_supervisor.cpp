#include "fleet/fleet_supervisor.h"

#include "common/secret_file.h"
#include "fleet/autoscaler.h"
#include "fleet/balancer_control.h"
#include "fleet/cluster_status.h"
#include "fleet/config_renderer.h"
#include "fleet/managed_process.h"
#include "fleet/run_files.h"
#include "scrape/balancer_log_receiver.h"
#include "scrape/node_collector.h"

#include <QCoreApplication>
#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QRandomGenerator>
#include <QStandardPaths>
#include <QTimer>
#include <cmath>
#include <unistd.h>

namespace turno {

namespace {

constexpr int kReadyTimeoutMs = ProcessSupervisor::kReadyTimeoutMs;
const QString kBackend = ClusterLayout::backendName();
using RunFiles::findSystemProgram;

}  // namespace

FleetSupervisor::FleetSupervisor(QObject *parent) : QObject(parent)
{
    qRegisterMetaType<turno::FleetEvent>();
    m_processes = new ProcessSupervisor(this);
    m_processes->setCommandSource([this](const FleetNode &n) { return commandFor(n); });
    m_processes->setReadinessSource([this](const FleetNode &n) { return readinessFor(n); });
    connect(m_processes, &ProcessSupervisor::event, this, &FleetSupervisor::event);
    connect(m_processes, &ProcessSupervisor::nodesChanged, this, &FleetSupervisor::nodesChanged);
    connect(m_processes, &ProcessSupervisor::startBroken, this, &FleetSupervisor::fail);
    m_balancer = new BalancerControl({&m_profile, m_processes, &m_ports, [this] { return layout(); }}, this);
    connect(m_balancer, &BalancerControl::event, this, &FleetSupervisor::event);
    connect(m_balancer, &BalancerControl::nodesChanged, this, &FleetSupervisor::nodesChanged);
    m_sampler = new QTimer(this);
    // Nodes come and go (scale, autoscale): the collector follows.
    connect(this, &FleetSupervisor::nodesChanged, this, [this] {
        if (m_collector && m_collector->running())
            syncCollector();
    });
    connect(m_sampler, &QTimer::timeout, this, &FleetSupervisor::sampleTick);
}

FleetSupervisor::~FleetSupervisor()
{
    // The processes go first, unheard (each ManagedProcess SIGKILLs its group):
    // nothing outlives the supervisor and no handler sees a half-destroyed one.
    m_processes->disconnect(this);
    delete m_processes;
    m_processes = nullptr;
}

QString FleetSupervisor::findServerBinary(const QString &fromProfile)
{
    if (!fromProfile.isEmpty())
        return fromProfile;
    const QByteArray env = qgetenv("TURNO_SERVER_BIN");
    if (!env.isEmpty())
        return QString::fromLocal8Bit(env);
    const QString appDir = QCoreApplication::applicationDirPath();
    for (const QString &c : {appDir + QStringLiteral("/turno-server"), appDir + QStringLiteral("/../server/turno-server"),
                             appDir + QStringLiteral("/../../server/turno-server")})
        if (QFileInfo(c).isExecutable())
            return QFileInfo(c).canonicalFilePath();
    return QStandardPaths::findExecutable(QStringLiteral("turno-server"));
}

QString FleetSupervisor::defaultRunDir(const QString &clusterName)
{
    const QByteArray xdg = qgetenv("XDG_RUNTIME_DIR");
    if (!xdg.isEmpty() && QFileInfo(QString::fromLocal8Bit(xdg)).isWritable())
        return QString::fromLocal8Bit(xdg) + QStringLiteral("/turno-ops/") + clusterName;
    return QStringLiteral("/tmp/turno-ops-%1/%2").arg(::getuid()).arg(clusterName);
}

QString FleetSupervisor::stateName() const
{
    switch (m_state) {
    case State::Idle: return QStringLiteral("idle");
    case State::Starting: return QStringLiteral("starting");
    case State::Ready: return QStringLiteral("ready");
    case State::Stopping: return QStringLiteral("stopping");
    case State::Stopped: return QStringLiteral("stopped");
    case State::Failed: return QStringLiteral("failed");
    }
    return {};
}

void FleetSupervisor::setState(State state)
{
    m_state = state;
    switch (state) {
    case State::Starting: m_processes->setPhase(ProcessSupervisor::Phase::Starting); break;
    case State::Ready: m_processes->setPhase(ProcessSupervisor::Phase::Running); break;
    case State::Stopping: m_processes->setPhase(ProcessSupervisor::Phase::Stopping); break;
    case State::Idle:
    case State::Stopped:
    case State::Failed: m_processes->setPhase(ProcessSupervisor::Phase::Off); break;
    }
}

QString FleetSupervisor::haproxySocket() const
{
    return layout().haproxySocket();
}

QList<const FleetNode *> FleetSupervisor::nodes() const
{
    QList<const FleetNode *> out;
    for (const FleetNode *n : m_processes->all())
        out << n;
    return out;
}

const FleetNode *FleetSupervisor::node(const QString &name) const
{
    return m_processes->find(name);
}

ManagedProcess *FleetSupervisor::process(const QString &name) const
{
    const FleetNode *n = node(name);
    return n ? n->process : nullptr;
}

Result<void> FleetSupervisor::start(const ClusterProfile &profile, const QString &runDir)
{
    if (m_state == State::Starting || m_state == State::Ready || m_state == State::Stopping)
        return Error{QStringLiteral("cluster \"%1\" is already %2 (run dir %3)").arg(m_profile.name, stateName(), m_runDir)};
    const Result<void> valid = ProfileLoader::validate(profile);
    if (!valid.ok())
        return Error{QStringLiteral("%1: %2").arg(profile.sourceFile, valid.error())};
    m_profile = profile;
    m_runDir = QDir(runDir).absolutePath();
    m_ports.reset(profile.portsOnConflict, profile.sourceFile);
    m_processes->reset(profile, m_runDir);
    m_readyMs = -1;
    m_phaseClock.start();
    makeCollectors(0);

    if (!QDir().mkpath(m_runDir))
        return Error{QStringLiteral("cannot create the run directory %1; pass --run-dir DIR").arg(m_runDir)};
    QFile::setPermissions(m_runDir, QFile::ReadOwner | QFile::WriteOwner | QFile::ExeOwner);
    if (haproxySocket().toLocal8Bit().size() >= 100)
        return Error{QStringLiteral("run directory %1 is too long for a UNIX socket path; pass a shorter --run-dir").arg(m_runDir)};

    // The counters live on in the run directory (AOF): a supervisor that died
    // (kill -9 of the console) and starts again resumes them, with the Redis
    // that was primary then as the primary again, so no number is handed out twice.
    // The file keeps its name; an earlier version wrote redis-replica into it, which
    // names redis-2 now.
    m_redisPrimary = ClusterLayout::redisNodeName(1);
    if (embeddedRedis() && profile.redisReplica) {
        QFile last(m_runDir + QStringLiteral("/redis-primary.state"));
        if (last.open(QIODevice::ReadOnly) &&
            ClusterLayout::resolveNodeName(QString::fromUtf8(last.readAll().trimmed())) == ClusterLayout::redisNodeName(2))
            m_redisPrimary = ClusterLayout::redisNodeName(2);
    }
    m_processes->setRedisPrimary(m_redisPrimary);
    // Each step only once the one before it passed.
    for (Result<void> (FleetSupervisor::*step)() : {&FleetSupervisor::readPassword, &FleetSupervisor::planNodes,
                                                    &FleetSupervisor::adoptRenamedNodeDirs, &FleetSupervisor::checkPrograms,
                                                    &FleetSupervisor::writeConfigs})
        if (const Result<void> r = (this->*step)(); !r.ok())
            return r;
    m_processes->setPassword(m_password);

    if (!m_haproxy)
        m_haproxy = new HaproxyRuntime(haproxySocket(), this);
    m_balancer->setRuntime(m_haproxy);
    setState(State::Starting);
    notify(FleetEvent::Kind::ClusterStarting, {},
           QStringLiteral("cluster %1 starting in %2").arg(m_profile.name, m_runDir) +
               (m_adoptedDirs.isEmpty() ? QString()
                                        : QStringLiteral(" (node directories of an earlier version renamed: %1)")
                                              .arg(m_adoptedDirs.join(QStringLiteral(", ")))));
    m_balancer->saveProfileState();
    QTimer::singleShot(0, this, &FleetSupervisor::phaseRedis);
    return {};
}

void FleetSupervisor::makeCollectors(quint16 balancerLogPort)
{
    delete m_collector;
    HttpScraper::Options scrape;
    scrape.intervalMs = m_profile.scrapeIntervalMs;
    // A scrape gives up before the next one is due.
    scrape.timeoutMs = std::max(100, std::min(900, m_profile.scrapeIntervalMs * 9 / 10));
    m_collector = new NodeCollector(scrape, this);
    // HAProxy's request log, for the frontend's p50/p99: a UDP port the kernel picks now,
    // before haproxy.cfg names it. Without it the cluster runs; the status says what is missing.
    delete m_balancerLog;
    m_balancerLog = new BalancerLogReceiver(this);
    const Result<quint16> logPort = m_balancerLog->bind(balancerLogPort);
    m_balancerLogPort = logPort.ok() ? logPort.value() : 0;
    m_balancerLogError = logPort.ok() ? QString() : logPort.error();
    m_balancerFigures = {};
    // Both windows close at each scrape of HAProxy's exporter, so its counters and its log agree.
    connect(m_collector, &NodeCollector::collected, this, [this](const CollectedScrape &c) {
        if (c.result.name != QLatin1String("haproxy"))
            return;
        m_balancerFigures = c.result.up && c.result.scrape
                                ? BalancerFigures::between(c.previous.get(), c.previousMs, *c.result.scrape,
                                                           c.result.timestampMs, QStringLiteral("turno"), backendName())
                                : BalancerFigures{};
        if (m_balancerLog)
            m_balancerLog->roll(c.result.timestampMs);
    });
}

bool FleetSupervisor::embeddedRedis() const
{
    return m_profile.store == QLatin1String("redis") && m_profile.redisMode == QLatin1String("embedded");
}

Result<void> FleetSupervisor::readPassword()
{
    // Where the turno servers and the probes get it from.
    const ClusterProfile &profile = m_profile;
    m_password.clear();
    if (profile.store != QLatin1String("redis"))
        return {};
    if (profile.passwordSource == QLatin1String("generated")) {
        m_password = QString::number(QRandomGenerator::system()->generate64(), 16) +
                     QString::number(QRandomGenerator::system()->generate64(), 16);
    } else if (profile.passwordSource == QLatin1String("env")) {
        m_password = qEnvironmentVariable(profile.passwordEnv.toLocal8Bit().constData());
        if (m_password.isEmpty())
            return Error{QStringLiteral("redis.password.source is \"env\" but %1 is empty; export it or change the profile")
                             .arg(profile.passwordEnv)};
    } else if (profile.passwordSource == QLatin1String("file")) {
        const Result<QString> pw = readSecretFile(profile.passwordFile, QStringLiteral("redis.password.file"));
        if (!pw.ok())
            return Error{pw.error()};
        m_password = pw.value();
    }
    return {};
}

Result<void> FleetSupervisor::planNodes()
{
    const ClusterProfile &profile = m_profile;
    const Result<quint16> b = m_ports.allocate(QStringLiteral("the balancer frontend"), profile.balancerListen.port,
                                           QStringLiteral("balancer.listen"));
    if (!b.ok())
        return Error{b.error()};
    m_balancerPort = b.value();
    const bool fixed = profile.portsMode == QLatin1String("fixed");
    quint16 next = quint16(profile.portsBase);
    QString portError;
    // In fixed mode ports are handed out in order from ports.base; the first refusal is reported.
    auto take = [&](const QString &what) -> quint16 {
        const Result<quint16> r = m_ports.allocate(what, fixed ? next : 0, QStringLiteral("ports.base"));
        if (r.ok() && fixed)
            next = quint16(r.value() + 1);
        if (!r.ok() && portError.isEmpty())
            portError = r.error();
        return r.ok() ? r.value() : 0;
    };
    m_prometheusPort = take(QStringLiteral("HAProxy's Prometheus exporter"));
    if (embeddedRedis()) {
        // Launched as the primary and its replica; named by that order only.
        for (int i = 1; i <= (profile.redisReplica ? 2 : 1); ++i) {
            const QString name = ClusterLayout::redisNodeName(i);
            m_processes->add(name, FleetNode::Kind::Redis, {}, take(name), 0);
        }
        for (int i = 1; i <= profile.sentinelCount; ++i) {
            const QString name = QStringLiteral("sentinel-%1").arg(i);
            m_processes->add(name, FleetNode::Kind::Sentinel, {}, take(name), 0);
        }
    }
    for (const PoolSpec *pool : {&profile.primary, &profile.secondary}) {
        for (int i = 0; i < pool->nodes; ++i) {
            const QString name = QStringLiteral("%1-%2").arg(pool->name).arg(i + 1);
            const int w = profile.algorithm == QLatin1String("roundrobin") ? 1 : pool->weights.value(i, 1);
            m_processes->add(name, FleetNode::Kind::Turno, pool->name, take(name), w);
        }
    }
    m_processes->add(QStringLiteral("haproxy"), FleetNode::Kind::Haproxy, {}, m_balancerPort, 0);
    if (!portError.isEmpty())
        return Error{portError};
    return {};
}

Result<void> FleetSupervisor::adoptRenamedNodeDirs()
{
    m_adoptedDirs.clear();
    for (const FleetNode *n : m_processes->all()) {
        if (n->kind != FleetNode::Kind::Redis)
            continue;
        const QString dir = m_runDir + QLatin1Char('/') + n->name;
        for (const QString &old : ClusterLayout::namesOf(n->name).mid(1)) {
            const QString oldDir = m_runDir + QLatin1Char('/') + old;
            if (!QFileInfo(oldDir).isDir())
                continue;
            // Two sets of counters: which one is current only the operator can tell.
            if (QFileInfo::exists(dir))
                return Error{QStringLiteral("run directory %1 holds both %2/ (from an earlier version, whose %2 is %3 now) "
                                            "and %3/; each may hold counters: move the one that is not current out of %1, "
                                            "or pass another --run-dir")
                                 .arg(m_runDir, old, n->name)};
            if (!QDir().rename(oldDir, dir))
                return Error{QStringLiteral("cannot rename %1 to %2 (the counters of %3 live there); check the permissions "
                                            "of %4 or pass another --run-dir")
                                 .arg(oldDir, dir, n->name, m_runDir)};
            m_adoptedDirs << QStringLiteral("%1/ -> %2/").arg(old, n->name);
        }
    }
    return {};
}

Result<void> FleetSupervisor::checkPrograms()
{
    if (findSystemProgram(QStringLiteral("haproxy")).isEmpty())
        return Error{QStringLiteral("haproxy is not installed; run scripts/setup.sh")};
    if (embeddedRedis() && (findSystemProgram(QStringLiteral("redis-server")).isEmpty() ||
                            (m_profile.sentinelCount > 0 && findSystemProgram(QStringLiteral("redis-sentinel")).isEmpty())))
        return Error{QStringLiteral("redis-server / redis-sentinel are not installed; run scripts/setup.sh")};
    const QString server = FleetSupervisor::findServerBinary(m_profile.serverBinary);
    if (server.isEmpty() || !QFileInfo(server).isExecutable())
        return Error{QStringLiteral("turno-server was not found (looked at server.binary in the profile, TURNO_SERVER_BIN, "
                                    "next to this program and in PATH); build it (ninja turno-server) or set server.binary")};
    m_profile.serverBinary = server;
    return {};
}

ClusterLayout FleetSupervisor::layout() const
{
    ClusterLayout l;
    l.profile = m_profile;
    l.runDir = m_runDir;
    l.balancerPort = m_balancerPort;
    l.prometheusPort = m_prometheusPort;
    l.balancerLogPort = m_balancerLogPort;
    l.password = m_password;
    l.redisPrimary = m_redisPrimary;
    l.balancerGeneration = m_balancer->generation();
    for (const FleetNode *n : m_processes->all())
        l.nodes << n;
    return l;
}

Result<void> FleetSupervisor::writeConfigs()
{
    QString why;
    const ClusterLayout l = layout();
    if (!m_password.isEmpty() && !RunFiles::write(l.passwordFile(), m_password.toUtf8() + '\n', &why))
        return Error{why};
    // server.debugToken: a fresh token per start for the nodes' /debug/* endpoints.
    if (m_profile.debugToken &&
        !RunFiles::write(l.debugTokenFile(),
                         QByteArray::number(QRandomGenerator::system()->generate64(), 16).rightJustified(16, '0') +
                             QByteArray::number(QRandomGenerator::system()->generate64(), 16).rightJustified(16, '0') + '\n',
                         &why))
        return Error{why};
    for (const FleetNode *n : m_processes->all()) {
        QDir().mkpath(l.nodeDir(n->name));
        if (n->kind == FleetNode::Kind::Turno)
            continue;
        if (!RunFiles::write(l.configFile(*n), ConfigRenderer::configFor(l, *n), &why))
            return Error{why};
    }
    return {};
}

ProcessSupervisor::Command FleetSupervisor::commandFor(const FleetNode &n)
{
    ProcessSupervisor::Command c;
    const QString dir = m_runDir + QLatin1Char('/') + n.name;
    switch (n.kind) {
    case FleetNode::Kind::Redis: {
        c.program = findSystemProgram(QStringLiteral("redis-server"));
        c.args << dir + QStringLiteral("/redis.conf");
        // Whatever it was launched as: anything but the current primary starts as its replica
        // (after a failover the original primary comes back as the new primary's replica).
        const FleetNode *primary = node(m_redisPrimary);
        if (primary && primary != &n)
            c.args << QStringLiteral("--replicaof") << QStringLiteral("127.0.0.1") << QString::number(primary->port);
        else
            c.args << QStringLiteral("--replicaof") << QStringLiteral("no") << QStringLiteral("one");
        break;
    }
    case FleetNode::Kind::Sentinel:
        c.program = findSystemProgram(QStringLiteral("redis-sentinel"));
        c.args << dir + QStringLiteral("/sentinel.conf");
        break;
    case FleetNode::Kind::Haproxy: {
        // Regenerated on every start so runtime changes (scale, weights) survive a restart;
        // a server-state file left by an earlier reload would undo them.
        QString why;
        RunFiles::write(dir + QStringLiteral("/server-state"), "1\n", &why);
        RunFiles::write(dir + QStringLiteral("/haproxy.cfg"), ConfigRenderer::haproxyCfg(layout()), &why);
        c.program = findSystemProgram(QStringLiteral("haproxy"));
        c.args << QStringLiteral("-db") << QStringLiteral("-f") << dir + QStringLiteral("/haproxy.cfg");
        break;
    }
    case FleetNode::Kind::Turno:
        c.program = m_profile.serverBinary;
        c.args = ConfigRenderer::turnoArgs(layout(), n);
        break;
    }
    return c;
}

ReadinessProbe::Check FleetSupervisor::readinessFor(const FleetNode &n)
{
    switch (n.kind) {
    case FleetNode::Kind::Turno: return ReadinessProbe::turnoReady(this, n.port);
    case FleetNode::Kind::Haproxy: return ReadinessProbe::haproxyServersUp(m_haproxy, kBackend, {});
    // Sentinels have no password of their own (auth-pass is for the primary).
    case FleetNode::Kind::Sentinel: return ReadinessProbe::redisPing(this, n.port, {});
    case FleetNode::Kind::Redis: break;
    }
    return ReadinessProbe::redisPing(this, n.port, m_password);
}

QString FleetSupervisor::backendName()
{
    return kBackend;
}

void FleetSupervisor::setRedisPrimaryNode(const QString &name)
{
    if (name == m_redisPrimary || !node(name))
        return;
    notify(FleetEvent::Kind::RedisPrimaryMoved, name,
               QStringLiteral("the Redis primary is now %1 (was %2)").arg(name, m_redisPrimary));
    m_redisPrimary = name;
    m_processes->setRedisPrimary(name);
    QString why;
    if (!RunFiles::write(m_runDir + QStringLiteral("/redis-primary.state"), name.toUtf8() + '\n', &why))
        notify(FleetEvent::Kind::StateNotSaved, name, why);
    emit nodesChanged();
}

QList<quint16> FleetSupervisor::sentinelPorts() const
{
    QList<quint16> ports;
    for (const FleetNode *n : m_processes->all())
        if (n->kind == FleetNode::Kind::Sentinel)
            ports << n->port;
    return ports;
}

void FleetSupervisor::restartRedisAsReplica(const QString &name, std::function<void(Result<void>)> done)
{
    FleetNode *n = m_processes->find(name);
    if (!n || n->kind != FleetNode::Kind::Redis)
        return done(Error{QStringLiteral("no embedded Redis node named \"%1\"").arg(name)});
    if (name == m_redisPrimary)
        return done(Error{QStringLiteral("%1 is the current primary; it is never restarted as a replica of itself").arg(name)});
    if (m_state != State::Ready)
        return done(Error{QStringLiteral("the cluster is %1, not ready").arg(stateName())});
    if (n->process && n->process->running())
        return done({});
    m_processes->launch(n);
    m_processes->waitUntil(ReadinessProbe::redisPing(this, n->port, m_password), kReadyTimeoutMs, [this, n, done](bool ok) {
        if (!ok)
            return done(Error{QStringLiteral("%1 did not answer PING within %2 s after its restart; see %3")
                                  .arg(n->name).arg(kReadyTimeoutMs / 1000).arg(n->process->logFile())});
        n->state = NodeState::Running;
        notify(FleetEvent::Kind::NodeRestarted, n->name,
                   QStringLiteral("%1 is back on 127.0.0.1:%2 as a replica of %3").arg(n->name).arg(n->port).arg(m_redisPrimary));
        emit nodesChanged();
        done({});
    });
}

void FleetSupervisor::notify(FleetEvent::Kind kind, const QString &node, const QString &message)
{
    emit event(FleetEvent{kind, node, message});
}

void FleetSupervisor::fail(const QString &message)
{
    if (m_state != State::Starting)
        return;
    setState(State::Failed);
    m_processes->cancelWaits();
    notify(FleetEvent::Kind::ClusterStartFailed, {}, message);
    // Leave nothing half-started behind.
    m_processes->stopGroup(m_processes->all(), 1000, [this, message] { emit startFailed(message); });
}

void FleetSupervisor::watchReady(FleetNode *n, Check check, const QString &hint, std::function<void()> then)
{
    m_processes->waitUntil(std::move(check), kReadyTimeoutMs, [this, n, hint, then](bool ok) {
        if (m_state != State::Starting)
            return;
        if (!ok) {
            fail(QStringLiteral("%1 (127.0.0.1:%2) was not ready within %3 s%4; see %5. Last output:\n%6")
                     .arg(n->name).arg(n->port).arg(kReadyTimeoutMs / 1000)
                     .arg(hint, n->process->logFile(), QString::fromLocal8Bit(n->process->outputTail(10))));
            return;
        }
        n->state = NodeState::Running;
        notify(FleetEvent::Kind::NodeReady, n->name, QStringLiteral("%1 ready on 127.0.0.1:%2, pid %3")
                                                             .arg(n->name).arg(n->port).arg(n->process->pid()));
        if (then)
            then();
        if (--m_startPending == 0)
            probeThroughBalancer();
    });
}

void FleetSupervisor::phaseRedis()
{
    // Launch order follows dependencies, everything else in parallel: the
    // primary first; the replica once the primary answers (so its first
    // connection attempt succeeds instead of waiting a second for a retry); the
    // sentinels once the replica is online; turno servers and HAProxy once the
    // primary and every sentinel answer.
    FleetNode *primary = nullptr, *replica = nullptr;
    QList<FleetNode *> sentinels;
    for (FleetNode *n : m_processes->all()) {
        if (n->kind == FleetNode::Kind::Redis)
            (n->name == m_redisPrimary ? primary : replica) = n;
        else if (n->kind == FleetNode::Kind::Sentinel)
            sentinels << n;
    }
    m_startPending = int(m_processes->all().size());
    if (!primary) {
        phaseNodes();
        return;
    }
    auto coreLeft = std::make_shared<int>(1 + int(sentinels.size()));
    auto coreReady = [this, coreLeft] {
        if (--*coreLeft == 0)
            phaseNodes();
    };
    // Sentinels start once the replica is online: their first INFO of the primary
    // then lists it, so a failover can pick it at once instead of ten seconds later.
    auto startSentinels = [this, sentinels, coreReady] {
        for (FleetNode *n : sentinels) {
            m_processes->launch(n);
            // Sentinels have no password of their own (auth-pass is for the primary).
            watchReady(n, ReadinessProbe::redisPing(this, n->port, {}), QStringLiteral(" (no PONG)"), coreReady);
        }
    };
    m_processes->launch(primary);
    watchReady(primary, ReadinessProbe::redisPing(this, primary->port, m_password), QStringLiteral(" (no PONG)"), [this, primary, replica, coreReady, startSentinels] {
        if (replica) {
            m_processes->launch(replica);
            // The primary refuses writes until it counts an online replica
            // (min-replicas-to-write), so ask the primary, not the replica.
            watchReady(replica, ReadinessProbe::listsOnlineReplica(this, primary->port, m_password),
                       QStringLiteral(" (the primary does not list it as an online replica)"), startSentinels);
        } else {
            startSentinels();
        }
        coreReady();
    });
}

void FleetSupervisor::phaseNodes()
{
    if (m_state != State::Starting)
        return;
    QStringList names;
    FleetNode *haproxy = nullptr;
    for (FleetNode *n : m_processes->all()) {
        if (n->kind == FleetNode::Kind::Turno) {
            names << n->name;
            m_processes->launch(n);
            watchReady(n, ReadinessProbe::turnoReady(this, n->port), QStringLiteral(" (GET /readyz did not answer 200)"), {});
        } else if (n->kind == FleetNode::Kind::Haproxy) {
            haproxy = n;
        }
    }
    m_processes->launch(haproxy);
    watchReady(haproxy, ReadinessProbe::haproxyServersUp(m_haproxy, kBackend, names), QStringLiteral(" (not every turno server was UP in its health checks)"), {});
}

void FleetSupervisor::probeThroughBalancer()
{
    // Ready means a user gets a number: one real request through the frontend,
    // on an id of its own so no user counter moves.
    const FleetNode *haproxy = m_processes->firstOf(FleetNode::Kind::Haproxy);
    m_processes->waitUntil(ReadinessProbe::answers200(this, m_balancerPort, "/turno/turno-ops-readiness-probe"),
                           kReadyTimeoutMs, [this, haproxy](bool ok) {
        if (m_state != State::Starting)
            return;
        if (!ok) {
            fail(QStringLiteral("GET /turno through the balancer on 127.0.0.1:%1 did not answer 200 within %2 s; see %3 "
                                "and the turno server logs in %4")
                     .arg(m_balancerPort).arg(kReadyTimeoutMs / 1000).arg(haproxy->process->logFile(), m_runDir));
            return;
        }
        setState(State::Ready);
        m_readyMs = m_phaseClock.elapsed();
        m_sampler->start(m_profile.scrapeIntervalMs);
        syncCollector();
        m_collector->start();
        if (m_profile.autoscaleEnabled)
            m_autoscaler = std::make_unique<Autoscaler>(m_profile);
        notify(FleetEvent::Kind::ClusterReady, {},
               QStringLiteral("cluster %1 ready in %2 ms; balancer on %3:%4")
                   .arg(m_profile.name).arg(m_readyMs).arg(m_profile.balancerListen.host).arg(m_balancerPort));
        emit nodesChanged();
        emit ready(m_readyMs);
    });
}

void FleetSupervisor::stop()
{
    if (m_state == State::Stopping)
        return;
    if (m_state == State::Idle || m_state == State::Stopped || m_state == State::Failed) {
        setState(State::Stopped);
        QTimer::singleShot(0, this, [this] { emit stopped(0); });
        return;
    }
    setState(State::Stopping);
    m_processes->cancelWaits();
    m_sampler->stop();
    if (m_collector)
        m_collector->stop();
    m_phaseClock.restart();
    notify(FleetEvent::Kind::ClusterStopping, {}, QStringLiteral("stopping cluster %1").arg(m_profile.name));
    QList<FleetNode *> turno, edge, replica, primary;
    for (FleetNode *n : m_processes->all()) {
        switch (n->kind) {
        case FleetNode::Kind::Turno: turno << n; break;
        case FleetNode::Kind::Haproxy:
        case FleetNode::Kind::Sentinel: edge << n; break;
        case FleetNode::Kind::Redis: (n->name == m_redisPrimary ? primary : replica) << n; break;
        }
    }
    // Drain at HAProxy first, then turno nodes -> HAProxy and sentinels -> replica -> primary.
    const int nodeGrace = m_profile.drainTimeoutMs + 1000;
    ProcessSupervisor *p = m_processes;
    m_balancer->drainAll([this, p, turno, edge, replica, primary, nodeGrace] {
        p->stopGroup(turno, nodeGrace, [this, p, edge, replica, primary] {
            p->stopGroup(edge, 2000, [this, p, replica, primary] {
                p->stopGroup(replica, 2000, [this, p, primary] { p->stopGroup(primary, 2000, [this] { finishStop(); }); });
            });
        });
    });
}

void FleetSupervisor::finishStop()
{
    setState(State::Stopped);
    QFile::remove(haproxySocket());
    const qint64 ms = m_phaseClock.elapsed();
    notify(FleetEvent::Kind::ClusterStopped, {}, QStringLiteral("cluster %1 stopped in %2 ms").arg(m_profile.name).arg(ms));
    emit nodesChanged();
    emit stopped(ms);
}

void FleetSupervisor::sampleTick()
{
    m_processes->sample();
    autoscaleTick();
}

void FleetSupervisor::autoscaleTick()
{
    if (!m_autoscaler || m_state != State::Ready || m_scaling)
        return;
    const QString pool = m_profile.autoscalePool;
    int nodes = 0, withRate = 0;
    double cpu = 0, req = 0;
    for (const FleetNode *n : m_processes->all()) {
        if (n->kind != FleetNode::Kind::Turno || n->pool != pool || n->removing)
            continue;
        ++nodes;
        cpu += n->cpuPercent;
        const double rate = figuresOf(n->name).requestsPerSecond;
        if (!std::isnan(rate)) {
            req += rate;
            ++withRate;
        }
    }
    const auto decision = m_autoscaler->observe(m_processes->elapsedMs(), nodes, nodes ? cpu / nodes : 0,
                                                withRate ? req / withRate : 0);
    if (!decision)
        return;
    notify(FleetEvent::Kind::Autoscale, pool, decision->reason);
    m_scaling = true;
    scale(pool, decision->targetNodes, [this, pool](Result<void> r) {
        m_scaling = false;
        if (!r.ok())
            notify(FleetEvent::Kind::AutoscaleFailed, pool, r.error());
    });
}

NodeFigures FleetSupervisor::figuresOf(const QString &node) const
{
    const std::optional<NodeFigures> f = m_collector ? m_collector->figures(node) : std::nullopt;
    return f.value_or(NodeFigures{});
}

void FleetSupervisor::syncCollector()
{
    if (!m_collector)
        return;
    QList<ScrapeTarget> targets;
    for (const FleetNode *n : m_processes->all())
        if (n->kind == FleetNode::Kind::Turno && !n->removing)
            targets << ScrapeTarget{n->name, QUrl(QStringLiteral("http://127.0.0.1:%1/metrics").arg(n->port))};
    // HAProxy's own Prometheus exporter: the frontend's rate and errors and each node's share.
    if (m_prometheusPort)
        targets << ScrapeTarget{QStringLiteral("haproxy"), QUrl(QStringLiteral("http://127.0.0.1:%1/metrics").arg(m_prometheusPort))};
    m_collector->setTargets(targets);
}

void FleetSupervisor::drain(const QString &nodeName, std::function<void(Result<void>)> done)
{
    m_balancer->drain(nodeName, std::move(done));
}

void FleetSupervisor::enable(const QString &nodeName, std::function<void(Result<void>)> done)
{
    m_balancer->enable(nodeName, std::move(done));
}

void FleetSupervisor::setWeight(const QString &nodeName, int weight, std::function<void(Result<void>)> done)
{
    m_balancer->setWeight(nodeName, weight, std::move(done));
}

void FleetSupervisor::scale(const QString &pool, int count, std::function<void(Result<void>)> done)
{
    if (m_state != State::Ready)
        return done(Error{QStringLiteral("cluster %1 is %2; scale needs a ready cluster").arg(m_profile.name, stateName())});
    if (pool != QLatin1String("primary") && pool != QLatin1String("secondary"))
        return done(Error{QStringLiteral("unknown pool \"%1\"; use primary or secondary").arg(pool)});
    if (count < 0 || count > 64 || (pool == QLatin1String("primary") && count < 1))
        return done(Error{QStringLiteral("cannot scale %1 to %2 nodes; use 1-64 for primary, 0-64 for secondary").arg(pool).arg(count)});
    if (m_profile.store == QLatin1String("memory") && count + m_profile.totalNodes() - m_profile.pool(pool)->nodes > 1)
        return done(Error{QStringLiteral("the memory store allows exactly one node; switch the profile to \"store\": \"redis\" to scale")});
    m_balancer->scaleTo(pool, count, std::move(done));
}

void FleetSupervisor::setAlgorithm(const QString &algorithm, std::function<void(Result<void>)> done)
{
    if (m_state != State::Ready)
        return done(Error{QStringLiteral("cluster %1 is %2; switching the algorithm needs a ready cluster").arg(m_profile.name, stateName())});
    if (algorithm != QLatin1String("roundrobin") && algorithm != QLatin1String("weighted") && algorithm != QLatin1String("leastconn"))
        return done(Error{QStringLiteral("unknown algorithm \"%1\"; use roundrobin, weighted or leastconn").arg(algorithm)});
    m_balancer->setAlgorithm(algorithm, std::move(done));
}

void FleetSupervisor::status(std::function<void(QJsonObject)> done)
{
    m_balancer->showStat([this, done](const QList<HaproxyStatRow> &rows, const QString &haproxyError) {
        ClusterStatusInput in;
        in.layout = layout();
        in.state = stateName();
        in.readyMs = m_readyMs;
        in.rows = rows;
        in.balancerError = haproxyError;
        in.figures = [this](const QString &node) { return figuresOf(node); };
        in.balancer = m_balancerFigures;
        if (m_balancerLog && m_balancerLogPort)
            in.frontendLog = m_balancerLog->last();
        in.frontendLogError = m_balancerLogError;
        done(ClusterStatus::build(in));
    });
}

}  // namespace turno
