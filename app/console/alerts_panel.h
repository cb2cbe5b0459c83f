// AlertsPanel: firing, pending and resolved alerts (AlertListModel) with
// acknowledge and silence; the tab title carries the firing count.
#pragma once

#include <QWidget>

class QTableView;

namespace turno {
class FleetMonitor;
}

namespace turno::console {

class AlertsPanel : public QWidget {
    Q_OBJECT
public:
    explicit AlertsPanel(FleetMonitor *monitor, QWidget *parent = nullptr);
    QTableView *table() const { return m_table; }
    int firingCount() const;

    void acknowledgeSelected();
    // Silences the selected alert's rule on its node for durationMs.
    void silenceSelected(qint64 durationMs);

signals:
    void countsChanged(int firing, int pending);
    void message(const QString &text);

private:
    FleetMonitor *m_monitor;
    QTableView *m_table = nullptr;
};

}  // namespace turno::console
