// turnoctl failover / failback: clients of the supervisor's FailoverController
// through the control socket (the console's failover panel makes the same calls).
#include "command_registry.h"
#include "option_parser.h"

#include "control/control_client.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <optional>

namespace {

using turnoctl::err;
using turnoctl::ExitFailure;
using turnoctl::ExitOk;
using turnoctl::ExitUnavailable;
using turnoctl::ExitUsage;
using turnoctl::out;

const char *kWhere =
    "Finding the cluster: --run-dir DIR, else $TURNO_RUN_DIR, else the default run\n"
    "directory of --cluster NAME (default \"local\").\n";

struct Args {
    QString runDir, cluster, target, autoMode;
    bool force = false, preflight = false, json = false;
};

turnoctl::OptionParser failoverOptions(const char *name, const QString &synopsis, bool failback)
{
    turnoctl::OptionParser p(QLatin1String(name), synopsis);
    p.describe(QString::fromLatin1(failback ? "Switches back to the primary pool and makes the other Redis node primary again.\n"
                                            : "Switches the active pool (primary -> secondary, or --to POOL) and promotes the Redis replica:\n") +
               QStringLiteral("pre-flight gate, drain at HAProxy, writes paused on the Redis primary until the replica holds\n"
                              "all of it, SENTINEL FAILOVER, the old primary fenced (demoted, clients cut off), the new pool\n"
                              "checked UP, then a probe turno through the balancer must be above every number issued before.\n"
                              "A failed gate refuses the switch (exit 1) unless --force. --preflight only runs the gate.\n") +
               QString::fromLatin1(failback ? "" : "--auto on|off turns automatic failover on or off (profile: failover.auto).\n") +
               QStringLiteral("Exit codes: 0 done, 1 refused or failed, 2 usage, 3 no cluster answers."));
    if (!failback)
        p.option(QStringLiteral("--to"), QStringLiteral("primary|secondary"), QStringLiteral("the pool to switch to (default: the other one)"))
            .option(QStringLiteral("--auto"), QStringLiteral("on|off"), QStringLiteral("automatic failover on or off"));
    p.flag(QStringLiteral("--force"), QStringLiteral("switch even when the pre-flight gate fails"))
        .flag(QStringLiteral("--preflight"), QStringLiteral("only run the pre-flight gate"))
        .flag(QStringLiteral("--json"), QStringLiteral("the supervisor's answer as JSON"))
        .option(QStringLiteral("--run-dir"), QStringLiteral("DIR"), QStringLiteral("the cluster's run directory"))
        .option(QStringLiteral("--cluster"), QStringLiteral("NAME"), QStringLiteral("the cluster's name, for its default run directory"))
        .epilogue(QString::fromLatin1(kWhere));
    return p;
}

// The parsed line's meaning; an error when --to or --auto has a value they do not take.
turno::Result<Args> readArgs(const turnoctl::ParsedArgs &p, bool failback)
{
    Args a;
    if (!p.positional().isEmpty())
        return turno::Error{QStringLiteral("unknown argument ") + p.positional().first()};
    a.runDir = p.value(QStringLiteral("--run-dir"));
    a.cluster = p.value(QStringLiteral("--cluster"));
    a.target = failback ? QStringLiteral("primary") : p.value(QStringLiteral("--to"));
    a.autoMode = p.value(QStringLiteral("--auto"));
    a.force = p.has(QStringLiteral("--force"));
    a.preflight = p.has(QStringLiteral("--preflight"));
    a.json = p.has(QStringLiteral("--json"));
    if (!a.target.isEmpty() && a.target != QLatin1String("primary") && a.target != QLatin1String("secondary"))
        return turno::Error{QStringLiteral("--to must be primary or secondary")};
    if (!a.autoMode.isEmpty() && a.autoMode != QLatin1String("on") && a.autoMode != QLatin1String("off"))
        return turno::Error{QStringLiteral("--auto must be on or off")};
    return a;
}

int call(const char *name, const Args &a, const QJsonObject &req, QJsonObject *result, int timeoutMs)
{
    turno::ControlClient client(turno::ControlClient::resolveRunDir(a.runDir, a.cluster));
    const auto r = client.requestSync(req, timeoutMs);
    if (!r.ok()) {
        err() << "turnoctl " << name << ": " << r.error() << "\n";
        const bool unreachable = r.error().contains(QLatin1String("no cluster")) || r.error().contains(QLatin1String("nobody answers")) ||
                                 r.error().contains(QLatin1String("did not answer")) || r.error().contains(QLatin1String("cannot reach"));
        return unreachable ? ExitUnavailable : ExitFailure;
    }
    const QJsonObject reply = r.value();
    if (!reply.value(QStringLiteral("ok")).toBool()) {
        err() << "turnoctl " << name << ": " << reply.value(QStringLiteral("error")).toString() << "\n";
        return ExitFailure;
    }
    *result = reply.value(QStringLiteral("result")).toObject();
    return ExitOk;
}

void printGate(const QJsonObject &g)
{
    out() << "pre-flight for a switch to " << g.value(QStringLiteral("target")).toString() << ": "
          << (g.value(QStringLiteral("ok")).toBool() ? "PASS" : "FAIL") << "\n";
    for (const QJsonValue &v : g.value(QStringLiteral("checks")).toArray()) {
        const QJsonObject c = v.toObject();
        out() << "  " << (c.value(QStringLiteral("ok")).toBool() ? "ok   " : "FAIL ")
              << c.value(QStringLiteral("check")).toString().leftJustified(17) << c.value(QStringLiteral("detail")).toString() << "\n";
    }
}

void printReport(const QJsonObject &r)
{
    const bool ok = r.value(QStringLiteral("ok")).toBool();
    out() << r.value(QStringLiteral("from")).toString() << " -> " << r.value(QStringLiteral("to")).toString() << ": "
          << (ok ? "done" : r.value(QStringLiteral("rolledBack")).toBool() ? "rolled back" : "NOT DONE") << " in "
          << r.value(QStringLiteral("totalMs")).toInteger() << " ms (" << r.value(QStringLiteral("trigger")).toString()
          << (r.value(QStringLiteral("forced")).toBool() ? ", forced" : "") << ")\n";
    for (const QJsonValue &v : r.value(QStringLiteral("steps")).toArray()) {
        const QJsonObject s = v.toObject();
        out() << "  " << (s.value(QStringLiteral("ok")).toBool() ? "ok   " : "FAIL ")
              << s.value(QStringLiteral("step")).toString().leftJustified(9) << " +"
              << QString::number(s.value(QStringLiteral("startMs")).toInteger()).rightJustified(5) << " ms "
              << QString::number(s.value(QStringLiteral("durationMs")).toInteger()).rightJustified(5) << " ms  "
              << s.value(QStringLiteral("detail")).toString() << "\n";
    }
    if (!r.value(QStringLiteral("redisPrimaryAfter")).toString().isEmpty())
        out() << "redis primary: " << r.value(QStringLiteral("redisPrimaryBefore")).toString() << " -> "
              << r.value(QStringLiteral("redisPrimaryAfter")).toString() << "\n";
    if (!r.value(QStringLiteral("message")).toString().isEmpty())
        out() << r.value(QStringLiteral("message")).toString() << "\n";
}

int run(const char *name, const QString &synopsis, const QStringList &args, bool failback)
{
    const turnoctl::OptionParser parser = failoverOptions(name, synopsis, failback);
    turnoctl::ParsedArgs p;
    if (const std::optional<int> code = parser.parseOrExit(args, &p))
        return *code;
    const turno::Result<Args> parsed = readArgs(p, failback);
    if (!parsed)
        return parser.usageError(parsed.error());
    const Args &a = parsed.value();
    QJsonObject result;
    if (!a.autoMode.isEmpty()) {
        const int rc = call(name, a, {{QStringLiteral("cmd"), QStringLiteral("failover-auto")},
                                      {QStringLiteral("on"), a.autoMode == QLatin1String("on")}}, &result, 5000);
        if (rc != ExitOk)
            return rc;
        if (a.json)
            out() << QJsonDocument(result).toJson(QJsonDocument::Indented);
        else
            out() << "automatic failover " << (result.value(QStringLiteral("automatic")).toBool() ? "on" : "off") << "; state "
                  << result.value(QStringLiteral("state")).toString() << ", active pool " << result.value(QStringLiteral("active")).toString() << "\n";
        return ExitOk;
    }
    if (a.preflight) {
        QJsonObject req{{QStringLiteral("cmd"), QStringLiteral("preflight")}};
        if (!a.target.isEmpty())
            req.insert(QStringLiteral("target"), a.target);
        const int rc = call(name, a, req, &result, 10000);
        if (rc != ExitOk)
            return rc;
        if (a.json)
            out() << QJsonDocument(result).toJson(QJsonDocument::Indented);
        else
            printGate(result);
        return result.value(QStringLiteral("ok")).toBool() ? ExitOk : ExitFailure;
    }
    QJsonObject req{{QStringLiteral("cmd"), QStringLiteral("failover")}, {QStringLiteral("force"), a.force}};
    if (!a.target.isEmpty())
        req.insert(QStringLiteral("target"), a.target);
    // Steps are bounded (failover.stepTimeoutMs each); this bounds the wait for all of them.
    const int rc = call(name, a, req, &result, 60000);
    if (rc != ExitOk)
        return rc;
    if (a.json)
        out() << QJsonDocument(result).toJson(QJsonDocument::Indented);
    else
        printReport(result);
    return result.value(QStringLiteral("ok")).toBool() ? ExitOk : ExitFailure;
}

const QString kFailoverSynopsis = QStringLiteral(
    "failover [--to primary|secondary] [--force] [--preflight] [--auto on|off] [--json] [--run-dir DIR] [--cluster NAME]");
const QString kFailbackSynopsis = QStringLiteral("failback [--force] [--preflight] [--json] [--run-dir DIR] [--cluster NAME]");

}  // namespace

TURNO_CTL_COMMAND(QStringLiteral("failover"), kFailoverSynopsis,
                  QStringLiteral("switch traffic and the Redis primary to the other side (pre-flight gated)"),
                  [](const QStringList &args) { return run("failover", kFailoverSynopsis, args, false); });
TURNO_CTL_COMMAND(QStringLiteral("failback"), kFailbackSynopsis,
                  QStringLiteral("switch back to the primary pool (same steps as failover)"),
                  [](const QStringList &args) { return run("failback", kFailbackSynopsis, args, true); });
