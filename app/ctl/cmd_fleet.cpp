// turnoctl up/down/status/scale/drain/enable/weight/logs: `up` is the
// supervising process (FleetSupervisor + ControlServer); the others are clients
// of its control socket, so killing them never disturbs the cluster.
#include "command_registry.h"

#include "common/secret_file.h"
#include "control/control_client.h"
#include "control/control_server.h"
#include "fleet/cluster_profile.h"
#include "fleet/fleet_attach.h"
#include "fleet/fleet_supervisor.h"
#include "runtime/fleet_monitor.h"

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
#include <csignal>
#include <sys/socket.h>
#include <unistd.h>

namespace {

using turnoctl::ExitFailure;
using turnoctl::ExitOk;
using turnoctl::ExitUnavailable;
using turnoctl::ExitUsage;

using turnoctl::err;
using turnoctl::out;

const char *kLocation =
    "Finding the cluster: --run-dir DIR, else $TURNO_RUN_DIR, else the default run\n"
    "directory of --cluster NAME (default \"local\"): $XDG_RUNTIME_DIR/turno-ops/NAME,\n"
    "or /tmp/turno-ops-UID/NAME without XDG_RUNTIME_DIR. The supervisor's control\n"
    "socket is RUN_DIR/control.sock (mode 0600).\n";

// Options shared by the client commands; the rest are positional.
struct ClientArgs {
    QString runDir;
    QString cluster;
    bool json = false;
    int lines = 100;
    QStringList positional;
    QString error;
    bool help = false;
};

ClientArgs parseClient(const QStringList &args)
{
    ClientArgs a;
    for (int i = 0; i < args.size(); ++i) {
        const QString &s = args[i];
        auto value = [&](QString &dst) {
            if (i + 1 >= args.size()) {
                a.error = s + QStringLiteral(" needs a value");
                return;
            }
            dst = args[++i];
        };
        if (s == QLatin1String("--run-dir"))
            value(a.runDir);
        else if (s == QLatin1String("--cluster"))
            value(a.cluster);
        else if (s == QLatin1String("--json"))
            a.json = true;
        else if (s == QLatin1String("--help") || s == QLatin1String("-h"))
            a.help = true;
        else if (s == QLatin1String("--lines")) {
            QString v;
            value(v);
            bool ok = false;
            a.lines = v.toInt(&ok);
            if (!ok || a.lines < 1)
                a.error = QStringLiteral("--lines needs a positive number");
        } else if (s.startsWith(QLatin1String("--")))
            a.error = QStringLiteral("unknown option ") + s;
        else
            a.positional << s;
    }
    return a;
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

int usage(const char *name, const QString &synopsis, const QString &why)
{
    if (!why.isEmpty())
        err() << "turnoctl " << name << ": " << why << "\n";
    err() << "Usage: turnoctl " << synopsis << "\n" << kLocation;
    err().flush();
    return why.isEmpty() ? ExitOk : ExitUsage;
}

// ---- up ---------------------------------------------------------------------

int g_signalPipe[2] = {-1, -1};

void onStopSignal(int)
{
    const char c = 1;
    [[maybe_unused]] auto n = ::write(g_signalPipe[1], &c, 1);
}

const QString kUpSynopsis = QStringLiteral(
    "up [--profile FILE] [--run-dir DIR] [--balancer ADDR:PORT] [--db FILE] [--detach]");

int runUp(const QStringList &args)
{
    QString profilePath, runDir, balancer, dbPath;
    bool detach = false;
    for (int i = 0; i < args.size(); ++i) {
        const QString &s = args[i];
        auto value = [&](QString &dst) -> bool {
            if (i + 1 >= args.size())
                return false;
            dst = args[++i];
            return true;
        };
        if (s == QLatin1String("--profile")) {
            if (!value(profilePath))
                return usage("up", kUpSynopsis, QStringLiteral("--profile needs a FILE"));
        } else if (s == QLatin1String("--run-dir")) {
            if (!value(runDir))
                return usage("up", kUpSynopsis, QStringLiteral("--run-dir needs a DIR"));
        } else if (s == QLatin1String("--balancer")) {
            if (!value(balancer))
                return usage("up", kUpSynopsis, QStringLiteral("--balancer needs ADDR:PORT"));
        } else if (s == QLatin1String("--db")) {
            if (!value(dbPath))
                return usage("up", kUpSynopsis, QStringLiteral("--db needs a FILE"));
        } else if (s == QLatin1String("--detach")) {
            detach = true;
        } else if (s == QLatin1String("--help") || s == QLatin1String("-h")) {
            out() << "Usage: turnoctl " << kUpSynopsis << "\n\n"
                  << "Launches the cluster of the profile (default: resources/profiles/default.json, balancer on\n"
                     "127.0.0.1:7017) and supervises it until `turnoctl down`, SIGINT or SIGTERM. With --detach\n"
                     "the supervisor runs in the background and this command returns once the cluster is ready.\n"
                     "--balancer overrides balancer.listen (port 0 = any free port). Events and alerts are\n"
                     "recorded in the incident store (--db FILE, else $TURNO_INCIDENT_DB, else\n"
                     "~/.local/share/turno-ops/incidents.db).\n\n"
                  << kLocation;
            return ExitOk;
        } else {
            return usage("up", kUpSynopsis, QStringLiteral("unknown argument ") + s);
        }
    }

    QElapsedTimer clock;
    clock.start();
    auto loaded = profilePath.isEmpty() ? turno::ProfileLoader::loadDefault() : turno::ProfileLoader::loadFile(profilePath);
    if (!loaded.ok()) {
        err() << "turnoctl up: " << loaded.error() << "\n";
        return ExitUsage;
    }
    turno::ClusterProfile profile = loaded.value();
    if (!balancer.isEmpty()) {
        const qsizetype colon = balancer.lastIndexOf(QLatin1Char(':'));
        bool ok = false;
        const uint port = balancer.mid(colon + 1).toUInt(&ok);
        if (colon <= 0 || !ok || port > 65535)
            return usage("up", kUpSynopsis, QStringLiteral("--balancer must be ADDR:PORT"));
        profile.balancerListen.host = balancer.left(colon);
        profile.balancerListen.port = quint16(port);
    }
    if (runDir.isEmpty())
        runDir = turno::ControlClient::resolveRunDir({}, profile.name);
    runDir = QDir(runDir).absolutePath();

    if (detach) {
        // Re-run ourselves without --detach in a new session; wait until its control socket says ready.
        QStringList childArgs{QStringLiteral("up"), QStringLiteral("--run-dir"), runDir};
        if (!profilePath.isEmpty())
            childArgs << QStringLiteral("--profile") << QFileInfo(profilePath).absoluteFilePath();
        if (!balancer.isEmpty())
            childArgs << QStringLiteral("--balancer") << balancer;
        if (!dbPath.isEmpty())
            childArgs << QStringLiteral("--db") << QFileInfo(dbPath).absoluteFilePath();
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
        for (;;) {
            if (::kill(pid_t(pid), 0) != 0) {
                err() << "turnoctl up: the background supervisor (pid " << pid << ") exited before the cluster was ready; see "
                      << runDir << "/supervisor.log\n";
                QFile log(runDir + QStringLiteral("/supervisor.log"));
                if (log.open(QIODevice::ReadOnly))
                    err() << QString::fromLocal8Bit(log.readAll().right(2000));
                return ExitFailure;
            }
            const auto r = client.requestSync(QJsonObject{{QStringLiteral("cmd"), QStringLiteral("ping")}}, 1000);
            if (r.ok()) {
                const QJsonObject res = r.value().value(QStringLiteral("result")).toObject();
                if (res.value(QStringLiteral("state")).toString() == QLatin1String("ready")) {
                    out() << "cluster " << profile.name << " ready in " << clock.elapsed() << " ms (supervisor pid " << pid
                          << ", run dir " << runDir << ")\n";
                    return ExitOk;
                }
            }
            QThread::msleep(20);
        }
    }

    if (qEnvironmentVariableIsSet("TURNO_DETACHED"))
        ::setsid();  // away from the terminal's signals
    if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, g_signalPipe) != 0) {
        err() << "turnoctl up: socketpair failed\n";
        return ExitFailure;
    }
    ::signal(SIGINT, onStopSignal);
    ::signal(SIGTERM, onStopSignal);
    ::signal(SIGHUP, onStopSignal);
    ::signal(SIGPIPE, SIG_IGN);

