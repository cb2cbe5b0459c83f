// AlertsPanel: firing, pending and resolved alerts (AlertListModel) with
// acknowledge and silence, a line saying so when there is none, and the
// history of alerts that ended (AlertHistoryModel). The window's status-bar
// badge carries the counts (countsChanged).
#pragma once

#include <QWidget>

class QLabel;
class QTableView;

namespace turno {
class AlertHistoryModel;
class AlertmanagerSilencesModel;
class FleetMonitor;
}

namespace turno::console {

class AlertsPanel : public QWidget {
    Q_OBJECT
public:
    explicit AlertsPanel(FleetMonitor *monitor, QWidget *parent = nullptr);
    QTableView *table() const { return m_table; }
    QTableView *historyTable() const { return m_historyTable; }
    AlertHistoryModel *historyModel() const { return m_history; }
    QLabel *emptyLabel() const { return m_empty; }
    QLabel *historyEmptyLabel() const { return m_historyEmpty; }
    // Reads the alerts the incident store recorded before this console started.
    void loadHistory();
    // The rules file's Alertmanagers: delivery per URL, and their silences that
    // cover this cluster's alerts (every 10 s while shown, and at once here).
    void refreshAlertmanager();
    QLabel *alertmanagerLabel() const { return m_amLabel; }
    QTableView *alertmanagerSilencesTable() const { return m_amTable; }
    AlertmanagerSilencesModel *alertmanagerSilences() const { return m_amSilences; }
    int firingCount() const;

    void acknowledgeSelected();
    // Silences the selected alert's rule on its node for durationMs.
    void silenceSelected(qint64 durationMs);

signals:
    void countsChanged(int firing, int pending);
    void message(const QString &text);

private:
    FleetMonitor *m_monitor;
    void refreshEmptyStates();

    QTableView *m_table = nullptr;
    QLabel *m_empty = nullptr;
    AlertHistoryModel *m_history = nullptr;
    QTableView *m_historyTable = nullptr;
    QLabel *m_historyEmpty = nullptr;
    QLabel *m_amLabel = nullptr;
    QTableView *m_amTable = nullptr;
    AlertmanagerSilencesModel *m_amSilences = nullptr;
    bool m_amPending = false;
};

}  // namespace turno::console
