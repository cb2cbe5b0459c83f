// AlertEngine: evaluates the alert rules against the series store at every
// scrape. Each (rule, series) pair moves inactive -> pending -> firing ->
// resolved; a separate resolve threshold and keep_firing_for stop a value
// hovering at the threshold from flapping. It also keeps the silences (a rule
// and/or a node muted until an expiry) and acknowledgements of its alerts.
#pragma once

#include "alerts/alert_rule.h"
#include "common/result.h"

#include <QHash>
#include <QJsonObject>
#include <QList>
#include <QMap>
#include <QObject>
#include <QString>

namespace turno {

class SeriesStore;

struct Alert {
    enum class State { Inactive, Pending, Firing, Resolved };
    QString id;        // rule name + '|' + series key
    QString rule;
    QString instance;  // the series key, e.g. cpu_percent{node="primary-1"}
    QString node;      // the series' node (or instance) label; the key itself if neither
    QString severity;
    QMap<QString, QString> labels;  // alertname, severity, the rule's and the series' labels
    State state = State::Inactive;
    double value = 0;
    double threshold = 0;
    qint64 pendingSinceMs = -1;
    qint64 firingSinceMs = -1;
    qint64 resolvedAtMs = -1;
    qint64 clearedSinceMs = -1;  // firing, but the value is back on the healthy side since
    QString summary;
    bool acknowledged = false;
    QString acknowledgedBy;
    qint64 acknowledgedAtMs = -1;
    bool silenced = false;
    int silencedBy = 0;  // id of the first active silence that matches; 0 when not silenced

    static QString stateName(State s);
};

struct AlertTransition {
    Alert alert;  // as it is after the transition
    Alert::State from = Alert::State::Inactive;
    Alert::State to = Alert::State::Inactive;
    qint64 atMs = 0;
};

struct AlertSilence {
    int id = 0;
    QString rule;  // empty: any rule
    QString node;  // empty: any node
    qint64 createdMs = 0;
    qint64 untilMs = 0;
    QString comment;
    QString author;
    bool matches(const Alert &a) const;
    QJsonObject toJson() const;
    // false when the object lacks an id, an expiry or both rule and node.
    static bool fromJson(const QJsonObject &o, AlertSilence *out);
};

class AlertEngine : public QObject {
    Q_OBJECT
public:
    explicit AlertEngine(SeriesStore *store, QObject *parent = nullptr);

    // Replaces the rules; alerts of rules that keep their name keep their state.
    void setRules(const AlertRuleSet &rules);
    // Reads the file again (the "reload without restart"); on error the old
    // rules stay in force and the error says file:line: why.
    Result<void> reloadRules(const QString &path);
    const AlertRuleSet &rules() const { return m_rules; }

    // Samples older than this count as no data (a vanished series resolves).
    void setStaleAfterMs(qint64 ms) { m_staleAfterMs = ms; }
    // How long resolved alerts stay listed.
    void setResolvedRetentionMs(qint64 ms) { m_resolvedRetentionMs = ms; }

    void evaluate(qint64 nowMs);

    // Pending, firing and recently resolved alerts, most severe first.
    QList<Alert> alerts() const;
    int count(Alert::State state) const;

    // Silences: alerts they match still change state (and are recorded) but
    // carry silenced=true, which the notifier honours. Expired ones are dropped
    // at the next evaluate().
    int addSilence(const QString &rule, const QString &node, qint64 durationMs, const QString &comment, qint64 nowMs,
                   const QString &author = {});
    // Puts back a silence saved earlier (same id); false when it has expired by nowMs.
    bool restoreSilence(const AlertSilence &silence, qint64 nowMs);
    // Ends a silence before its expiry.
    bool removeSilence(int id);
    QList<AlertSilence> silences() const { return m_silences; }
    // The id of the first silence that covers alert at nowMs, 0 when none does.
    int silenceCovering(const Alert &alert, qint64 nowMs) const;
    // Marks a pending or firing alert acknowledged until it next resolves.
    Result<void> acknowledge(const QString &alertId, const QString &by = {}, qint64 nowMs = -1);

    // Expands {{value}} {{threshold}} {{node}} {{instance}} {{name}} {{for}} and {{labels.KEY}}.
    static QString renderSummary(const AlertRule &rule, const Alert &alert);
    // cpu_percent{node="a",pool="b"} -> metric and labels; false if malformed.
    static bool splitSeriesKey(const QString &key, QString &metric, QMap<QString, QString> &labels);

signals:
    void transition(const turno::AlertTransition &t);
    void alertsChanged();
    // A silence was added, removed, restored or expired (its owner saves them).
    void silencesChanged();
    void acknowledged(const turno::Alert &alert);

private:
    // evidenceMs (Pending only): when the breaching sample was taken; the `for`
    // counts from then when it is earlier than nowMs (a scrape that timed out
    // arrives a timeout after it asked a node that had already stopped answering).
    void move(Alert &a, Alert::State to, qint64 nowMs, const AlertRule &rule, qint64 evidenceMs = -1);
    void refreshSilenced(Alert &a, qint64 nowMs);
    void refreshAllSilenced(qint64 nowMs);

    SeriesStore *m_store;
    AlertRuleSet m_rules;
    QHash<QString, Alert> m_alerts;
    QList<AlertSilence> m_silences;
    int m_nextSilence = 1;
    qint64 m_staleAfterMs = 5000;
    qint64 m_resolvedRetentionMs = 15 * 60 * 1000;
};

}  // namespace turno

Q_DECLARE_METATYPE(turno::AlertTransition)
Q_DECLARE_METATYPE(turno::Alert)
