// turnoctl up/down/status/scale/drain/enable/weight/logs: `up` is the
// supervising process (FleetSupervisor + ControlServer); the others are clients
// of its control socket, so killing them never disturbs the cluster.
#include "command_registry.h"
#include "option_parser.h"

#include "common/secret_file.h"
#include "control/control_client.h"
#include "control/control_server.h"
#include "fleet/cluster_profile.h"
#include "fleet/fleet_attach.h"
#include "fleet/prometheus_attach.h"
#include "fleet/fleet_supervisor.h"
#include "runtime/failover_commands.h"
#include "runtime/fleet_monitor.h"
#include "runtime/supervisor_handover.h"

#include <QCoreApplication>
#include <QDateTime>
#include <QDir>
#include <QElapsedTimer>
#include <QFileInfo>
#include <QProcessEnvironment>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QProcess>
#include <QSocketNotifier>
#include <QTextStream>
#include <QThread>
#include <cmath>
#include <csignal>
#include <fcntl.h>
#include <memory>
#include <optional>
#include <sys/socket.h>
#include <unistd.h>

namespace {

using turnoctl::ExitFailure;
using turnoctl::ExitOk;
using turnoctl::ExitUnavailable;
using turnoctl::ExitUsage;

using turnoctl::err;
using turnoctl::out;

// Rows (the header first) as left-aligned columns two spaces apart.
void printColumns(const QList<QStringList> &rows)
{
    QList<int> width(rows.isEmpty() ? 0 : rows.first().size(), 0);
    for (const QStringList &r : rows)
        for (int i = 0; i < r.size() && i < width.size(); ++i)
            width[i] = std::max(width[i], int(r[i].size()));
    for (const QStringList &r : rows) {
        QString line;
        for (int i = 0; i < r.size(); ++i)
            line += r[i].leftJustified((i < width.size() ? width[i] : 0) + 2);
        out() << line.trimmed() << "\n";
    }
}

const char *kLocation =
    "Finding the cluster: --run-dir DIR, else $TURNO_RUN_DIR, else the default run\n"
    "directory of --cluster NAME (default \"local\"): $XDG_RUNTIME_DIR/turno-ops/NAME,\n"
    "or /tmp/turno-ops-UID/NAME without XDG_RUNTIME_DIR. The supervisor's control\n"
    "socket is RUN_DIR/control.sock (mode 0600).\n";

// What the client commands share: where the cluster is, and a few flags; the rest are positional.
struct ClientArgs {
    QString runDir;
    QString cluster;
    bool json = false;
    int lines = 100;
    QStringList positional;
};

// A client command's table: the cluster's location, --json and --lines where
// they mean something (every client accepts all four, as always).
turnoctl::OptionParser clientOptions(const QString &command, const QString &synopsis, const QString &description, bool json = false,
                                     bool lines = false)
{
    turnoctl::OptionParser p(command, synopsis);
    p.describe(description)
        .option(QStringLiteral("--run-dir"), QStringLiteral("DIR"), QStringLiteral("the cluster's run directory"))
        .option(QStringLiteral("--cluster"), QStringLiteral("NAME"), QStringLiteral("the cluster's name, for its default run directory"));
    if (json)
        p.flag(QStringLiteral("--json"), QStringLiteral("the supervisor's answer as JSON"));
    else
        p.hiddenFlag(QStringLiteral("--json"));
    if (lines)
        p.option(QStringLiteral("--lines"), QStringLiteral("N"), QStringLiteral("how many of the last lines (default 100)"));
    else
        p.hiddenOption(QStringLiteral("--lines"), QStringLiteral("N"));
    p.epilogue(QString::fromLatin1(kLocation));
    return p;
}

// Parses a client command's line into *a; returns an exit code when parsing ends the command.
std::optional<int> parseClient(const turnoctl::OptionParser &parser, const QStringList &args, ClientArgs *a)
{
    turnoctl::ParsedArgs p;
    if (const std::optional<int> code = parser.parseOrExit(args, &p))
        return code;
    a->runDir = p.value(QStringLiteral("--run-dir"));
    a->cluster = p.value(QStringLiteral("--cluster"));
    a->json = p.has(QStringLiteral("--json"));
    if (p.has(QStringLiteral("--lines"))) {
        bool ok = false;
        a->lines = p.value(QStringLiteral("--lines")).toInt(&ok);
        if (!ok || a->lines < 1)
            return parser.usageError(QStringLiteral("--lines needs a positive number"));
    }
    a->positional = p.positional();
    return std::nullopt;
}

// Sends one request to the supervisor; prints the error and returns the exit code on failure.
int call(const char *name, const ClientArgs &a, const QJsonObject &req, QJsonObject *result, int timeoutMs = 15000)
{
    turno::ControlClient client(turno::ControlClient::resolveRunDir(a.runDir, a.cluster));
    const auto r = client.requestSync(req, timeoutMs);
    if (!r.ok()) {
        err() << "turnoctl " << name << ": " << r.error() << "\n";
        err().flush();
        return r.error().contains(QLatin1String("no cluster")) || r.error().contains(QLatin1String("nobody answers")) ||
                       r.error().contains(QLatin1String("did not answer"))
                   ? ExitUnavailable
                   : ExitFailure;
    }
    if (result)
        *result = r.value();
    return ExitOk;
}

// ---- up ---------------------------------------------------------------------

int g_signalPipe[2] = {-1, -1};

void onStopSignal(int)
{
    const char c = 1;
    [[maybe_unused]] auto n = ::write(g_signalPipe[1], &c, 1);
}

const QString kUpSynopsis = QStringLiteral(
    "up [--profile FILE] [--run-dir DIR] [--balancer ADDR:PORT] [--db FILE] [--detach] [--ready-timeout SECONDS]\n"
    "       up --adopt FILE");

const turnoctl::OptionParser &upOptions()
{
    static const turnoctl::OptionParser parser = [] {
        turnoctl::OptionParser p(QStringLiteral("up"), kUpSynopsis);
        p.describe(QStringLiteral(
             "Launches the cluster of the profile (default: resources/profiles/default.json, balancer on\n"
             "127.0.0.1:7017) and supervises it until `turnoctl down`, SIGINT or SIGTERM. With --detach\n"
             "the supervisor runs in the background and this command returns once the cluster is ready.\n"
             "Ready means a failover would pass its gate (Sentinel's quorum formed, the replica in sync,\n"
             "the other pool up), not only that every process runs: until then it says what it waits\n"
             "for; after --ready-timeout seconds (default 60) it gives up with exit 3 and says which\n"
             "check still fails (the cluster keeps running; `turnoctl down` stops it). A profile with no\n"
             "second pool is ready once its processes are.\n"
             "--balancer overrides balancer.listen (port 0 = any free port). Events and alerts are\n"
             "recorded in the incident store (--db FILE, else $TURNO_INCIDENT_DB, else\n"
             "~/.local/share/turno-ops/incidents.db)."))
            .option(QStringLiteral("--profile"), QStringLiteral("FILE"), QStringLiteral("the cluster profile (docs: resources/profiles/)"))
            .option(QStringLiteral("--run-dir"), QStringLiteral("DIR"), QStringLiteral("where the cluster's files and control socket go"))
            .option(QStringLiteral("--balancer"), QStringLiteral("ADDR:PORT"), QStringLiteral("the balancer's listen address"))
            .option(QStringLiteral("--db"), QStringLiteral("FILE"), QStringLiteral("the incident store"))
            .flag(QStringLiteral("--detach"), QStringLiteral("supervise in the background; return once ready"))
            .option(QStringLiteral("--ready-timeout"), QStringLiteral("SECONDS"),
                    QStringLiteral("how long to wait for the failover gate after the processes are up (default 60)"))
            .option(QStringLiteral("--adopt"), QStringLiteral("FILE"),
                    QStringLiteral("what a console runs when it quits leaving its cluster running (File > Quit, or\n"
                                   "`turnoctl handover`): the console's own process becomes this background\n"
                                   "supervisor of the same processes, as described by FILE (RUN_DIR/handover.json)"))
            .epilogue(QString::fromLatin1(kLocation));
        return p;
    }();
    return parser;
}

struct UpOptions {
    QString profilePath, runDir, balancer, dbPath;
    bool detach = false;
    double readyTimeoutS = 60;
};

// status's failover.readiness, or an empty object when the cluster has no failover part.
QJsonObject readinessOf(const QJsonObject &status)
{
    return status.value(QStringLiteral("failover")).toObject().value(QStringLiteral("readiness")).toObject();
}

// Loads the profile and applies --balancer; returns an exit code on failure.
std::optional<int> loadUpProfile(const UpOptions &o, turno::ClusterProfile *profile)
{
    auto loaded = o.profilePath.isEmpty() ? turno::ProfileLoader::loadDefault() : turno::ProfileLoader::loadFile(o.profilePath);
    if (!loaded.ok()) {
        err() << "turnoctl up: " << loaded.error() << "\n";
        return ExitUsage;
    }
    *profile = loaded.value();
    if (!o.balancer.isEmpty()) {
        const qsizetype colon = o.balancer.lastIndexOf(QLatin1Char(':'));
        bool ok = false;
        const uint port = o.balancer.mid(colon + 1).toUInt(&ok);
        if (colon <= 0 || !ok || port > 65535)
            return upOptions().usageError(QStringLiteral("--balancer must be ADDR:PORT"));
        profile->balancerListen.host = o.balancer.left(colon);
        profile->balancerListen.port = quint16(port);
    }
    return std::nullopt;
}

// Re-runs turnoctl up without --detach in a new session and waits until its
// control socket says ready.
int upDetached(const UpOptions &o, const turno::ClusterProfile &profile, const QElapsedTimer &clock)
{
    const QString &runDir = o.runDir;
    QStringList childArgs{QStringLiteral("up"), QStringLiteral("--run-dir"), runDir};
    if (!o.profilePath.isEmpty())
        childArgs << QStringLiteral("--profile") << QFileInfo(o.profilePath).absoluteFilePath();
    if (!o.balancer.isEmpty())
        childArgs << QStringLiteral("--balancer") << o.balancer;
    if (!o.dbPath.isEmpty())
        childArgs << QStringLiteral("--db") << QFileInfo(o.dbPath).absoluteFilePath();
    QDir().mkpath(runDir);
    QProcess child;
    child.setProgram(QCoreApplication::applicationFilePath());
    child.setArguments(childArgs);
    child.setStandardInputFile(QProcess::nullDevice());
    child.setStandardOutputFile(runDir + QStringLiteral("/supervisor.log"), QIODevice::Append);
    child.setStandardErrorFile(runDir + QStringLiteral("/supervisor.log"), QIODevice::Append);
    QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
    env.insert(QStringLiteral("TURNO_DETACHED"), QStringLiteral("1"));
    child.setProcessEnvironment(env);
    qint64 pid = 0;
    if (!child.startDetached(&pid)) {
        err() << "turnoctl up: cannot start the background supervisor: " << child.errorString() << "\n";
        return ExitFailure;
    }
    turno::ControlClient client(runDir);
    qint64 upMs = -1;
    QElapsedTimer upAt;
    QString lastWaiting;
    for (;;) {
        if (::kill(pid_t(pid), 0) != 0) {
            err() << "turnoctl up: the background supervisor (pid " << pid << ") exited before the cluster was ready; see " << runDir
                  << "/supervisor.log\n";
            QFile log(runDir + QStringLiteral("/supervisor.log"));
            if (log.open(QIODevice::ReadOnly))
                err() << QString::fromLocal8Bit(log.readAll().right(2000));
            return ExitFailure;
        }
        const auto r = client.requestSync(QJsonObject{{QStringLiteral("cmd"), QStringLiteral("status")}}, 1000);
        if (r.ok()) {
            const QJsonObject res = r.value().value(QStringLiteral("result")).toObject();
            if (res.value(QStringLiteral("state")).toString() == QLatin1String("ready")) {
                if (upMs < 0) {
                    upMs = clock.elapsed();
                    upAt.start();
                }
                const QJsonObject readiness = readinessOf(res);
                if (readiness.isEmpty() || readiness.value(QStringLiteral("ready")).toBool()) {
                    out() << "cluster " << profile.name << " ready in " << clock.elapsed() << " ms (processes up in " << upMs
                          << " ms; failover gate " << (readiness.value(QStringLiteral("applicable")).toBool(false) ? "passes" : "not applicable")
                          << "; supervisor pid " << pid << ", run dir " << runDir << ")\n";
                    return ExitOk;
                }
                const QString waiting = readiness.value(QStringLiteral("waitingFor")).toString();
                if (waiting != lastWaiting) {
                    err() << "turnoctl up: processes up in " << upMs << " ms; waiting for the failover gate: " << waiting << "\n";
                    err().flush();
                    lastWaiting = waiting;
                }
                if (upAt.elapsed() > qint64(o.readyTimeoutS * 1000)) {
                    err() << "turnoctl up: not ready after " << o.readyTimeoutS << " s: a failover would be refused: " << waiting
                          << "\nThe cluster keeps running (supervisor pid " << pid << "); `turnoctl down --run-dir " << runDir
                          << "` stops it.\n";
                    return ExitUnavailable;
                }
            }
        }
        QThread::msleep(50);
    }
}

// SIGINT, SIGTERM and SIGHUP reach the event loop through g_signalPipe.
bool installStopSignals()
{
    if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, g_signalPipe) != 0)
        return false;
    ::signal(SIGINT, onStopSignal);
    ::signal(SIGTERM, onStopSignal);
    ::signal(SIGHUP, onStopSignal);
    ::signal(SIGPIPE, SIG_IGN);
    return true;
}

