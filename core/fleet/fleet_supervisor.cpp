#include "fleet/fleet_supervisor.h"

#include "common/proc_sample.h"
#include "common/secret_file.h"
#include "fleet/autoscaler.h"
#include "fleet/cluster_status.h"
#include "fleet/config_renderer.h"
#include "fleet/managed_process.h"
#include "fleet/restart_policy.h"
#include "scrape/node_collector.h"

#include <QCoreApplication>
#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QJsonArray>
#include <QRandomGenerator>
#include <QStandardPaths>
#include <QTimer>
#include <arpa/inet.h>
#include <cerrno>
#include <cmath>
#include <csignal>
#include <cstring>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

namespace turno {

namespace {

constexpr int kReadyTimeoutMs = 15000;
constexpr int kProbeIntervalMs = 25;
const QString kBackend = ClusterLayout::backendName();

// Binds 127.0.0.1:port (0 = any) to learn whether a listener could take it.
quint16 tryBind(quint16 port)
{
    const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return 0;
    // Like the servers that will bind it (they all set SO_REUSEADDR): a port
    // with only TIME_WAIT connections left from a stopped cluster is free.
    const int one = 1;
    ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    a.sin_port = htons(port);
    quint16 got = 0;
    if (::bind(fd, reinterpret_cast<sockaddr *>(&a), sizeof a) == 0) {
        socklen_t len = sizeof a;
        ::getsockname(fd, reinterpret_cast<sockaddr *>(&a), &len);
        got = ntohs(a.sin_port);
    }
    ::close(fd);
    return got;
}

bool writeFile(const QString &path, const QByteArray &data, QFile::Permissions perms, QString *why)
{
    QFile f(path);
    if (!f.open(QIODevice::WriteOnly | QIODevice::Truncate) || f.write(data) != data.size()) {
        *why = QStringLiteral("cannot write %1: %2").arg(path, f.errorString());
        return false;
    }
    f.setPermissions(perms);
    return true;
}

QString findSystemProgram(const QString &name)
{
    QString p = QStandardPaths::findExecutable(name);
    if (p.isEmpty())
        p = QStandardPaths::findExecutable(name, {QStringLiteral("/usr/sbin"), QStringLiteral("/usr/bin"), QStringLiteral("/sbin")});
    return p;
}

}  // namespace

FleetSupervisor::FleetSupervisor(QObject *parent) : QObject(parent)
{
    qRegisterMetaType<turno::FleetEvent>();
    m_clock.start();
    m_sampler = new QTimer(this);
    // Nodes come and go (scale, autoscale): the collector follows.
    connect(this, &FleetSupervisor::nodesChanged, this, [this] {
        if (m_collector && m_collector->running())
            syncCollector();
    });
    connect(m_sampler, &QTimer::timeout, this, &FleetSupervisor::sampleResources);
}

FleetSupervisor::~FleetSupervisor()
{
    // Each ManagedProcess SIGKILLs its group when destroyed; nothing outlives us.
    // Processes go first, unheard, so no exit handler sees a deleted node.
    for (FleetNode *n : std::as_const(m_nodes)) {
        if (n->process) {
            n->process->disconnect(this);
            delete n->process;
        }
    }
    qDeleteAll(m_nodes);
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

QString FleetSupervisor::haproxySocket() const
{
    return layout().haproxySocket();
}

QString FleetSupervisor::generationSocket() const
{
    return layout().generationSocket();
}

QList<const FleetNode *> FleetSupervisor::nodes() const
{
    QList<const FleetNode *> out;
    for (const FleetNode *n : m_nodes)
        out << n;
    return out;
}

const FleetNode *FleetSupervisor::node(const QString &name) const
{
    for (const FleetNode *n : m_nodes)
        if (n->name == name)
            return n;
    return nullptr;
}

ManagedProcess *FleetSupervisor::process(const QString &name) const
{
    const FleetNode *n = node(name);
    return n ? n->process : nullptr;
}

Result<quint16> FleetSupervisor::allocatePort(const QString &what, quint16 wanted, const QString &profileKey)
{
    auto reserve = [this](quint16 p) -> Result<quint16> {
        m_reservedPorts << p;
        return p;
    };
    if (wanted == 0) {
        for (int attempt = 0; attempt < 50; ++attempt) {
            const quint16 p = tryBind(0);
            if (p != 0 && !m_reservedPorts.contains(p))
                return reserve(p);
        }
        return Error{QStringLiteral("no free loopback port for %1").arg(what)};
    }
    quint16 p = wanted;
    for (int attempt = 0; attempt < 200 && p != 0; ++attempt, ++p) {
        if (!m_reservedPorts.contains(p) && tryBind(p) == p)
            return reserve(p);
        if (m_profile.portsOnConflict != QLatin1String("next"))
            return Error{QStringLiteral("port 127.0.0.1:%1 for %2 is in use. Stop whatever listens there (ss -ltnp "
                                        "'sport = :%1' shows it), change %3 in %4, or set ports.onConflict to \"next\" "
                                        "to take the next free port")
                             .arg(p).arg(what, profileKey, m_profile.sourceFile.isEmpty() ? QStringLiteral("the profile")
                                                                                          : m_profile.sourceFile)};
    }
    return Error{QStringLiteral("no free port from %1 upwards for %2").arg(wanted).arg(what)};
}

FleetNode *FleetSupervisor::addNode(const QString &name, FleetNode::Kind kind, const QString &pool, quint16 port, int weight)
{
    auto *n = new FleetNode;
    n->name = name;
    n->kind = kind;
    n->pool = pool;
    n->port = port;
    n->weight = weight;
    m_nodes << n;
    return n;
}

QString FleetSupervisor::redisAuth() const
{
    return m_password;
}

Result<void> FleetSupervisor::start(const ClusterProfile &profile, const QString &runDir)
{
    if (m_state == State::Starting || m_state == State::Ready || m_state == State::Stopping)
        return Error{QStringLiteral("cluster \"%1\" is already %2 (run dir %3)").arg(m_profile.name, stateName(), m_runDir)};
    const Result<void> valid = ProfileLoader::validate(profile);
    if (!valid.ok())
        return Error{QStringLiteral("%1: %2").arg(profile.sourceFile, valid.error())};
    qDeleteAll(m_nodes);
    m_nodes.clear();
    m_reservedPorts.clear();
    m_profile = profile;
    m_runDir = QDir(runDir).absolutePath();
    m_readyMs = -1;
    ++m_generation;
    m_phaseClock.start();
    delete m_collector;
    HttpScraper::Options scrape;
    scrape.intervalMs = profile.scrapeIntervalMs;
    // A scrape gives up before the next one is due.
    scrape.timeoutMs = std::max(100, std::min(900, profile.scrapeIntervalMs * 9 / 10));
    m_collector = new NodeCollector(scrape, this);

    if (!QDir().mkpath(m_runDir))
        return Error{QStringLiteral("cannot create the run directory %1; pass --run-dir DIR").arg(m_runDir)};
    QFile::setPermissions(m_runDir, QFile::ReadOwner | QFile::WriteOwner | QFile::ExeOwner);
    if (haproxySocket().toLocal8Bit().size() >= 100)
        return Error{QStringLiteral("run directory %1 is too long for a UNIX socket path; pass a shorter --run-dir").arg(m_runDir)};

    // The counters live on in the run directory (AOF): a supervisor that died
    // (kill -9 of the console) and starts again resumes them, with the Redis
    // that was primary then as the primary again, so no number is handed out twice.
    m_redisPrimary = QStringLiteral("redis-primary");
    if (embeddedRedis() && profile.redisReplica) {
        QFile last(m_runDir + QStringLiteral("/redis-primary.state"));
        if (last.open(QIODevice::ReadOnly) && last.readAll().trimmed() == "redis-replica")
            m_redisPrimary = QStringLiteral("redis-replica");
    }
    // Each step only once the one before it passed.
    for (Result<void> (FleetSupervisor::*step)() : {&FleetSupervisor::readPassword, &FleetSupervisor::planNodes,
                                                    &FleetSupervisor::checkPrograms, &FleetSupervisor::writeConfigs})
        if (const Result<void> r = (this->*step)(); !r.ok())
            return r;

    if (!m_haproxy)
        m_haproxy = new HaproxyRuntime(haproxySocket(), this);
    m_state = State::Starting;
    notify(FleetEvent::Kind::ClusterStarting, {}, QStringLiteral("cluster %1 starting in %2").arg(m_profile.name, m_runDir));
    saveProfileState();
    QTimer::singleShot(0, this, &FleetSupervisor::phaseRedis);
    return {};
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
    const Result<quint16> b = allocatePort(QStringLiteral("the balancer frontend"), profile.balancerListen.port,
                                           QStringLiteral("balancer.listen"));
    if (!b.ok())
        return Error{b.error()};
    m_balancerPort = b.value();
    const bool fixed = profile.portsMode == QLatin1String("fixed");
    quint16 next = quint16(profile.portsBase);
    QString portError;
    // In fixed mode ports are handed out in order from ports.base; the first refusal is reported.
    auto take = [&](const QString &what) -> quint16 {
        const Result<quint16> r = allocatePort(what, fixed ? next : 0, QStringLiteral("ports.base"));
        if (r.ok() && fixed)
            next = quint16(r.value() + 1);
        if (!r.ok() && portError.isEmpty())
            portError = r.error();
        return r.ok() ? r.value() : 0;
    };
    m_prometheusPort = take(QStringLiteral("HAProxy's Prometheus exporter"));
    if (embeddedRedis()) {
        addNode(QStringLiteral("redis-primary"), FleetNode::Kind::RedisPrimary, {}, take(QStringLiteral("redis-primary")), 0);
        if (profile.redisReplica)
            addNode(QStringLiteral("redis-replica"), FleetNode::Kind::RedisReplica, {}, take(QStringLiteral("redis-replica")), 0);
        for (int i = 1; i <= profile.sentinelCount; ++i) {
            const QString name = QStringLiteral("sentinel-%1").arg(i);
            addNode(name, FleetNode::Kind::Sentinel, {}, take(name), 0);
        }
    }
    for (const PoolSpec *pool : {&profile.primary, &profile.secondary}) {
        for (int i = 0; i < pool->nodes; ++i) {
            const QString name = QStringLiteral("%1-%2").arg(pool->name).arg(i + 1);
            const int w = profile.algorithm == QLatin1String("roundrobin") ? 1 : pool->weights.value(i, 1);
            addNode(name, FleetNode::Kind::Turno, pool->name, take(name), w);
        }
    }
    addNode(QStringLiteral("haproxy"), FleetNode::Kind::Haproxy, {}, m_balancerPort, 0);
    if (!portError.isEmpty())
        return Error{portError};
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
    l.password = m_password;
    l.redisPrimary = m_redisPrimary;
    l.balancerGeneration = m_balancerGeneration;
    for (const FleetNode *n : m_nodes)
        l.nodes << n;
    return l;
}

Result<void> FleetSupervisor::writeConfigs()
{
    QString why;
    const auto own = QFile::ReadOwner | QFile::WriteOwner;
    const ClusterLayout l = layout();
    if (!m_password.isEmpty() && !writeFile(l.passwordFile(), m_password.toUtf8() + '\n', own, &why))
        return Error{why};
    // server.debugToken: a fresh token per start for the nodes' /debug/* endpoints.
    if (m_profile.debugToken &&
        !writeFile(l.debugTokenFile(),
                   QByteArray::number(QRandomGenerator::system()->generate64(), 16).rightJustified(16, '0') +
                       QByteArray::number(QRandomGenerator::system()->generate64(), 16).rightJustified(16, '0') + '\n',
                   own, &why))
        return Error{why};
    for (const FleetNode *n : std::as_const(m_nodes)) {
        QDir().mkpath(l.nodeDir(n->name));
        if (n->kind == FleetNode::Kind::Turno)
            continue;
        if (!writeFile(l.configFile(*n), ConfigRenderer::configFor(l, *n), own, &why))
            return Error{why};
    }
    return {};
}

ManagedProcess *FleetSupervisor::createProcess(FleetNode *n, const QString &program, const QStringList &args)
{
    auto *p = new ManagedProcess(n->name, program, args, m_runDir + QLatin1Char('/') + n->name + QStringLiteral(".log"), this);
    p->setWorkingDirectory(m_runDir + QLatin1Char('/') + n->name);
    if (m_profile.passwordSource == QLatin1String("env") && !m_password.isEmpty())
        p->setExtraEnvironment({QStringLiteral("TURNO_REDIS_PASSWORD=") + m_password});
    connect(p, &ManagedProcess::exited, this, [this, n](int status, bool expected) { onExited(n, status, expected); });
    connect(p, &ManagedProcess::failedToStart, this, [this, n](const QString &why) {
        n->state = NodeState::Failed;
        notify(FleetEvent::Kind::NodeStartFailed, n->name, why);
        if (m_state == State::Starting)
            fail(why);
    });
    return p;
}

void FleetSupervisor::launch(FleetNode *n)
{
    QString program;
    QStringList args;
    const QString dir = m_runDir + QLatin1Char('/') + n->name;
    QDir().mkpath(dir);
    switch (n->kind) {
    case FleetNode::Kind::RedisPrimary:
    case FleetNode::Kind::RedisReplica: {
        program = findSystemProgram(QStringLiteral("redis-server"));
        args << dir + QStringLiteral("/redis.conf");
        // Whatever its configured role: anything but the current primary starts as its replica
        // (after a failover the original primary comes back as the new primary's replica).
        const FleetNode *primary = node(m_redisPrimary);
        if (primary && primary != n)
            args << QStringLiteral("--replicaof") << QStringLiteral("127.0.0.1") << QString::number(primary->port);
        else
            args << QStringLiteral("--replicaof") << QStringLiteral("no") << QStringLiteral("one");
        break;
    }
    case FleetNode::Kind::Sentinel:
        program = findSystemProgram(QStringLiteral("redis-sentinel"));
        args << dir + QStringLiteral("/sentinel.conf");
        break;
    case FleetNode::Kind::Haproxy: {
        // Regenerated on every start so runtime changes (scale, weights) survive a restart;
        // a server-state file left by an earlier reload would undo them.
        QString why;
        writeFile(dir + QStringLiteral("/server-state"), "1\n", QFile::ReadOwner | QFile::WriteOwner, &why);
        writeFile(dir + QStringLiteral("/haproxy.cfg"), ConfigRenderer::haproxyCfg(layout()), QFile::ReadOwner | QFile::WriteOwner, &why);
        program = findSystemProgram(QStringLiteral("haproxy"));
        args << QStringLiteral("-db") << QStringLiteral("-f") << dir + QStringLiteral("/haproxy.cfg");
        break;
    }
    case FleetNode::Kind::Turno:
        program = m_profile.serverBinary;
        args = ConfigRenderer::turnoArgs(layout(), *n);
        break;
    }
    if (!n->process)
        n->process = createProcess(n, program, args);
    n->process->setCommand(program, args);
    n->state = NodeState::Starting;
    n->lastCpuTicks = -1;
    n->process->start();
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
    QString why;
    if (!writeFile(m_runDir + QStringLiteral("/redis-primary.state"), name.toUtf8() + '\n', QFile::ReadOwner | QFile::WriteOwner, &why))
        notify(FleetEvent::Kind::StateNotSaved, name, why);
    emit nodesChanged();
}

QList<quint16> FleetSupervisor::sentinelPorts() const
{
    QList<quint16> ports;
    for (const FleetNode *n : m_nodes)
        if (n->kind == FleetNode::Kind::Sentinel)
            ports << n->port;
    return ports;
}

void FleetSupervisor::restartRedisAsReplica(const QString &name, std::function<void(Result<void>)> done)
{
    FleetNode *n = nullptr;
    for (FleetNode *c : std::as_const(m_nodes))
        if (c->name == name)
            n = c;
    if (!n || (n->kind != FleetNode::Kind::RedisPrimary && n->kind != FleetNode::Kind::RedisReplica))
        return done(Error{QStringLiteral("no embedded Redis node named \"%1\"").arg(name)});
    if (name == m_redisPrimary)
        return done(Error{QStringLiteral("%1 is the current primary; it is never restarted as a replica of itself").arg(name)});
    if (m_state != State::Ready)
        return done(Error{QStringLiteral("the cluster is %1, not ready").arg(stateName())});
    if (n->process && n->process->running())
        return done({});
    launch(n);
    waitUntil(n->name, ReadinessProbe::redisPing(this, n->port, m_password), kReadyTimeoutMs, [this, n, done](bool ok) {
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
    m_state = State::Failed;
    ++m_generation;
    notify(FleetEvent::Kind::ClusterStartFailed, {}, message);
    // Leave nothing half-started behind.
    QList<FleetNode *> all = m_nodes;
    stopNodes(all, 1000, [this, message] { emit startFailed(message); });
}

void FleetSupervisor::waitUntil(const QString &what, Check check, int timeoutMs, std::function<void(bool)> done)
{
    Q_UNUSED(what);
    // A stop or a new start (generation) makes every wait of the old one moot.
    const int generation = m_generation;
    ReadinessProbe::waitUntil(this, std::move(check), timeoutMs, kProbeIntervalMs,
                              [this, generation] { return generation == m_generation; }, std::move(done));
}

void FleetSupervisor::watchReady(FleetNode *n, Check check, const QString &hint, std::function<void()> then)
{
    waitUntil(n->name, check, kReadyTimeoutMs, [this, n, hint, then](bool ok) {
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
    for (FleetNode *n : std::as_const(m_nodes)) {
        if (n->kind == FleetNode::Kind::RedisPrimary || n->kind == FleetNode::Kind::RedisReplica)
            (n->name == m_redisPrimary ? primary : replica) = n;
        else if (n->kind == FleetNode::Kind::Sentinel)
            sentinels << n;
    }
    m_startPending = int(m_nodes.size());
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
            launch(n);
            // Sentinels have no password of their own (auth-pass is for the primary).
            watchReady(n, ReadinessProbe::redisPing(this, n->port, {}), QStringLiteral(" (no PONG)"), coreReady);
        }
    };
    launch(primary);
    watchReady(primary, ReadinessProbe::redisPing(this, primary->port, m_password), QStringLiteral(" (no PONG)"), [this, primary, replica, coreReady, startSentinels] {
        if (replica) {
            launch(replica);
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
    for (FleetNode *n : std::as_const(m_nodes)) {
        if (n->kind == FleetNode::Kind::Turno) {
            names << n->name;
            launch(n);
            watchReady(n, ReadinessProbe::turnoReady(this, n->port), QStringLiteral(" (GET /readyz did not answer 200)"), {});
        } else if (n->kind == FleetNode::Kind::Haproxy) {
            haproxy = n;
        }
    }
    launch(haproxy);
    watchReady(haproxy, ReadinessProbe::haproxyServersUp(m_haproxy, kBackend, names), QStringLiteral(" (not every turno server was UP in its health checks)"), {});
}

void FleetSupervisor::probeThroughBalancer()
{
    // Ready means a user gets a number: one real request through the frontend,
    // on an id of its own so no user counter moves.
    FleetNode *haproxy = nullptr;
    for (FleetNode *n : std::as_const(m_nodes))
        if (n->kind == FleetNode::Kind::Haproxy)
            haproxy = n;
    waitUntil(QStringLiteral("balancer"), ReadinessProbe::answers200(this, m_balancerPort, "/turno/turno-ops-readiness-probe"),
              kReadyTimeoutMs, [this, haproxy](bool ok) {
        if (m_state != State::Starting)
            return;
        if (!ok) {
            fail(QStringLiteral("GET /turno through the balancer on 127.0.0.1:%1 did not answer 200 within %2 s; see %3 "
                                "and the turno server logs in %4")
                     .arg(m_balancerPort).arg(kReadyTimeoutMs / 1000).arg(haproxy->process->logFile(), m_runDir));
            return;
        }
        m_state = State::Ready;
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

void FleetSupervisor::onExited(FleetNode *n, int status, bool expected)
{
    const QString how = status < 0 ? QStringLiteral("killed by signal %1").arg(-status) : QStringLiteral("exit code %1").arg(status);
    if (expected || m_state == State::Stopping || m_state == State::Stopped || m_state == State::Failed || n->removing) {
        n->state = NodeState::Stopped;
        emit nodesChanged();
        return;
    }
    notify(FleetEvent::Kind::NodeExited, n->name,
               QStringLiteral("%1 exited unexpectedly (%2); log %3").arg(n->name, how, n->process->logFile()));
    if (m_state == State::Starting) {
        // A process that dies while the cluster comes up has a configuration or port problem: restarting hides it.
        n->state = NodeState::Failed;
        fail(QStringLiteral("%1 exited while the cluster was starting (%2); see %3. Last output:\n%4")
                 .arg(n->name, how, n->process->logFile(), QString::fromLocal8Bit(n->process->outputTail(10))));
        return;
    }
    if ((n->kind == FleetNode::Kind::RedisPrimary || n->kind == FleetNode::Kind::RedisReplica) && n->name == m_redisPrimary) {
        n->state = NodeState::Down;
        // Restarting it as primary could hand out numbers the replica never saw; promotion is the failover's job.
        notify(FleetEvent::Kind::RedisPrimaryDown, n->name,
                   QStringLiteral("the Redis primary is down and is not restarted as primary; promote the replica "
                                  "(turnoctl failover, or Sentinel does it after %1 ms)")
                       .arg(m_profile.sentinelDownAfterMs));
        emit nodesChanged();
        return;
    }
    const RestartDecision decision = RestartPolicy::onExit(n->restartTimes, n->consecutiveRestarts, m_clock.elapsed(), m_profile);
    if (decision.giveUp) {
        n->state = NodeState::Failed;
        notify(FleetEvent::Kind::GaveUp, n->name,
                   QStringLiteral("%1 exited %2 times within %3 s; not restarting it any more. Read %4, fix the "
                                  "cause, then restart the cluster")
                       .arg(n->name).arg(decision.exits).arg(m_profile.restartWindowS).arg(n->process->logFile()));
        emit nodesChanged();
        return;
    }
    const int backoff = decision.backoffMs;
    n->state = NodeState::Restarting;
    notify(FleetEvent::Kind::NodeRestarting, n->name,
               QStringLiteral("restarting %1 in %2 ms (restart %3 of at most %4 within %5 s)")
                   .arg(n->name).arg(backoff).arg(decision.restarts).arg(m_profile.restartLimit).arg(m_profile.restartWindowS));
    emit nodesChanged();
    const int generation = m_generation;
    QTimer::singleShot(backoff, this, [this, n, generation] {
        if (generation != m_generation || (m_state != State::Ready && m_state != State::Starting) || n->removing)
            return;
        launch(n);
        Check check = n->kind == FleetNode::Kind::Turno ? ReadinessProbe::turnoReady(this, n->port)
                      : n->kind == FleetNode::Kind::Haproxy ? ReadinessProbe::haproxyServersUp(m_haproxy, kBackend, {})
                      : n->kind == FleetNode::Kind::Sentinel ? ReadinessProbe::redisPing(this, n->port, {})
                                                             : ReadinessProbe::redisPing(this, n->port, m_password);
        waitUntil(n->name, check, kReadyTimeoutMs, [this, n](bool ok) {
            if (!ok) {
                notify(FleetEvent::Kind::NodeNotReady, n->name,
                           QStringLiteral("%1 restarted but was not ready within %2 s; see %3")
                               .arg(n->name).arg(kReadyTimeoutMs / 1000).arg(n->process->logFile()));
                return;
            }
            n->state = NodeState::Running;
            n->consecutiveRestarts = 0;
            notify(FleetEvent::Kind::NodeRestarted, n->name,
                       QStringLiteral("%1 is back on 127.0.0.1:%2, pid %3").arg(n->name).arg(n->port).arg(n->process->pid()));
            emit nodesChanged();
        });
    });
}

void FleetSupervisor::stopNodes(QList<FleetNode *> nodes, int graceMs, std::function<void()> done)
{
    QList<FleetNode *> running;
    for (FleetNode *n : nodes)
        if (n->process && n->process->running())
            running << n;
    if (running.isEmpty()) {
        QTimer::singleShot(0, this, done);
        return;
    }
    auto pending = std::make_shared<int>(int(running.size()));
    for (FleetNode *n : running) {
        n->state = NodeState::Stopping;
        connect(n->process, &ManagedProcess::exited, this, [pending, done](int, bool) {
            if (--*pending == 0)
                done();
        }, Qt::SingleShotConnection);
        n->process->stop(graceMs);
    }
}

void FleetSupervisor::stop()
{
    if (m_state == State::Stopping)
        return;
    if (m_state == State::Idle || m_state == State::Stopped || m_state == State::Failed) {
        m_state = State::Stopped;
        QTimer::singleShot(0, this, [this] { emit stopped(0); });
        return;
    }
    m_state = State::Stopping;
    ++m_generation;
    m_sampler->stop();
    if (m_collector)
        m_collector->stop();
    m_phaseClock.restart();
    notify(FleetEvent::Kind::ClusterStopping, {}, QStringLiteral("stopping cluster %1").arg(m_profile.name));
    QList<FleetNode *> turno, edge, replica, primary;
    QStringList drainCommands;
    for (FleetNode *n : std::as_const(m_nodes)) {
        switch (n->kind) {
        case FleetNode::Kind::Turno:
            turno << n;
            drainCommands << QStringLiteral("set server %1/%2 state drain").arg(kBackend, n->name);
            break;
        case FleetNode::Kind::Haproxy:
        case FleetNode::Kind::Sentinel: edge << n; break;
        case FleetNode::Kind::RedisReplica:
        case FleetNode::Kind::RedisPrimary: (n->name == m_redisPrimary ? primary : replica) << n; break;
        }
    }
    const int nodeGrace = m_profile.drainTimeoutMs + 1000;
    auto afterDrain = [this, turno, edge, replica, primary, nodeGrace] {
        stopNodes(turno, nodeGrace, [this, edge, replica, primary] {
            stopNodes(edge, 2000, [this, replica, primary] {
                stopNodes(replica, 2000, [this, primary] { stopNodes(primary, 2000, [this] { finishStop(); }); });
            });
        });
    };
    const FleetNode *haproxy = node(QStringLiteral("haproxy"));
    if (haproxy && haproxy->process && haproxy->process->running() && !drainCommands.isEmpty())
        m_haproxy->send(drainCommands.join(QStringLiteral("; ")), [afterDrain](Result<QByteArray>) { afterDrain(); }, 500);
    else
        afterDrain();
}

void FleetSupervisor::finishStop()
{
    m_state = State::Stopped;
    QFile::remove(haproxySocket());
    const qint64 ms = m_phaseClock.elapsed();
    notify(FleetEvent::Kind::ClusterStopped, {}, QStringLiteral("cluster %1 stopped in %2 ms").arg(m_profile.name).arg(ms));
    emit nodesChanged();
    emit stopped(ms);
}

void FleetSupervisor::sampleResources()
{
    const qint64 now = m_clock.elapsed();
    for (FleetNode *n : std::as_const(m_nodes)) {
        if (!n->process || !n->process->running()) {
            n->cpuPercent = 0;
            n->rssBytes = 0;
            continue;
        }
        const Result<ProcSample> sample = ProcSample::read(n->process->pid());
        if (!sample.ok())
            continue;
        const qint64 ticks = sample.value().cpuTicks;
        n->rssBytes = sample.value().rssKiB * 1024;
        if (n->lastCpuTicks >= 0 && now > n->lastCpuSampleMs)
            n->cpuPercent = 100.0 * double(ticks - n->lastCpuTicks) / double(ProcSample::ticksPerSecond()) /
                            (double(now - n->lastCpuSampleMs) / 1000.0);
        n->lastCpuTicks = ticks;
        n->lastCpuSampleMs = now;
    }
    autoscaleTick();
}

void FleetSupervisor::autoscaleTick()
{
    if (!m_autoscaler || m_state != State::Ready || m_scaling)
        return;
    const QString pool = m_profile.autoscalePool;
    int nodes = 0, withRate = 0;
    double cpu = 0, req = 0;
    for (const FleetNode *n : std::as_const(m_nodes)) {
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
    const auto decision = m_autoscaler->observe(m_clock.elapsed(), nodes, nodes ? cpu / nodes : 0,
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
    for (const FleetNode *n : std::as_const(m_nodes))
        if (n->kind == FleetNode::Kind::Turno && !n->removing)
            targets << ScrapeTarget{n->name, QUrl(QStringLiteral("http://127.0.0.1:%1/metrics").arg(n->port))};
    // HAProxy's own Prometheus exporter: the frontend's rate and errors and each node's share.
    if (m_prometheusPort)
        targets << ScrapeTarget{QStringLiteral("haproxy"), QUrl(QStringLiteral("http://127.0.0.1:%1/metrics").arg(m_prometheusPort))};
    m_collector->setTargets(targets);
}

void FleetSupervisor::saveProfileState()
{
    // Runtime changes (weights, pool sizes) go back into the profile so a restart keeps them.
    for (PoolSpec *pool : {&m_profile.primary, &m_profile.secondary}) {
        pool->weights.clear();
        for (const FleetNode *n : std::as_const(m_nodes))
            if (n->kind == FleetNode::Kind::Turno && n->pool == pool->name && !n->removing)
                pool->weights << n->weight;
        pool->nodes = int(pool->weights.size());
    }
    if (m_profile.algorithm == QLatin1String("roundrobin")) {
        bool uniform = true;
        for (const FleetNode *n : std::as_const(m_nodes))
            uniform = uniform && (n->kind != FleetNode::Kind::Turno || n->weight == 1);
        if (!uniform)
            m_profile.algorithm = QStringLiteral("weighted");
    }
    QString why;
    writeFile(m_runDir + QStringLiteral("/profile.json"), ProfileLoader::toJson(m_profile),
              QFile::ReadOwner | QFile::WriteOwner, &why);
}

FleetNode *FleetSupervisor::turnoNode(const QString &name, QString *why)
{
    for (FleetNode *n : std::as_const(m_nodes))
        if (n->name == name && n->kind == FleetNode::Kind::Turno && !n->removing)
            return n;
    QStringList names;
    for (const FleetNode *n : std::as_const(m_nodes))
        if (n->kind == FleetNode::Kind::Turno && !n->removing)
            names << n->name;
    *why = QStringLiteral("no turno node named \"%1\" in cluster %2; nodes: %3")
               .arg(name, m_profile.name, names.join(QStringLiteral(", ")));
    return nullptr;
}

void FleetSupervisor::drain(const QString &nodeName, std::function<void(Result<void>)> done)
{
    QString why;
    FleetNode *n = turnoNode(nodeName, &why);
    if (!n)
        return done(Error{why});
    m_haproxy->drain(kBackend, n->name, [this, n, done](Result<void> r) {
        if (r.ok())
            notify(FleetEvent::Kind::NodeDrained, n->name, QStringLiteral("%1 drained at HAProxy").arg(n->name));
        done(r);
    });
}

void FleetSupervisor::enable(const QString &nodeName, std::function<void(Result<void>)> done)
{
    QString why;
    FleetNode *n = turnoNode(nodeName, &why);
    if (!n)
        return done(Error{why});
    m_haproxy->enable(kBackend, n->name, [this, n, done](Result<void> r) {
        if (r.ok())
            notify(FleetEvent::Kind::NodeEnabled, n->name, QStringLiteral("%1 enabled at HAProxy").arg(n->name));
        done(r);
    });
}

void FleetSupervisor::setWeight(const QString &nodeName, int weight, std::function<void(Result<void>)> done)
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
    int current = 0;
    for (const FleetNode *n : std::as_const(m_nodes))
        if (n->kind == FleetNode::Kind::Turno && n->pool == pool && !n->removing)
            ++current;
    if (count > current)
        scaleUp(pool, count - current, done);
    else if (count < current)
        scaleDown(pool, current - count, done);
    else
        done(Result<void>());
}

void FleetSupervisor::scaleUp(const QString &pool, int count, std::function<void(Result<void>)> done)
{
    if (count == 0) {
        saveProfileState();
        return done(Result<void>());
    }
    int index = 0;
    for (const FleetNode *n : std::as_const(m_nodes))
        if (n->kind == FleetNode::Kind::Turno && n->pool == pool)
            index = std::max(index, n->name.section(QLatin1Char('-'), -1).toInt());
    const QString name = QStringLiteral("%1-%2").arg(pool).arg(index + 1);
    const Result<quint16> port = allocatePort(name, m_profile.portsMode == QLatin1String("fixed") ? quint16(m_profile.portsBase) : 0,
                                              QStringLiteral("ports.base"));
    if (!port.ok())
        return done(Error{port.error()});
    FleetNode *n = addNode(name, FleetNode::Kind::Turno, pool, port.value(), 1);
    launch(n);
    waitUntil(name, ReadinessProbe::turnoReady(this, n->port), kReadyTimeoutMs, [this, n, pool, count, done](bool ok) {
        if (!ok) {
            n->removing = true;
            n->process->stop(1000);
            return done(Error{QStringLiteral("new node %1 was not ready within %2 s; see %3")
                                  .arg(n->name).arg(kReadyTimeoutMs / 1000).arg(n->process->logFile())});
        }
        n->state = NodeState::Running;
        const QString checks = QStringLiteral("check inter %1ms rise %2 fall %3")
                                   .arg(m_profile.healthIntervalMs).arg(m_profile.healthRise).arg(m_profile.healthFall);
        m_haproxy->addServer(kBackend, n->name, QStringLiteral("127.0.0.1:%1").arg(n->port), n->weight,
                             pool == QLatin1String("secondary"), checks, [this, n, pool, count, done](Result<void> r) {
            if (!r.ok()) {
                n->removing = true;
                n->process->stop(1000);
                return done(r);
            }
            notify(FleetEvent::Kind::Scaled, n->name, QStringLiteral("%1 added to pool %2 on 127.0.0.1:%3")
                                                              .arg(n->name, pool).arg(n->port));
            emit nodesChanged();
            scaleUp(pool, count - 1, done);
        });
    });
}

void FleetSupervisor::scaleDown(const QString &pool, int count, std::function<void(Result<void>)> done)
{
    if (count == 0) {
        saveProfileState();
        return done(Result<void>());
    }
    FleetNode *victim = nullptr;
    for (FleetNode *n : std::as_const(m_nodes))
        if (n->kind == FleetNode::Kind::Turno && n->pool == pool && !n->removing &&
            (!victim || n->name.section(QLatin1Char('-'), -1).toInt() > victim->name.section(QLatin1Char('-'), -1).toInt()))
            victim = n;
    if (!victim)
        return done(Result<void>());
    FleetNode *n = victim;
    m_haproxy->drain(kBackend, n->name, [this, n, pool, count, done](Result<void> r) {
        if (!r.ok())
            return done(r);
        // Let in-flight requests finish before the server leaves HAProxy.
        const QString name = n->name;
        Check idle = [this, name](std::function<void(bool)> cb) {
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
        waitUntil(name, idle, 5000, [this, n, pool, count, done](bool) {
            n->removing = true;
            m_haproxy->removeServer(kBackend, n->name, [this, n, pool, count, done](Result<void> rr) {
                if (!rr.ok()) {
                    n->removing = false;
                    return done(rr);
                }
                stopNodes({n}, m_profile.drainTimeoutMs + 1000, [this, n, pool, count, done] {
                    m_nodes.removeOne(n);
                    m_reservedPorts.removeOne(n->port);
                    notify(FleetEvent::Kind::Scaled, n->name, QStringLiteral("%1 removed from pool %2").arg(n->name, pool));
                    n->process->deleteLater();
                    delete n;
                    emit nodesChanged();
                    scaleDown(pool, count - 1, done);
                });
            });
        });
    });
}

void FleetSupervisor::setAlgorithm(const QString &algorithm, std::function<void(Result<void>)> done)
{
    if (m_state != State::Ready)
        return done(Error{QStringLiteral("cluster %1 is %2; switching the algorithm needs a ready cluster").arg(m_profile.name, stateName())});
    if (algorithm != QLatin1String("roundrobin") && algorithm != QLatin1String("weighted") && algorithm != QLatin1String("leastconn"))
        return done(Error{QStringLiteral("unknown algorithm \"%1\"; use roundrobin, weighted or leastconn").arg(algorithm)});
    const QString before = m_profile.algorithm;
    m_profile.algorithm = algorithm;
    if (algorithm == QLatin1String("roundrobin"))
        for (FleetNode *n : std::as_const(m_nodes))
            if (n->kind == FleetNode::Kind::Turno)
                n->weight = 1;
    // HAProxy cannot change `balance` at runtime: reload, handing the listening sockets over.
    reloadBalancer([this, algorithm, before, done](Result<void> r) {
        if (!r.ok()) {
            m_profile.algorithm = before;
            return done(r);
        }
        saveProfileState();
        m_profile.algorithm = algorithm;  // saveProfileState may call uniform weights "weighted"
        saveProfileState();
        notify(FleetEvent::Kind::BalancerAlgorithm, QStringLiteral("haproxy"),
                   QStringLiteral("balancing switched from %1 to %2 without a restart").arg(before, algorithm));
        done(r);
    });
}

void FleetSupervisor::reloadBalancer(std::function<void(Result<void>)> done)
{
    FleetNode *n = nullptr;
    for (FleetNode *x : std::as_const(m_nodes))
        if (x->kind == FleetNode::Kind::Haproxy)
            n = x;
    if (!n || !n->process || !n->process->running())
        return done(Error{QStringLiteral("haproxy is not running; restart the cluster")});
    const QString dir = m_runDir + QStringLiteral("/haproxy");
    m_haproxy->send(QStringLiteral("show servers state"), [this, n, dir, done](Result<QByteArray> state) {
        QString why;
        if (state.ok() && state.value().startsWith("1"))
            writeFile(dir + QStringLiteral("/server-state"), state.value(), QFile::ReadOwner | QFile::WriteOwner, &why);
        ManagedProcess *old = n->process;
        const QString oldSocket = generationSocket();
        ++m_balancerGeneration;
        if (!writeFile(dir + QStringLiteral("/haproxy.cfg"), ConfigRenderer::haproxyCfg(layout()), QFile::ReadOwner | QFile::WriteOwner, &why))
            return done(Error{why});
        // -x takes the listening sockets from the running process: no connection is refused in between.
        ManagedProcess *fresh = createProcess(n, findSystemProgram(QStringLiteral("haproxy")),
                                              {QStringLiteral("-db"), QStringLiteral("-f"), dir + QStringLiteral("/haproxy.cfg"),
                                               QStringLiteral("-x"), haproxySocket()});
        fresh->start();
        QStringList names;
        for (const FleetNode *t : std::as_const(m_nodes))
            if (t->kind == FleetNode::Kind::Turno && !t->removing)
                names << t->name;
        // The new process owns the stats socket once `show info` reports its pid.
        auto *probe = new HaproxyRuntime(generationSocket(), fresh);
        Check takenOver = [probe, fresh, names](std::function<void(bool)> cb) {
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
        waitUntil(QStringLiteral("haproxy reload"), takenOver, kReadyTimeoutMs, [this, n, old, oldSocket, fresh, done](bool ok) {
            if (!ok) {
                fresh->disconnect(this);
                fresh->stop(500, SIGKILL);
                connect(fresh, &ManagedProcess::exited, fresh, &QObject::deleteLater);
                return done(Error{QStringLiteral("the reloaded haproxy did not take over within %1 s; the old one keeps "
                                                 "serving. See %2")
                                      .arg(kReadyTimeoutMs / 1000).arg(fresh->logFile())});
            }
            n->process = fresh;
            old->disconnect(this);
            connect(old, &ManagedProcess::exited, old, [old, oldSocket] {
                QFile::remove(oldSocket);
                old->deleteLater();
            });
            // Soft stop: it stops accepting, finishes what it holds (bounded by hard-stop-after).
            old->stop(3000, SIGUSR1);
            QStringList weights;
            for (const FleetNode *t : std::as_const(m_nodes))
                if (t->kind == FleetNode::Kind::Turno && !t->removing)
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

void FleetSupervisor::status(std::function<void(QJsonObject)> done)
{
    auto build = [this, done](const QList<HaproxyStatRow> &rows, const QString &haproxyError) {
        ClusterStatusInput in;
        in.layout = layout();
        in.state = stateName();
        in.readyMs = m_readyMs;
        in.rows = rows;
        in.balancerError = haproxyError;
        in.figures = [this](const QString &node) { return figuresOf(node); };
        done(ClusterStatus::build(in));
    };
    const FleetNode *haproxy = node(QStringLiteral("haproxy"));
    if (!haproxy || !haproxy->process || !haproxy->process->running())
        return build({}, QStringLiteral("haproxy is not running"));
    m_haproxy->send(QStringLiteral("show stat"), [build](Result<QByteArray> r) {
        if (!r.ok())
            return build({}, r.error());
        const auto rows = HaproxyRuntime::parseShowStat(r.value());
        build(rows.ok() ? rows.value() : QList<HaproxyStatRow>{}, rows.ok() ? QString() : rows.error());
    }, 1000);
}

}  // namespace turno
