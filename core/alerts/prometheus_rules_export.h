// PrometheusRulesExport: writes the console's alert rules as a Prometheus
// alerting rules file (promtool check rules accepts it), so a site that runs
// Prometheus gets the same alerts from the same thresholds.
#pragma once

#include "alerts/alert_rule.h"

#include <QString>

namespace turno {

class PrometheusRulesExport {
public:
    // job is the scrape job name of the turno servers (see `turnoctl export prometheus`).
    static QString toYaml(const AlertRuleSet &rules, const QString &job = QStringLiteral("turno"));
    // The PromQL for one console metric, or empty when Prometheus has no equivalent.
    static QString expressionFor(const QString &metric, const QString &job);
};

}  // namespace turno
