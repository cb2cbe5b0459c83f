// MainWindow: the console's one window. Tabs over the core models (fleet,
// charts, counters, load test, alerts, Redis, timeline, logs); the layout is
// saved and restored with QSettings. Attached to a remote fleet, it is read-only.
#pragma once

#include "common/result.h"
#include "fleet/cluster_profile.h"
#include "runtime/supervisor_handover.h"

#include <QMainWindow>
#include <QUrl>
#include <memory>

class QLabel;
class QProgressBar;
class QSystemTrayIcon;
class QTabWidget;
class QSplitter;
class QTableView;

namespace turno {
class FleetMonitor;
struct AttachTarget;
}

namespace turno::console {

class AlertsPanel;
class ChartsPanel;
class CountersPanel;
class FailoverPanel;
class FleetPanel;
class LoadPanel;
class LogPanel;
class OverviewPanel;
class TimelinePanel;

class MainWindow : public QMainWindow {
    Q_OBJECT
public:
    enum class Theme { System, Light, Dark };

    // historyPath: the incident database (empty: IncidentStore::defaultPath()).
    explicit MainWindow(const QString &historyPath = {}, QWidget *parent = nullptr);
    ~MainWindow() override;

    QTabWidget *tabs() const { return m_tabs; }
    FleetMonitor *monitor() const { return m_monitor; }
    FleetPanel *fleetPanel() const { return m_fleet; }
    ChartsPanel *chartsPanel() const { return m_charts; }
    TimelinePanel *timelinePanel() const { return m_timeline; }
    AlertsPanel *alertsPanel() const { return m_alertsPanel; }
    LogPanel *logPanel() const { return m_logs; }
    LoadPanel *loadPanel() const { return m_loadPanel; }
    CountersPanel *countersPanel() const { return m_counters; }
    FailoverPanel *failoverPanel() const { return m_failover; }
    OverviewPanel *overviewPanel() const { return m_overviewPanel; }
    QTableView *redisTable() const { return m_redisTable; }
    QString healthText() const;
    QLabel *alertBadge() const { return m_alertBadge; }
    // Selects a tab by name (overview, fleet, charts, counters, load, alerts, redis, timeline, logs, ...).
    bool showTab(const QString &name);
    QStringList tabNames() const;

    // The launch core call (FleetMonitor::launch); runDir empty = the cluster's default.
    Result<void> launchProfile(const ClusterProfile &profile, const QString &runDir = {});
    Result<void> launchProfileFile(const QString &path);
    // Stops the launched cluster, or detaches from an attached fleet.
    void stopCluster();
    // Attach mode (FleetMonitor::attach, as `turnoctl attach`): the window turns read-only.
    Result<void> attachFleet(const AttachTarget &target);
    void openAttachDialog();
    bool isReadOnly() const;
    // A quick load test against the balancer through the Load test panel (LoadRun, as `turnoctl bench`).
    Result<void> startLoad(double seconds, int connections = 8);
    bool loadRunning() const;

    // The tabs' names in order (--tab, the View menu), known without a window:
    // turno-console --help lists them before any display is opened.
    static QStringList allTabNames();

    // Every action of the menus (submenus flattened): the command palette's list.
    QList<QAction *> menuActions() const;
    void openCommandPalette();
    // Ctrl+Q and File > Quit: with a cluster this console launched, asks first
    // (stop it and quit, leave it running detached, or cancel); otherwise closes at once.
    void confirmQuit();
    // Quits leaving the launched cluster running: this process becomes its
    // background supervisor (SupervisorHandover, `turnoctl up --adopt`). Only
    // returns on a refusal or a failed exec, with the window back and why.
    Result<void> leaveRunning();
    // Attach read-only through a Prometheus (File > Attach, --attach-prometheus).
    Result<void> attachPrometheus(const QUrl &url, const QString &job = QStringLiteral("turno"),
                                  const QString &redisJob = QStringLiteral("redis"));
    // Tests replace the exec (which would replace the test process).
    void setHandoverExec(SupervisorHandover::Exec exec) { m_handoverExec = std::move(exec); }

    void setTheme(Theme theme);
    Theme theme() const { return m_theme; }

signals:
    void loadFinished();

protected:
    void closeEvent(QCloseEvent *event) override;

private:
    SupervisorHandover::Exec m_handoverExec = SupervisorHandover::execInto;
    // One tab: name is what showTab() and --tab take. The one line a new panel needs.
    void addPanel(QWidget *panel, const QString &name, const QString &icon, const QString &label);
    void buildMenus();
    void updateReadOnly();
    void restoreLayout();
    void saveLayout();
    void updateHealth();
    void updateAlertBadge(int firing, int pending);
    void openLaunchDialog();
    void showShortcuts();
    void exportCurrentChart();

    FleetMonitor *m_monitor = nullptr;
    QTabWidget *m_tabs = nullptr;
    FleetPanel *m_fleet = nullptr;
    ChartsPanel *m_charts = nullptr;
    ChartsPanel *m_overview = nullptr;
    QSplitter *m_fleetSplit = nullptr;
    TimelinePanel *m_timeline = nullptr;
    AlertsPanel *m_alertsPanel = nullptr;
    LogPanel *m_logs = nullptr;
    QTableView *m_redisTable = nullptr;
    LoadPanel *m_loadPanel = nullptr;
    CountersPanel *m_counters = nullptr;
    FailoverPanel *m_failover = nullptr;
    OverviewPanel *m_overviewPanel = nullptr;
    QLabel *m_health = nullptr;
    QLabel *m_alertBadge = nullptr;
    QLabel *m_readOnly = nullptr;
    QAction *m_launchAction = nullptr;
    QAction *m_attachAction = nullptr;
    QAction *m_stopAction = nullptr;
    QAction *m_quickLoadAction = nullptr;
    QProgressBar *m_progress = nullptr;
    QSystemTrayIcon *m_tray = nullptr;
    Theme m_theme = Theme::System;
    bool m_closing = false;
    bool m_saidGateReady = false;
};

}  // namespace turno::console
