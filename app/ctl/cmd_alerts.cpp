// turnoctl faces of the alert rules: validate a rules file, and export the
// rules for Prometheus.
#include "command_registry.h"

#include "alerts/alert_rule.h"
#include "alerts/prometheus_rules_export.h"

#include <QFile>
#include <QTextStream>

namespace {

int checkRules(const QStringList &args)
{
    QTextStream out(stdout), err(stderr);
    if (args.size() != 1 || args.first().startsWith(QLatin1String("-"))) {
        (args.value(0) == QLatin1String("--help") ? out : err)
            << "Usage: turnoctl alerts check-rules FILE\n"
               "Validates an alert rules file (format: docs/alerts.md). Exit 0 when valid, 1 with\n"
               "FILE:LINE: reason when not.\n";
        return args.value(0) == QLatin1String("--help") ? turnoctl::ExitOk : turnoctl::ExitUsage;
    }
    const auto set = turno::AlertRuleLoader::loadFile(args.first());
    if (!set) {
        err << set.error() << "\n";
        return QFile::exists(args.first()) ? turnoctl::ExitFailure : turnoctl::ExitUnavailable;
    }
    out << args.first() << ": " << set->rules.size() << " rules OK\n";
    return turnoctl::ExitOk;
}

int exportPrometheusRules(const QStringList &args)
{
    QTextStream out(stdout), err(stderr);
    QString rulesFile, outFile, job = QStringLiteral("turno");
    for (int i = 0; i < args.size(); ++i) {
        const QString &a = args[i];
        if (a == QLatin1String("--help")) {
            out << "Usage: turnoctl export prometheus-rules [--rules FILE] [--job NAME] [-o FILE]\n"
                   "Writes the alert rules (the built-in defaults, or FILE) as a Prometheus alerting\n"
                   "rules file that 'promtool check rules' accepts. --job is the scrape job of the\n"
                   "turno servers (default turno). Without -o, writes to standard output.\n";
            return turnoctl::ExitOk;
        } else if (a == QLatin1String("--rules") && i + 1 < args.size()) {
            rulesFile = args[++i];
        } else if (a == QLatin1String("--job") && i + 1 < args.size()) {
            job = args[++i];
        } else if ((a == QLatin1String("-o") || a == QLatin1String("--output")) && i + 1 < args.size()) {
            outFile = args[++i];
        } else {
            err << "turnoctl export prometheus-rules: unexpected '" << a << "'; see --help\n";
            return turnoctl::ExitUsage;
        }
    }
    const auto set = rulesFile.isEmpty() ? turno::AlertRuleLoader::loadDefault() : turno::AlertRuleLoader::loadFile(rulesFile);
    if (!set) {
        err << set.error() << "\n";
        return turnoctl::ExitFailure;
    }
    return turnoctl::writeTextOutput(outFile, turno::PrometheusRulesExport::toYaml(set.value(), job),
                                     QStringLiteral("wrote %1 rules to %2").arg(set->rules.size()).arg(outFile));
}

}  // namespace

TURNO_CTL_COMMAND(QStringLiteral("alerts check-rules"), QStringLiteral("alerts check-rules FILE"),
                  QStringLiteral("validate an alert rules file (file:line: reason on error)"), checkRules);
TURNO_CTL_COMMAND(QStringLiteral("export prometheus-rules"),
                  QStringLiteral("export prometheus-rules [--rules FILE] [-o FILE]"),
                  QStringLiteral("write the alert rules as a Prometheus rules file"), exportPrometheusRules);
