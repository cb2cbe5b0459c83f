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
};

}  // namespace turno::console