// The supervisor's lines: every fleet event on stderr, ready and stopped on stdout.
void reportSupervisor(turno::FleetMonitor *monitor, const turno::ClusterProfile &profile, const QString &controlPath,
                      int *exitCode)
{
    turno::FleetSupervisor *supervisor = monitor->supervisor();
    QObject::connect(supervisor, &turno::FleetSupervisor::event, [](const turno::FleetEvent &e) {
        err() << QDateTime::currentDateTimeUtc().toString(Qt::ISODateWithMs) << " " << e.kindName();
        if (!e.node.isEmpty())
            err() << " [" << e.node << "]";
        err() << " " << e.message << "\n";
        err().flush();
    });
    // Ready once a failover would pass its gate (FailoverReadiness); until then, what it waits for.
    auto *commands = turno::FailoverCommands::of(monitor);
    auto clock = std::make_shared<QElapsedTimer>();
    clock->start();
    auto said = std::make_shared<QString>();
    auto processesMs = std::make_shared<qint64>(-1);
    auto report = [supervisor, profile, controlPath, commands, clock, said, processesMs] {
        turno::FailoverReadiness *readiness = commands ? commands->readiness() : nullptr;
        if (*processesMs < 0 || supervisor->state() != turno::FleetSupervisor::State::Ready)
            return;
        if (!readiness || readiness->ready()) {
            if (*said == QLatin1String("ready"))
                return;
            *said = QStringLiteral("ready");
            out() << "cluster " << profile.name << " ready in " << clock->elapsed() << " ms (processes up in " << *processesMs
                  << " ms; failover gate " << (readiness && readiness->applicable() ? "passes" : "not applicable")
                  << "): balancer " << profile.balancerListen.host << ":" << supervisor->balancerPort() << ", control socket "
                  << controlPath << "\n";
            out().flush();
        } else if (*said != readiness->waitingFor()) {
            *said = readiness->waitingFor();
            err() << QDateTime::currentDateTimeUtc().toString(Qt::ISODateWithMs) << " waiting for the failover gate: " << *said << "\n";
            err().flush();
        }
    };
    QObject::connect(supervisor, &turno::FleetSupervisor::ready, [processesMs, said, report](qint64 ms) {
        *processesMs = ms;
        said->clear();
        report();
    });
    if (commands)
        QObject::connect(commands, &turno::FailoverCommands::readinessChanged, report);

    QObject::connect(supervisor, &turno::FleetSupervisor::startFailed, [exitCode](const QString &why) {
        err() << "turnoctl up: " << why << "\n";
        err().flush();
        *exitCode = ExitFailure;
        QCoreApplication::quit();
    });
    QObject::connect(supervisor, &turno::FleetSupervisor::stopped, [name = profile.name](qint64 ms) {
        out() << "cluster " << name << " stopped in " << ms << " ms\n";
        out().flush();
        QCoreApplication::quit();
    });
}

