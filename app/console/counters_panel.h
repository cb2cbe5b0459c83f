// CountersPanel: the Counters tab. The ids with their current turno and rate,
// read live from the Redis primary (CounterWatch), and the issued-vs-stored
// check against the last load test: a row is red when Redis holds less than
// the test was handed, i.e. a number could be handed out twice.
#pragma once

#include <QWidget>

class QLabel;
class QSortFilterProxyModel;
class QSpinBox;
class QTableView;

namespace turno {
class CounterWatch;
class FleetMonitor;
}

namespace turno::console {

class CountersPanel : public QWidget {
    Q_OBJECT
public:
    explicit CountersPanel(FleetMonitor *monitor, QWidget *parent = nullptr);

    CounterWatch *watch() const { return m_watch; }
    QTableView *table() const { return m_table; }
    QString statusText() const;

private:
    void updateStatus();

    FleetMonitor *m_monitor;
    CounterWatch *m_watch = nullptr;
    QTableView *m_table = nullptr;
    QSortFilterProxyModel *m_proxy = nullptr;
    QSpinBox *m_topN = nullptr;
    QLabel *m_status = nullptr;
    QLabel *m_check = nullptr;
};

}  // namespace turno::console