    // The same monitor the console runs: supervision, scrapes, alert rules and the
    // event history, so every control command the console serves is served here too.
    turno::FleetMonitor monitor;
    int exitCode = ExitOk;
    {
        const auto history = monitor.openHistory(dbPath);
        if (!history.ok())
            err() << "turnoctl up: warning: no event history (" << history.error() << "); the cluster runs without one\n";
    }
    QDir().mkpath(runDir);
    const auto started = monitor.launch(profile, runDir);
    if (!started.ok()) {
        err() << "turnoctl up: " << started.error() << "\n";
        return ExitUnavailable;
    }
    turno::FleetSupervisor *supervisor = monitor.supervisor();
    const QString controlPath = turno::ControlServer::socketPath(runDir);
    QObject::connect(supervisor, &turno::FleetSupervisor::event, [](const turno::FleetEvent &e) {
        err() << QDateTime::currentDateTimeUtc().toString(Qt::ISODateWithMs) << " " << e.kindName();
        if (!e.node.isEmpty())
            err() << " [" << e.node << "]";
        err() << " " << e.message << "\n";
        err().flush();
    });
    QObject::connect(supervisor, &turno::FleetSupervisor::ready, [&](qint64 ms) {
        out() << "cluster " << profile.name << " ready in " << ms << " ms: balancer " << profile.balancerListen.host << ":"
              << supervisor->balancerPort() << ", control socket " << controlPath << "\n";
        out().flush();
    });
    QObject::connect(supervisor, &turno::FleetSupervisor::startFailed, [&](const QString &why) {
        err() << "turnoctl up: " << why << "\n";
        err().flush();
        exitCode = ExitFailure;
        QCoreApplication::quit();
    });
    QObject::connect(supervisor, &turno::FleetSupervisor::stopped, [&](qint64 ms) {
        out() << "cluster " << profile.name << " stopped in " << ms << " ms\n";
        out().flush();
        QCoreApplication::quit();
    });
    QSocketNotifier notifier(g_signalPipe[0], QSocketNotifier::Read);
    QObject::connect(&notifier, &QSocketNotifier::activated, [&] {
        char buf[16];
        [[maybe_unused]] auto n = ::read(g_signalPipe[0], buf, sizeof buf);
        monitor.stop();
    });
    QCoreApplication::exec();
    return exitCode;
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
        out() << "frontend: " << fe.value(QStringLiteral("reqPerSec")).toInteger() << " req/s, "
              << fe.value(QStringLiteral("requests")).toInteger() << " requests, "
              << fe.value(QStringLiteral("sessions")).toInteger() << " open sessions, "
              << fe.value(QStringLiteral("responses5xx")).toInteger() << " 5xx\n";
    }
    if (st.contains(QStringLiteral("balancerError")))
        out() << "balancer: " << st.value(QStringLiteral("balancerError")).toString() << "\n";
    const QStringList header{QStringLiteral("NODE"), QStringLiteral("POOL"), QStringLiteral("STATE"), QStringLiteral("PID"),
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
                            n.value(QStringLiteral("state")).toString(),
                            n.value(QStringLiteral("pid")).toInt() ? QString::number(n.value(QStringLiteral("pid")).toInt()) : QStringLiteral("-"),
                            n.value(QStringLiteral("address")).toString(),
                            opt("weight"), opt("reqPerSec"),
                            n.value(QStringLiteral("p99Ms")).isDouble() ? opt("p99Ms") + QStringLiteral("ms") : QStringLiteral("-"),
                            QString::number(n.value(QStringLiteral("cpuPercent")).toDouble(), 'f', 1),
                            humanBytes(qint64(n.value(QStringLiteral("rssBytes")).toDouble())),
                            opt("errors"), QString::number(n.value(QStringLiteral("restarts")).toInt())};
    }
    QList<int> width(header.size(), 0);
    for (const QStringList &r : rows)
        for (int i = 0; i < r.size(); ++i)
            width[i] = std::max(width[i], int(r[i].size()));
    for (const QStringList &r : rows) {
        QString line;
        for (int i = 0; i < r.size(); ++i)
            line += r[i].leftJustified(width[i] + 2);
        out() << line.trimmed() << "\n";
    }
}