// Serves until `turnoctl down`, SIGINT or SIGTERM (through g_signalPipe) stops the cluster.
int superviseUntilStopped(turno::FleetMonitor *monitor, const turno::ClusterProfile &profile, const QString &runDir)
{
    int exitCode = ExitOk;
    reportSupervisor(monitor, profile, turno::ControlServer::socketPath(runDir), &exitCode);
    QSocketNotifier notifier(g_signalPipe[0], QSocketNotifier::Read);
    QObject::connect(&notifier, &QSocketNotifier::activated, [&] {
        char buf[16];
        [[maybe_unused]] auto n = ::read(g_signalPipe[0], buf, sizeof buf);
        monitor->stop();
    });
    QCoreApplication::exec();
    return exitCode;
}

// This process supervises the cluster until it is told to stop.
int upForeground(const UpOptions &o, const turno::ClusterProfile &profile)
{
    if (qEnvironmentVariableIsSet("TURNO_DETACHED"))
        ::setsid();  // away from the terminal's signals
    if (!installStopSignals()) {
        err() << "turnoctl up: socketpair failed\n";
        return ExitFailure;
    }
    // The same monitor the console runs: supervision, scrapes, alert rules and the
    // event history, so every control command the console serves is served here too.
    turno::FleetMonitor monitor;
    {
        const auto history = monitor.openHistory(o.dbPath);
        if (!history.ok())
            err() << "turnoctl up: warning: no event history (" << history.error() << "); the cluster runs without one\n";
    }
    QDir().mkpath(o.runDir);
    const auto started = monitor.launch(profile, o.runDir);
    if (!started.ok()) {
        err() << "turnoctl up: " << started.error() << "\n";
        return ExitUnavailable;
    }
    return superviseUntilStopped(&monitor, profile, o.runDir);
}

