// turnoctl bench: load a turno target while checking every answer, find its
// capacity, or probe it with unexpected input. Thin over core/load.
#include "command_registry.h"
#include "option_parser.h"

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

const turnoctl::OptionParser &benchOptions()
{
    static const turnoctl::OptionParser parser = [] {
        turnoctl::OptionParser p(QStringLiteral("bench"), QStringLiteral("bench URL [options]"));
        p.describe(QStringLiteral(
             "Loads a turno target over HTTP/1.1 keep-alive and checks every answer: status,\n"
             "JSON shape, the id, and that no turno is handed out twice (duplicates) or\n"
             "skipped (gaps). URL is http://IPv4[:port][/path-prefix/], e.g. http://127.0.0.1:7017\n"
             "(requests go to PREFIX/turno/ID by default). Only loopback unless --allow-remote."))
            .argument(QStringLiteral("URL"), QStringLiteral("the target, e.g. http://127.0.0.1:7017"))
            .section(QStringLiteral("Load"))
            .option(QStringLiteral("--duration"), QStringLiteral("S"), QStringLiteral("run for S seconds (default 10; always bounded)"))
            .option(QStringLiteral("--requests"), QStringLiteral("N"),
                    QStringLiteral("stop after N requests (still bounded by --duration, default 600 then)"))
            .option(QStringLiteral("--connections"), QStringLiteral("N"), QStringLiteral("keep-alive connections (default 16)"))
            .option(QStringLiteral("--threads"), QStringLiteral("N"), QStringLiteral("generator threads (default 2)"))
            .option(QStringLiteral("--rate"), QStringLiteral("R"),
                    QStringLiteral("open loop at R req/s in total, latency from the intended send\n"
                                   "time (coordinated omission corrected); default closed loop"))
            .option(QStringLiteral("--ids"), QStringLiteral("K"), QStringLiteral("spread requests over K ids (default 1), uniformly"))
            .flag(QStringLiteral("--zipf"), QStringLiteral("... or Zipf-distributed over the K ids (--zipf-s, default 1.0)"))
            .option(QStringLiteral("--zipf-s"), QStringLiteral("S"), QStringLiteral("the Zipf exponent"))
            .option(QStringLiteral("--id-prefix"), QStringLiteral("P"),
                    QStringLiteral("use ids P or P-0..P-(K-1); default a fresh random prefix, so\nevery id must start at 1"))
            .option(QStringLiteral("--timeout"), QStringLiteral("S"), QStringLiteral("per-request timeout (default 5)"))
            .flag(QStringLiteral("--allow-remote"), QStringLiteral("permit a non-loopback target"))
            .section(QStringLiteral("Thresholds (exit 1 when broken; any duplicate always fails)"))
            .option(QStringLiteral("--max-p99-ms"), QStringLiteral("X"), QStringLiteral("p99 latency limit"))
            .option(QStringLiteral("--max-error-rate"), QStringLiteral("F"),
                    QStringLiteral("errors / requests limit, e.g. 0.01 (default 0: any error fails)"))
            .option(QStringLiteral("--max-gaps"), QStringLiteral("N"), QStringLiteral("missing turnos allowed (default 0)"))
            .flag(QStringLiteral("--allow-gaps"), QStringLiteral("do not fail on gaps (other writers share the ids)"))
            .section(QStringLiteral("Output"))
            .flag(QStringLiteral("--json"), QStringLiteral("print the report as JSON instead of the text summary"))
            .option(QStringLiteral("--out-json"), QStringLiteral("FILE"), QStringLiteral("save the report as JSON"))
            .option(QStringLiteral("--out-csv"), QStringLiteral("FILE"), QStringLiteral("save per-second figures and a total row as CSV"))
            .flag(QStringLiteral("--quiet"), QStringLiteral("no live progress lines on stderr"))
            .flag(QStringLiteral("--record"),
                  QStringLiteral("attach the run to the timeline (event load.run) in the\n"
                                 "incident database: --db FILE, else $TURNO_INCIDENT_DB, else\n"
                                 "~/.local/share/turno-ops/incidents.db"))
            .option(QStringLiteral("--db"), QStringLiteral("FILE"), QStringLiteral("the incident database of --record"))
            .section(QStringLiteral("Capacity finder (open loop, rate stepped up until the SLO or errors break)"))
            .flag(QStringLiteral("--find-capacity"), QStringLiteral("search the highest sustainable rate; needs --slo-p99-ms"))
            .option(QStringLiteral("--slo-p99-ms"), QStringLiteral("X"), QStringLiteral("the p99 a step must keep"))
            .option(QStringLiteral("--start-rate"), QStringLiteral("R"), QStringLiteral("first step (default 1000)"))
            .option(QStringLiteral("--step-growth"), QStringLiteral("G"), QStringLiteral("next step = rate x G (default 1.5)"))
            .option(QStringLiteral("--step-duration"), QStringLiteral("S"), QStringLiteral("seconds per step (default 5)"))
            .option(QStringLiteral("--max-steps"), QStringLiteral("N"), QStringLiteral("default 12; --max-error-rate also applies"))
            .section(QStringLiteral("Unexpected input"))
            .flag(QStringLiteral("--unexpected"),
                  QStringLiteral("send oversized/empty/forbidden ids, invalid UTF-8, huge and\n"
                                 "too many headers, slow senders, wrong methods, HTTP/1.0,\n"
                                 "pipelined bursts...; pass = only documented statuses and\n"
                                 "the server still serving after each case"))
            .option(QStringLiteral("--near-limit-id"), QStringLiteral("ID"),
                    QStringLiteral("also check an id whose counter you set near 2^53-1 (e.g. in\n"
                                   "Redis): the service must stop at the limit with 409"));
        return p;
    }();
    return parser;
}

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