int runStatus(const QStringList &args)
{
    const QString synopsis = QStringLiteral("status [--json] [--run-dir DIR | --cluster NAME]");
    const ClientArgs a = parseClient(args);
    if (a.help || !a.error.isEmpty() || !a.positional.isEmpty())
        return usage("status", synopsis, a.help ? QString() : a.error.isEmpty() ? QStringLiteral("unexpected argument ") + a.positional.value(0) : a.error);
    QJsonObject reply;
    if (const int rc = call("status", a, QJsonObject{{QStringLiteral("cmd"), QStringLiteral("status")}}, &reply); rc != ExitOk)
        return rc;
    printStatus(reply.value(QStringLiteral("result")).toObject(), a.json);
    return ExitOk;
}

int runDown(const QStringList &args)
{
    const QString synopsis = QStringLiteral("down [--run-dir DIR | --cluster NAME]");
    const ClientArgs a = parseClient(args);
    if (a.help || !a.error.isEmpty() || !a.positional.isEmpty())
        return usage("down", synopsis, a.help ? QString() : a.error.isEmpty() ? QStringLiteral("unexpected argument ") + a.positional.value(0) : a.error);
    QJsonObject reply;
    if (const int rc = call("down", a, QJsonObject{{QStringLiteral("cmd"), QStringLiteral("down")}}, &reply, 30000); rc != ExitOk)
        return rc;
    out() << "cluster stopped in " << reply.value(QStringLiteral("result")).toObject().value(QStringLiteral("stoppedMs")).toInt() << " ms\n";
    return ExitOk;
}