// A console handed its running cluster over (SupervisorHandover): this is the
// console's process, a new image of it, and the nodes are still its children.
int upAdopted(const QString &statePath, const QString &dbOption)
{
    const turno::Result<QJsonObject> state = turno::SupervisorHandover::readState(statePath);
    if (!state.ok()) {
        err() << "turnoctl up: " << state.error() << "\n";
        return ExitUsage;
    }
    const QString runDir = state.value().value(QStringLiteral("runDir")).toString();
    // Away from the console's terminal: output to the run directory's log, and
    // the terminal's signals ignored when this process cannot leave its session.
    const QByteArray log = QFile::encodeName(runDir + QStringLiteral("/supervisor.log"));
    if (const int fd = ::open(log.constData(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600); fd >= 0) {
        ::dup2(fd, STDOUT_FILENO);
        ::dup2(fd, STDERR_FILENO);
        ::close(fd);
    }
    if (const int null = ::open("/dev/null", O_RDONLY | O_CLOEXEC); null >= 0) {
        ::dup2(null, STDIN_FILENO);
        ::close(null);
    }
    const bool ownSession = ::setsid() >= 0;
    if (!installStopSignals()) {
        err() << "turnoctl up: socketpair failed\n";
        return ExitFailure;
    }
    if (!ownSession)
        for (int sig : {SIGINT, SIGHUP, SIGQUIT, SIGTSTP, SIGTTIN, SIGTTOU})
            ::signal(sig, SIG_IGN);
    turno::FleetMonitor monitor;
    const QString db = !dbOption.isEmpty() ? dbOption : state.value().value(QStringLiteral("history")).toString();
    if (const auto history = monitor.openHistory(db); !history.ok())
        err() << "turnoctl up: warning: no event history (" << history.error() << "); the cluster runs without one\n";
    const turno::Result<void> adopted = monitor.adopt(state.value());
    if (!adopted.ok()) {
        // Its processes are this process's children: they end with it.
        err() << "turnoctl up: cannot take over the cluster from " << statePath << ": " << adopted.error()
              << "\nIts processes stop with this process; `turnoctl up --run-dir " << runDir
              << "` starts it again with its counters.\n";
        return ExitFailure;
    }
    QFile::remove(statePath);
    err() << QDateTime::currentDateTimeUtc().toString(Qt::ISODateWithMs) << " supervising cluster "
          << monitor.supervisor()->profile().name << " handed over by the console (pid " << QCoreApplication::applicationPid()
          << ")\n";
    return superviseUntilStopped(&monitor, monitor.supervisor()->profile(), runDir);
}

int runUp(const QStringList &args)
{
    const turnoctl::OptionParser &parser = upOptions();
    turnoctl::ParsedArgs p;
    if (const std::optional<int> code = parser.parseOrExit(args, &p))
        return *code;
    if (!p.positional().isEmpty())
        return parser.usageError(QStringLiteral("unknown argument ") + p.positional().first());
    if (p.has(QStringLiteral("--adopt"))) {
        for (const char *other : {"--profile", "--run-dir", "--balancer", "--detach", "--ready-timeout"})
            if (p.has(QString::fromLatin1(other)))
                return parser.usageError(QStringLiteral("--adopt takes the cluster as it runs; %1 does not go with it").arg(QString::fromLatin1(other)));
        return upAdopted(p.value(QStringLiteral("--adopt")), p.value(QStringLiteral("--db")));
    }
    UpOptions o;
    o.profilePath = p.value(QStringLiteral("--profile"));
    o.runDir = p.value(QStringLiteral("--run-dir"));
    o.balancer = p.value(QStringLiteral("--balancer"));
    o.dbPath = p.value(QStringLiteral("--db"));
    o.detach = p.has(QStringLiteral("--detach"));
    const turno::Result<double> readyTimeout = p.number(QStringLiteral("--ready-timeout"), 0, 3600, 60);
    if (!readyTimeout.ok())
        return parser.usageError(readyTimeout.error());
    o.readyTimeoutS = readyTimeout.value();

    QElapsedTimer clock;
    clock.start();
    turno::ClusterProfile profile;
    if (const std::optional<int> code = loadUpProfile(o, &profile))
        return *code;
    if (o.runDir.isEmpty())
        o.runDir = turno::ControlClient::resolveRunDir({}, profile.name);
    o.runDir = QDir(o.runDir).absolutePath();
    return o.detach ? upDetached(o, profile, clock) : upForeground(o, profile);
}

// ---- clients ----------------------------------------------------------------

QString humanBytes(qint64 b)
{
    if (b <= 0)
        return QStringLiteral("-");
    if (b >= 1 << 30)
        return QString::number(double(b) / (1 << 30), 'f', 1) + QStringLiteral("G");
    if (b >= 1 << 20)
        return QString::number(double(b) / (1 << 20), 'f', 1) + QStringLiteral("M");
    return QString::number(double(b) / 1024, 'f', 0) + QStringLiteral("K");
}

void printStatus(const QJsonObject &st, bool json)
{
    if (json) {
        out() << QJsonDocument(st).toJson(QJsonDocument::Indented);
        return;
    }
    out() << "cluster " << st.value(QStringLiteral("cluster")).toString() << "  state " << st.value(QStringLiteral("state")).toString()
          << "  active " << st.value(QStringLiteral("active")).toString() << "  balancer "
          << st.value(QStringLiteral("balancer")).toString() << " (" << st.value(QStringLiteral("algorithm")).toString() << ")\n";
    if (st.contains(QStringLiteral("frontend"))) {
        const QJsonObject fe = st.value(QStringLiteral("frontend")).toObject();
        out() << "frontend: ";
        if (fe.contains(QStringLiteral("requests")))
            out() << fe.value(QStringLiteral("reqPerSec")).toInteger() << " req/s, "
                  << fe.value(QStringLiteral("requests")).toInteger() << " requests, "
                  << fe.value(QStringLiteral("sessions")).toInteger() << " open sessions, "
                  << fe.value(QStringLiteral("responses5xx")).toInteger() << " 5xx since start, ";
        // What clients got (after HAProxy's retries) and its latency with the balancer hop, this window.
        const QJsonValue feP99 = fe.value(QStringLiteral("p99Ms")), feErrors = fe.value(QStringLiteral("errorRatio"));
        out() << "5xx to clients "
              << (feErrors.isDouble() ? QString::number(feErrors.toDouble() * 100, 'f', 2) + QStringLiteral(" %") : QStringLiteral("-"))
              << ", p99 "
              << (feP99.isDouble() ? QString::number(feP99.toDouble(), 'f', 0) + QStringLiteral(" ms (HAProxy log, balancer hop included)")
                  : fe.contains(QStringLiteral("p99Note")) ? fe.value(QStringLiteral("p99Note")).toString()
                                                           : QStringLiteral("- (no traffic)"))
              << "\n";
    }
    if (st.contains(QStringLiteral("balancerError")))
        out() << "balancer: " << st.value(QStringLiteral("balancerError")).toString() << "\n";
    if (st.contains(QStringLiteral("fleet"))) {
        // The Overview's figures, as the console shows them.
        const QJsonObject f = st.value(QStringLiteral("fleet")).toObject();
        const QJsonValue p99 = f.value(QStringLiteral("p99Ms")), errors = f.value(QStringLiteral("errorRatio"));
        out() << "fleet: " << f.value(QStringLiteral("reqPerSec")).toDouble() << " req/s, p99 "
              << (p99.isDouble() ? QString::number(p99.toDouble(), 'f', 2) + QStringLiteral(" ms (slowest node)") : QStringLiteral("- (no traffic)"))
              << ", 5xx " << (errors.isDouble() ? QString::number(errors.toDouble() * 100, 'f', 2) + QStringLiteral(" %") : QStringLiteral("-"))
              << ", CPU " << QString::number(f.value(QStringLiteral("cpuPercent")).toDouble(), 'f', 1) << " % (all processes), "
              << f.value(QStringLiteral("turnoServing")).toInt() << "/" << f.value(QStringLiteral("turnoNodes")).toInt()
              << " turno nodes serving\n";
    }
    const QJsonObject readiness = readinessOf(st);
    if (readiness.value(QStringLiteral("applicable")).toBool()) {
        out() << "failover gate (to " << readiness.value(QStringLiteral("target")).toString() << "): ";
        if (readiness.value(QStringLiteral("ready")).toBool())
            out() << "passes\n";
        else
            out() << "waits for " << readiness.value(QStringLiteral("waitingFor")).toString() << "\n";
    }
    const QStringList header{QStringLiteral("NODE"), QStringLiteral("POOL"), QStringLiteral("ROLE"), QStringLiteral("STATE"), QStringLiteral("PID"),
                             QStringLiteral("ADDRESS"), QStringLiteral("WEIGHT"), QStringLiteral("REQ/S"), QStringLiteral("P99"),
                             QStringLiteral("CPU%"), QStringLiteral("RSS"), QStringLiteral("ERRORS"), QStringLiteral("RESTARTS")};
    QList<QStringList> rows{header};
    for (const QJsonValue &v : st.value(QStringLiteral("nodes")).toArray()) {
        const QJsonObject n = v.toObject();
        const bool turnoNode = n.value(QStringLiteral("kind")).toString() == QLatin1String("turno");
        auto opt = [&](const char *key) {
            const QJsonValue x = n.value(QLatin1String(key));
            return x.isUndefined() || x.isNull() ? QStringLiteral("-") : QString::number(x.toDouble());
        };
        rows << QStringList{n.value(QStringLiteral("node")).toString(),
                            turnoNode ? n.value(QStringLiteral("pool")).toString() : n.value(QStringLiteral("kind")).toString(),
                            n.value(QStringLiteral("role")).toString(QStringLiteral("-")),
                            n.value(QStringLiteral("state")).toString(),
                            n.value(QStringLiteral("pid")).toInt() ? QString::number(n.value(QStringLiteral("pid")).toInt()) : QStringLiteral("-"),
                            n.value(QStringLiteral("address")).toString(),
                            opt("weight"), opt("reqPerSec"),
                            n.value(QStringLiteral("p99Ms")).isDouble() ? opt("p99Ms") + QStringLiteral("ms") : QStringLiteral("-"),
                            QString::number(n.value(QStringLiteral("cpuPercent")).toDouble(), 'f', 1),
                            humanBytes(qint64(n.value(QStringLiteral("rssBytes")).toDouble())),
                            opt("errors"), QString::number(n.value(QStringLiteral("restarts")).toInt())};
    }
    printColumns(rows);
}

int runStatus(const QStringList &args)
{
    static const turnoctl::OptionParser parser =
        clientOptions(QStringLiteral("status"), QStringLiteral("status [--json] [--run-dir DIR | --cluster NAME]"),
                      QStringLiteral("Nodes, pools, states, load and which cluster is active."), true);
    ClientArgs a;
    if (const std::optional<int> code = parseClient(parser, args, &a))
        return *code;
    if (!a.positional.isEmpty())
        return parser.usageError(QStringLiteral("unexpected argument ") + a.positional.first());
    QJsonObject reply;
    if (const int rc = call("status", a, QJsonObject{{QStringLiteral("cmd"), QStringLiteral("status")}}, &reply); rc != ExitOk)
        return rc;
    printStatus(reply.value(QStringLiteral("result")).toObject(), a.json);
    return ExitOk;
}

int runDown(const QStringList &args)
{
    static const turnoctl::OptionParser parser =
        clientOptions(QStringLiteral("down"), QStringLiteral("down [--run-dir DIR | --cluster NAME]"),
                      QStringLiteral("Stops the cluster in order (drain, nodes, Redis) and its supervisor."));
    ClientArgs a;
    if (const std::optional<int> code = parseClient(parser, args, &a))
        return *code;
    if (!a.positional.isEmpty())
        return parser.usageError(QStringLiteral("unexpected argument ") + a.positional.first());
    QJsonObject reply;
    if (const int rc = call("down", a, QJsonObject{{QStringLiteral("cmd"), QStringLiteral("down")}}, &reply, 30000); rc != ExitOk)
        return rc;
    out() << "cluster stopped in " << reply.value(QStringLiteral("result")).toObject().value(QStringLiteral("stoppedMs")).toInt() << " ms\n";
    return ExitOk;
}

int runHandover(const QStringList &args)
{
    static const turnoctl::OptionParser parser = clientOptions(
        QStringLiteral("handover"), QStringLiteral("handover [--run-dir DIR | --cluster NAME]"),
        QStringLiteral("Asks the console that supervises the cluster to quit leaving it running, as its File > Quit >\n"
                       "\"Leave it running\" does: the console's process becomes the cluster's background supervisor\n"
                       "(turnoctl up --adopt), with the same pid; no process of the cluster stops. Returns once that\n"
                       "supervisor answers ready. Refused while something is half-done (a switch, a scale, a start)."));
    ClientArgs a;
    if (const std::optional<int> code = parseClient(parser, args, &a))
        return *code;
    if (!a.positional.isEmpty())
        return parser.usageError(QStringLiteral("unexpected argument ") + a.positional.first());
    QElapsedTimer clock;
    clock.start();
    QJsonObject reply;
    if (const int rc = call("handover", a, QJsonObject{{QStringLiteral("cmd"), QStringLiteral("handover")}}, &reply, 10000); rc != ExitOk)
        return rc;
    const QJsonObject handedOver = reply.value(QStringLiteral("result")).toObject();
    const qint64 pid = qint64(handedOver.value(QStringLiteral("pid")).toDouble());
    const QString runDir = turno::ControlClient::resolveRunDir(a.runDir, a.cluster);
    turno::ControlClient client(runDir);
    while (clock.elapsed() < 30000) {
        const auto ping = client.requestSync(QJsonObject{{QStringLiteral("cmd"), QStringLiteral("ping")}}, 1000);
        if (ping.ok()) {
            const QJsonObject r = ping.value().value(QStringLiteral("result")).toObject();
            if (r.value(QStringLiteral("program")).toString() == QLatin1String("turnoctl") &&
                r.value(QStringLiteral("state")).toString() == QLatin1String("ready")) {
                out() << "cluster " << handedOver.value(QStringLiteral("cluster")).toString() << " handed over in "
                      << clock.elapsed() << " ms: pid " << r.value(QStringLiteral("pid")).toInteger()
                      << " supervises it as `turnoctl up --adopt` (the console has quit; its processes kept running)\n";
                return ExitOk;
            }
        } else if (::kill(pid_t(pid), 0) != 0) {
            err() << "turnoctl handover: the console (pid " << pid << ") is gone and nothing answers in " << runDir
                  << "; see " << runDir << "/supervisor.log\n";
            return ExitFailure;
        }
        QThread::msleep(100);
    }
    err() << "turnoctl handover: no supervisor answered ready within 30 s after the console (pid " << pid
          << ") accepted; see " << runDir << "/supervisor.log\n";
    return ExitUnavailable;
}

turnoctl::OptionParser nodeActionOptions(const QString &cmd)
{
    if (cmd == QLatin1String("weight"))
        return clientOptions(cmd, QStringLiteral("weight NODE W [--run-dir DIR | --cluster NAME]"),
                             QStringLiteral("Changes a node's balancer weight live (W from 0 to 256)."))
            .argument(QStringLiteral("NODE"), QStringLiteral("a turno node, as turnoctl status names it"))
            .argument(QStringLiteral("W"), QStringLiteral("the weight, 0 to 256"));
    const QString what = cmd == QLatin1String("drain") ? QStringLiteral("Stops sending new requests to a node (HAProxy drain).")
                                                       : QStringLiteral("Puts a drained or disabled node back in rotation.");
    return clientOptions(cmd, cmd + QStringLiteral(" NODE [--run-dir DIR | --cluster NAME]"), what)
        .argument(QStringLiteral("NODE"), QStringLiteral("a turno node, as turnoctl status names it"));
}

int runNodeAction(const char *name, const QStringList &args)
{
    const QString cmd = QLatin1String(name);
    const bool isWeight = cmd == QLatin1String("weight");
    const turnoctl::OptionParser parser = nodeActionOptions(cmd);
    ClientArgs a;
    if (const std::optional<int> code = parseClient(parser, args, &a))
        return *code;
    if (a.positional.size() != (isWeight ? 2 : 1))
        return parser.usageError(QStringLiteral("wrong number of arguments"));
    QJsonObject req{{QStringLiteral("cmd"), cmd}, {QStringLiteral("node"), a.positional[0]}};
    if (isWeight) {
        bool ok = false;
        const int w = a.positional[1].toInt(&ok);
        if (!ok || w < 0 || w > 256)
            return parser.usageError(QStringLiteral("W must be a weight from 0 to 256"));
        req.insert(QStringLiteral("weight"), w);
    }
    if (const int rc = call(name, a, req, nullptr); rc != ExitOk)
        return rc;
    out() << a.positional[0] << ": " << cmd << " ok\n";
    return ExitOk;
}

int runScale(const QStringList &args)
{
    static const turnoctl::OptionParser parser =
        clientOptions(QStringLiteral("scale"), QStringLiteral("scale POOL N [--run-dir DIR | --cluster NAME]"),
                      QStringLiteral("Adds or removes turno nodes of a pool live."))
            .argument(QStringLiteral("POOL"), QStringLiteral("primary or secondary"))
            .argument(QStringLiteral("N"), QStringLiteral("the pool's new node count"));
    ClientArgs a;
    if (const std::optional<int> code = parseClient(parser, args, &a))
        return *code;
    bool ok = false;
    const int n = a.positional.value(1).toInt(&ok);
    if (a.positional.size() != 2 || !ok)
        return parser.usageError(QStringLiteral("expected POOL (primary|secondary) and a node count"));
    const QJsonObject req{{QStringLiteral("cmd"), QStringLiteral("scale")}, {QStringLiteral("pool"), a.positional[0]},
                          {QStringLiteral("count"), n}};
    if (const int rc = call("scale", a, req, nullptr, 60000); rc != ExitOk)
        return rc;
    out() << "pool " << a.positional[0] << " now has " << n << " nodes\n";
    return ExitOk;
}

int runBalance(const QStringList &args)
{
    static const turnoctl::OptionParser parser =
        clientOptions(QStringLiteral("balance"), QStringLiteral("balance roundrobin|weighted|leastconn [--run-dir DIR | --cluster NAME]"),
                      QStringLiteral("Switches the balancing algorithm live (HAProxy reload, no dropped request)."))
            .argument(QStringLiteral("ALGORITHM"), QStringLiteral("roundrobin, weighted or leastconn"));
    ClientArgs a;
    if (const std::optional<int> code = parseClient(parser, args, &a))
        return *code;
    if (a.positional.size() != 1)
        return parser.usageError(QStringLiteral("expected one algorithm"));
    const QJsonObject req{{QStringLiteral("cmd"), QStringLiteral("balance")}, {QStringLiteral("algorithm"), a.positional[0]}};
    if (const int rc = call("balance", a, req, nullptr, 30000); rc != ExitOk)
        return rc;
    out() << "balancing is now " << a.positional[0] << "\n";
    return ExitOk;
}

const turnoctl::OptionParser &attachOptions()
{
    static const turnoctl::OptionParser parser = [] {
        turnoctl::OptionParser p(
            QStringLiteral("attach"),
            QStringLiteral("attach [--stats SOCKET|http://HOST:PORT/stats] [--node http://HOST:PORT]... [--redis HOST:PORT]\n"
                           "                [--sentinel HOST:PORT [--master NAME]] [--password-file FILE] [--cluster NAME] [--json]\n"
                           "       attach --prometheus URL [--job JOB] [--redis-job JOB] [--json]"));
        p.describe(QStringLiteral(
             "Looks at a fleet this machine did not launch: HAProxy's stats (socket or HTTP CSV page), nodes\n"
             "that announced themselves in Redis (turno:registry:CLUSTER:NODE keys with a TTL), and node\n"
             "URLs probed on /readyz. Launches nothing. The password also comes from TURNO_REDIS_PASSWORD.\n"
             "With --prometheus the fleet comes from a Prometheus alone (instant queries of its HTTP API over\n"
             "the targets of JOB, default turno, rates over four of their scrape intervals): per node up,\n"
             "req/s, p50/p99, CPU, RSS and 5xx share; and the Redis servers of --redis-job (default redis),\n"
             "scraped through prometheus-redis-exporter: up, role, ops/s, memory, clients, offset, the\n"
             "replicas' link and lag (no such job: no Redis). --json: {\"prometheus\", \"job\", \"redisJob\",\n"
             "\"rateWindowS\", \"nodes\": [{\"name\", \"instance\", \"kind\", \"up\", \"rps\", \"p50_ms\", \"p99_ms\",\n"
             "\"cpu_percent\", \"rss_bytes\", \"error_ratio\"}], \"redis\": [{\"name\", \"instance\", \"kind\", \"up\",\n"
             "\"role\", \"ops_per_second\", \"memory_bytes\", \"connected_clients\", \"repl_offset\",\n"
             "\"master_link_up\", \"lag_seconds\"}]} (a figure Prometheus has no value for is null; lag_seconds\n"
             "is a replica's, as its primary reports it). Exit 3 when Prometheus does not answer, the job has\n"
             "no targets or a query times out (10 s)."))
            .option(QStringLiteral("--stats"), QStringLiteral("SOCKET|URL"), QStringLiteral("HAProxy's stats socket or HTTP CSV page"))
            .option(QStringLiteral("--node"), QStringLiteral("URL"), QStringLiteral("a node to probe; repeatable"))
            .option(QStringLiteral("--redis"), QStringLiteral("HOST:PORT"), QStringLiteral("the Redis holding the node registry"))
            .option(QStringLiteral("--sentinel"), QStringLiteral("HOST:PORT"), QStringLiteral("a Sentinel that knows the Redis primary"))
            .option(QStringLiteral("--master"), QStringLiteral("NAME"), QStringLiteral("the Sentinel master's name"))
            .option(QStringLiteral("--password-file"), QStringLiteral("FILE"), QStringLiteral("the Redis password (mode 0600)"))
            .option(QStringLiteral("--cluster"), QStringLiteral("NAME"), QStringLiteral("the cluster's name in the registry"))
            .option(QStringLiteral("--prometheus"), QStringLiteral("URL"), QStringLiteral("read the fleet from this Prometheus (http://HOST:9090)"))
            .option(QStringLiteral("--job"), QStringLiteral("JOB"), QStringLiteral("with --prometheus: the scrape job of the turno nodes (default turno)"))
            .option(QStringLiteral("--redis-job"), QStringLiteral("JOB"),
                    QStringLiteral("with --prometheus: the scrape job of the Redis exporter (default redis)"))
            .flag(QStringLiteral("--json"), QStringLiteral("the status as JSON"));
        return p;
    }();
    return parser;
}

// "HOST:PORT" into host and port; false when either is missing.
bool splitHostPort(const QString &hp, QString *host, quint16 *port)
{
    *host = hp.section(QLatin1Char(':'), 0, -2);
    *port = quint16(hp.section(QLatin1Char(':'), -1).toUInt());
    return !host->isEmpty() && *port != 0;
}

// Fills t from the parsed line; returns an exit code when the line ends the command.
std::optional<int> readAttachTarget(const turnoctl::ParsedArgs &p, turno::AttachTarget &t)
{
    const turnoctl::OptionParser &parser = attachOptions();
    if (!p.positional().isEmpty())
        return parser.usageError(QStringLiteral("unknown argument ") + p.positional().first());
    t.balancerStats = p.value(QStringLiteral("--stats"));
    t.nodeUrls = p.values(QStringLiteral("--node"));
    if (p.has(QStringLiteral("--redis")) && !splitHostPort(p.value(QStringLiteral("--redis")), &t.redisHost, &t.redisPort))
        return parser.usageError(QStringLiteral("--redis needs HOST:PORT"));
    if (p.has(QStringLiteral("--sentinel")) && !splitHostPort(p.value(QStringLiteral("--sentinel")), &t.sentinelHost, &t.sentinelPort))
        return parser.usageError(QStringLiteral("--sentinel needs HOST:PORT"));
    if (p.has(QStringLiteral("--master")))
        t.masterName = p.value(QStringLiteral("--master"));
    if (p.has(QStringLiteral("--cluster")))
        t.cluster = p.value(QStringLiteral("--cluster"));
    if (p.has(QStringLiteral("--password-file"))) {
        const turno::Result<QString> pw = turno::readSecretFile(p.value(QStringLiteral("--password-file")), QStringLiteral("--password-file"));
        if (!pw.ok()) {
            err() << "turnoctl attach: " << pw.error() << "\n";
            return ExitUnavailable;
        }
        t.redisPassword = pw.value();
    }
    if (t.redisPassword.isEmpty())
        t.redisPassword = qEnvironmentVariable("TURNO_REDIS_PASSWORD");
    if (t.balancerStats.isEmpty() && t.nodeUrls.isEmpty() && t.redisHost.isEmpty() && t.sentinelHost.isEmpty())
        return parser.usageError(QStringLiteral("give at least one of --stats, --node, --redis, --sentinel"));
    return std::nullopt;
}

// attach --prometheus: one look at the fleet through Prometheus's HTTP API.
int attachPrometheus(const turnoctl::ParsedArgs &p)
{
    const QUrl url(p.value(QStringLiteral("--prometheus")), QUrl::StrictMode);
    if (!url.isValid() || url.host().isEmpty() || (url.scheme() != QLatin1String("http") && url.scheme() != QLatin1String("https")))
        return attachOptions().usageError(QStringLiteral("--prometheus needs an http:// or https:// URL, e.g. http://127.0.0.1:9090"));
    for (const char *other : {"--stats", "--node", "--redis", "--sentinel"})
        if (p.has(QString::fromLatin1(other)))
            return attachOptions().usageError(QStringLiteral("--prometheus reads the fleet from Prometheus alone; drop %1").arg(QLatin1String(other)));
    const QString job = p.has(QStringLiteral("--job")) ? p.value(QStringLiteral("--job")) : QStringLiteral("turno");
    const QString redisJob = p.has(QStringLiteral("--redis-job")) ? p.value(QStringLiteral("--redis-job")) : QStringLiteral("redis");
    turno::PrometheusAttach attach(url, job);
    attach.setRedisJob(redisJob);
    attach.setTimeoutMs(10000);
    std::optional<turno::Result<turno::PrometheusAttach::Snapshot>> got;
    attach.refresh([&](turno::Result<turno::PrometheusAttach::Snapshot> r) {
        got = std::move(r);
        QCoreApplication::quit();
    });
    if (!got)
        QCoreApplication::exec();
    if (!got->ok()) {
        err() << "turnoctl attach: " << got->error() << "\n";
        return ExitUnavailable;
    }
    const turno::PrometheusAttach::Snapshot &s = got->value();
    auto num = [](double v) { return std::isfinite(v) ? QJsonValue(v) : QJsonValue(QJsonValue::Null); };
    if (p.has(QStringLiteral("--json"))) {
        QJsonArray nodes;
        for (const auto &n : s.nodes)
            nodes << QJsonObject{{QStringLiteral("name"), n.name},
                                 {QStringLiteral("instance"), n.instance},
                                 {QStringLiteral("kind"), QStringLiteral("turno")},
                                 {QStringLiteral("up"), n.up},
                                 {QStringLiteral("rps"), num(n.rps)},
                                 {QStringLiteral("p50_ms"), num(n.p50Ms)},
                                 {QStringLiteral("p99_ms"), num(n.p99Ms)},
                                 {QStringLiteral("cpu_percent"), num(n.cpuPercent)},
                                 {QStringLiteral("rss_bytes"), num(n.rssBytes)},
                                 {QStringLiteral("error_ratio"), n.errorRatio ? QJsonValue(*n.errorRatio) : QJsonValue(QJsonValue::Null)}};
        QJsonArray redis;
        for (const auto &r : s.redis) {
            // A replica's lag, as its primary lists it.
            double lag = turno::PrometheusAttach::kUnknown;
            for (const auto &primary : s.redis)
                for (const auto &replica : primary.replicas)
                    if (replica.address == r.address)
                        lag = replica.lagSeconds;
            redis << QJsonObject{{QStringLiteral("name"), r.name},
                                 {QStringLiteral("instance"), r.instance},
                                 {QStringLiteral("kind"), QStringLiteral("redis")},
                                 {QStringLiteral("up"), r.up},
                                 {QStringLiteral("role"), r.role.isEmpty() ? QJsonValue(QJsonValue::Null) : QJsonValue(r.role)},
                                 {QStringLiteral("ops_per_second"), num(r.opsPerSecond)},
                                 {QStringLiteral("memory_bytes"), num(r.memoryBytes)},
                                 {QStringLiteral("connected_clients"), num(r.connectedClients)},
                                 {QStringLiteral("repl_offset"), num(r.replOffset)},
                                 {QStringLiteral("master_link_up"), r.masterLinkUp ? QJsonValue(*r.masterLinkUp) : QJsonValue(QJsonValue::Null)},
                                 {QStringLiteral("lag_seconds"), num(lag)}};
        }
        out() << QJsonDocument(QJsonObject{{QStringLiteral("prometheus"), url.toString()},
                                           {QStringLiteral("job"), job},
                                           {QStringLiteral("redisJob"), redisJob},
                                           {QStringLiteral("rateWindowS"), s.rateWindowS},
                                           {QStringLiteral("nodes"), nodes},
                                           {QStringLiteral("redis"), redis}})
                     .toJson(QJsonDocument::Indented);
        return ExitOk;
    }
    auto fig = [](double v, int decimals) { return std::isfinite(v) ? QString::number(v, 'f', decimals) : QStringLiteral("-"); };
    out() << "job " << job << " in Prometheus " << url.toString() << " (rates over " << s.rateWindowS << " s)\n";
    QList<QStringList> rows{{QStringLiteral("NODE"), QStringLiteral("INSTANCE"), QStringLiteral("UP"), QStringLiteral("REQ/S"),
                             QStringLiteral("P50"), QStringLiteral("P99"), QStringLiteral("CPU%"), QStringLiteral("5XX%")}};
    for (const auto &n : s.nodes)
        rows << QStringList{n.name, n.instance, n.up ? QStringLiteral("up") : QStringLiteral("DOWN"), fig(n.rps, 0),
                            fig(n.p50Ms, 2), fig(n.p99Ms, 2), fig(n.cpuPercent, 1),
                            n.errorRatio ? QString::number(*n.errorRatio * 100.0, 'f', 2) : QStringLiteral("-")};
    printColumns(rows);
    if (s.redis.isEmpty()) {
        out() << "no Redis: job " << redisJob << " has no prometheus-redis-exporter series\n";
        return ExitOk;
    }
    QList<QStringList> redisRows{{QStringLiteral("REDIS"), QStringLiteral("INSTANCE"), QStringLiteral("UP"), QStringLiteral("ROLE"),
                                  QStringLiteral("OPS/S"), QStringLiteral("MEMORY"), QStringLiteral("CLIENTS"), QStringLiteral("OFFSET"),
                                  QStringLiteral("LINK")}};
    for (const auto &r : s.redis)
        redisRows << QStringList{r.name, r.instance, r.up ? QStringLiteral("up") : QStringLiteral("DOWN"),
                                 r.role == QLatin1String("master") ? QStringLiteral("primary")
                                 : r.role == QLatin1String("slave") ? QStringLiteral("replica") : QStringLiteral("-"),
                                 fig(r.opsPerSecond, 0), std::isfinite(r.memoryBytes) ? QStringLiteral("%1 MiB").arg(r.memoryBytes / 1048576.0, 0, 'f', 1) : QStringLiteral("-"),
                                 fig(r.connectedClients, 0), fig(r.replOffset, 0),
                                 r.masterLinkUp ? (*r.masterLinkUp ? QStringLiteral("up") : QStringLiteral("DOWN")) : QStringLiteral("-")};
    printColumns(redisRows);
    return ExitOk;
}

int runAttach(const QStringList &args)
{
    turnoctl::ParsedArgs p;
    if (const std::optional<int> code = attachOptions().parseOrExit(args, &p))
        return *code;
    if (p.has(QStringLiteral("--prometheus")))
        return attachPrometheus(p);
    turno::AttachTarget t;
    if (const std::optional<int> code = readAttachTarget(p, t))
        return *code;
    turno::FleetAttach attach(t);
    QJsonObject status;
    attach.refresh([&](QJsonObject st) {
        status = st;
        QCoreApplication::quit();
    });
    if (status.isEmpty())
        QCoreApplication::exec();
    printStatus(status, p.has(QStringLiteral("--json")));
    const bool problem = status.contains(QStringLiteral("balancerError")) || status.contains(QStringLiteral("registryError"));
    if (problem) {
        err() << "turnoctl attach: " << status.value(QStringLiteral("balancerError")).toString()
              << status.value(QStringLiteral("registryError")).toString() << "\n";
        return ExitUnavailable;
    }
    return ExitOk;
}

int runLogs(const QStringList &args)
{
    static const turnoctl::OptionParser parser =
        clientOptions(QStringLiteral("logs"), QStringLiteral("logs NODE [--lines N] [--run-dir DIR | --cluster NAME]"),
                      QStringLiteral("Prints the recent output of a cluster process (the end of its log file, at most 64 KiB)."), false, true)
            .argument(QStringLiteral("NODE"), QStringLiteral("a process, as turnoctl status names it; redis-primary and "
                                                             "redis-replica (the names of earlier versions) name redis-1 and "
                                                             "redis-2, the Redis nodes launched as the primary and as its "
                                                             "replica, whatever their role is now (ROLE column)"));
    ClientArgs a;
    if (const std::optional<int> code = parseClient(parser, args, &a))
        return *code;
    if (a.positional.size() != 1)
        return parser.usageError(QStringLiteral("expected one NODE"));
    QJsonObject reply;
    const QJsonObject req{{QStringLiteral("cmd"), QStringLiteral("logs")}, {QStringLiteral("node"), a.positional[0]},
                          {QStringLiteral("lines"), a.lines}};
    if (const int rc = call("logs", a, req, &reply); rc != ExitOk)
        return rc;
    const QJsonObject r = reply.value(QStringLiteral("result")).toObject();
    const QString text = r.value(QStringLiteral("output")).toString();
    out() << text << (text.endsWith(QLatin1Char('\n')) || text.isEmpty() ? "" : "\n");
    out().flush();
    err() << "(last " << a.lines << " lines of the log's last 64 KiB; full log: " << r.value(QStringLiteral("logFile")).toString() << ")\n";
    return ExitOk;
}

}  // namespace

