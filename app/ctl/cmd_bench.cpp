// turnoctl bench: load a turno target while checking every answer, find its
// capacity, or probe it with unexpected input. Thin over core/load.
#include "command_registry.h"

#include "load/capacity_finder.h"
#include "load/load_config.h"
#include "incidents/incident_store.h"
#include "load/load_run.h"
#include "load/load_timeline_event.h"
#include "load/unexpected_input_probe.h"

#include <QCoreApplication>
#include <QDateTime>
#include <QEventLoop>
#include <QFile>
#include <QJsonDocument>
#include <QTextStream>
#include <QTimer>
#include <csignal>
#include <optional>

namespace {

using turnoctl::ExitFailure;
using turnoctl::ExitOk;
using turnoctl::ExitUnavailable;
using turnoctl::ExitUsage;

const char kUsage[] =
    "Usage: turnoctl bench URL [options]\n"
    "\n"
    "Loads a turno target over HTTP/1.1 keep-alive and checks every answer: status,\n"
    "JSON shape, the id, and that no turno is handed out twice (duplicates) or\n"
    "skipped (gaps). URL is http://IPv4[:port][/path-prefix/], e.g. http://127.0.0.1:7017\n"
    "(requests go to PREFIX/turno/ID by default). Only loopback unless --allow-remote.\n"
    "\n"
    "Load:\n"
    "  --duration S          run for S seconds (default 10; always bounded)\n"
    "  --requests N          stop after N requests (still bounded by --duration, default 600 then)\n"
    "  --connections N       keep-alive connections (default 16)\n"
    "  --threads N           generator threads (default 2)\n"
    "  --rate R              open loop at R req/s in total, latency from the intended send\n"
    "                        time (coordinated omission corrected); default closed loop\n"
    "  --ids K               spread requests over K ids (default 1), uniformly\n"
    "  --zipf                ... or Zipf-distributed over the K ids (--zipf-s, default 1.0)\n"
    "  --id-prefix P         use ids P or P-0..P-(K-1); default a fresh random prefix, so\n"
    "                        every id must start at 1\n"
    "  --timeout S           per-request timeout (default 5)\n"
    "  --allow-remote        permit a non-loopback target\n"
    "\n"
    "Thresholds (exit 1 when broken; any duplicate always fails):\n"
    "  --max-p99-ms X        p99 latency limit\n"
    "  --max-error-rate F    errors / requests limit, e.g. 0.01 (default 0: any error fails)\n"
    "  --max-gaps N          missing turnos allowed (default 0)\n"
    "  --allow-gaps          do not fail on gaps (other writers share the ids)\n"
    "\n"
    "Output:\n"
    "  --json                print the report as JSON instead of the text summary\n"
    "  --out-json FILE       save the report as JSON\n"
    "  --out-csv FILE        save per-second figures and a total row as CSV\n"
    "  --quiet               no live progress lines on stderr\n"
    "  --record              attach the run to the timeline (event load.run) in the\n"
    "                        incident database: --db FILE, else $TURNO_INCIDENT_DB, else\n"
    "                        ~/.local/share/turno-ops/incidents.db\n"
    "\n"
    "Capacity finder (open loop, rate stepped up until the SLO or errors break):\n"
    "  --find-capacity --slo-p99-ms X [--start-rate R] [--step-growth G]\n"
    "                  [--step-duration S] [--max-steps N] [--max-error-rate F]\n"
    "\n"
    "Unexpected input:\n"
    "  --unexpected          send oversized/empty/forbidden ids, invalid UTF-8, huge and\n"
    "                        too many headers, slow senders, wrong methods, HTTP/1.0,\n"
    "                        pipelined bursts...; pass = only documented statuses and\n"
    "                        the server still serving after each case\n"
    "  --near-limit-id ID    also check an id whose counter you set near 2^53-1 (e.g. in\n"
    "                        Redis): the service must stop at the limit with 409\n";

std::atomic<bool> g_interrupted{false};

struct Options {
    turno::LoadConfig load;
    std::optional<double> maxP99Ms;
    double maxErrorRate = 0.0;
    uint64_t maxGaps = 0;
    bool allowGaps = false;
    bool json = false;
    bool quiet = false;
    QString outJson;
    QString outCsv;
    bool record = false;
    QString db;
    bool findCapacity = false;
    bool unexpected = false;
    std::string nearLimitId;
    std::optional<double> sloP99Ms;
    double startRate = 1000;
    double stepGrowth = 1.5;
    double stepDuration = 5;
    int maxSteps = 12;
};

bool writeFile(const QString &path, const QByteArray &data, QTextStream &err)
{
    QFile f(path);
    if (!f.open(QIODevice::WriteOnly | QIODevice::Truncate) || f.write(data) != data.size()) {
        err << "turnoctl bench: cannot write " << path << ": " << f.errorString() << "\n";
        return false;
    }
    return true;
}

// Parses args into o; returns an exit code when parsing ends the command.
std::optional<int> parseArgs(const QStringList &args, Options &o, QTextStream &out, QTextStream &err)
{
    QString url;
    bool durationGiven = false;
    bool zipf = false;
    for (int i = 0; i < args.size(); ++i) {
        const QString a = args[i];
        auto value = [&](double *v, double lo, double hi) -> bool {
            if (i + 1 >= args.size()) {
                err << "turnoctl bench: " << a << " needs a value\n";
                return false;
            }
            bool ok = false;
            const double d = args[++i].toDouble(&ok);
            if (!ok || d < lo || d > hi) {
                err << "turnoctl bench: " << a << " must be a number in [" << lo << ", " << hi << "], got '" << args[i] << "'\n";
                return false;
            }
            *v = d;
            return true;
        };
        double d = 0;
        if (a == QLatin1String("--help") || a == QLatin1String("-h")) {
            out << kUsage;
            return ExitOk;
        } else if (a == QLatin1String("--duration")) {
            if (!value(&o.load.durationSeconds, 0.001, 86400))
                return ExitUsage;
            durationGiven = true;
        } else if (a == QLatin1String("--requests")) {
            if (!value(&d, 1, 1e12))
                return ExitUsage;
            o.load.requests = uint64_t(d);
        } else if (a == QLatin1String("--connections")) {
            if (!value(&d, 1, 10000))
                return ExitUsage;
            o.load.connections = int(d);
        } else if (a == QLatin1String("--threads")) {
            if (!value(&d, 1, 256))
                return ExitUsage;
            o.load.threads = int(d);
        } else if (a == QLatin1String("--rate")) {
            if (!value(&o.load.rate, 0.001, 1e8))
                return ExitUsage;
        } else if (a == QLatin1String("--ids")) {
            if (!value(&d, 1, 1e7))
                return ExitUsage;
            o.load.idCount = uint32_t(d);
        } else if (a == QLatin1String("--zipf")) {
            zipf = true;
        } else if (a == QLatin1String("--zipf-s")) {
            if (!value(&o.load.zipfExponent, 0.01, 10))
                return ExitUsage;
        } else if (a == QLatin1String("--id-prefix")) {
            if (i + 1 >= args.size()) {
                err << "turnoctl bench: --id-prefix needs a value\n";
                return ExitUsage;
            }
            o.load.idPrefix = args[++i].toStdString();
        } else if (a == QLatin1String("--timeout")) {
            if (!value(&o.load.requestTimeoutSeconds, 0.001, 3600))
                return ExitUsage;
        } else if (a == QLatin1String("--allow-remote")) {
            o.load.allowRemote = true;
        } else if (a == QLatin1String("--max-p99-ms")) {
            if (!value(&d, 0, 1e9))
                return ExitUsage;
            o.maxP99Ms = d;
        } else if (a == QLatin1String("--max-error-rate")) {
            if (!value(&o.maxErrorRate, 0, 1))
                return ExitUsage;
        } else if (a == QLatin1String("--max-gaps")) {
            if (!value(&d, 0, 1e15))
                return ExitUsage;
            o.maxGaps = uint64_t(d);
        } else if (a == QLatin1String("--allow-gaps")) {
            o.allowGaps = true;
        } else if (a == QLatin1String("--json")) {
            o.json = true;
        } else if (a == QLatin1String("--quiet")) {
            o.quiet = true;
        } else if (a == QLatin1String("--out-json") || a == QLatin1String("--out-csv")) {
            if (i + 1 >= args.size()) {
                err << "turnoctl bench: " << a << " needs a file name\n";
                return ExitUsage;
            }
            (a == QLatin1String("--out-json") ? o.outJson : o.outCsv) = args[++i];
        } else if (a == QLatin1String("--record")) {
            o.record = true;
        } else if (a == QLatin1String("--db")) {
            if (i + 1 >= args.size()) {
                err << "turnoctl bench: --db needs a file name\n";
                return ExitUsage;
            }
            o.db = args[++i];
        } else if (a == QLatin1String("--find-capacity")) {
            o.findCapacity = true;
        } else if (a == QLatin1String("--slo-p99-ms")) {
            if (!value(&d, 0.001, 1e9))
                return ExitUsage;
            o.sloP99Ms = d;
        } else if (a == QLatin1String("--start-rate")) {
            if (!value(&o.startRate, 1, 1e8))
                return ExitUsage;
        } else if (a == QLatin1String("--step-growth")) {
            if (!value(&o.stepGrowth, 1.01, 10))
                return ExitUsage;
        } else if (a == QLatin1String("--step-duration")) {
            if (!value(&o.stepDuration, 0.1, 3600))
                return ExitUsage;
        } else if (a == QLatin1String("--max-steps")) {
            if (!value(&d, 1, 100))
                return ExitUsage;
            o.maxSteps = int(d);
        } else if (a == QLatin1String("--unexpected")) {
            o.unexpected = true;
        } else if (a == QLatin1String("--near-limit-id")) {
            if (i + 1 >= args.size()) {
                err << "turnoctl bench: --near-limit-id needs an id\n";
                return ExitUsage;
            }
            o.nearLimitId = args[++i].toStdString();
        } else if (a.startsWith(QLatin1String("-"))) {
            err << "turnoctl bench: unknown option '" << a << "'. Run 'turnoctl bench --help'.\n";
            return ExitUsage;
        } else if (url.isEmpty()) {
            url = a;
        } else {
            err << "turnoctl bench: only one URL, got '" << url << "' and '" << a << "'\n";
            return ExitUsage;
        }
    }
    if (url.isEmpty()) {
        err << "turnoctl bench: give the target URL, e.g. turnoctl bench http://127.0.0.1:7017\n";
        return ExitUsage;
    }
    if (o.load.requests && !durationGiven)
        o.load.durationSeconds = 600;
    if (o.load.idCount > 1)
        o.load.pattern = zipf ? turno::IdPattern::Zipf : turno::IdPattern::Uniform;
    else if (zipf) {
        err << "turnoctl bench: --zipf needs --ids K with K > 1\n";
        return ExitUsage;
    }
    if (o.findCapacity && !o.sloP99Ms) {
        err << "turnoctl bench: --find-capacity needs --slo-p99-ms X\n";
        return ExitUsage;
    }
    if (o.findCapacity && o.unexpected) {
        err << "turnoctl bench: choose one of --find-capacity and --unexpected\n";
        return ExitUsage;
    }
    if (o.load.threads > o.load.connections)
        o.load.threads = o.load.connections;
    if (const turno::Result<void> r = turno::parseLoadTarget(url, &o.load); !r) {
        err << "turnoctl bench: " << r.error() << "\n";
        return ExitUsage;
    }
    if (const turno::Result<void> r = turno::validateLoadConfig(o.load); !r) {
        err << "turnoctl bench: " << r.error() << "\n";
        return ExitUsage;
    }
    return std::nullopt;
}

bool saveOutputs(const Options &o, const QJsonObject &json, const QString &csv, QTextStream &err)
{
    bool ok = true;
    if (!o.outJson.isEmpty())
        ok = writeFile(o.outJson, QJsonDocument(json).toJson(QJsonDocument::Indented), err) && ok;
    if (!o.outCsv.isEmpty())
        ok = writeFile(o.outCsv, csv.toUtf8(), err) && ok;
    return ok;
}

int runUnexpected(const Options &o, QTextStream &out, QTextStream &err)
{
    const turno::UnexpectedReport r = turno::UnexpectedInputProbe::run(o.load, o.nearLimitId);
    if (o.json)
        out << QJsonDocument(r.toJson()).toJson(QJsonDocument::Indented);
    else
        out << r.toText();
    if (!saveOutputs(o, r.toJson(), r.toCsv(), err))
        return ExitUnavailable;
    bool anyServing = false;
    for (const turno::UnexpectedOutcome &c : r.outcomes)
        anyServing = anyServing || c.serving;
    if (!anyServing) {
        err << "turnoctl bench: " << o.load.url() << " never answered a normal request; is the server running?\n";
        return ExitUnavailable;
    }
    return r.passed ? ExitOk : ExitFailure;
}

int runCapacity(const Options &o, QTextStream &out, QTextStream &err)
{
    turno::CapacityConfig c;
    c.base = o.load;
    c.sloP99Ms = *o.sloP99Ms;
    c.maxErrorRate = o.maxErrorRate > 0 ? o.maxErrorRate : 0.001;
    c.startRate = o.startRate;
    c.growth = o.stepGrowth;
    c.stepSeconds = o.stepDuration;
    c.maxSteps = o.maxSteps;
    const turno::CapacityReport r = turno::CapacityFinder::run(
        c,
        [&](const turno::CapacityStep &s) {
            if (!o.quiet)
                err << "step " << QString::number(s.rate, 'f', 0) << " req/s: achieved " << QString::number(s.achieved, 'f', 0)
                    << ", p99 " << QString::number(s.latency.p99Ms, 'f', 3) << " ms -> "
                    << (s.sustainable ? QStringLiteral("ok") : s.why) << Qt::endl;
        },
        &g_interrupted);
    if (o.json)
        out << QJsonDocument(r.toJson()).toJson(QJsonDocument::Indented);
    else
        out << r.toText();
    if (!saveOutputs(o, r.toJson(), r.toCsv(), err))
        return ExitUnavailable;
    return r.highestSustainable > 0 ? ExitOk : ExitFailure;
}

int runLoad(const Options &o, QTextStream &out, QTextStream &err)
{
    turno::LoadRun run(o.load);
    QEventLoop loop;
    turno::LoadReport report;
    QObject::connect(&run, &turno::LoadRun::progress, &loop, [&](const turno::LoadProgress &p) {
        if (o.quiet)
            return;
        uint64_t errors = 0;
        for (uint64_t e : p.errors)
            errors += e;
        err << QStringLiteral("[%1s] %2 req/s  p50 %3  p90 %4  p99 %5  p99.9 %6 ms  errors %7")
                   .arg(p.elapsedSeconds, 4, 'f', 0)
                   .arg(p.requestsPerSecond, 9, 'f', 0)
                   .arg(p.latency.p50Ms, 0, 'f', 3)
                   .arg(p.latency.p90Ms, 0, 'f', 3)
                   .arg(p.latency.p99Ms, 0, 'f', 3)
                   .arg(p.latency.p999Ms, 0, 'f', 3)
                   .arg(errors);
        for (int k = 0; k < turno::kLoadErrorKinds; ++k)
            if (p.errors[size_t(k)])
                err << ' ' << turno::loadErrorName(turno::LoadErrorKind(k)) << '=' << p.errors[size_t(k)];
        err << Qt::endl;
    });
    QObject::connect(&run, &turno::LoadRun::finished, &loop, [&](const turno::LoadReport &r) {
        report = r;
        loop.quit();
    });
    if (const turno::Result<void> started = run.start(); !started) {
        err << "turnoctl bench: " << started.error() << "\n";
        return ExitUsage;
    }
    // Ctrl-C ends the run early; the report still covers what was measured.
    QTimer interruptPoll;
    QObject::connect(&interruptPoll, &QTimer::timeout, &run, [&] {
        if (g_interrupted.load())
            run.stop();
    });
    interruptPoll.start(100);
    loop.exec();

    if (o.json)
        out << QJsonDocument(report.toJson()).toJson(QJsonDocument::Indented);
    else
        out << report.toText();
    if (!saveOutputs(o, report.toJson(), report.toCsv(), err))
        return ExitUnavailable;

    if (report.answers == 0) {
        err << "turnoctl bench: no answers from " << o.load.url() << " (" << report.errors[size_t(turno::LoadErrorKind::Connect)]
            << " connect errors); is the server running on that port?\n";
        return ExitUnavailable;
    }
    QStringList broken;
    if (report.duplicates)
        broken << QStringLiteral("%1 duplicate turnos (never allowed)").arg(report.duplicates);
    if (!o.allowGaps && report.gaps > o.maxGaps)
        broken << QStringLiteral("%1 gaps > --max-gaps %2 (use --allow-gaps if other clients share these ids)").arg(report.gaps).arg(o.maxGaps);
    if (report.errorRate() > o.maxErrorRate)
        broken << QStringLiteral("error rate %1 > --max-error-rate %2").arg(report.errorRate()).arg(o.maxErrorRate);
    if (o.maxP99Ms && report.latency.p99Ms > *o.maxP99Ms)
        broken << QStringLiteral("p99 %1 ms > --max-p99-ms %2").arg(report.latency.p99Ms, 0, 'f', 3).arg(*o.maxP99Ms);
    for (const QString &b : broken)
        err << "threshold broken: " << b << "\n";
    if (o.record) {
        turno::IncidentStore store;
        const QString path = o.db.isEmpty() ? turno::IncidentStore::defaultPath() : o.db;
        if (const turno::Result<void> opened = store.open(path); !opened) {
            err << "turnoctl bench: cannot record the run: " << opened.error() << "\n";
            return ExitUnavailable;
        }
        const auto appended = store.append({turno::loadRunEvent(report, broken, QDateTime::currentMSecsSinceEpoch())});
        if (!appended) {
            err << "turnoctl bench: cannot record the run in " << path << ": " << appended.error() << "\n";
            return ExitUnavailable;
        }
        err << "recorded as event " << appended.value().value(0) << " in " << path << "\n";
    }
    return broken.isEmpty() ? ExitOk : ExitFailure;
}

int runBench(const QStringList &args)
{
    QTextStream out(stdout);
    QTextStream err(stderr);
    Options o;
    if (const std::optional<int> code = parseArgs(args, o, out, err))
        return *code;
    std::signal(SIGINT, [](int) { g_interrupted.store(true); });
    int rc;
    if (o.unexpected)
        rc = runUnexpected(o, out, err);
    else if (o.findCapacity)
        rc = runCapacity(o, out, err);
    else
        rc = runLoad(o, out, err);
    out.flush();
    std::signal(SIGINT, SIG_DFL);
    return rc;
}

}  // namespace

TURNO_CTL_COMMAND(QStringLiteral("bench"),
                  QStringLiteral("bench URL [--duration S] [--requests N] [--connections N] [--threads N] [--rate R] [--ids K] [--zipf] [--json]"),
                  QStringLiteral("load a target and check every answer; --find-capacity; --unexpected"),
                  runBench);