int runNodeAction(const char *name, const QStringList &args)
{
    const QString cmd = QLatin1String(name);
    const bool isWeight = cmd == QLatin1String("weight");
    const QString synopsis = isWeight ? QStringLiteral("weight NODE W [--run-dir DIR | --cluster NAME]")
                                      : cmd + QStringLiteral(" NODE [--run-dir DIR | --cluster NAME]");
    const ClientArgs a = parseClient(args);
    if (a.help)
        return usage(name, synopsis, {});
    if (!a.error.isEmpty() || a.positional.size() != (isWeight ? 2 : 1))
        return usage(name, synopsis, a.error.isEmpty() ? QStringLiteral("wrong number of arguments") : a.error);
    QJsonObject req{{QStringLiteral("cmd"), cmd}, {QStringLiteral("node"), a.positional[0]}};
    if (isWeight) {
        bool ok = false;
        const int w = a.positional[1].toInt(&ok);
        if (!ok || w < 0 || w > 256)
            return usage(name, synopsis, QStringLiteral("W must be a weight from 0 to 256"));
        req.insert(QStringLiteral("weight"), w);
    }
    if (const int rc = call(name, a, req, nullptr); rc != ExitOk)
        return rc;
    out() << a.positional[0] << ": " << cmd << " ok\n";
    return ExitOk;
}

int runScale(const QStringList &args)
{
    const QString synopsis = QStringLiteral("scale POOL N [--run-dir DIR | --cluster NAME]");
    const ClientArgs a = parseClient(args);
    if (a.help)
        return usage("scale", synopsis, {});
    bool ok = false;
    const int n = a.positional.value(1).toInt(&ok);
    if (!a.error.isEmpty() || a.positional.size() != 2 || !ok)
        return usage("scale", synopsis, a.error.isEmpty() ? QStringLiteral("expected POOL (primary|secondary) and a node count") : a.error);
    const QJsonObject req{{QStringLiteral("cmd"), QStringLiteral("scale")}, {QStringLiteral("pool"), a.positional[0]},
                          {QStringLiteral("count"), n}};
    if (const int rc = call("scale", a, req, nullptr, 60000); rc != ExitOk)
        return rc;
    out() << "pool " << a.positional[0] << " now has " << n << " nodes\n";
    return ExitOk;
}

int runBalance(const QStringList &args)
{
    const QString synopsis = QStringLiteral("balance roundrobin|weighted|leastconn [--run-dir DIR | --cluster NAME]");
    const ClientArgs a = parseClient(args);
    if (a.help)
        return usage("balance", synopsis, {});
    if (!a.error.isEmpty() || a.positional.size() != 1)
        return usage("balance", synopsis, a.error.isEmpty() ? QStringLiteral("expected one algorithm") : a.error);
    const QJsonObject req{{QStringLiteral("cmd"), QStringLiteral("balance")}, {QStringLiteral("algorithm"), a.positional[0]}};
    if (const int rc = call("balance", a, req, nullptr, 30000); rc != ExitOk)
        return rc;
    out() << "balancing is now " << a.positional[0] << "\n";
    return ExitOk;
}

