// AlertEngine: evaluates the alert rules against the series store at every
// scrape. Each (rule, series) pair moves inactive -> pending -> firing ->
// resolved; a separate resolve threshold and keep_firing_for stop a value
// hovering at the threshold from flapping. Silences and acknowledgements too.
#pragma once

#include "alerts/alert_rule.h"
#include "common/result.h"

#include <QHash>
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
    bool silenced = false;

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
    qint64 untilMs = 0;
    QString comment;
    bool matches(const Alert &a) const;
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

    int addSilence(const QString &rule, const QString &node, qint64 durationMs, const QString &comment, qint64 nowMs);
    bool removeSilence(int id);
    QList<AlertSilence> silences() const { return m_silences; }
    Result<void> acknowledge(const QString &alertId);

    // Expands {{value}} {{threshold}} {{node}} {{instance}} {{name}} {{for}} and {{labels.KEY}}.
    static QString renderSummary(const AlertRule &rule, const Alert &alert);
    // cpu_percent{node="a",pool="b"} -> metric and labels; false if malformed.
    static bool splitSeriesKey(const QString &key, QString &metric, QMap<QString, QString> &labels);

signals:
    void transition(const turno::AlertTransition &t);
    void alertsChanged();

private:
    void move(Alert &a, Alert::State to, qint64 nowMs, const AlertRule &rule);
    void refreshSilenced(Alert &a, qint64 nowMs);

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
