#include "alerts/alert_rule.h"

#include "common/duration.h"
#include "common/json_locator.h"

#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QRegularExpression>
#include <QSet>
#include <QUrl>

namespace turno {

bool AlertRule::breaches(double value) const
{
    switch (op) {
    case Op::Greater: return value > threshold;
    case Op::GreaterEqual: return value >= threshold;
    case Op::Less: return value < threshold;
    case Op::LessEqual: return value <= threshold;
    }
    return false;
}

bool AlertRule::stillFiring(double value) const
{
    switch (op) {
    case Op::Greater: return value > resolveThreshold;
    case Op::GreaterEqual: return value >= resolveThreshold;
    case Op::Less: return value < resolveThreshold;
    case Op::LessEqual: return value <= resolveThreshold;
    }
    return false;
}

QString AlertRule::opText(Op op)
{
    switch (op) {
    case Op::Greater: return QStringLiteral(">");
    case Op::GreaterEqual: return QStringLiteral(">=");
    case Op::Less: return QStringLiteral("<");
    case Op::LessEqual: return QStringLiteral("<=");
    }
    return QStringLiteral(">");
}

const AlertRule *AlertRuleSet::find(const QString &name) const
{
    for (const AlertRule &r : rules)
        if (r.name == name)
            return &r;
    return nullptr;
}

qint64 AlertRuleLoader::parseDuration(const QString &text)
{
    return parseDurationMs(text, DurationSyntax::alertRules());
}

QString AlertRuleLoader::formatDuration(qint64 ms)
{
    if (ms == 0)
        return QStringLiteral("0s");
    if (ms % 3600000 == 0)
        return QStringLiteral("%1h").arg(ms / 3600000);
    if (ms % 60000 == 0)
        return QStringLiteral("%1m").arg(ms / 60000);
    if (ms % 1000 == 0)
        return QStringLiteral("%1s").arg(ms / 1000);
    return QStringLiteral("%1ms").arg(ms);
}

Result<AlertRuleSet> AlertRuleLoader::loadFile(const QString &path)
{
    QFile f(path);
    if (!f.open(QIODevice::ReadOnly))
        return Error{QStringLiteral("%1: cannot read the alert rules file: %2").arg(path, f.errorString())};
    return loadBytes(f.readAll(), path);
}

Result<AlertRuleSet> AlertRuleLoader::loadDefault()
{
    QFile f(QStringLiteral(":/turno/alerts/default_rules.json"));
    if (!f.open(QIODevice::ReadOnly))
        return Error{QStringLiteral("the built-in default alert rules are missing (resource :/turno/alerts)")};
    return loadBytes(f.readAll(), QStringLiteral("default_rules.json (built in)"));
}

Result<AlertRuleSet> AlertRuleLoader::loadBytes(const QByteArray &json, const QString &source)
{
    QJsonParseError pe;
    const QJsonDocument doc = QJsonDocument::fromJson(json, &pe);
    if (pe.error != QJsonParseError::NoError)
        return Error{QStringLiteral("%1:%2: not valid JSON: %3").arg(source, jsonPosition(json, pe.offset), pe.errorString())};
    const JsonLocator where(json);
    auto fail = [&](const QString &path, const QString &why) {
        return Error{QStringLiteral("%1:%2: %3").arg(source).arg(where.line(path)).arg(why)};
    };
    if (!doc.isObject())
        return fail(QString(), QStringLiteral("the rules file must be a JSON object with \"version\" and \"rules\""));
    const QJsonObject root = doc.object();
    for (auto it = root.begin(); it != root.end(); ++it)
        if (it.key() != QLatin1String("version") && it.key() != QLatin1String("rules") && it.key() != QLatin1String("notify"))
            return fail(it.key(),
                        QStringLiteral("unknown key \"%1\" (expected \"version\", \"rules\" and \"notify\")").arg(it.key()));
    if (root.value(QStringLiteral("version")).toInt(-1) != 1)
        return fail(QStringLiteral("version"), QStringLiteral("\"version\" must be 1"));
    if (!root.value(QStringLiteral("rules")).isArray())
        return fail(QStringLiteral("rules"), QStringLiteral("\"rules\" must be an array of rules"));

    AlertRuleSet set;
    set.source = source;
    if (root.contains(QStringLiteral("notify"))) {
        const QJsonValue nv = root.value(QStringLiteral("notify"));
        if (!nv.isObject())
            return fail(QStringLiteral("notify"), QStringLiteral("\"notify\" must be an object with \"webhook\", \"command\" "
                                                                 "and/or \"alertmanager\""));
        const QJsonObject notify = nv.toObject();
        for (auto it = notify.begin(); it != notify.end(); ++it) {
            const QString at = QStringLiteral("notify.") + it.key();
            if (it.key() == QLatin1String("webhook")) {
                const QUrl url(it.value().toString(), QUrl::StrictMode);
                if (!it.value().isString() || !url.isValid() || url.host().isEmpty() ||
                    (url.scheme() != QLatin1String("http") && url.scheme() != QLatin1String("https")))
                    return fail(at, QStringLiteral("\"webhook\" must be an http:// or https:// URL, e.g. "
                                                   "http://127.0.0.1:9093/api/v2/alerts"));
                set.webhookUrl = url.toString();
            } else if (it.key() == QLatin1String("command")) {
                const QJsonArray parts = it.value().toArray();
                for (const QJsonValue &part : parts)
                    if (part.isString() && !part.toString().isEmpty())
                        set.command << part.toString();
                if (!it.value().isArray() || parts.isEmpty() || set.command.size() != parts.size())
                    return fail(at, QStringLiteral("\"command\" must be a non-empty array of strings: the program, then "
                                                   "its arguments (run without a shell)"));
            } else if (it.key() == QLatin1String("alertmanager")) {
                const QJsonArray urls = it.value().toArray();
                for (const QJsonValue &u : urls) {
                    const QUrl url(u.toString(), QUrl::StrictMode);
                    if (!u.isString() || !url.isValid() || url.host().isEmpty() ||
                        (url.scheme() != QLatin1String("http") && url.scheme() != QLatin1String("https")))
                        return fail(at, QStringLiteral("\"alertmanager\" takes http:// or https:// URLs of Alertmanagers, "
                                                       "e.g. [\"http://127.0.0.1:9093\"]; \"%1\" is not one")
                                            .arg(u.toVariant().toString()));
                    set.alertmanagerUrls << url.toString();
                }
                if (!it.value().isArray() || urls.isEmpty())
                    return fail(at, QStringLiteral("\"alertmanager\" must be a non-empty array of URLs, e.g. "
                                                   "[\"http://127.0.0.1:9093\", \"http://127.0.0.1:9094\"]"));
            } else if (it.key() == QLatin1String("alertmanager_resend")) {
                const qint64 ms = it.value().isString() ? AlertRuleLoader::parseDuration(it.value().toString()) : -1;
                if (ms < 1000 || ms > 3600000)
                    return fail(at, QStringLiteral("\"alertmanager_resend\" must be a duration from \"1s\" to \"1h\", "
                                                   "e.g. \"30s\" (Alertmanager resolves an alert not re-sent within "
                                                   "four of them)"));
                set.alertmanagerResendMs = ms;
            } else {
                return fail(at, QStringLiteral("unknown key \"%1\" in \"notify\" (expected \"webhook\", \"command\", "
                                               "\"alertmanager\" and \"alertmanager_resend\")")
                                    .arg(it.key()));
            }
        }
    }
    QSet<QString> names;
    const QJsonArray rules = root.value(QStringLiteral("rules")).toArray();
    static const QSet<QString> known{QStringLiteral("name"), QStringLiteral("metric"), QStringLiteral("op"),
                                     QStringLiteral("threshold"), QStringLiteral("resolve_threshold"), QStringLiteral("for"),
                                     QStringLiteral("keep_firing_for"), QStringLiteral("severity"), QStringLiteral("labels"),
                                     QStringLiteral("summary")};
    static const QRegularExpression nameRe(QStringLiteral("^[A-Za-z_][A-Za-z0-9_]*$"));
    for (int i = 0; i < rules.size(); ++i) {
        const QString at = QStringLiteral("rules[%1]").arg(i);
        if (!rules[i].isObject())
            return fail(at, QStringLiteral("each rule must be an object"));
        const QJsonObject o = rules[i].toObject();
        for (auto it = o.begin(); it != o.end(); ++it)
            if (!known.contains(it.key()))
                return fail(at + QLatin1Char('.') + it.key(), QStringLiteral("unknown rule key \"%1\"").arg(it.key()));
        AlertRule r;
        r.line = where.line(at);
        r.name = o.value(QStringLiteral("name")).toString();
        if (!nameRe.match(r.name).hasMatch())
            return fail(at + QStringLiteral(".name"), QStringLiteral("\"name\" must be an identifier like HighCpu"));
        if (names.contains(r.name))
            return fail(at + QStringLiteral(".name"), QStringLiteral("a rule named \"%1\" already exists").arg(r.name));
        names.insert(r.name);
        r.metric = o.value(QStringLiteral("metric")).toString();
        if (!nameRe.match(r.metric).hasMatch())
            return fail(at + QStringLiteral(".metric"), QStringLiteral("\"metric\" must name a series, e.g. cpu_percent"));
        const QString op = o.value(QStringLiteral("op")).toString(QStringLiteral(">"));
        if (op == QLatin1String(">"))
            r.op = AlertRule::Op::Greater;
        else if (op == QLatin1String(">="))
            r.op = AlertRule::Op::GreaterEqual;
        else if (op == QLatin1String("<"))
            r.op = AlertRule::Op::Less;
        else if (op == QLatin1String("<="))
            r.op = AlertRule::Op::LessEqual;
        else
            return fail(at + QStringLiteral(".op"), QStringLiteral("\"op\" must be one of > >= < <="));
        if (!o.value(QStringLiteral("threshold")).isDouble())
            return fail(at + QStringLiteral(".threshold"), QStringLiteral("\"threshold\" must be a number"));
        r.threshold = o.value(QStringLiteral("threshold")).toDouble();
        r.resolveThreshold = r.threshold;
        if (o.contains(QStringLiteral("resolve_threshold"))) {
            if (!o.value(QStringLiteral("resolve_threshold")).isDouble())
                return fail(at + QStringLiteral(".resolve_threshold"), QStringLiteral("\"resolve_threshold\" must be a number"));
            r.resolveThreshold = o.value(QStringLiteral("resolve_threshold")).toDouble();
            const bool upward = r.op == AlertRule::Op::Greater || r.op == AlertRule::Op::GreaterEqual;
            if (upward ? r.resolveThreshold > r.threshold : r.resolveThreshold < r.threshold)
                return fail(at + QStringLiteral(".resolve_threshold"),
                            QStringLiteral("\"resolve_threshold\" must be on the healthy side of \"threshold\" (%1 for op %2)")
                                .arg(upward ? QStringLiteral("at or below") : QStringLiteral("at or above"), op));
        }
        for (const auto &[key, dst] : {std::pair{QStringLiteral("for"), &r.forMs},
                                       std::pair{QStringLiteral("keep_firing_for"), &r.keepFiringForMs}}) {
            if (!o.contains(key))
                continue;
            const qint64 ms = parseDuration(o.value(key).toString());
            if (ms < 0)
                return fail(at + QLatin1Char('.') + key,
                            QStringLiteral("\"%1\" must be a duration like 10s, 1m or 500ms").arg(key));
            *dst = ms;
        }
        r.severity = o.value(QStringLiteral("severity")).toString(QStringLiteral("warning"));
        if (r.severity != QLatin1String("info") && r.severity != QLatin1String("warning") &&
            r.severity != QLatin1String("critical"))
            return fail(at + QStringLiteral(".severity"), QStringLiteral("\"severity\" must be info, warning or critical"));
        const QJsonObject labels = o.value(QStringLiteral("labels")).toObject();
        for (auto it = labels.begin(); it != labels.end(); ++it) {
            if (!it.value().isString())
                return fail(at + QStringLiteral(".labels.") + it.key(), QStringLiteral("label values must be strings"));
            r.labels.insert(it.key(), it.value().toString());
        }
        r.summary = o.value(QStringLiteral("summary"))
                        .toString(QStringLiteral("{{name}} on {{node}}: {{value}} (threshold {{threshold}})"));
        set.rules << r;
    }
    return set;
}

}  // namespace turno
