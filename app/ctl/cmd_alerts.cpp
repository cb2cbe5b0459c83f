// turnoctl faces of the alerts: validate a rules file and export the rules for
// Prometheus (offline), and, as clients of a running supervisor's control
// socket, list alerts, acknowledge one, silence rules or nodes, reload the rules.
#include "command_registry.h"
#include "option_parser.h"

#include "alerts/alert_rule.h"
#include "alerts/prometheus_rules_export.h"
#include "control/control_client.h"

#include <QDateTime>
#include <QFile>
#include <QFileInfo>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QTextStream>
#include <functional>
#include <optional>

namespace {

using turnoctl::err;
using turnoctl::ExitFailure;
using turnoctl::ExitOk;
using turnoctl::ExitUnavailable;
using turnoctl::ExitUsage;
using turnoctl::out;

const char *kLocation =
    "The cluster: --run-dir DIR, else $TURNO_RUN_DIR, else the default run directory of\n"
    "--cluster NAME (default \"local\"); its supervisor (`turnoctl up` or the console)\n"
    "answers on RUN_DIR/control.sock. Exit 3 when no supervisor answers.\n";

int checkRules(const QStringList &args)
{
    static const turnoctl::OptionParser parser =
        turnoctl::OptionParser(QStringLiteral("alerts check-rules"), QStringLiteral("alerts check-rules FILE"))
            .describe(QStringLiteral("Validates an alert rules file (format: docs/alerts.md). Exit 0 when valid, 1 with\n"
                                     "FILE:LINE: reason when not."))
            .argument(QStringLiteral("FILE"), QStringLiteral("the rules file"));
    turnoctl::ParsedArgs p;
    if (const std::optional<int> code = parser.parseOrExit(args, &p))
        return *code;
    if (p.positional().size() != 1)
        return parser.usageError(QStringLiteral("give one FILE"));
    const QString file = p.positional().first();
    const auto set = turno::AlertRuleLoader::loadFile(file);
    if (!set) {
        err() << set.error() << "\n";
        return QFile::exists(file) ? ExitFailure : ExitUnavailable;
    }
    out() << file << ": " << set->rules.size() << " rules OK\n";
    return ExitOk;
}

int exportPrometheusRules(const QStringList &args)
{
    static const turnoctl::OptionParser parser =
        turnoctl::OptionParser(QStringLiteral("export prometheus-rules"),
                               QStringLiteral("export prometheus-rules [--rules FILE] [--job NAME] [-o FILE]"))
            .describe(QStringLiteral("Writes the alert rules (the built-in defaults, or FILE) as a Prometheus alerting\n"
                                     "rules file that 'promtool check rules' accepts. Without -o, writes to standard output."))
            .option(QStringLiteral("--rules"), QStringLiteral("FILE"), QStringLiteral("the rules to export (default: the built-in ones)"))
            .option(QStringLiteral("--job"), QStringLiteral("NAME"), QStringLiteral("the scrape job of the turno servers (default turno)"))
            .option(QStringLiteral("-o"), QStringLiteral("FILE"), QStringLiteral("where to write"), {QStringLiteral("--output")});
    turnoctl::ParsedArgs p;
    if (const std::optional<int> code = parser.parseOrExit(args, &p))
        return *code;
    if (!p.positional().isEmpty())
        return parser.usageError(QStringLiteral("unexpected '%1'").arg(p.positional().first()));
    const QString rulesFile = p.value(QStringLiteral("--rules"));
    const QString outFile = p.value(QStringLiteral("-o"));
    const QString job = p.value(QStringLiteral("--job"), QStringLiteral("turno"));
    const auto set = rulesFile.isEmpty() ? turno::AlertRuleLoader::loadDefault() : turno::AlertRuleLoader::loadFile(rulesFile);
    if (!set) {
        err() << set.error() << "\n";
        return ExitFailure;
    }
    return turnoctl::writeTextOutput(outFile, turno::PrometheusRulesExport::toYaml(set.value(), job),
                                     QStringLiteral("wrote %1 rules to %2").arg(set->rules.size()).arg(outFile));
}

// ---- clients of the control socket ----------------------------------------------

// Options every client command here takes; the rest is the command's.
struct Client {
    QString runDir;
    QString cluster;
    bool json = false;
    QStringList rest;
};

// A client command's table, starting with where the cluster is.
turnoctl::OptionParser clientOptions(const QString &command, const QString &synopsis, const QString &description)
{
    turnoctl::OptionParser p(command, synopsis);
    p.describe(description)
        .option(QStringLiteral("--run-dir"), QStringLiteral("DIR"), QStringLiteral("the cluster's run directory"))
        .option(QStringLiteral("--cluster"), QStringLiteral("NAME"), QStringLiteral("the cluster's name, for its default run directory"))
        .flag(QStringLiteral("--json"), QStringLiteral("the supervisor's answer as JSON"))
        .epilogue(QString::fromLatin1(kLocation));
    return p;
}

// Parses a client command's line into *c (and all of it into *parsed, if
// asked); returns an exit code when parsing ends the command.
std::optional<int> parseClient(const turnoctl::OptionParser &parser, const QStringList &args, Client *c,
                               turnoctl::ParsedArgs *parsed = nullptr)
{
    turnoctl::ParsedArgs p;
    if (const std::optional<int> code = parser.parseOrExit(args, &p))
        return code;
    c->runDir = p.value(QStringLiteral("--run-dir"));
    c->cluster = p.value(QStringLiteral("--cluster"));
    c->json = p.has(QStringLiteral("--json"));
    c->rest = p.positional();
    if (parsed)
        *parsed = p;
    return std::nullopt;
}

// One request to the supervisor; prints the error and returns the exit code on failure.
int call(const char *name, const Client &c, const QJsonObject &req, QJsonObject *result)
{
    turno::ControlClient client(turno::ControlClient::resolveRunDir(c.runDir, c.cluster));
    const auto r = client.requestSync(req, 15000);
    if (!r.ok()) {
        err() << "turnoctl " << name << ": " << r.error() << "\n";
        err().flush();
        const bool unreachable = r.error().contains(QLatin1String("no cluster")) ||
                                 r.error().contains(QLatin1String("nobody answers")) ||
                                 r.error().contains(QLatin1String("did not answer")) ||
                                 r.error().contains(QLatin1String("closed the connection"));
        if (r.error().startsWith(QLatin1String("unknown command")))
            err() << "(the supervisor predates this command; restart it with this version)\n";
        return unreachable ? ExitUnavailable : ExitFailure;
    }
    if (result)
        *result = r.value().value(QStringLiteral("result")).toObject();
    return ExitOk;
}

// A client command that takes no argument and asks one thing: what differs from
// one such command to the next. The rest (options, one request, --json printing
// the answer as is, the exit codes of a failed call) is runQuery's.
struct Query {
    QString cmd;  // the control API command
    // The answer for a person (not with --json).
    std::function<void(const QJsonObject &result)> print;
    // Once the answer is printed, either way: warnings on stderr, the exit code.
    std::function<int(const QJsonObject &result)> finish = [](const QJsonObject &) { return int(ExitOk); };
};

int runQuery(const turnoctl::OptionParser &parser, const QStringList &args, const Query &q)
{
    Client c;
    if (const std::optional<int> code = parseClient(parser, args, &c))
        return *code;
    if (!c.rest.isEmpty())
        return parser.usageError(QStringLiteral("unexpected argument ") + c.rest.first());
    QJsonObject r;
    const QByteArray name = parser.command().toUtf8();
    if (const int rc = call(name.constData(), c, QJsonObject{{QStringLiteral("cmd"), q.cmd}}, &r); rc != ExitOk)
        return rc;
    if (c.json)
        out() << QJsonDocument(r).toJson(QJsonDocument::Indented);
    else
        q.print(r);
    return q.finish(r);
}

QString span(qint64 ms)
{
    const qint64 s = std::max<qint64>(0, ms / 1000);
    if (s < 120)
        return QStringLiteral("%1s").arg(s);
    if (s < 7200)
        return QStringLiteral("%1m").arg(s / 60);
    return QStringLiteral("%1h%2m").arg(s / 3600).arg((s % 3600) / 60);
}

QString age(qint64 sinceMs, qint64 nowMs)
{
    return sinceMs <= 0 ? QStringLiteral("-") : span(nowMs - sinceMs);
}

QString number(double v)
{
    return QString::number(v, 'g', 4);
}

void printTable(const QList<QStringList> &rows)
{
    if (rows.isEmpty())
        return;
    QList<int> width(rows.first().size(), 0);
    for (const QStringList &r : rows)
        for (int i = 0; i < r.size() - 1; ++i)  // the last column is free text
            width[i] = std::max(width[i], int(r[i].size()));
    for (const QStringList &r : rows) {
        QString line;
        for (int i = 0; i < r.size(); ++i)
            line += i + 1 < r.size() ? r[i].leftJustified(width[i] + 2) : r[i];
        out() << line.trimmed() << "\n";
    }
}

QString author()
{
    const QString user = qEnvironmentVariable("USER", qEnvironmentVariable("LOGNAME"));
    return user.isEmpty() ? QStringLiteral("operator") : user;
}

const QString kAlertsSynopsis = QStringLiteral("alerts [--json] [--run-dir DIR | --cluster NAME]");

int listAlerts(const QStringList &args)
{
    static const turnoctl::OptionParser parser = clientOptions(
        QStringLiteral("alerts"), kAlertsSynopsis,
        QStringLiteral("Lists the firing and pending alerts of the running cluster, firing and most severe\n"
                       "first: state, severity, rule, node, value, how long, flags (silenced #ID, acked)\n"
                       "and summary. --json prints the supervisor's answer as is (fields: docs/alerts.md).\n"
                       "Exit 0 whether or not alerts are active.\n"
                       "Related: turnoctl alerts ack RULE NODE, turnoctl silence, turnoctl alerts reload-rules.\n"));
    const auto print = [](const QJsonObject &r) {
        const QJsonArray alerts = r.value(QStringLiteral("alerts")).toArray();
        const qint64 now = r.value(QStringLiteral("nowMs")).toInteger();
        if (alerts.isEmpty()) {
            out() << "no firing or pending alerts (" << r.value(QStringLiteral("rules")).toInt() << " rules from "
                  << r.value(QStringLiteral("rulesSource")).toString() << ", " << r.value(QStringLiteral("silences")).toInt()
                  << " active silences)\n";
        } else {
            QList<QStringList> rows{{QStringLiteral("STATE"), QStringLiteral("SEVERITY"), QStringLiteral("RULE"), QStringLiteral("NODE"),
                                     QStringLiteral("VALUE"), QStringLiteral("FOR"), QStringLiteral("FLAGS"), QStringLiteral("SUMMARY")}};
            for (const QJsonValue &v : alerts) {
                const QJsonObject a = v.toObject();
                QStringList flags;
                if (a.value(QStringLiteral("silenced")).toBool())
                    flags << QStringLiteral("silenced#%1").arg(a.value(QStringLiteral("silencedBy")).toInt());
                if (a.value(QStringLiteral("acknowledged")).toBool())
                    flags << QStringLiteral("acked(%1)").arg(a.value(QStringLiteral("acknowledgedBy")).toString());
                rows << QStringList{a.value(QStringLiteral("state")).toString(), a.value(QStringLiteral("severity")).toString(),
                                    a.value(QStringLiteral("rule")).toString(), a.value(QStringLiteral("node")).toString(),
                                    number(a.value(QStringLiteral("value")).toDouble()),
                                    age(a.value(QStringLiteral("sinceMs")).toInteger(), now),
                                    flags.isEmpty() ? QStringLiteral("-") : flags.join(QLatin1Char(',')),
                                    a.value(QStringLiteral("summary")).toString()};
            }
            printTable(rows);
        }
        // --json has it in the answer.
        if (r.contains(QStringLiteral("rulesError")))
            err() << "warning: the last rules reload was refused: " << r.value(QStringLiteral("rulesError")).toString() << "\n";
    };
    return runQuery(parser, args, {QStringLiteral("alerts"), print});
}

const QString kAckSynopsis = QStringLiteral("alerts ack RULE NODE [--run-dir DIR | --cluster NAME]");

int ackAlert(const QStringList &args)
{
    static const turnoctl::OptionParser parser =
        clientOptions(QStringLiteral("alerts ack"), kAckSynopsis,
                      QStringLiteral("Acknowledges the firing (or pending) alert of RULE on NODE: it stays listed, marked\n"
                                     "acked by $USER, until it resolves; the timeline records who acknowledged it.\n"
                                     "Acknowledging does not stop notifications; a silence does (turnoctl silence).\n"
                                     "Exit 1 when no such alert is active.\n"))
            .argument(QStringLiteral("RULE"), QStringLiteral("the rule's name"))
            .argument(QStringLiteral("NODE"), QStringLiteral("the node it fires on"));
    Client c;
    if (const std::optional<int> code = parseClient(parser, args, &c))
        return *code;
    if (c.rest.size() != 2)
        return parser.usageError(QStringLiteral("alerts ack needs RULE and NODE"));
    QJsonObject r;
    const QJsonObject req{{QStringLiteral("cmd"), QStringLiteral("ack")}, {QStringLiteral("rule"), c.rest[0]},
                          {QStringLiteral("node"), c.rest[1]}, {QStringLiteral("by"), author()}};
    if (const int rc = call("alerts ack", c, req, &r); rc != ExitOk)
        return rc;
    if (c.json)
        out() << QJsonDocument(r).toJson(QJsonDocument::Indented);
    else
        out() << c.rest[0] << " on " << c.rest[1] << " acknowledged by " << r.value(QStringLiteral("by")).toString() << "\n";
    return ExitOk;
}

const QString kAlertmanagerSynopsis = QStringLiteral("alerts alertmanager [--json] [--run-dir DIR | --cluster NAME]");

int alertmanagerStatus(const QStringList &args)
{
    static const turnoctl::OptionParser parser = clientOptions(
        QStringLiteral("alerts alertmanager"), kAlertmanagerSynopsis,
        QStringLiteral("The rules file's notify.alertmanager URLs: for each, the batches it took, failures in a row and\n"
                       "the last error; then the Alertmanagers' silences that cover this cluster's alerts (matching\n"
                       "their labels, or naming cluster=\"<this cluster>\"), one row per silence of an HA pair.\n"
                       "Exit 1 when no Alertmanager is configured, 3 when none answers.\n"));
    const auto print = [](const QJsonObject &r) {
        QList<QStringList> delivery{{QStringLiteral("ALERTMANAGER"), QStringLiteral("SENT"), QStringLiteral("FAILING"), QStringLiteral("LAST ERROR")}};
        for (const QJsonValue &v : r.value(QStringLiteral("delivery")).toArray())
            delivery << QStringList{v[QStringLiteral("url")].toString(), QString::number(v[QStringLiteral("sent")].toInt()),
                                    QString::number(v[QStringLiteral("failuresInARow")].toInt()),
                                    v[QStringLiteral("lastError")].toString().isEmpty() ? QStringLiteral("-") : v[QStringLiteral("lastError")].toString()};
        printTable(delivery);
        const QJsonArray silences = r.value(QStringLiteral("silences")).toArray();
        if (silences.isEmpty()) {
            out() << "no Alertmanager silence covers this cluster's alerts\n";
        } else {
            QList<QStringList> rows{{QStringLiteral("SILENCE"), QStringLiteral("STATE"), QStringLiteral("MATCHERS"), QStringLiteral("ENDS"),
                                     QStringLiteral("BY"), QStringLiteral("ALERTS"), QStringLiteral("COMMENT")}};
            for (const QJsonValue &v : silences)
                rows << QStringList{v[QStringLiteral("id")].toString().left(8), v[QStringLiteral("state")].toString(),
                                    v[QStringLiteral("matchers")].toString(), v[QStringLiteral("endsAt")].toString(),
                                    v[QStringLiteral("createdBy")].toString(),
                                    QString::number(v[QStringLiteral("alerts")].toArray().size()), v[QStringLiteral("comment")].toString()};
            printTable(rows);
        }
    };
    // With --json too: an Alertmanager that does not answer is a warning, and none answering exit 3.
    const auto finish = [](const QJsonObject &r) {
        const QJsonArray errors = r.value(QStringLiteral("errors")).toArray();
        for (const QJsonValue &e : errors)
            err() << "warning: " << e.toString() << "\n";
        return !errors.isEmpty() && errors.size() == r.value(QStringLiteral("delivery")).toArray().size() ? ExitUnavailable : ExitOk;
    };
    return runQuery(parser, args, {QStringLiteral("alertmanager-silences"), print, finish});
}

const QString kReloadSynopsis = QStringLiteral("alerts reload-rules [FILE] [--run-dir DIR | --cluster NAME]");

int reloadRules(const QStringList &args)
{
    static const turnoctl::OptionParser parser =
        clientOptions(QStringLiteral("alerts reload-rules"), kReloadSynopsis,
                      QStringLiteral("Makes the running supervisor read its alert rules file again, or FILE instead (which\n"
                                     "it then watches: later saves reload by themselves). Alerts of rules that keep their\n"
                                     "name keep their state. A broken file is refused with FILE:LINE: reason (exit 1) and\n"
                                     "the rules in force stay. Without FILE and with the built-in rules in force there is\n"
                                     "nothing to reload (exit 1). A supervisor started with $TURNO_ALERT_RULES set reads that file.\n"))
            .argument(QStringLiteral("FILE"), QStringLiteral("the rules file to use from now on"));
    Client c;
    if (const std::optional<int> code = parseClient(parser, args, &c))
        return *code;
    if (c.rest.size() > 1)
        return parser.usageError(QStringLiteral("at most one FILE"));
    QJsonObject req{{QStringLiteral("cmd"), QStringLiteral("reload-rules")}};
    if (!c.rest.isEmpty()) {
        // Checked here first: the message then names the file as the user typed it.
        const auto local = turno::AlertRuleLoader::loadFile(c.rest.first());
        if (!local.ok()) {
            err() << local.error() << "\n";
            return QFile::exists(c.rest.first()) ? ExitFailure : ExitUnavailable;
        }
        req.insert(QStringLiteral("file"), QFileInfo(c.rest.first()).absoluteFilePath());
    }
    QJsonObject r;
    if (const int rc = call("alerts reload-rules", c, req, &r); rc != ExitOk)
        return rc;
    if (c.json)
        out() << QJsonDocument(r).toJson(QJsonDocument::Indented);
    else
        out() << "reloaded " << r.value(QStringLiteral("rules")).toInt() << " rules from " << r.value(QStringLiteral("file")).toString()
              << "\n";
    return ExitOk;
}

const QString kSilenceSynopsis = QStringLiteral(
    "silence (--rule RULE | --node NODE)... --for DURATION [--comment TEXT]\n"
    "       turnoctl silence --list [--json]\n"
    "       turnoctl silence --expire ID");

const turnoctl::OptionParser &silenceOptions()
{
    static const turnoctl::OptionParser parser =
        clientOptions(QStringLiteral("silence"), kSilenceSynopsis,
                      QStringLiteral("Silences the alerts of a rule, of a node, or of a rule on a node, for a DURATION (10m,\n"
                                     "1h30m, 2h; at most 30 days). Silenced alerts still change state and are recorded on\n"
                                     "the timeline (marked silenced) but send no webhook or command notification, and a\n"
                                     "silenced critical alert opens no incident. Prints the new silence's ID.\n"
                                     "--list shows the active silences; --expire ID ends one early. Silences are kept in\n"
                                     "RUN_DIR/alert-silences.json and survive a supervisor restart; the author is $USER.\n"
                                     "All take --run-dir DIR | --cluster NAME.\n"))
            .option(QStringLiteral("--rule"), QStringLiteral("RULE"), QStringLiteral("the rule to silence"))
            .option(QStringLiteral("--node"), QStringLiteral("NODE"),
                    QStringLiteral("the node to silence (redis-primary and redis-replica, older names, mean redis-1 and "
                                   "redis-2, the nodes launched in those roles)"))
            .option(QStringLiteral("--for"), QStringLiteral("DURATION"), QStringLiteral("how long, e.g. 30m"))
            .option(QStringLiteral("--comment"), QStringLiteral("TEXT"), QStringLiteral("why, for the others"))
            .flag(QStringLiteral("--list"), QStringLiteral("the active silences"))
            .option(QStringLiteral("--expire"), QStringLiteral("ID"), QStringLiteral("end a silence early"));
    return parser;
}

int listSilences(const Client &c)
{
    QJsonObject r;
    if (const int rc = call("silence", c, {{QStringLiteral("cmd"), QStringLiteral("silence")}, {QStringLiteral("action"), QStringLiteral("list")}}, &r);
        rc != ExitOk)
        return rc;
    if (c.json) {
        out() << QJsonDocument(r).toJson(QJsonDocument::Indented);
        return ExitOk;
    }
    const QJsonArray silences = r.value(QStringLiteral("silences")).toArray();
    if (silences.isEmpty()) {
        out() << "no active silences\n";
        return ExitOk;
    }
    const qint64 now = r.value(QStringLiteral("nowMs")).toInteger();
    QList<QStringList> rows{{QStringLiteral("ID"), QStringLiteral("RULE"), QStringLiteral("NODE"), QStringLiteral("UNTIL"),
                             QStringLiteral("LEFT"), QStringLiteral("AUTHOR"), QStringLiteral("COMMENT")}};
    for (const QJsonValue &v : silences) {
        const QJsonObject s = v.toObject();
        const qint64 until = s.value(QStringLiteral("untilMs")).toInteger();
        auto orAny = [](const QString &x) { return x.isEmpty() ? QStringLiteral("*") : x; };
        rows << QStringList{QString::number(s.value(QStringLiteral("id")).toInt()), orAny(s.value(QStringLiteral("rule")).toString()),
                            orAny(s.value(QStringLiteral("node")).toString()),
                            QDateTime::fromMSecsSinceEpoch(until).toUTC().toString(Qt::ISODate),
                            span(until - now), s.value(QStringLiteral("author")).toString(),
                            s.value(QStringLiteral("comment")).toString()};
    }
    printTable(rows);
    return ExitOk;
}

int expireSilence(const Client &c, const QString &expire)
{
    bool ok = false;
    const int id = expire.toInt(&ok);
    if (!ok || id <= 0)
        return silenceOptions().usageError(QStringLiteral("--expire needs a silence ID (see --list)"));
    const QJsonObject req{{QStringLiteral("cmd"), QStringLiteral("silence")}, {QStringLiteral("action"), QStringLiteral("expire")},
                          {QStringLiteral("id"), id}, {QStringLiteral("author"), author()}};
    QJsonObject r;
    if (const int rc = call("silence", c, req, &r); rc != ExitOk)
        return rc;
    out() << "silence #" << id << " expired\n";
    return ExitOk;
}

int addSilence(const Client &c, const turnoctl::ParsedArgs &p)
{
    const turnoctl::OptionParser &parser = silenceOptions();
    const QString rule = p.value(QStringLiteral("--rule")), node = p.value(QStringLiteral("--node"));
    const QString duration = p.value(QStringLiteral("--for"));
    if (duration.isEmpty())
        return parser.usageError(QStringLiteral("a silence needs --for DURATION, e.g. --for 30m"));
    const qint64 ms = turno::AlertRuleLoader::parseDuration(duration);
    if (ms <= 0)
        return parser.usageError(QStringLiteral("--for needs a duration like 30m, 2h or 1h30m (got %1)").arg(duration));
    if (rule.isEmpty() && node.isEmpty())
        return parser.usageError(QStringLiteral("say what to silence: --rule RULE, --node NODE or both"));
    const QJsonObject req{{QStringLiteral("cmd"), QStringLiteral("silence")}, {QStringLiteral("action"), QStringLiteral("add")},
                          {QStringLiteral("rule"), rule},          {QStringLiteral("node"), node},
                          {QStringLiteral("durationMs"), ms},      {QStringLiteral("comment"), p.value(QStringLiteral("--comment"))},
                          {QStringLiteral("author"), author()}};
    QJsonObject r;
    if (const int rc = call("silence", c, req, &r); rc != ExitOk)
        return rc;
    if (c.json) {
        out() << QJsonDocument(r).toJson(QJsonDocument::Indented);
        return ExitOk;
    }
    const QJsonObject s = r.value(QStringLiteral("silence")).toObject();
    out() << "silence #" << s.value(QStringLiteral("id")).toInt() << " until "
          << QDateTime::fromMSecsSinceEpoch(s.value(QStringLiteral("untilMs")).toInteger()).toUTC().toString(Qt::ISODate) << " ("
          << r.value(QStringLiteral("matching")).toArray().size() << " active alerts match now)\n";
    return ExitOk;
}

int runSilence(const QStringList &args)
{
    const turnoctl::OptionParser &parser = silenceOptions();
    Client c;
    turnoctl::ParsedArgs p;
    if (const std::optional<int> code = parseClient(parser, args, &c, &p))
        return *code;
    if (!c.rest.isEmpty())
        return parser.usageError(QStringLiteral("unexpected argument ") + c.rest.first());
    const bool list = p.has(QStringLiteral("--list"));
    const bool expire = p.has(QStringLiteral("--expire"));
    const bool adding = p.has(QStringLiteral("--rule")) || p.has(QStringLiteral("--node")) || p.has(QStringLiteral("--for")) ||
                        p.has(QStringLiteral("--comment"));
    if (int(list) + int(expire) + int(adding) != 1)
        return parser.usageError(QStringLiteral("give exactly one of: --rule/--node with --for, --list, --expire ID"));
    if (list)
        return listSilences(c);
    if (expire)
        return expireSilence(c, p.value(QStringLiteral("--expire")));
    return addSilence(c, p);
}

}  // namespace

