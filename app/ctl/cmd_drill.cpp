// turnoctl drill: the failover drill (FailoverDrill) on private loopback clusters.
#include "command_registry.h"

#include "failover/failover_drill.h"
#include "fleet/cluster_profile.h"

#include <QCoreApplication>
#include <QJsonArray>
#include <QJsonDocument>

namespace {

using turnoctl::err;
using turnoctl::ExitFailure;
using turnoctl::ExitOk;
using turnoctl::ExitUsage;
using turnoctl::out;

const QString kSynopsis = QStringLiteral(
    "drill [--profile FILE] [--modes sync,async] [--switches N] [--kills N] [--rate R] [--connections N] "
    "[--threads N] [--ids K] [--chaos N] [--settle-ms MS] [--json] [-o FILE]");

int runDrill(const QStringList &args)
{
    QString profilePath, outFile;
    bool json = false;
    turno::DrillOptions o;
    for (int i = 0; i < args.size(); ++i) {
        const QString &s = args[i];
        auto value = [&]() -> QString { return i + 1 < args.size() ? args[++i] : QString(); };
        auto number = [&](double lo, double hi, double &dst) {
            bool ok = false;
            const double v = value().toDouble(&ok);
            if (!ok || v < lo || v > hi) {
                err() << "turnoctl drill: " << s << " needs a number in " << lo << ".." << hi << "\n";
                return false;
            }
            dst = v;
            return true;
        };
        double v = 0;
        if (s == QLatin1String("--profile")) {
            profilePath = value();
        } else if (s == QLatin1String("--modes")) {
            o.modes = value().split(QLatin1Char(','), Qt::SkipEmptyParts);
        } else if (s == QLatin1String("--switches")) {
            if (!number(0, 1000, v))
                return ExitUsage;
            o.switches = int(v);
        } else if (s == QLatin1String("--kills")) {
            if (!number(0, 1000, v))
                return ExitUsage;
            o.kills = int(v);
        } else if (s == QLatin1String("--rate")) {
            if (!number(1, 1e6, v))
                return ExitUsage;
            o.rate = v;
        } else if (s == QLatin1String("--connections")) {
            if (!number(1, 10000, v))
                return ExitUsage;
            o.connections = int(v);
        } else if (s == QLatin1String("--threads")) {
            if (!number(1, 64, v))
                return ExitUsage;
            o.threads = int(v);
        } else if (s == QLatin1String("--ids")) {
            if (!number(1, 1e6, v))
                return ExitUsage;
            o.ids = int(v);
        } else if (s == QLatin1String("--chaos")) {
            if (!number(0, 1000, v))
                return ExitUsage;
            o.chaos = int(v);
        } else if (s == QLatin1String("--settle-ms")) {
            if (!number(0, 600000, v))
                return ExitUsage;
            o.settleMs = int(v);
        } else if (s == QLatin1String("--json")) {
            json = true;
        } else if (s == QLatin1String("-o") || s == QLatin1String("--output")) {
            outFile = value();
        } else if (s == QLatin1String("--help") || s == QLatin1String("-h")) {
            out() << "Usage: turnoctl " << kSynopsis << "\n\n"
                  << "Failover drill on a private cluster per durability mode (loopback, free ports, its own run\n"
                     "directory; nothing else is touched): steady open-loop load through HAProxy with every answer\n"
                     "checked, --switches planned switches (failover/failback alternating, each after the pre-flight\n"
                     "gate passes), then --kills kill -9 of the Redis primary (automatic failover), then --chaos\n"
                     "kill -9 of the other processes in turn (turno nodes, HAProxy, the replica, sentinels; each\n"
                     "restarted by the supervisor). Prints per mode:\n"
                     "duplicates, burned numbers, switch time, failed requests per switch and time to recover\n"
                     "(fault -> first good turno through the balancer), and checks at the end that every counter in\n"
                     "Redis is at or above the highest number answered for its id.\n"
                     "Defaults: --modes sync,async --switches 20 --kills 10 --chaos 0 --rate 2000 --connections 16 --ids 64\n"
                     "--settle-ms 1500; profile: the default one.\n"
                     "Exit codes: 0 when sync mode had no duplicate, every switch and kill recovered and no counter\n"
                     "was below a number answered; 1 otherwise\n"
                     "(a duplicate in async mode is reported, not a failure: that is its documented weaker guarantee);\n"
                     "2 usage.\n";
            return ExitOk;
        } else {
            err() << "turnoctl drill: unknown argument " << s << "\nUsage: turnoctl " << kSynopsis << "\n";
            return ExitUsage;
        }
    }
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
