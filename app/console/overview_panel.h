// OverviewPanel: the first tab, the fleet's health at a glance. Which pool
// serves and which Redis node is primary, whether a failover would pass its gate
// (with the one button to switch), the alerts firing and pending with the worst
// first, the fleet's req/s, p99 (the nodes' and HAProxy's frontend's), 5xx (what
// clients got from the frontend, and the nodes' own) and CPU as large figures with sparklines,
// the counters' issued-vs-stored verdict, and the last events. Each part opens
// the tab that explains it. The figures are status's "fleet" summary (the same
// numbers `turnoctl status --json` prints for the same window).
#pragma once

#include <QHash>
#include <QJsonObject>
#include <QPointer>
#include <QWidget>

class QLabel;
class QPushButton;

namespace turno {
class CounterWatch;
class FleetMonitor;
}

namespace turno::console {

class FigureTile;

class OverviewPanel : public QWidget {
    Q_OBJECT
public:
    // The figures' keys, as in status's "fleet": reqPerSec, p99Ms, frontendP99Ms, frontendErrorRatio, errorRatio, cpuPercent.
    static QStringList figureKeys();

    OverviewPanel(FleetMonitor *monitor, CounterWatch *counters, QWidget *parent = nullptr);

    // What is shown, for tests and the palette.
    QString figureText(const QString &key) const;
    // The value behind the figure (as in status's "fleet"); NaN when there is none.
    double figureValue(const QString &key) const;
    // How many points the figure's sparkline holds.
    int sparklinePoints(const QString &key) const;
    QString activeText() const;
    QString redisText() const;
    QString gateText() const;
    QString alertsText() const;
    QStringList alertLines() const;
    QString countersText() const;
    QStringList eventLines() const;
    QPushButton *switchButton() const { return m_switch; }
    // The tab a part opens: "charts" for a figure, "failover", "alerts", "counters", "timeline", "redis".
    QWidget *partWidget(const QString &part) const;

    // Reads everything again (it also follows the monitor's signals).
    void refresh();

signals:
    // A part was clicked: show this tab (MainWindow::showTab's names).
    void openTab(const QString &name);
    // The switch button: ask (and confirm) a switch to the other pool.
    void switchRequested();

protected:
    void changeEvent(QEvent *event) override;
    void showEvent(QShowEvent *event) override;

private:
    // Behind another tab of a window on screen, attached, the figures are not rebuilt every second (lastStatus() over
    // every node is most of the cost at 200 nodes); showing the panel brings them up to date.
    bool hiddenAndStale();
    bool m_stale = false;

    void updateServing();
    void updateFigures();
    void updateAlerts();
    void updateCounters();
    void updateEvents();

    FleetMonitor *m_monitor;
    QPointer<CounterWatch> m_counters;
    QLabel *m_active = nullptr;
    QLabel *m_redis = nullptr;
    QLabel *m_gate = nullptr;
    QPushButton *m_switch = nullptr;
    QHash<QString, FigureTile *> m_tiles;
    QLabel *m_alertsHead = nullptr;
    QLabel *m_alerts = nullptr;
    QStringList m_alertLines;
    QLabel *m_countersLabel = nullptr;
    QLabel *m_eventsHead = nullptr;
    QLabel *m_events = nullptr;
    QStringList m_eventLines;
    QHash<QString, QWidget *> m_parts;
    QJsonObject m_fleet;
};

}  // namespace turno::console