TURNO_CTL_COMMAND(QStringLiteral("alerts"), QStringLiteral("alerts [--json]"),
                  QStringLiteral("firing and pending alerts of the running cluster"), listAlerts);
TURNO_CTL_COMMAND(QStringLiteral("alerts ack"), QStringLiteral("alerts ack RULE NODE"),
                  QStringLiteral("acknowledge a firing alert (recorded on the timeline)"), ackAlert);
TURNO_CTL_COMMAND(QStringLiteral("alerts alertmanager"), QStringLiteral("alerts alertmanager [--json]"),
                  QStringLiteral("delivery to the notify.alertmanager URLs and their silences covering this cluster"),
                  alertmanagerStatus);
TURNO_CTL_COMMAND(QStringLiteral("alerts reload-rules"), QStringLiteral("alerts reload-rules [FILE]"),
                  QStringLiteral("reload the running cluster's alert rules without a restart"), reloadRules);
TURNO_CTL_COMMAND(QStringLiteral("alerts check-rules"), QStringLiteral("alerts check-rules FILE"),
                  QStringLiteral("validate an alert rules file (file:line: reason on error)"), checkRules);
TURNO_CTL_COMMAND(QStringLiteral("silence"), QStringLiteral("silence (--rule R | --node N) --for D | --list | --expire ID"),
                  QStringLiteral("silence alerts of a rule or node for a while; list or end silences"), runSilence);
TURNO_CTL_COMMAND(QStringLiteral("export prometheus-rules"),
                  QStringLiteral("export prometheus-rules [--rules FILE] [-o FILE]"),
                  QStringLiteral("write the alert rules as a Prometheus rules file"), exportPrometheusRules);
