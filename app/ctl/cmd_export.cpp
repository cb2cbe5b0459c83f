// turnoctl export prometheus: a Prometheus scrape configuration for the
// running cluster (asked from its supervisor), and optionally the alert rules
// next to it, so a site's own Prometheus watches the same fleet.
#include "command_registry.h"
#include "option_parser.h"

#include "alerts/alert_rule.h"
#include "alerts/prometheus_rules_export.h"
#include "control/control_client.h"

#include <QFileInfo>
#include <QJsonArray>
#include <QTextStream>
#include <optional>

namespace {

const turnoctl::OptionParser &exportOptions()
{
    static const turnoctl::OptionParser parser =
        turnoctl::OptionParser(QStringLiteral("export prometheus"),
                               QStringLiteral("export prometheus [--run-dir DIR | --cluster NAME] [--interval 5s]\n"
                                              "                                  [-o FILE] [--rules-out FILE] [--rules RULES.json]"))
            .describe(QStringLiteral("Writes a Prometheus scrape configuration for the running cluster: job 'turno' with\n"
                                     "every turno node (labels node and pool) and job 'haproxy' with the balancer's\n"
                                     "exporter. With --rules-out, also writes the alert rules (defaults, or --rules) as a\n"
                                     "Prometheus rules file and references it. Without -o, writes to standard output."))
            .option(QStringLiteral("--run-dir"), QStringLiteral("DIR"), QStringLiteral("the cluster's run directory"))
            .option(QStringLiteral("--cluster"), QStringLiteral("NAME"), QStringLiteral("the cluster's name, for its default run directory"))
            .option(QStringLiteral("--interval"), QStringLiteral("D"), QStringLiteral("scrape and evaluation interval [5s]"))
            .option(QStringLiteral("-o"), QStringLiteral("FILE"), QStringLiteral("where to write the configuration"), {QStringLiteral("--output")})
            .option(QStringLiteral("--rules-out"), QStringLiteral("FILE"), QStringLiteral("also write the alert rules there"))
            .option(QStringLiteral("--rules"), QStringLiteral("RULES.json"), QStringLiteral("the rules to export (default: the built-in ones)"))
            .option(QStringLiteral("--redis-exporter"), QStringLiteral("HOST:PORT"),
                    QStringLiteral("also a job 'redis': every Redis server of the cluster through this prometheus-redis-exporter (multi-target /scrape)"));
    return parser;
}

int exportPrometheus(const QStringList &args)
{
    QTextStream &err = turnoctl::err();
    const turnoctl::OptionParser &parser = exportOptions();
    turnoctl::ParsedArgs p;
    if (const std::optional<int> code = parser.parseOrExit(args, &p))
        return *code;
    if (!p.positional().isEmpty())
        return parser.usageError(QStringLiteral("bad or incomplete argument '%1'").arg(p.positional().first()));
    const QString runDir = p.value(QStringLiteral("--run-dir")), cluster = p.value(QStringLiteral("--cluster"));
    const QString outFile = p.value(QStringLiteral("-o")), rulesOut = p.value(QStringLiteral("--rules-out"));
    const QString rulesIn = p.value(QStringLiteral("--rules"));
    const QString interval = p.value(QStringLiteral("--interval"), QStringLiteral("5s"));
    if (turno::AlertRuleLoader::parseDuration(interval) <= 0)
        return parser.usageError(QStringLiteral("--interval needs a duration like 5s or 1m, not '%1'").arg(interval));
    turno::ControlClient client(turno::ControlClient::resolveRunDir(runDir, cluster));
    const auto status = client.requestSync(QJsonObject{{QStringLiteral("cmd"), QStringLiteral("status")}});
    if (!status) {
        err << "turnoctl export prometheus: " << status.error() << "\n";
        return turnoctl::ExitUnavailable;
    }
    const QJsonObject reply = status.value();
    const QJsonObject s = reply.contains(QStringLiteral("result")) ? reply.value(QStringLiteral("result")).toObject() : reply;
    QString yaml = QStringLiteral("# Prometheus scrape configuration for turno cluster '%1', written by\n"
                                  "# turnoctl export prometheus. Check with: promtool check config FILE\n"
                                  "global:\n  scrape_interval: %2\n  evaluation_interval: %2\n")
                       .arg(s.value(QStringLiteral("cluster")).toString(), interval);
    if (!rulesOut.isEmpty())
        yaml += QStringLiteral("rule_files:\n  - '%1'\n").arg(QFileInfo(rulesOut).absoluteFilePath());
    yaml += QStringLiteral("scrape_configs:\n  - job_name: turno\n    static_configs:\n");
    int targets = 0;
    for (const QJsonValue &v : s.value(QStringLiteral("nodes")).toArray()) {
        const QJsonObject n = v.toObject();
        if (n.value(QStringLiteral("kind")).toString() != QLatin1String("turno"))
            continue;
        yaml += QStringLiteral("      - targets: ['%1']\n        labels: {node: '%2', pool: '%3'}\n")
                    .arg(n.value(QStringLiteral("address")).toString(), n.value(QStringLiteral("node")).toString(),
                         n.value(QStringLiteral("pool")).toString());
        ++targets;
    }
    if (targets == 0) {
        err << "turnoctl export prometheus: the cluster reports no turno nodes\n";
        return turnoctl::ExitFailure;
    }
    const QString exporter = p.value(QStringLiteral("--redis-exporter"));
    if (!exporter.isEmpty()) {
        if (exporter.section(QLatin1Char(':'), -1).toUInt() == 0 || exporter.section(QLatin1Char(':'), 0, -2).isEmpty())
            return parser.usageError(QStringLiteral("--redis-exporter needs HOST:PORT, not '%1'").arg(exporter));
        // The exporter's multi-target mode: Prometheus passes each Redis as ?target=, the
        // instance label is the Redis (not the exporter), the node label its name here.
        QString redis;
        for (const QJsonValue &v : s.value(QStringLiteral("nodes")).toArray()) {
            const QJsonObject n = v.toObject();
            if (n.value(QStringLiteral("kind")).toString() == QLatin1String("redis"))
                redis += QStringLiteral("      - targets: ['redis://%1']\n        labels: {node: '%2'}\n")
                             .arg(n.value(QStringLiteral("address")).toString(), n.value(QStringLiteral("node")).toString());
        }
        if (redis.isEmpty()) {
            err << "turnoctl export prometheus: --redis-exporter given, but the cluster reports no Redis servers\n";
            return turnoctl::ExitFailure;
        }
        yaml += QStringLiteral("  - job_name: redis\n    metrics_path: /scrape\n    static_configs:\n") + redis +
                QStringLiteral("    relabel_configs:\n"
                               "      - source_labels: [__address__]\n        target_label: __param_target\n"
                               "      - source_labels: [__param_target]\n        target_label: instance\n"
                               "      - target_label: __address__\n        replacement: '%1'\n")
                    .arg(exporter);
    }
    const QString haproxy = s.value(QStringLiteral("prometheus")).toString();
    if (!haproxy.isEmpty() && !haproxy.endsWith(QLatin1String(":0")))
        yaml += QStringLiteral("  - job_name: haproxy\n    static_configs:\n      - targets: ['%1']\n").arg(haproxy);

    if (!rulesOut.isEmpty()) {
        const auto rules = rulesIn.isEmpty() ? turno::AlertRuleLoader::loadDefault() : turno::AlertRuleLoader::loadFile(rulesIn);
        if (!rules) {
            err << rules.error() << "\n";
            return turnoctl::ExitFailure;
        }
        if (const int rc = turnoctl::writeTextOutput(rulesOut, turno::PrometheusRulesExport::toYaml(rules.value())); rc != 0)
            return rc;
    }
    return turnoctl::writeTextOutput(
        outFile, yaml, QStringLiteral("wrote a scrape configuration for %1 turno nodes to %2").arg(targets).arg(outFile));
}

}  // namespace

TURNO_CTL_COMMAND(QStringLiteral("export prometheus"), QStringLiteral("export prometheus [--run-dir DIR] [-o FILE]"),
                  QStringLiteral("write a Prometheus scrape config (and rules) for the running cluster"),
                  exportPrometheus);
