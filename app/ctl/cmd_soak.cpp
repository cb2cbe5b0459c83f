// turnoctl soak: holds a turno-server at a share of its capacity for a long
// time and watches for slow leaks: RSS growth, descriptor count and p99 drift,
// one row per interval and a verdict. Thin over core/load (CapacityFinder, LoadEngine).
#include "command_registry.h"

#include "fleet/fleet_supervisor.h"

#include "load/capacity_finder.h"
#include "load/load_config.h"
#include "load/load_engine.h"

#include <QCoreApplication>
#include <QDir>
#include <QElapsedTimer>
#include <QFile>
#include <QFileInfo>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QRandomGenerator>
#include <QStandardPaths>
#include <QTcpServer>
#include <QTemporaryDir>
#include <QThread>
#include <algorithm>
#include <atomic>
#include <cmath>
#include <csignal>
#include <dirent.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <optional>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <unistd.h>

namespace {

using turnoctl::ExitFailure;
using turnoctl::ExitOk;
using turnoctl::ExitUnavailable;
using turnoctl::ExitUsage;

const char kUsage[] =
    "Usage: turnoctl soak [options]\n"
    "\n"
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
    "Otherwise exit 1; 2 usage; 3 the server could not be started or reached.\n"
    "\n"
    "Server (default: start one with the memory store on a free loopback port):\n"
    "  --server-bin PATH     turno-server to start [TURNO_SERVER_BIN, next to turnoctl, PATH]\n"
    "  --server-threads N    its --threads [its default: one per core]\n"
    "  --target URL --pid PID  soak a server that already runs (URL http://IPv4:PORT)\n"
    "\n"
    "Load:\n"
    "  --rate R              req/s to hold; default: --fraction of the capacity found first\n"
    "  --fraction F          share of capacity [0.5]\n"
    "  --slo-p99-ms X        p99 SLO of the capacity search [10]\n"
    "  --duration D          total, e.g. 600, 10m, 90s [10m]\n"
    "  --interval D          sampling interval and load-run length [60s]\n"
    "  --connections N       keep-alive connections [16]\n"
    "  --threads N           generator threads [2]\n"
    "  --ids K               ids, uniformly spread [100]\n"
    "\n"
    "Verdict limits:\n"
    "  --max-rss-growth F    [0.05]     --max-fd-spread N   [8]\n"
    "  --max-p99-ratio X     [1.5]      --p99-floor-ms X    [1]\n"
    "\n"
    "Output:\n"
    "  --json                one JSON document instead of the table\n"
    "  --quiet               no progress on stderr\n";

std::atomic<bool> g_interrupted{false};

struct Options {
    QString serverBin;
    int serverThreads = 0;
    QString target;
    qint64 pid = 0;
    std::optional<double> rate;
    double fraction = 0.5;
    double sloP99Ms = 10;
    double durationS = 600;
    double intervalS = 60;
    int connections = 16;
    int threads = 2;
    int ids = 100;
    double maxRssGrowth = 0.05;
    int maxFdSpread = 8;
    double maxP99Ratio = 1.5;
    double p99FloorMs = 1;
    bool json = false;
    bool quiet = false;
};

struct ProcSample {
    bool ok = false;
    qint64 rssKiB = 0;
    int fds = 0;
};

struct Window {
    int index = 0;
    bool warmup = false;
    double elapsedS = 0;
    double achieved = 0;
    turno::LatencySummary latency;
    uint64_t answers = 0;
    uint64_t errors = 0;
    uint64_t duplicates = 0;
    uint64_t gaps = 0;
    ProcSample proc;
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

ProcSample sampleProc(qint64 pid)
{
    ProcSample s;
    QFile status(QStringLiteral("/proc/%1/status").arg(pid));
    if (!status.open(QIODevice::ReadOnly))
        return s;
    for (const QByteArray &line : status.readAll().split('\n')) {
        if (line.startsWith("VmRSS:")) {
            const QList<QByteArray> parts = line.mid(6).simplified().split(' ');
            s.rssKiB = parts.value(0).toLongLong();
        }
    }
    const QByteArray fdDir = QStringLiteral("/proc/%1/fd").arg(pid).toLocal8Bit();
    DIR *d = ::opendir(fdDir.constData());
    if (!d)
        return s;
    while (const dirent *e = ::readdir(d))
        if (e->d_name[0] != '.')
            ++s.fds;
    ::closedir(d);
    s.ok = s.rssKiB > 0;
    return s;
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

std::optional<int> parseArgs(const QStringList &args, Options &o)
{
    QTextStream &err = turnoctl::err();
    for (int i = 0; i < args.size(); ++i) {
        const QString a = args[i];
        auto text = [&](QString *v) -> bool {
            if (i + 1 >= args.size()) {
                err << "turnoctl soak: " << a << " needs a value\n";
                return false;
            }
            *v = args[++i];
            return true;
        };
        auto number = [&](double *v, double lo, double hi) -> bool {
            QString s;
            if (!text(&s))
                return false;
            bool ok = false;
            const double d = s.toDouble(&ok);
            if (!ok || d < lo || d > hi) {
                err << "turnoctl soak: " << a << " must be a number in [" << lo << ", " << hi << "], got '" << s << "'\n";
                return false;
            }
            *v = d;
            return true;
        };
        auto duration = [&](double *v) -> bool {
            QString s;
            if (!text(&s))
                return false;
            const std::optional<double> d = parseDuration(s);
            if (!d) {
                err << "turnoctl soak: " << a << " needs a duration such as 600, 90s, 10m or 1500ms, got '" << s << "'\n";
                return false;
            }
            *v = *d;
            return true;
        };
        double d = 0;
        bool ok = true;
        if (a == QLatin1String("--help") || a == QLatin1String("-h")) {
            turnoctl::out() << kUsage;
            turnoctl::out().flush();
            return ExitOk;
        } else if (a == QLatin1String("--server-bin")) {
            ok = text(&o.serverBin);
        } else if (a == QLatin1String("--server-threads")) {
            ok = number(&d, 1, 256);
            o.serverThreads = int(d);
        } else if (a == QLatin1String("--target")) {
            ok = text(&o.target);
        } else if (a == QLatin1String("--pid")) {
            ok = number(&d, 1, 4194304);
            o.pid = qint64(d);
        } else if (a == QLatin1String("--rate")) {
            ok = number(&d, 1, 1e8);
            o.rate = d;
        } else if (a == QLatin1String("--fraction")) {
            ok = number(&o.fraction, 0.01, 1);
        } else if (a == QLatin1String("--slo-p99-ms")) {
            ok = number(&o.sloP99Ms, 0.01, 1e6);
        } else if (a == QLatin1String("--duration")) {
            ok = duration(&o.durationS);
        } else if (a == QLatin1String("--interval")) {
            ok = duration(&o.intervalS);
        } else if (a == QLatin1String("--connections")) {
            ok = number(&d, 1, 10000);
            o.connections = int(d);
        } else if (a == QLatin1String("--threads")) {
            ok = number(&d, 1, 256);
            o.threads = int(d);
        } else if (a == QLatin1String("--ids")) {
            ok = number(&d, 1, 1e6);
            o.ids = int(d);
        } else if (a == QLatin1String("--max-rss-growth")) {
            ok = number(&o.maxRssGrowth, 0, 100);
        } else if (a == QLatin1String("--max-fd-spread")) {
            ok = number(&d, 0, 1e6);
            o.maxFdSpread = int(d);
        } else if (a == QLatin1String("--max-p99-ratio")) {
            ok = number(&o.maxP99Ratio, 1, 1000);
        } else if (a == QLatin1String("--p99-floor-ms")) {
            ok = number(&o.p99FloorMs, 0, 1e6);
        } else if (a == QLatin1String("--json")) {
            o.json = true;
        } else if (a == QLatin1String("--quiet")) {
            o.quiet = true;
        } else {
            err << "turnoctl soak: unknown argument '" << a << "'. Run 'turnoctl soak --help'.\n";
            return ExitUsage;
        }
        if (!ok)
            return ExitUsage;
    }
    if (o.target.isEmpty() != (o.pid == 0)) {
        err << "turnoctl soak: --target URL and --pid PID go together (the PID is the server the URL reaches)\n";
        return ExitUsage;
    }
    if (!o.target.isEmpty() && !o.serverBin.isEmpty()) {
        err << "turnoctl soak: choose --server-bin (start a server) or --target/--pid (use a running one)\n";
        return ExitUsage;
    }
    if (o.durationS < 2 * o.intervalS) {
        err << "turnoctl soak: --duration " << o.durationS << " s must cover at least two --interval " << o.intervalS
            << " s windows (the first is the warm-up)\n";
        return ExitUsage;
    }
    if (o.threads > o.connections)
        o.threads = o.connections;
    return std::nullopt;
}

QString ms(double v)
{
    return QString::number(v, 'f', 3);
}

QString row(const Window &w)
{
    return QStringLiteral("%1 %2 %3 %4 %5 %6 %7 %8 %9\n")
        .arg(QString::number(w.index) + (w.warmup ? QStringLiteral("*") : QString()), 6)
        .arg(QString::number(w.elapsedS, 'f', 0) + QStringLiteral("s"), 8)
        .arg(QString::number(w.achieved, 'f', 0), 8)
        .arg(ms(w.latency.p50Ms), 8)
        .arg(ms(w.latency.p99Ms), 8)
        .arg(w.errors, 7)
        .arg(w.duplicates, 5)
        .arg(w.proc.ok ? QString::number(w.proc.rssKiB) : QStringLiteral("-"), 9)
        .arg(w.proc.ok ? QString::number(w.proc.fds) : QStringLiteral("-"), 5);
}

int runSoak(const QStringList &args)
{
    QTextStream &out = turnoctl::out();
    QTextStream &err = turnoctl::err();
    Options o;
    if (const std::optional<int> code = parseArgs(args, o))
        return *code;

    turno::LoadConfig base;
    OwnServer own;
    qint64 pid = o.pid;
    QString url = o.target;
    if (url.isEmpty()) {
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
        pid = own.pid();
        url = QStringLiteral("http://127.0.0.1:%1").arg(own.port());
    }
    if (const turno::Result<void> r = turno::parseLoadTarget(url, &base); !r) {
        err << "turnoctl soak: --target: " << r.error() << "\n";
        return ExitUsage;
    }
    if (!sampleProc(pid).ok) {
        err << "turnoctl soak: cannot read /proc/" << pid << "/status and /proc/" << pid
            << "/fd; is --pid the server's process id, and is it yours (or run as its user)?\n";
        return ExitUnavailable;
    }
    if (!canConnect(base.port, base.host)) {
        err << "turnoctl soak: nothing accepts connections at " << url << "; is the server running there?\n";
        return ExitUnavailable;
    }
    base.connections = o.connections;
    base.threads = o.threads;
    base.idCount = uint32_t(o.ids);
    base.pattern = o.ids > 1 ? turno::IdPattern::Uniform : turno::IdPattern::Single;
    // One id set for the whole soak: the server's memory should stay flat, not
    // grow with fresh counters every interval.
    base.idPrefix = QStringLiteral("soak%1").arg(QRandomGenerator::global()->generate(), 8, 16, QLatin1Char('0')).toStdString();
    if (const turno::Result<void> r = turno::validateLoadConfig(base); !r) {
        err << "turnoctl soak: " << r.error() << "\n";
        return ExitUsage;
    }

    std::signal(SIGINT, [](int) { g_interrupted.store(true); });
    double capacity = 0;
    double rate = 0;
    if (o.rate) {
        rate = *o.rate;
    } else {
        turno::CapacityConfig c;
        c.base = base;
        c.base.idPrefix.clear();  // the search's numbers stay out of the soak's ids
        c.sloP99Ms = o.sloP99Ms;
        c.stepSeconds = 3;
        if (!o.quiet)
            err << "finding capacity of " << url << " (p99 SLO " << o.sloP99Ms << " ms)..." << Qt::endl;
        const turno::CapacityReport r = turno::CapacityFinder::run(
            c,
            [&](const turno::CapacityStep &s) {
                if (!o.quiet)
                    err << "  step " << QString::number(s.rate, 'f', 0) << " req/s: achieved " << QString::number(s.achieved, 'f', 0)
                        << ", p99 " << ms(s.latency.p99Ms) << " ms -> " << (s.sustainable ? QStringLiteral("ok") : s.why) << Qt::endl;
            },
            &g_interrupted);
        capacity = r.highestSustainable;
        if (capacity <= 0) {
            err << "turnoctl soak: " << url << " sustained no step of the capacity search (p99 SLO " << o.sloP99Ms
                << " ms); give --rate R or a larger --slo-p99-ms\n";
            std::signal(SIGINT, SIG_DFL);
            return ExitFailure;
        }
        rate = capacity * o.fraction;
    }
    base.rate = rate;
    base.durationSeconds = o.intervalS;

    const int windows = int(std::floor(o.durationS / o.intervalS + 1e-9));
    if (!o.json) {
        out << "soak " << url << " (pid " << pid << (o.target.isEmpty() ? ", started by turnoctl" : "") << "): ";
        if (capacity > 0)
            out << o.fraction << " x capacity " << QString::number(capacity, 'f', 0) << " req/s = ";
        out << QString::number(rate, 'f', 0) << " req/s, " << windows << " windows of " << o.intervalS << " s, "
            << o.connections << " connections, " << o.ids << " ids\n";
        out << QStringLiteral("%1 %2 %3 %4 %5 %6 %7 %8 %9\n")
                   .arg(QStringLiteral("window"), 6)
                   .arg(QStringLiteral("elapsed"), 8)
                   .arg(QStringLiteral("req/s"), 8)
                   .arg(QStringLiteral("p50 ms"), 8)
                   .arg(QStringLiteral("p99 ms"), 8)
                   .arg(QStringLiteral("errors"), 7)
                   .arg(QStringLiteral("dups"), 5)
                   .arg(QStringLiteral("RSS KiB"), 9)
                   .arg(QStringLiteral("fds"), 5);
        out.flush();
    }

    std::vector<Window> rows;
    QElapsedTimer clock;
    clock.start();
    for (int k = 1; k <= windows && !g_interrupted.load(); ++k) {
        Window w;
        w.index = k;
        w.warmup = k == 1;
        // Sampled on the progress ticks while the load runs (not the final one,
        // after the connections closed), so every row counts the same sockets.
        const turno::LoadReport r = turno::LoadEngine::run(
            base,
            [&](const turno::LoadProgress &p) {
                if (p.elapsedSeconds <= o.intervalS - 0.5)
                    w.proc = sampleProc(pid);
            },
            &g_interrupted);
        if (!w.proc.ok)
            w.proc = sampleProc(pid);
        w.elapsedS = double(clock.elapsed()) / 1000.0;
        w.achieved = r.requestsPerSecond;
        w.latency = r.latency;
        w.answers = r.answers;
        w.errors = r.errorTotal();
        w.duplicates = r.duplicates;
        w.gaps = r.gaps;
        rows.push_back(w);
        if (!o.json) {
            out << row(w);
            out.flush();
        }
        if (!w.proc.ok) {
            if (!o.quiet)
                err << "turnoctl soak: server pid " << pid << " is gone" << Qt::endl;
            break;
        }
    }
    std::signal(SIGINT, SIG_DFL);

    // The verdict, over the windows after the warm-up.
    QJsonObject checks;
    QStringList broken;
    if (rows.empty() || rows.front().answers == 0) {
        err << "turnoctl soak: no answers from " << url << "; is the server running there?\n";
        return ExitUnavailable;
    }
    const bool complete = int(rows.size()) == windows && rows.back().proc.ok;
    if (!complete)
        broken << (g_interrupted.load() ? QStringLiteral("interrupted after %1 of %2 windows").arg(rows.size()).arg(windows)
                                        : QStringLiteral("the server (pid %1) stopped after %2 of %3 windows").arg(pid).arg(rows.size()).arg(windows));
    uint64_t errors = 0, duplicates = 0;
    for (const Window &w : rows) {
        errors += w.errors;
        duplicates += w.duplicates;
    }
    if (errors)
        broken << QStringLiteral("%1 failed requests").arg(errors);
    if (duplicates)
        broken << QStringLiteral("%1 duplicate turnos").arg(duplicates);
    checks.insert(QStringLiteral("errors"), double(errors));
    checks.insert(QStringLiteral("duplicates"), double(duplicates));
    QString rssLine, fdLine, p99Line;
    if (rows.size() >= 2) {
        const Window &first = rows.front();  // the warm-up's last sample
        const Window &last = rows.back();
        const double growth = first.proc.rssKiB > 0 ? double(last.proc.rssKiB - first.proc.rssKiB) / double(first.proc.rssKiB) : 0;
        int fdMin = first.proc.fds, fdMax = first.proc.fds;
        for (const Window &w : rows)
            if (w.proc.ok) {
                fdMin = std::min(fdMin, w.proc.fds);
                fdMax = std::max(fdMax, w.proc.fds);
            }
        const double p99First = rows[1].latency.p99Ms;
        const double p99Limit = o.maxP99Ratio * std::max(p99First, o.p99FloorMs);
        const bool rssOk = growth < o.maxRssGrowth;
        const bool fdOk = fdMax - fdMin <= o.maxFdSpread;
        const bool p99Ok = last.latency.p99Ms <= p99Limit;
        if (!rssOk)
            broken << QStringLiteral("RSS grew %1% (limit %2%)").arg(growth * 100, 0, 'f', 1).arg(o.maxRssGrowth * 100, 0, 'f', 1);
        if (!fdOk)
            broken << QStringLiteral("open descriptors moved between %1 and %2 (limit a spread of %3)").arg(fdMin).arg(fdMax).arg(o.maxFdSpread);
        if (!p99Ok)
            broken << QStringLiteral("last p99 %1 ms > %2 ms").arg(ms(last.latency.p99Ms), ms(p99Limit));
        rssLine = QStringLiteral("RSS   %1 KiB -> %2 KiB: %3% (limit < %4%)  %5\n")
                      .arg(first.proc.rssKiB)
                      .arg(last.proc.rssKiB)
                      .arg(growth * 100, 0, 'f', 2)
                      .arg(o.maxRssGrowth * 100, 0, 'f', 1)
                      .arg(rssOk ? QStringLiteral("ok") : QStringLiteral("FAIL"));
        fdLine = QStringLiteral("fds   %1..%2: spread %3 (limit %4)  %5\n")
                     .arg(fdMin)
                     .arg(fdMax)
                     .arg(fdMax - fdMin)
                     .arg(o.maxFdSpread)
                     .arg(fdOk ? QStringLiteral("ok") : QStringLiteral("FAIL"));
        p99Line = QStringLiteral("p99   first %1 ms, last %2 ms (limit %3 x max(first, floor %4 ms) = %5 ms)  %6\n")
                      .arg(ms(p99First), ms(last.latency.p99Ms))
                      .arg(o.maxP99Ratio)
                      .arg(o.p99FloorMs)
                      .arg(ms(p99Limit))
                      .arg(p99Ok ? QStringLiteral("ok") : QStringLiteral("FAIL"));
        checks.insert(QStringLiteral("rss_first_kib"), double(first.proc.rssKiB));
        checks.insert(QStringLiteral("rss_last_kib"), double(last.proc.rssKiB));
        checks.insert(QStringLiteral("rss_growth"), growth);
        checks.insert(QStringLiteral("rss_ok"), rssOk);
        checks.insert(QStringLiteral("fd_min"), fdMin);
        checks.insert(QStringLiteral("fd_max"), fdMax);
        checks.insert(QStringLiteral("fd_ok"), fdOk);
        checks.insert(QStringLiteral("p99_first_ms"), p99First);
        checks.insert(QStringLiteral("p99_last_ms"), last.latency.p99Ms);
        checks.insert(QStringLiteral("p99_limit_ms"), p99Limit);
        checks.insert(QStringLiteral("p99_ok"), p99Ok);
    }
    const bool passed = broken.isEmpty();

    if (o.json) {
        QJsonArray list;
        for (const Window &w : rows)
            list.append(QJsonObject{{QStringLiteral("index"), w.index},
                                    {QStringLiteral("warmup"), w.warmup},
                                    {QStringLiteral("elapsed_s"), w.elapsedS},
                                    {QStringLiteral("requests_per_second"), w.achieved},
                                    {QStringLiteral("answers"), double(w.answers)},
                                    {QStringLiteral("p50_ms"), w.latency.p50Ms},
                                    {QStringLiteral("p99_ms"), w.latency.p99Ms},
                                    {QStringLiteral("max_ms"), w.latency.maxMs},
                                    {QStringLiteral("errors"), double(w.errors)},
                                    {QStringLiteral("duplicates"), double(w.duplicates)},
                                    {QStringLiteral("gaps"), double(w.gaps)},
                                    {QStringLiteral("rss_kib"), double(w.proc.rssKiB)},
                                    {QStringLiteral("fds"), w.proc.fds}});
        QJsonObject doc{{QStringLiteral("target"), url},
                        {QStringLiteral("pid"), double(pid)},
                        {QStringLiteral("started_server"), o.target.isEmpty()},
                        {QStringLiteral("capacity"), capacity},
                        {QStringLiteral("fraction"), capacity > 0 ? o.fraction : 0.0},
                        {QStringLiteral("rate"), rate},
                        {QStringLiteral("interval_s"), o.intervalS},
                        {QStringLiteral("duration_s"), o.durationS},
                        {QStringLiteral("windows"), list},
                        {QStringLiteral("checks"), checks},
                        {QStringLiteral("broken"), QJsonArray::fromStringList(broken)},
                        {QStringLiteral("passed"), passed}};
        out << QJsonDocument(doc).toJson(QJsonDocument::Indented);
    } else {
        out << "* warm-up: its last sample is the RSS baseline; p99 compares the next window with the last\n"
            << rssLine << fdLine << p99Line
            << QStringLiteral("errors %1, duplicates %2  %3\n").arg(errors).arg(duplicates).arg(errors || duplicates ? QStringLiteral("FAIL") : QStringLiteral("ok"));
        for (const QString &b : broken)
            out << "broken: " << b << "\n";
        out << "verdict: " << (passed ? "PASS" : "FAIL") << "\n";
    }
    out.flush();
    return passed ? ExitOk : ExitFailure;
}

}  // namespace

TURNO_CTL_COMMAND(QStringLiteral("soak"),
                  QStringLiteral("soak [--rate R | --fraction F] [--duration 10m] [--interval 60s] [--target URL --pid PID] [--json]"),
                  QStringLiteral("hold a server at a share of capacity; watch RSS, fds and p99 drift"),
                  runSoak);
