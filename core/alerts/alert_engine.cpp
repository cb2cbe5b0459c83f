#include "alerts/alert_engine.h"

#include "fleet/cluster_layout.h"
#include "metrics/series_store.h"

#include <QDateTime>
#include <QRegularExpression>
#include <algorithm>
#include <cmath>
#include <limits>

namespace turno {

QString Alert::stateName(State s)
{
    switch (s) {
    case State::Inactive: return QStringLiteral("inactive");
    case State::Pending: return QStringLiteral("pending");
    case State::Firing: return QStringLiteral("firing");
    case State::Resolved: return QStringLiteral("resolved");
    }
    return QStringLiteral("inactive");
}

bool AlertSilence::matches(const Alert &a) const
{
    return (rule.isEmpty() || rule == a.rule) && (node.isEmpty() || node == a.node);
}

QJsonObject AlertSilence::toJson() const
{
    return QJsonObject{{QStringLiteral("id"), id},
                       {QStringLiteral("rule"), rule},
                       {QStringLiteral("node"), node},
                       {QStringLiteral("createdMs"), createdMs},
                       {QStringLiteral("untilMs"), untilMs},
                       {QStringLiteral("comment"), comment},
                       {QStringLiteral("author"), author}};
}

bool AlertSilence::fromJson(const QJsonObject &o, AlertSilence *out)
{
    AlertSilence s;
    s.id = o.value(QStringLiteral("id")).toInt(0);
    s.rule = o.value(QStringLiteral("rule")).toString();
    // A silence saved by an earlier version may name a Redis node by its old name.
    s.node = ClusterLayout::resolveNodeName(o.value(QStringLiteral("node")).toString());
    s.createdMs = o.value(QStringLiteral("createdMs")).toInteger(0);
    s.untilMs = o.value(QStringLiteral("untilMs")).toInteger(0);
    s.comment = o.value(QStringLiteral("comment")).toString();
    s.author = o.value(QStringLiteral("author")).toString();
    if (s.id <= 0 || s.untilMs <= 0 || (s.rule.isEmpty() && s.node.isEmpty()))
        return false;
    *out = s;
    return true;
}

AlertEngine::AlertEngine(SeriesStore *store, QObject *parent) : QObject(parent), m_store(store)
{
    qRegisterMetaType<turno::AlertTransition>();
    qRegisterMetaType<turno::Alert>();
}

void AlertEngine::setRules(const AlertRuleSet &rules)
{
    m_rules = rules;
    // Alerts whose rule is gone end here; the others keep their state.
    for (auto it = m_alerts.begin(); it != m_alerts.end();) {
        if (!m_rules.find(it->rule))
            it = m_alerts.erase(it);
        else
            ++it;
    }
    emit alertsChanged();
}

Result<void> AlertEngine::reloadRules(const QString &path)
{
    Result<AlertRuleSet> loaded = AlertRuleLoader::loadFile(path);
    if (!loaded)
        return Error{loaded.error()};
    setRules(loaded.value());
    return {};
}

bool AlertEngine::splitSeriesKey(const QString &key, QString &metric, QMap<QString, QString> &labels)
{
    labels.clear();
    const qsizetype brace = key.indexOf(QLatin1Char('{'));
    if (brace < 0) {
        metric = key;
        return !key.isEmpty();
    }
    if (!key.endsWith(QLatin1Char('}')))
        return false;
    metric = key.left(brace);
    static const QRegularExpression pair(QStringLiteral("\\s*([A-Za-z_][A-Za-z0-9_]*)=\"((?:[^\"\\\\]|\\\\.)*)\"\\s*(,|$)"));
    const QString body = key.mid(brace + 1, key.size() - brace - 2);
    qsizetype pos = 0;
    while (pos < body.size()) {
        const auto m = pair.match(body, pos, QRegularExpression::NormalMatch, QRegularExpression::AnchorAtOffsetMatchOption);
        if (!m.hasMatch())
            return false;
        QString v = m.captured(2);
        v.replace(QStringLiteral("\\\""), QStringLiteral("\"")).replace(QStringLiteral("\\\\"), QStringLiteral("\\"));
        labels.insert(m.captured(1), v);
        pos = m.capturedEnd();
    }
    return true;
}

QString AlertEngine::renderSummary(const AlertRule &rule, const Alert &alert)
{
    auto number = [](double v) {
        return std::abs(v - std::round(v)) < 1e-9 && std::abs(v) < 1e15 ? QString::number(qint64(std::round(v)))
                                                                           : QString::number(v, 'g', 4);
    };
    QString s = rule.summary;
    s.replace(QStringLiteral("{{value}}"), number(alert.value));
    s.replace(QStringLiteral("{{threshold}}"), number(rule.threshold));
    s.replace(QStringLiteral("{{node}}"), alert.node);
    s.replace(QStringLiteral("{{instance}}"), alert.instance);
    s.replace(QStringLiteral("{{name}}"), rule.name);
    s.replace(QStringLiteral("{{for}}"), AlertRuleLoader::formatDuration(rule.forMs));
    for (auto it = alert.labels.begin(); it != alert.labels.end(); ++it)
        s.replace(QStringLiteral("{{labels.%1}}").arg(it.key()), it.value());
    return s;
}

int AlertEngine::silenceCovering(const Alert &alert, qint64 nowMs) const
{
    const auto it = std::find_if(m_silences.begin(), m_silences.end(),
                                 [&](const AlertSilence &s) { return s.untilMs > nowMs && s.matches(alert); });
    return it != m_silences.end() ? it->id : 0;
}

void AlertEngine::refreshSilenced(Alert &a, qint64 nowMs)
{
    a.silencedBy = silenceCovering(a, nowMs);
    a.silenced = a.silencedBy != 0;
}

void AlertEngine::refreshAllSilenced(qint64 nowMs)
{
    for (Alert &a : m_alerts)
        refreshSilenced(a, nowMs);
}

void AlertEngine::move(Alert &a, Alert::State to, qint64 nowMs, const AlertRule &rule, qint64 evidenceMs)
{
    const Alert::State from = a.state;
    a.state = to;
    switch (to) {
    case Alert::State::Pending:
        a.pendingSinceMs = evidenceMs >= 0 ? std::min(nowMs, evidenceMs) : nowMs;
        a.firingSinceMs = -1;
        a.resolvedAtMs = -1;
        a.acknowledged = false;
        a.acknowledgedBy.clear();
        a.acknowledgedAtMs = -1;
        break;
    case Alert::State::Firing:
        a.firingSinceMs = nowMs;
        a.clearedSinceMs = -1;
        break;
    case Alert::State::Resolved:
        a.resolvedAtMs = nowMs;
        a.clearedSinceMs = -1;
        break;
    case Alert::State::Inactive:
        a.pendingSinceMs = -1;
        break;
    }
    a.summary = renderSummary(rule, a);
    refreshSilenced(a, nowMs);
    emit transition(AlertTransition{a, from, to, nowMs});
}

void AlertEngine::evaluate(qint64 nowMs)
{
    const qsizetype silencesBefore = m_silences.size();
    m_silences.erase(std::remove_if(m_silences.begin(), m_silences.end(),
                                    [nowMs](const AlertSilence &s) { return s.untilMs <= nowMs; }),
                     m_silences.end());
    if (m_silences.size() != silencesBefore)
        emit silencesChanged();
    bool changed = false;
    QHash<QString, QList<int>> byMetric;
    for (int id = 0; id < m_store->seriesCount(); ++id) {
        const QString key = m_store->key(id);
        const qsizetype brace = key.indexOf(QLatin1Char('{'));
        byMetric[brace < 0 ? key : key.left(brace)] << id;
    }
    QSet<QString> seen;
    for (const AlertRule &rule : m_rules.rules) {
        for (int id : byMetric.value(rule.metric)) {
            const QString key = m_store->key(id);
            const QString alertId = rule.name + QLatin1Char('|') + key;
            seen.insert(alertId);
            auto it = m_alerts.find(alertId);
            if (it == m_alerts.end()) {
                Alert a;
                a.id = alertId;
                a.rule = rule.name;
                a.instance = key;
                QString metric;
                QMap<QString, QString> seriesLabels;
                splitSeriesKey(key, metric, seriesLabels);
                a.node = seriesLabels.value(QStringLiteral("node"), seriesLabels.value(QStringLiteral("instance"), key));
                a.labels = seriesLabels;
                for (auto l = rule.labels.begin(); l != rule.labels.end(); ++l)
                    a.labels.insert(l.key(), l.value());
                a.labels.insert(QStringLiteral("alertname"), rule.name);
                a.labels.insert(QStringLiteral("severity"), rule.severity);
                it = m_alerts.insert(alertId, a);
            }
            Alert &a = *it;
            a.severity = rule.severity;
            a.threshold = rule.threshold;
            const auto last = m_store->last(id);
            const bool fresh = last && nowMs - last->timestampMs <= m_staleAfterMs;
            if (fresh)
                a.value = last->value;
            const bool breach = fresh && rule.breaches(a.value);
            switch (a.state) {
            case Alert::State::Inactive:
            case Alert::State::Resolved:
                if (breach) {
                    // Pending since the breaching sample was taken: a node that
                    // stopped answering is as late to alert as one that died.
                    move(a, Alert::State::Pending, nowMs, rule, last->timestampMs);
                    changed = true;
                    if (rule.forMs == 0 || nowMs - a.pendingSinceMs >= rule.forMs)
                        move(a, Alert::State::Firing, nowMs, rule);
                }
                break;
            case Alert::State::Pending:
                if (!breach) {
                    move(a, Alert::State::Inactive, nowMs, rule);
                    changed = true;
                } else if (nowMs - a.pendingSinceMs >= rule.forMs) {
                    move(a, Alert::State::Firing, nowMs, rule);
                    changed = true;
                }
                break;
            case Alert::State::Firing: {
                // Hysteresis: only past the resolve threshold does it start to
                // clear, and it must stay clear for keep_firing_for.
                const bool firing = fresh && rule.stillFiring(a.value);
                if (firing) {
                    a.clearedSinceMs = -1;
                } else {
                    if (a.clearedSinceMs < 0)
                        a.clearedSinceMs = nowMs;
                    if (nowMs - a.clearedSinceMs >= rule.keepFiringForMs) {
                        move(a, Alert::State::Resolved, nowMs, rule);
                        changed = true;
                    }
                }
                if (a.state == Alert::State::Firing)
                    a.summary = renderSummary(rule, a);
                break;
            }
            }
            refreshSilenced(a, nowMs);
        }
    }
    // Series gone from the store (node removed): their alerts resolve or go.
    for (auto it = m_alerts.begin(); it != m_alerts.end();) {
        const AlertRule *rule = m_rules.find(it->rule);
        if (!seen.contains(it.key()) && rule) {
            if (it->state == Alert::State::Firing) {
                move(*it, Alert::State::Resolved, nowMs, *rule);
                changed = true;
            } else if (it->state == Alert::State::Pending) {
                move(*it, Alert::State::Inactive, nowMs, *rule);
                changed = true;
            }
        }
        const bool expired = it->state == Alert::State::Resolved && nowMs - it->resolvedAtMs > m_resolvedRetentionMs;
        if (expired || (it->state == Alert::State::Inactive && !seen.contains(it.key()))) {
            changed = changed || expired;  // a listed (resolved) alert leaves the list
            it = m_alerts.erase(it);
        } else {
            ++it;
        }
    }
    if (changed)
        emit alertsChanged();
}

QList<Alert> AlertEngine::alerts() const
{
    QList<Alert> out;
    for (const Alert &a : m_alerts)
        if (a.state != Alert::State::Inactive)
            out << a;
    auto rank = [](const Alert &a) {
        const int s = a.state == Alert::State::Firing ? 0 : a.state == Alert::State::Pending ? 1 : 2;
        const int sev = a.severity == QLatin1String("critical") ? 0 : a.severity == QLatin1String("warning") ? 1 : 2;
        return s * 10 + sev;
    };
    std::sort(out.begin(), out.end(), [&](const Alert &x, const Alert &y) {
        return rank(x) != rank(y) ? rank(x) < rank(y) : x.id < y.id;
    });
    return out;
}

int AlertEngine::count(Alert::State state) const
{
    return int(std::count_if(m_alerts.begin(), m_alerts.end(), [state](const Alert &a) { return a.state == state; }));
}

int AlertEngine::addSilence(const QString &rule, const QString &node, qint64 durationMs, const QString &comment,
                            qint64 nowMs, const QString &author)
{
    AlertSilence s;
    s.id = m_nextSilence++;
    s.rule = rule;
    s.node = node;
    s.createdMs = nowMs;
    s.untilMs = nowMs + durationMs;
    s.comment = comment;
    s.author = author;
    m_silences << s;
    refreshAllSilenced(nowMs);
    emit silencesChanged();
    emit alertsChanged();
    return s.id;
}

bool AlertEngine::restoreSilence(const AlertSilence &silence, qint64 nowMs)
{
    if (silence.untilMs <= nowMs || silence.id <= 0)
        return false;
    const bool taken = std::any_of(m_silences.begin(), m_silences.end(),
                                   [&](const AlertSilence &s) { return s.id == silence.id; });
    AlertSilence s = silence;
    if (taken)
        s.id = m_nextSilence;
    m_nextSilence = std::max(m_nextSilence, s.id + 1);
    m_silences << s;
    refreshAllSilenced(nowMs);
    emit silencesChanged();
    emit alertsChanged();
    return true;
}

bool AlertEngine::removeSilence(int id)
{
    const qsizetype before = m_silences.size();
    m_silences.erase(std::remove_if(m_silences.begin(), m_silences.end(), [id](const AlertSilence &s) { return s.id == id; }),
                     m_silences.end());
    if (m_silences.size() == before)
        return false;
    // The others may still cover some alerts; expired ones are gone already or go at the next evaluate().
    refreshAllSilenced(std::numeric_limits<qint64>::min());
    emit silencesChanged();
    emit alertsChanged();
    return true;
}

Result<void> AlertEngine::acknowledge(const QString &alertId, const QString &by, qint64 nowMs)
{
    auto it = m_alerts.find(alertId);
    if (it == m_alerts.end() || it->state == Alert::State::Inactive)
        return Error{QStringLiteral("no active alert with id '%1' (see 'turnoctl alerts')").arg(alertId)};
    if (it->state == Alert::State::Resolved)
        return Error{QStringLiteral("alert '%1' has resolved already; nothing to acknowledge").arg(alertId)};
    it->acknowledged = true;
    it->acknowledgedBy = by;
    it->acknowledgedAtMs = nowMs >= 0 ? nowMs : QDateTime::currentMSecsSinceEpoch();
    emit acknowledged(*it);
    emit alertsChanged();
    return {};
}

}  // namespace turno
