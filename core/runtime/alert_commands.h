// AlertCommands: the operator's side of a FleetMonitor's alerts. Serves the
// control API commands alerts, silence, ack and reload-rules; sends firing and
// resolved alerts to the rules file's webhook/command (AlertNotifier); keeps
// silences in the run directory across supervisor restarts; records silences,
// acknowledgements, silenced transitions and rule reloads on the timeline.
#pragma once

#include "alerts/alert_engine.h"
#include "common/result.h"
#include "incidents/incident_event.h"

#include <QJsonObject>
#include <QObject>
#include <QHash>
#include <QSet>
#include <QString>

class QFileSystemWatcher;
class QTimer;

namespace turno {

class AlertNotifier;
class AlertmanagerClient;
class FleetMonitor;

class AlertCommands : public QObject {
    Q_OBJECT
public:
    // Registers the commands on monitor (parent). Rules come from
    // $TURNO_ALERT_RULES when set, else the built-in defaults the monitor loaded.
    explicit AlertCommands(FleetMonitor *monitor);
    // The monitor's instance (a child of it), or null.
    static AlertCommands *of(const FleetMonitor *monitor);

    // The silences file in a run directory.
    static QString silencesPath(const QString &runDir);

    // Reads file (empty: the file in force) and puts its rules and notify
    // section in force, watching the file for later edits. On error the rules
    // in force stay, and the error says file:line: why.
    Result<AlertRuleSet> reloadRules(const QString &file = {});
    QString rulesFile() const { return m_rulesFile; }
    QString rulesError() const { return m_rulesError; }
    AlertNotifier *notifier() const { return m_notifier; }
    // Delivery to the rules file's notify.alertmanager URLs (none configured: no URL).
    AlertmanagerClient *alertmanager() const { return m_alertmanager; }

    // The JSON of one alert as the `alerts` command answers it.
    static QJsonObject alertJson(const Alert &a);

private:
    void onTransition(const AlertTransition &t);
    void onSilencesChanged();
    void onAcknowledged(const Alert &a);
    void onStateChanged();
    void onRulesFileChanged();
    void applyRules(const AlertRuleSet &set, const QString &file);
    void loadSilences();
    void saveSilences();
    void record(const QString &node, const QString &kind, Severity severity, const QString &summary,
                const QJsonObject &details);
    QStringList knownNodes() const;

    Result<QJsonValue> listAlerts(const QJsonObject &req) const;
    Result<QJsonValue> silence(const QJsonObject &req);
    Result<QJsonValue> acknowledge(const QJsonObject &req);
    Result<QJsonValue> reloadCommand(const QJsonObject &req);

    FleetMonitor *m_monitor;
    AlertNotifier *m_notifier;
    AlertmanagerClient *m_alertmanager;
    QFileSystemWatcher *m_watcher;
    QTimer *m_reloadDelay;
    QString m_rulesFile;
    QString m_rulesError;
    QString m_runDir;
    QHash<int, AlertSilence> m_knownSilences;  // as last saved, to tell additions and expiries apart
    QHash<int, QString> m_endedBy;             // removed through `silence expire`, by whom
    bool m_loading = false;
    QSet<QString> m_failingAlertmanagers;  // URLs whose last delivery failed
};

}  // namespace turno
