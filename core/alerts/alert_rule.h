// AlertRule and AlertRuleSet: the hand-editable alert rules file (JSON,
// documented in docs/alerts.md), read with "file:line: reason" refusals.
#pragma once

#include "common/result.h"

#include <QList>
#include <QMap>
#include <QString>
#include <QStringList>

namespace turno {

struct AlertRule {
    enum class Op { Greater, GreaterEqual, Less, LessEqual };
    QString name;
    QString metric;            // series name before '{' in the series store, e.g. cpu_percent
    Op op = Op::Greater;
    double threshold = 0;
    double resolveThreshold = 0;  // hysteresis: firing ends only past this (defaults to threshold)
    qint64 forMs = 0;
    qint64 keepFiringForMs = 0;
    QString severity = QStringLiteral("warning");  // info | warning | critical
    QMap<QString, QString> labels;
    QString summary;           // template: {{value}} {{threshold}} {{node}} {{instance}} {{name}} {{for}}
    int line = 0;              // where the rule starts in its file

    bool breaches(double value) const;       // value past threshold
    bool stillFiring(double value) const;    // value not yet back past resolveThreshold
    static QString opText(Op op);
};

struct AlertRuleSet {
    QString source;
    QList<AlertRule> rules;
    // The file's optional "notify" section: where firing and resolved alerts go.
    QString webhookUrl;        // Alertmanager-shaped POST; empty: none
    QStringList command;       // program and arguments (no shell); empty: none
    QStringList alertmanagerUrls;  // notify.alertmanager: every one gets every alert (AlertmanagerClient)
    qint64 alertmanagerResendMs = 30000;  // notify.alertmanager_resend: how often a firing alert is re-sent
    const AlertRule *find(const QString &name) const;
};

class AlertRuleLoader {
public:
    static Result<AlertRuleSet> loadFile(const QString &path);
    static Result<AlertRuleSet> loadBytes(const QByteArray &json, const QString &sourceName);
    // The rules shipped in resources/alerts/default_rules.json (compiled in).
    static Result<AlertRuleSet> loadDefault();
    // "10s", "1m30s", "500ms", "2h" -> milliseconds; -1 when malformed.
    static qint64 parseDuration(const QString &text);
    static QString formatDuration(qint64 ms);
};

}  // namespace turno