TURNO_CTL_COMMAND(QStringLiteral("up"), kUpSynopsis, QStringLiteral("launch and supervise a local cluster from a profile"), runUp);
TURNO_CTL_COMMAND(QStringLiteral("down"), QStringLiteral("down [--run-dir DIR]"),
                  QStringLiteral("stop the cluster in order (drain, nodes, Redis)"), runDown);
TURNO_CTL_COMMAND(QStringLiteral("handover"), QStringLiteral("handover [--run-dir DIR]"),
                  QStringLiteral("the console quits leaving its cluster running (turnoctl supervises it on)"), runHandover);
TURNO_CTL_COMMAND(QStringLiteral("status"), QStringLiteral("status [--json] [--run-dir DIR]"),
                  QStringLiteral("nodes, pools, states, load and which cluster is active"), runStatus);
TURNO_CTL_COMMAND(QStringLiteral("scale"), QStringLiteral("scale POOL N"),
                  QStringLiteral("add or remove turno nodes of a pool live"), runScale);
TURNO_CTL_COMMAND(QStringLiteral("drain"), QStringLiteral("drain NODE"),
                  QStringLiteral("stop sending new requests to a node (HAProxy drain)"),
                  [](const QStringList &a) { return runNodeAction("drain", a); });
TURNO_CTL_COMMAND(QStringLiteral("enable"), QStringLiteral("enable NODE"),
                  QStringLiteral("put a drained or disabled node back in rotation"),
                  [](const QStringList &a) { return runNodeAction("enable", a); });
TURNO_CTL_COMMAND(QStringLiteral("weight"), QStringLiteral("weight NODE W"),
                  QStringLiteral("change a node's balancer weight live"),
                  [](const QStringList &a) { return runNodeAction("weight", a); });
TURNO_CTL_COMMAND(QStringLiteral("balance"), QStringLiteral("balance ALGORITHM"),
                  QStringLiteral("switch roundrobin|weighted|leastconn live (HAProxy reload, no dropped request)"), runBalance);
TURNO_CTL_COMMAND(QStringLiteral("attach"), QStringLiteral("attach [--stats S] [--node URL]... [--redis H:P] | --prometheus URL"),
                  QStringLiteral("status of a fleet launched elsewhere (balancer stats, registry, node URLs, or a Prometheus)"), runAttach);
TURNO_CTL_COMMAND(QStringLiteral("logs"), QStringLiteral("logs NODE [--lines N]"),
                  QStringLiteral("recent output of a cluster process"), runLogs);
