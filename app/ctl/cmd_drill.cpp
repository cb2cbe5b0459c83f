// turnoctl drill: the failover drill (FailoverDrill) on private loopback clusters.
#include "command_registry.h"
#include "option_parser.h"

#include "failover/failover_drill.h"
#include "fleet/cluster_profile.h"

#include <QCoreApplication>
#include <QJsonArray>
#include <QJsonDocument>
#include <optional>

namespace {

using turnoctl::err;
using turnoctl::ExitFailure;
using turnoctl::ExitOk;
using turnoctl::ExitUsage;
using turnoctl::out;

const QString kSynopsis = QStringLiteral(
    "drill [--profile FILE] [--modes sync,async] [--switches N] [--kills N] [--rate R] [--connections N] "
    "[--threads N] [--ids K] [--chaos N] [--settle-ms MS] [--json] [-o FILE]");

const turnoctl::OptionParser &drillOptions()
{
    static const turnoctl::OptionParser parser = [] {
        turnoctl::OptionParser p(QStringLiteral("drill"), kSynopsis);
        p.describe(QStringLiteral(
             "Failover drill on a private cluster per durability mode (loopback, free ports, its own run\n"
             "directory; nothing else is touched): steady open-loop load through HAProxy with every answer\n"
             "checked, --switches planned switches (failover/failback alternating, each after the pre-flight\n"
             "gate passes), then --kills kill -9 of the Redis primary (automatic failover), then --chaos\n"
             "kill -9 of the other processes in turn (turno nodes, HAProxy, the replica, sentinels; each\n"
             "restarted by the supervisor). Prints per mode:\n"
             "duplicates, burned numbers, switch time, failed requests per switch and time to recover\n"
             "(fault -> first good turno through the balancer), and checks at the end that every counter in\n"
             "Redis is at or above the highest number answered for its id."))
            .option(QStringLiteral("--profile"), QStringLiteral("FILE"), QStringLiteral("the cluster profile (default: the default one)"))
            .option(QStringLiteral("--modes"), QStringLiteral("LIST"), QStringLiteral("durability modes, comma-separated [sync,async]"))
            .option(QStringLiteral("--switches"), QStringLiteral("N"), QStringLiteral("planned switches [20]"))
            .option(QStringLiteral("--kills"), QStringLiteral("N"), QStringLiteral("kill -9 of the Redis primary [10]"))
            .option(QStringLiteral("--chaos"), QStringLiteral("N"), QStringLiteral("kill -9 of the other processes [0]"))
            .option(QStringLiteral("--rate"), QStringLiteral("R"), QStringLiteral("req/s of the steady load [2000]"))
            .option(QStringLiteral("--connections"), QStringLiteral("N"), QStringLiteral("[16]"))
            .option(QStringLiteral("--threads"), QStringLiteral("N"), QStringLiteral("generator threads [1]"))
            .option(QStringLiteral("--ids"), QStringLiteral("K"), QStringLiteral("[64]"))
            .option(QStringLiteral("--settle-ms"), QStringLiteral("MS"), QStringLiteral("pause after each fault [1500]"))
            .flag(QStringLiteral("--json"), QStringLiteral("one JSON document instead of the table"))
            .option(QStringLiteral("-o"), QStringLiteral("FILE"), QStringLiteral("write there instead of standard output"),
                    {QStringLiteral("--output")})
            .epilogue(QStringLiteral(
                "Exit codes: 0 when sync mode had no duplicate, every switch and kill recovered and no counter\n"
                "was below a number answered; 1 otherwise\n"
                "(a duplicate in async mode is reported, not a failure: that is its documented weaker guarantee);\n"
                "2 usage."));
        return p;
    }();
    return parser;
}

// Reads the drill's numbers; an error names the option and its range.
turno::Result<void> readDrillNumbers(const turnoctl::ParsedArgs &p, turno::DrillOptions &o)
{
    struct Number {
        const char *name;
        double lo, hi;
        int *asInt;
        double *asDouble;
    };
    const Number numbers[] = {
        {"--switches", 0, 1000, &o.switches, nullptr},   {"--kills", 0, 1000, &o.kills, nullptr},
        {"--rate", 1, 1e6, nullptr, &o.rate},            {"--connections", 1, 10000, &o.connections, nullptr},
        {"--threads", 1, 64, &o.threads, nullptr},       {"--ids", 1, 1e6, &o.ids, nullptr},
        {"--chaos", 0, 1000, &o.chaos, nullptr},         {"--settle-ms", 0, 600000, &o.settleMs, nullptr},
    };
    for (const Number &n : numbers) {
        const turno::Result<double> v = p.number(QLatin1String(n.name), n.lo, n.hi, n.asInt ? double(*n.asInt) : *n.asDouble);
        if (!v)
            return turno::Error{v.error()};
        if (n.asInt)
            *n.asInt = int(v.value());
        else
            *n.asDouble = v.value();
    }
    return {};
}

int runDrill(const QStringList &args)
{
    const turnoctl::OptionParser &parser = drillOptions();
    turnoctl::ParsedArgs p;
    if (const std::optional<int> code = parser.parseOrExit(args, &p))
        return *code;
    if (!p.positional().isEmpty())
        return parser.usageError(QStringLiteral("unknown argument ") + p.positional().first());
    turno::DrillOptions o;
    if (const turno::Result<void> r = readDrillNumbers(p, o); !r)
        return parser.usageError(r.error());
    if (p.has(QStringLiteral("--modes")))
        o.modes = p.value(QStringLiteral("--modes")).split(QLatin1Char(','), Qt::SkipEmptyParts);
    const QString profilePath = p.value(QStringLiteral("--profile"));
    const QString outFile = p.value(QStringLiteral("-o"));
    const bool json = p.has(QStringLiteral("--json"));
    auto loaded = profilePath.isEmpty() ? turno::ProfileLoader::loadDefault() : turno::ProfileLoader::loadFile(profilePath);
    if (!loaded.ok()) {
        err() << "turnoctl drill: " << loaded.error() << "\n";
        return ExitUsage;
    }
    turno::FailoverDrill drill(loaded.value(), o);
    QObject::connect(&drill, &turno::FailoverDrill::progress, [](const QString &line) {
        err() << line << "\n";
        err().flush();
    });
    QObject::connect(&drill, &turno::FailoverDrill::finished, [] { QCoreApplication::quit(); });
    const auto started = drill.start();
    if (!started.ok()) {
        err() << "turnoctl drill: " << started.error() << "\n";
        return ExitUsage;
    }
    QCoreApplication::exec();

    bool pass = true;
    QJsonArray modes;
    for (const turno::DrillModeResult &r : drill.results()) {
        modes << r.toJson();
        if (!r.ran || !r.failure.isEmpty() || r.failures(QStringLiteral("planned")) > 0 || r.failures(QStringLiteral("kill")) > 0 ||
            r.failures(QStringLiteral("chaos")) > 0 || r.countersBelow > 0)
            pass = false;
        if (r.mode == QLatin1String("sync") && r.duplicates > 0)
            pass = false;
    }
    const QString text = json ? QString::fromUtf8(QJsonDocument(QJsonObject{{QStringLiteral("pass"), pass}, {QStringLiteral("modes"), modes}})
                                                      .toJson(QJsonDocument::Indented))
                              : turno::FailoverDrill::table(drill.results()) + (pass ? QStringLiteral("drill: PASS\n") : QStringLiteral("drill: FAIL\n"));
    const int written = turnoctl::writeTextOutput(outFile, text);
    if (written != ExitOk)
        return written;
    return pass ? ExitOk : ExitFailure;
}

}  // namespace

TURNO_CTL_COMMAND(QStringLiteral("drill"), kSynopsis,
                  QStringLiteral("failover drill under load: duplicates, burned numbers, switch and recovery times"),
                  runDrill);
