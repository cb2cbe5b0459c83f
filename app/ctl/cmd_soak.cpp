// turnoctl soak: holds a turno-server at a share of its capacity for a long
// time and watches for slow leaks: RSS growth, descriptor count and p99 drift,
// one row per interval and a verdict. Thin over core/load's SoakRun.
#include "command_registry.h"
#include "option_parser.h"

#include "common/proc_sample.h"
#include "fleet/fleet_supervisor.h"
#include "load/soak_run.h"

#include <QElapsedTimer>
#include <QEventLoop>
#include <QFile>
#include <QJsonDocument>
#include <QProcess>
#include <QRandomGenerator>
#include <QTcpServer>
#include <QTemporaryDir>
#include <QThread>
#include <QTimer>
#include <arpa/inet.h>
#include <atomic>
#include <csignal>
#include <netinet/in.h>
#include <optional>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <unistd.h>

namespace {

using turnoctl::ExitFailure;
using turnoctl::ExitOk;
using turnoctl::ExitUnavailable;
using turnoctl::ExitUsage;

std::atomic<bool> g_interrupted{false};

const turnoctl::OptionParser &soakOptions()
{
    static const turnoctl::OptionParser parser = [] {
        turnoctl::OptionParser p(QStringLiteral("soak"), QStringLiteral("soak [options]"));
        p.describe(QStringLiteral(
             "Holds a turno-server at a share of its capacity for a long time and watches for\n"
             "leaks: every interval it samples the server's RSS (/proc/PID/status VmRSS) and open\n"
             "descriptors (/proc/PID/fd) and the interval's p50/p99, errors and duplicate turnos\n"
             "(each interval is its own load run over the same ids, every answer checked).\n"
             "The first interval is the warm-up. Passes (exit 0) when, after it:\n"
             "  - RSS grew by less than --max-rss-growth from the warm-up's last sample to the last;\n"
             "  - the descriptor count moved by at most --max-fd-spread;\n"
             "  - the last interval's p99 is within --max-p99-ratio x the first one's (that p99\n"
             "    taken as at least --p99-floor-ms, so sub-millisecond noise does not fail a run);\n"
             "  - no request failed and no turno was handed out twice (any interval).\n"
             "Otherwise exit 1; 2 usage; 3 the server could not be started or reached."))
            .section(QStringLiteral("Server (default: start one with the memory store on a free loopback port)"))
            .option(QStringLiteral("--server-bin"), QStringLiteral("PATH"),
                    QStringLiteral("turno-server to start [TURNO_SERVER_BIN, next to turnoctl, PATH]"))
            .option(QStringLiteral("--server-threads"), QStringLiteral("N"), QStringLiteral("its --threads [its default: one per core]"))
            .option(QStringLiteral("--target"), QStringLiteral("URL"),
                    QStringLiteral("soak a server that already runs (URL http://IPv4:PORT), with --pid"))
            .option(QStringLiteral("--pid"), QStringLiteral("PID"), QStringLiteral("the process of the server --target reaches"))
            .section(QStringLiteral("Load"))
            .option(QStringLiteral("--rate"), QStringLiteral("R"), QStringLiteral("req/s to hold; default: --fraction of the capacity found first"))
            .option(QStringLiteral("--fraction"), QStringLiteral("F"), QStringLiteral("share of capacity [0.5]"))
            .option(QStringLiteral("--slo-p99-ms"), QStringLiteral("X"), QStringLiteral("p99 SLO of the capacity search [10]"))
            .option(QStringLiteral("--duration"), QStringLiteral("D"), QStringLiteral("total, e.g. 600, 10m, 90s [10m]"))
            .option(QStringLiteral("--interval"), QStringLiteral("D"), QStringLiteral("sampling interval and load-run length [60s]"))
            .option(QStringLiteral("--connections"), QStringLiteral("N"), QStringLiteral("keep-alive connections [16]"))
            .option(QStringLiteral("--threads"), QStringLiteral("N"), QStringLiteral("generator threads [2]"))
            .option(QStringLiteral("--ids"), QStringLiteral("K"), QStringLiteral("ids, uniformly spread [100]"))
            .section(QStringLiteral("Verdict limits"))
            .option(QStringLiteral("--max-rss-growth"), QStringLiteral("F"), QStringLiteral("[0.05]"))
            .option(QStringLiteral("--max-fd-spread"), QStringLiteral("N"), QStringLiteral("[8]"))
            .option(QStringLiteral("--max-p99-ratio"), QStringLiteral("X"), QStringLiteral("[1.5]"))
            .option(QStringLiteral("--p99-floor-ms"), QStringLiteral("X"), QStringLiteral("[1]"))
            .section(QStringLiteral("Output"))
            .flag(QStringLiteral("--json"), QStringLiteral("one JSON document instead of the table"))
            .flag(QStringLiteral("--quiet"), QStringLiteral("no progress on stderr"));
        return p;
    }();
    return parser;
}

// What the command line asks for beyond the SoakConfig: where the server comes from and how to print.
struct SoakOptions {
    turno::SoakConfig soak;
    QString serverBin;
    int serverThreads = 0;
    bool json = false;
    bool quiet = false;
    bool startedServer = false;  // by this command, when no --target was given
};

// "600", "600s", "10m", "1h", "1500ms" -> seconds; nullopt if not a duration.
std::optional<double> parseDuration(const QString &text)
{
    QString t = text.trimmed();
    double scale = 1;
    if (t.endsWith(QLatin1String("ms"))) {
        scale = 0.001;
        t.chop(2);
    } else if (t.endsWith(QLatin1Char('s'))) {
        t.chop(1);
    } else if (t.endsWith(QLatin1Char('m'))) {
        scale = 60;
        t.chop(1);
    } else if (t.endsWith(QLatin1Char('h'))) {
        scale = 3600;
        t.chop(1);
    }
    bool ok = false;
    const double v = t.toDouble(&ok);
    if (!ok || !(v > 0))
        return std::nullopt;
    return v * scale;
}

bool canConnect(quint16 port, const std::string &host = "127.0.0.1")
{
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(port);
    if (::inet_pton(AF_INET, host.c_str(), &a.sin_addr) != 1)
        return false;
    const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return false;
    const bool ok = ::connect(fd, reinterpret_cast<sockaddr *>(&a), sizeof a) == 0;
    ::close(fd);
    return ok;
}

// A turno-server this command started; stopped (SIGTERM, then SIGKILL) when it
// goes out of scope, and killed by the kernel if turnoctl itself dies.
class OwnServer {
public:
    ~OwnServer()
    {
        if (m_process.state() == QProcess::NotRunning)
            return;
        m_process.terminate();
        if (!m_process.waitForFinished(5000)) {
            m_process.kill();
            m_process.waitForFinished(2000);
        }
    }
    turno::Result<void> start(const QString &bin, int threads)
    {
        if (!m_dir.isValid())
            return turno::Error{QStringLiteral("cannot create a temporary directory for the server log: %1").arg(m_dir.errorString())};
        QTcpServer probe;
        if (!probe.listen(QHostAddress::LocalHost, 0))
            return turno::Error{QStringLiteral("no free port on 127.0.0.1: %1").arg(probe.errorString())};
        m_port = probe.serverPort();
        probe.close();
        QStringList args{QStringLiteral("--listen"), QStringLiteral("127.0.0.1:%1").arg(m_port), QStringLiteral("--store"),
                         QStringLiteral("memory")};
        if (threads > 0)
            args << QStringLiteral("--threads") << QString::number(threads);
        m_log = m_dir.filePath(QStringLiteral("turno-server.log"));
        m_process.setProgram(bin);
        m_process.setArguments(args);
        m_process.setStandardInputFile(QProcess::nullDevice());
        m_process.setStandardOutputFile(m_log);
        m_process.setStandardErrorFile(m_log, QIODevice::Append);
        const pid_t parent = ::getpid();
        m_process.setChildProcessModifier([parent] {
            ::setpgid(0, 0);
            ::prctl(PR_SET_PDEATHSIG, SIGKILL);
            if (::getppid() != parent)
                ::_exit(127);
        });
        m_process.start();
        if (!m_process.waitForStarted(5000))
            return turno::Error{QStringLiteral("cannot start %1: %2").arg(bin, m_process.errorString())};
        QElapsedTimer t;
        t.start();
        while (!canConnect(m_port)) {
            if (m_process.state() == QProcess::NotRunning || t.elapsed() > 10000)
                return turno::Error{QStringLiteral("%1 did not listen on 127.0.0.1:%2 within 10 s; its log:\n%3")
                                        .arg(bin)
                                        .arg(m_port)
                                        .arg(logText())};
            QThread::msleep(20);
        }
        return {};
    }
    quint16 port() const { return m_port; }
    qint64 pid() const { return m_process.processId(); }
    QString logText() const
    {
        QFile f(m_log);
        return f.open(QIODevice::ReadOnly) ? QString::fromLocal8Bit(f.readAll().right(2000)) : QString();
    }

private:
    QTemporaryDir m_dir;
    QProcess m_process;
    QString m_log;
    quint16 m_port = 0;
};

// Reads the numbers and durations of the parsed line into o; an error names the option.
turno::Result<void> readNumbers(const turnoctl::ParsedArgs &p, SoakOptions &o)
{
    struct Number {
        const char *name;
        double lo, hi;
        double *into;
    };
    double serverThreads = 0, pid = 0, rate = 0, connections = o.soak.base.connections, threads = o.soak.base.threads,
           ids = o.soak.base.idCount, fdSpread = o.soak.limits.maxFdSpread;
    const Number numbers[] = {
        {"--server-threads", 1, 256, &serverThreads},
        {"--pid", 1, 4194304, &pid},
        {"--rate", 1, 1e8, &rate},
        {"--fraction", 0.01, 1, &o.soak.fraction},
        {"--slo-p99-ms", 0.01, 1e6, &o.soak.sloP99Ms},
        {"--connections", 1, 10000, &connections},
        {"--threads", 1, 256, &threads},
        {"--ids", 1, 1e6, &ids},
        {"--max-rss-growth", 0, 100, &o.soak.limits.maxRssGrowth},
        {"--max-fd-spread", 0, 1e6, &fdSpread},
        {"--max-p99-ratio", 1, 1000, &o.soak.limits.maxP99Ratio},
        {"--p99-floor-ms", 0, 1e6, &o.soak.limits.p99FloorMs},
    };
    for (const Number &n : numbers) {
        const turno::Result<double> v = p.number(QLatin1String(n.name), n.lo, n.hi, *n.into);
        if (!v)
            return turno::Error{v.error()};
        *n.into = v.value();
    }
    for (const auto &[name, into] : {std::pair{"--duration", &o.soak.durationS}, std::pair{"--interval", &o.soak.intervalS}}) {
        if (!p.has(QLatin1String(name)))
            continue;
        const std::optional<double> d = parseDuration(p.value(QLatin1String(name)));
        if (!d)
            return turno::Error{QStringLiteral("%1 needs a duration such as 600, 90s, 10m or 1500ms, got '%2'")
                                    .arg(QLatin1String(name), p.value(QLatin1String(name)))};
        *into = *d;
    }
    o.serverThreads = int(serverThreads);
    o.soak.pid = qint64(pid);
    if (p.has(QStringLiteral("--rate")))
        o.soak.rate = rate;
    o.soak.base.connections = int(connections);
    o.soak.base.threads = std::min(int(threads), int(connections));
    o.soak.base.idCount = uint32_t(ids);
    o.soak.limits.maxFdSpread = int(fdSpread);
    return {};
}

// Parses args into o; returns an exit code when parsing ends the command.
std::optional<int> parseArgs(const QStringList &args, SoakOptions &o)
{
    const turnoctl::OptionParser &parser = soakOptions();
    turnoctl::ParsedArgs p;
    if (const std::optional<int> code = parser.parseOrExit(args, &p))
        return code;
    if (!p.positional().isEmpty())
        return parser.usageError(QStringLiteral("unknown argument '%1'").arg(p.positional().first()));
    o.soak.durationS = 600;
    o.soak.intervalS = 60;
    o.soak.base.idCount = 100;
    if (const turno::Result<void> r = readNumbers(p, o); !r)
        return parser.usageError(r.error());
    o.serverBin = p.value(QStringLiteral("--server-bin"));
    o.soak.target = p.value(QStringLiteral("--target"));
    o.json = p.has(QStringLiteral("--json"));
    o.quiet = p.has(QStringLiteral("--quiet"));
    if (o.soak.target.isEmpty() != (o.soak.pid == 0))
        return parser.usageError(QStringLiteral("--target URL and --pid PID go together (the PID is the server the URL reaches)"));
    if (!o.soak.target.isEmpty() && !o.serverBin.isEmpty())
        return parser.usageError(QStringLiteral("choose --server-bin (start a server) or --target/--pid (use a running one)"));
    if (o.soak.durationS < 2 * o.soak.intervalS)
        return parser.usageError(QStringLiteral("--duration %1 s must cover at least two --interval %2 s windows (the first is the warm-up)")
                                     .arg(o.soak.durationS)
                                     .arg(o.soak.intervalS));
    return std::nullopt;
}

// Starts the server when no --target was given, then checks the target can be
// watched and loaded; fills o.soak's pid, target and load. Returns an exit code on failure.
std::optional<int> prepareTarget(SoakOptions &o, OwnServer &own)
{
    QTextStream &err = turnoctl::err();
    o.startedServer = o.soak.target.isEmpty();
    if (o.startedServer) {
        const QString bin = turno::FleetSupervisor::findServerBinary(o.serverBin);
        if (bin.isEmpty()) {
            err << "turnoctl soak: turno-server was not found (looked at --server-bin, TURNO_SERVER_BIN, next to turnoctl "
                   "and in PATH); build it (ninja turno-server) or pass --server-bin PATH\n";
            return ExitUnavailable;
        }
        if (const turno::Result<void> r = own.start(bin, o.serverThreads); !r) {
            err << "turnoctl soak: " << r.error() << "\n";
            return ExitUnavailable;
        }
        o.soak.pid = own.pid();
        o.soak.target = QStringLiteral("http://127.0.0.1:%1").arg(own.port());
    }
    turno::LoadConfig &base = o.soak.base;
    if (const turno::Result<void> r = turno::parseLoadTarget(o.soak.target, &base); !r) {
        err << "turnoctl soak: --target: " << r.error() << "\n";
        return ExitUsage;
    }
    const qint64 pid = o.soak.pid;
    if (!turno::ProcSample::read(pid)) {
        err << "turnoctl soak: cannot read /proc/" << pid << "/status and /proc/" << pid
            << "/fd; is --pid the server's process id, and is it yours (or run as its user)?\n";
        return ExitUnavailable;
    }
    if (!canConnect(base.port, base.host)) {
        err << "turnoctl soak: nothing accepts connections at " << o.soak.target << "; is the server running there?\n";
        return ExitUnavailable;
    }
    base.pattern = base.idCount > 1 ? turno::IdPattern::Uniform : turno::IdPattern::Single;
    // One id set for the whole soak: the server's memory should stay flat, not
    // grow with fresh counters every interval.
    base.idPrefix = QStringLiteral("soak%1").arg(QRandomGenerator::global()->generate(), 8, 16, QLatin1Char('0')).toStdString();
    if (const turno::Result<void> r = turno::SoakRun::validate(o.soak); !r) {
        err << "turnoctl soak: " << r.error() << "\n";
        return ExitUsage;
    }
    return std::nullopt;
}

void printHeader(const SoakOptions &o, double capacity, double rate)
{
    QTextStream &out = turnoctl::out();
    out << "soak " << o.soak.target << " (pid " << o.soak.pid << (o.startedServer ? ", started by turnoctl" : "") << "): ";
    if (capacity > 0)
        out << o.soak.fraction << " x capacity " << QString::number(capacity, 'f', 0) << " req/s = ";
    out << QString::number(rate, 'f', 0) << " req/s, " << o.soak.plannedWindows() << " windows of " << o.soak.intervalS << " s, "
        << o.soak.base.connections << " connections, " << o.soak.base.idCount << " ids\n";
    out << turno::SoakWindow::tableHeader();
    out.flush();
}

// Runs the soak with live output; returns its report.
turno::Result<turno::SoakReport> runLive(const SoakOptions &o)
{
    QTextStream &out = turnoctl::out();
    QTextStream &err = turnoctl::err();
    turno::SoakRun run(o.soak);
    QEventLoop loop;
    QObject::connect(&run, &turno::SoakRun::capacityStep, &loop, [&](const turno::CapacityStep &s) {
        if (!o.quiet)
            err << "  step " << QString::number(s.rate, 'f', 0) << " req/s: achieved " << QString::number(s.achieved, 'f', 0) << ", p99 "
                << QString::number(s.latency.p99Ms, 'f', 3) << " ms -> " << (s.sustainable ? QStringLiteral("ok") : s.why) << Qt::endl;
    });
    QObject::connect(&run, &turno::SoakRun::holding, &loop, [&](double capacity, double rate) {
        if (!o.json)
            printHeader(o, capacity, rate);
    });
    QObject::connect(&run, &turno::SoakRun::windowDone, &loop, [&](const turno::SoakWindow &w) {
        if (!o.json) {
            out << w.tableRow();
            out.flush();
        }
        if (!w.procOk && !o.quiet)
            err << "turnoctl soak: server pid " << o.soak.pid << " is gone" << Qt::endl;
    });
    QObject::connect(&run, &turno::SoakRun::finished, &loop, &QEventLoop::quit);
    if (!o.soak.rate && !o.quiet)
        err << "finding capacity of " << o.soak.target << " (p99 SLO " << o.soak.sloP99Ms << " ms)..." << Qt::endl;
    if (const turno::Result<void> started = run.start(); !started)
        return turno::Error{started.error()};
    // Ctrl-C ends the soak early; the verdict then says it was interrupted.
    QTimer interruptPoll;
    QObject::connect(&interruptPoll, &QTimer::timeout, &run, [&] {
        if (g_interrupted.load())
            run.stop();
    });
    interruptPoll.start(100);
    loop.exec();
    return run.report();
}

int runSoak(const QStringList &args)
{
    SoakOptions o;
    if (const std::optional<int> code = parseArgs(args, o))
        return *code;
    OwnServer own;
    if (const std::optional<int> code = prepareTarget(o, own))
        return *code;

    std::signal(SIGINT, [](int) { g_interrupted.store(true); });
    const turno::Result<turno::SoakReport> ran = runLive(o);
    std::signal(SIGINT, SIG_DFL);
    if (!ran) {
        turnoctl::err() << "turnoctl soak: " << ran.error() << "\n";
        return ExitUsage;
    }
    const turno::SoakReport &report = ran.value();

    QTextStream &out = turnoctl::out();
    switch (report.outcome) {
    case turno::SoakReport::Outcome::NoCapacity:
        turnoctl::err() << "turnoctl soak: " << report.error << "\n";
        return ExitFailure;
    case turno::SoakReport::Outcome::NoAnswers:
        turnoctl::err() << "turnoctl soak: " << report.error << "\n";
        return ExitUnavailable;
    case turno::SoakReport::Outcome::Judged:
        break;
    }
    if (o.json) {
        QJsonObject doc = report.toJson();
        doc.insert(QStringLiteral("started_server"), o.startedServer);
        out << QJsonDocument(doc).toJson(QJsonDocument::Indented);
    } else {
        out << report.verdict.toText();
    }
    out.flush();
    return report.verdict.passed ? ExitOk : ExitFailure;
}

}  // namespace

TURNO_CTL_COMMAND(QStringLiteral("soak"),
                  QStringLiteral("soak [--rate R | --fraction F] [--duration 10m] [--interval 60s] [--target URL --pid PID] [--json]"),
                  QStringLiteral("hold a server at a share of capacity; watch RSS, fds and p99 drift"),
                  runSoak);