// Reads the numbers of the parsed line into o; an error names the option.
turno::Result<void> readNumbers(const turnoctl::ParsedArgs &p, Options &o)
{
    struct Number {
        const char *name;
        double lo, hi;
        double *into;
    };
    turno::LoadConfig &load = o.load;
    double requests = double(load.requests), connections = load.connections, threads = load.threads, ids = load.idCount,
           maxP99 = 0, maxGaps = double(o.maxGaps), slo = 0, maxSteps = o.maxSteps;
    const Number numbers[] = {
        {"--duration", 0.001, 86400, &load.durationSeconds},
        {"--requests", 1, 1e12, &requests},
        {"--connections", 1, 10000, &connections},
        {"--threads", 1, 256, &threads},
        {"--rate", 0.001, 1e8, &load.rate},
        {"--ids", 1, 1e7, &ids},
        {"--zipf-s", 0.01, 10, &load.zipfExponent},
        {"--timeout", 0.001, 3600, &load.requestTimeoutSeconds},
        {"--max-p99-ms", 0, 1e9, &maxP99},
        {"--max-error-rate", 0, 1, &o.maxErrorRate},
        {"--max-gaps", 0, 1e15, &maxGaps},
        {"--slo-p99-ms", 0.001, 1e9, &slo},
        {"--start-rate", 1, 1e8, &o.startRate},
        {"--step-growth", 1.01, 10, &o.stepGrowth},
        {"--step-duration", 0.1, 3600, &o.stepDuration},
        {"--max-steps", 1, 100, &maxSteps},
    };
    for (const Number &n : numbers) {
        const turno::Result<double> v = p.number(QLatin1String(n.name), n.lo, n.hi, *n.into);
        if (!v)
            return turno::Error{v.error()};
        *n.into = v.value();
    }
    load.requests = uint64_t(requests);
    load.connections = int(connections);
    load.threads = int(threads);
    load.idCount = uint32_t(ids);
    if (p.has(QStringLiteral("--max-p99-ms")))
        o.maxP99Ms = maxP99;
    o.maxGaps = uint64_t(maxGaps);
    if (p.has(QStringLiteral("--slo-p99-ms")))
        o.sloP99Ms = slo;
    o.maxSteps = int(maxSteps);
    return {};
}

// The checks between options, once each was read.
turno::Result<void> checkCombinations(const turnoctl::ParsedArgs &p, Options &o)
{
    if (o.load.requests && !p.has(QStringLiteral("--duration")))
        o.load.durationSeconds = 600;
    const bool zipf = p.has(QStringLiteral("--zipf"));
    if (o.load.idCount > 1)
        o.load.pattern = zipf ? turno::IdPattern::Zipf : turno::IdPattern::Uniform;
    else if (zipf)
        return turno::Error{QStringLiteral("--zipf needs --ids K with K > 1")};
    if (o.findCapacity && !o.sloP99Ms)
        return turno::Error{QStringLiteral("--find-capacity needs --slo-p99-ms X")};
    if (o.findCapacity && o.unexpected)
        return turno::Error{QStringLiteral("choose one of --find-capacity and --unexpected")};
    if (o.load.threads > o.load.connections)
        o.load.threads = o.load.connections;
    return {};
}

// Parses args into o; returns an exit code when parsing ends the command.
std::optional<int> parseArgs(const QStringList &args, Options &o)
{
    const turnoctl::OptionParser &parser = benchOptions();
    turnoctl::ParsedArgs p;
    if (const std::optional<int> code = parser.parseOrExit(args, &p))
        return code;
    const QStringList &urls = p.positional();
    if (urls.isEmpty())
        return parser.usageError(QStringLiteral("give the target URL, e.g. turnoctl bench http://127.0.0.1:7017"));
    if (urls.size() > 1)
        return parser.usageError(QStringLiteral("only one URL, got '%1' and '%2'").arg(urls[0], urls[1]));
    if (const turno::Result<void> r = readNumbers(p, o); !r)
        return parser.usageError(r.error());
    if (p.has(QStringLiteral("--id-prefix")))
        o.load.idPrefix = p.value(QStringLiteral("--id-prefix")).toStdString();
    o.load.allowRemote = p.has(QStringLiteral("--allow-remote"));
    o.allowGaps = p.has(QStringLiteral("--allow-gaps"));
    o.json = p.has(QStringLiteral("--json"));
    o.quiet = p.has(QStringLiteral("--quiet"));
    o.outJson = p.value(QStringLiteral("--out-json"));
    o.outCsv = p.value(QStringLiteral("--out-csv"));
    o.record = p.has(QStringLiteral("--record"));
    o.db = p.value(QStringLiteral("--db"));
    o.findCapacity = p.has(QStringLiteral("--find-capacity"));
    o.unexpected = p.has(QStringLiteral("--unexpected"));
    o.nearLimitId = p.value(QStringLiteral("--near-limit-id")).toStdString();
    if (const turno::Result<void> r = checkCombinations(p, o); !r)
        return parser.usageError(r.error());
    if (const turno::Result<void> r = turno::parseLoadTarget(urls.first(), &o.load); !r)
        return parser.usageError(r.error());
    if (const turno::Result<void> r = turno::validateLoadConfig(o.load); !r)
        return parser.usageError(r.error());
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
    QTextStream &out = turnoctl::out();
    QTextStream &err = turnoctl::err();
    Options o;
    if (const std::optional<int> code = parseArgs(args, o))
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
