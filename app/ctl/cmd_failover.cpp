// turnoctl failover / failback: clients of the supervisor's FailoverController
// through the control socket (the console's failover panel makes the same calls).
#include "command_registry.h"

#include "control/control_client.h"

#include <QJsonArray>
#include <QJsonDocument>

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
    bool force = false, preflight = false, json = false, help = false;
    QString error;
};

Args parse(const QStringList &args, bool failback)
{
    Args a;
    for (int i = 0; i < args.size(); ++i) {
        const QString &s = args[i];
        auto value = [&](QString &dst) {
            if (i + 1 >= args.size())
                a.error = s + QStringLiteral(" needs a value");
            else
                dst = args[++i];
        };
        if (s == QLatin1String("--run-dir"))
            value(a.runDir);
        else if (s == QLatin1String("--cluster"))
            value(a.cluster);
        else if (s == QLatin1String("--to") && !failback)
            value(a.target);
        else if (s == QLatin1String("--auto") && !failback)
            value(a.autoMode);
        else if (s == QLatin1String("--force"))
            a.force = true;
        else if (s == QLatin1String("--preflight"))
            a.preflight = true;
        else if (s == QLatin1String("--json"))
            a.json = true;
        else if (s == QLatin1String("--help") || s == QLatin1String("-h"))
            a.help = true;
        else
            a.error = QStringLiteral("unknown argument ") + s;
    }
    if (failback)
        a.target = QStringLiteral("primary");
    if (!a.target.isEmpty() && a.target != QLatin1String("primary") && a.target != QLatin1String("secondary"))
        a.error = QStringLiteral("--to must be primary or secondary");
    if (!a.autoMode.isEmpty() && a.autoMode != QLatin1String("on") && a.autoMode != QLatin1String("off"))
        a.error = QStringLiteral("--auto must be on or off");
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
    const Args a = parse(args, failback);
    if (a.help) {
        out() << "Usage: turnoctl " << synopsis << "\n\n"
              << (failback ? "Switches back to the primary pool and makes the other Redis node primary again.\n"
                           : "Switches the active pool (primary -> secondary, or --to POOL) and promotes the Redis replica:\n")
              << "pre-flight gate, drain at HAProxy, writes paused on the Redis primary until the replica holds\n"
                 "all of it, SENTINEL FAILOVER, the old primary fenced (demoted, clients cut off), the new pool\n"
                 "checked UP, then a probe turno through the balancer must be above every number issued before.\n"
                 "A failed gate refuses the switch (exit 1) unless --force. --preflight only runs the gate.\n"
              << (failback ? "" : "--auto on|off turns automatic failover on or off (profile: failover.auto).\n")
              << "Exit codes: 0 done, 1 refused or failed, 2 usage, 3 no cluster answers.\n\n"
              << kWhere;
        return ExitOk;
    }
    if (!a.error.isEmpty()) {
        err() << "turnoctl " << name << ": " << a.error << "\nUsage: turnoctl " << synopsis << "\n";
        return ExitUsage;
    }
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