int runAttach(const QStringList &args)
{
    const QString synopsis = QStringLiteral(
        "attach [--stats SOCKET|http://HOST:PORT/stats] [--node http://HOST:PORT]... [--redis HOST:PORT]\n"
        "                [--sentinel HOST:PORT [--master NAME]] [--password-file FILE] [--cluster NAME] [--json]");
    turno::AttachTarget t;
    bool json = false;
    for (int i = 0; i < args.size(); ++i) {
        const QString &s = args[i];
        auto value = [&]() -> QString { return i + 1 < args.size() ? args[++i] : QString(); };
        if (s == QLatin1String("--stats")) {
            t.balancerStats = value();
        } else if (s == QLatin1String("--node")) {
            t.nodeUrls << value();
        } else if (s == QLatin1String("--redis")) {
            const QString hp = value();
            t.redisHost = hp.section(QLatin1Char(':'), 0, -2);
            t.redisPort = quint16(hp.section(QLatin1Char(':'), -1).toUInt());
            if (t.redisHost.isEmpty() || t.redisPort == 0)
                return usage("attach", synopsis, QStringLiteral("--redis needs HOST:PORT"));
        } else if (s == QLatin1String("--sentinel")) {
            const QString hp = value();
            t.sentinelHost = hp.section(QLatin1Char(':'), 0, -2);
            t.sentinelPort = quint16(hp.section(QLatin1Char(':'), -1).toUInt());
            if (t.sentinelHost.isEmpty() || t.sentinelPort == 0)
                return usage("attach", synopsis, QStringLiteral("--sentinel needs HOST:PORT"));
        } else if (s == QLatin1String("--master")) {
            t.masterName = value();
        } else if (s == QLatin1String("--password-file")) {
            const turno::Result<QString> pw = turno::readSecretFile(value(), QStringLiteral("--password-file"));
            if (!pw.ok()) {
                err() << "turnoctl attach: " << pw.error() << "\n";
                return ExitUnavailable;
            }
            t.redisPassword = pw.value();
        } else if (s == QLatin1String("--cluster")) {
            t.cluster = value();
        } else if (s == QLatin1String("--json")) {
            json = true;
        } else if (s == QLatin1String("--help") || s == QLatin1String("-h")) {
            out() << "Usage: turnoctl " << synopsis << "\n\n"
                  << "Looks at a fleet this machine did not launch: HAProxy's stats (socket or HTTP CSV page), nodes\n"
                     "that announced themselves in Redis (turno:registry:CLUSTER:NODE keys with a TTL), and node\n"
                     "URLs probed on /readyz. Launches nothing. The password also comes from TURNO_REDIS_PASSWORD.\n";
            return ExitOk;
        } else {
            return usage("attach", synopsis, QStringLiteral("unknown argument ") + s);
        }
    }
    if (t.redisPassword.isEmpty())
        t.redisPassword = qEnvironmentVariable("TURNO_REDIS_PASSWORD");
    if (t.balancerStats.isEmpty() && t.nodeUrls.isEmpty() && t.redisHost.isEmpty() && t.sentinelHost.isEmpty())
        return usage("attach", synopsis, QStringLiteral("give at least one of --stats, --node, --redis, --sentinel"));
    turno::FleetAttach attach(t);
    QJsonObject status;
    attach.refresh([&](QJsonObject st) {
        status = st;
        QCoreApplication::quit();
    });
    if (status.isEmpty())
        QCoreApplication::exec();
    printStatus(status, json);
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
    const QString synopsis = QStringLiteral("logs NODE [--lines N] [--run-dir DIR | --cluster NAME]");
    const ClientArgs a = parseClient(args);
    if (a.help)
        return usage("logs", synopsis, {});
    if (!a.error.isEmpty() || a.positional.size() != 1)
        return usage("logs", synopsis, a.error.isEmpty() ? QStringLiteral("expected one NODE") : a.error);
    QJsonObject reply;
    const QJsonObject req{{QStringLiteral("cmd"), QStringLiteral("logs")}, {QStringLiteral("node"), a.positional[0]},
                          {QStringLiteral("lines"), a.lines}};
    if (const int rc = call("logs", a, req, &reply); rc != ExitOk)
        return rc;
    const QJsonObject r = reply.value(QStringLiteral("result")).toObject();
    const QString text = r.value(QStringLiteral("output")).toString();
    out() << text << (text.endsWith(QLatin1Char('\n')) || text.isEmpty() ? "" : "\n");
    out().flush();
    err() << "(last " << a.lines << " lines kept in memory; full log: " << r.value(QStringLiteral("logFile")).toString() << ")\n";
    return ExitOk;
}

}  // namespace

TURNO_CTL_COMMAND(QStringLiteral("up"), kUpSynopsis, QStringLiteral("launch and supervise a local cluster from a profile"), runUp);
TURNO_CTL_COMMAND(QStringLiteral("down"), QStringLiteral("down [--run-dir DIR]"),
                  QStringLiteral("stop the cluster in order (drain, nodes, Redis)"), runDown);
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
TURNO_CTL_COMMAND(QStringLiteral("attach"), QStringLiteral("attach [--stats S] [--node URL]... [--redis H:P]"),
                  QStringLiteral("status of a fleet launched elsewhere (balancer stats, registry, node URLs)"), runAttach);
TURNO_CTL_COMMAND(QStringLiteral("logs"), QStringLiteral("logs NODE [--lines N]"),
                  QStringLiteral("recent output of a cluster process"), runLogs);
