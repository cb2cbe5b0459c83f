#include "main_window.h"

#include "alerts/alert_engine.h"
#include "alerts_panel.h"
#include "charts_panel.h"
#include "command_palette.h"
#include "common/version.h"
#include "fleet/fleet_supervisor.h"
#include "fleet_panel.h"
#include "launch_dialog.h"
#include "live_chart.h"
#include "load/load_run.h"
#include "log_panel.h"
#include "models/fleet_nodes_model.h"
#include "monitor/fleet_monitor.h"
#include "monitor/redis_servers_model.h"
#include "settings_dialog.h"
#include "state_style.h"
#include "timeline_panel.h"

#include <QAction>
#include <QActionGroup>
#include <QApplication>
#include <QCloseEvent>
#include <QFileDialog>
#include <QHeaderView>
#include <QLabel>
#include <QMenu>
#include <QMenuBar>
#include <QMessageBox>
#include <QProgressBar>
#include <QSettings>
#include <QSplitter>
#include <QStatusBar>
#include <QStyle>
#include <QStyleFactory>
#include <QSystemTrayIcon>
#include <QTabWidget>
#include <QTableView>
#include <QTimer>

// Q_INIT_RESOURCE declares a function, so it has to run outside any namespace.
static void initConsoleResources()
{
    Q_INIT_RESOURCE(console);
}

namespace turno::console {

MainWindow::MainWindow(const QString &historyPath, QWidget *parent) : QMainWindow(parent)
{
    setWindowTitle(QStringLiteral("Turno Ops"));
    setObjectName(QStringLiteral("mainWindow"));
    initConsoleResources();
    setWindowIcon(QIcon(QStringLiteral(":/icons/turno.svg")));
    m_monitor = new FleetMonitor(this);

    m_tabs = new QTabWidget(this);
    m_tabs->setObjectName(QStringLiteral("mainTabs"));
    m_tabs->setDocumentMode(true);
    setCentralWidget(m_tabs);

    m_fleet = new FleetPanel(m_monitor, this);
    m_charts = new ChartsPanel(m_monitor, ChartsPanel::Mode::Full, this);
    m_overview = new ChartsPanel(m_monitor, ChartsPanel::Mode::Compact, this);
    m_fleetSplit = new QSplitter(Qt::Vertical, this);
    m_fleetSplit->setObjectName(QStringLiteral("fleetSplit"));
    m_fleetSplit->addWidget(m_fleet);
    m_fleetSplit->addWidget(m_overview);
    m_fleetSplit->setStretchFactor(0, 3);
    m_fleetSplit->setStretchFactor(1, 2);
    m_redisTable = new QTableView(this);
    m_redisTable->setObjectName(QStringLiteral("redisTable"));
    m_redisTable->setModel(m_monitor->redisModel());
    m_redisTable->verticalHeader()->hide();
    m_redisTable->horizontalHeader()->setStretchLastSection(true);
    m_redisTable->horizontalHeader()->setSectionResizeMode(QHeaderView::ResizeToContents);
    m_logs = new LogPanel(m_monitor, this);
    m_alertsPanel = new AlertsPanel(m_monitor, this);

    const Result<void> history = m_monitor->openHistory(historyPath);
    m_timeline = new TimelinePanel(m_monitor->history(), this);

    m_tabs->addTab(m_fleetSplit, QIcon(QStringLiteral(":/icons/fleet.svg")), tr("&Fleet"));
    m_tabs->addTab(m_charts, QIcon(QStringLiteral(":/icons/charts.svg")), tr("&Charts"));
    m_tabs->addTab(m_alertsPanel, QIcon(QStringLiteral(":/icons/alert.svg")), tr("&Alerts"));
    m_tabs->addTab(m_redisTable, QIcon(QStringLiteral(":/icons/redis.svg")), tr("&Redis"));
    m_tabs->addTab(m_timeline, QIcon(QStringLiteral(":/icons/timeline.svg")), tr("&Timeline"));
    m_tabs->addTab(m_logs, QIcon(QStringLiteral(":/icons/logs.svg")), tr("&Logs"));
    for (int i = 0; i < m_tabs->count(); ++i)
        m_tabs->widget(i)->setProperty("tabName", QStringList{QStringLiteral("fleet"), QStringLiteral("charts"),
                                                              QStringLiteral("alerts"), QStringLiteral("redis"), QStringLiteral("timeline"),
                                                              QStringLiteral("logs")}.value(i));

    m_health = new QLabel(tr("No cluster"), this);
    m_health->setObjectName(QStringLiteral("clusterHealth"));
    m_progress = new QProgressBar(this);
    m_progress->setObjectName(QStringLiteral("actionProgress"));
    m_progress->setMaximumWidth(180);
    m_progress->setTextVisible(true);
    m_progress->hide();
    statusBar()->addPermanentWidget(m_progress);
    statusBar()->addPermanentWidget(m_health);
    if (!history.ok())
        statusBar()->showMessage(tr("Timeline unavailable: %1").arg(history.error()));

    if (QSystemTrayIcon::isSystemTrayAvailable()) {
        m_tray = new QSystemTrayIcon(QIcon(QStringLiteral(":/icons/turno.svg")), this);
        m_tray->setToolTip(QStringLiteral("Turno Ops"));
        connect(m_tray, &QSystemTrayIcon::activated, this, [this] {
            showNormal();
            raise();
            activateWindow();
        });
        m_tray->show();
    }

    connect(m_monitor, &FleetMonitor::stateChanged, this, &MainWindow::updateHealth);
    connect(m_monitor, &FleetMonitor::sampled, this, &MainWindow::updateHealth);
    connect(m_monitor, &FleetMonitor::ready, this, [this] {
        m_progress->hide();
        statusBar()->showMessage(tr("Cluster ready"), 5000);
    });
    connect(m_monitor, &FleetMonitor::launchFailed, this, [this](const QString &message) {
        m_progress->hide();
        if (m_closing)
            return;
        auto *box = new QMessageBox(QMessageBox::Critical, tr("Launch failed"), message, QMessageBox::Ok, this);
        box->setAttribute(Qt::WA_DeleteOnClose);
        box->open();
    });
    connect(m_monitor, &FleetMonitor::nodeEvent, this, [this](const QString &kind, const QString &node, const QString &message) {
        if (m_tray && SettingsDialog::notificationsEnabled() && (kind == QLatin1String("node-exited") || kind == QLatin1String("gave-up") ||
                       kind == QLatin1String("redis-primary-down")))
            m_tray->showMessage(tr("Turno Ops: %1").arg(node), message, QSystemTrayIcon::Warning, 5000);
    });
    connect(m_monitor, &FleetMonitor::stopped, this, [this] {
        if (m_closing)
            close();
    });
    connect(m_alertsPanel, &AlertsPanel::countsChanged, this, [this](int firing, int pending) {
        const int i = m_tabs->indexOf(m_alertsPanel);
        // The badge: how many fire (and wait to) without opening the tab.
        m_tabs->setTabText(i, firing || pending ? tr("&Alerts (%1 firing, %2 pending)").arg(firing).arg(pending) : tr("&Alerts"));
        updateHealth();
    });
    connect(m_alertsPanel, &AlertsPanel::message, this, [this](const QString &text) { statusBar()->showMessage(text, 8000); });
    connect(m_monitor, &FleetMonitor::alertTransition, this, [this](const AlertTransition &t) {
        if (m_tray && SettingsDialog::notificationsEnabled() && t.to == Alert::State::Firing && !t.alert.silenced)
            m_tray->showMessage(tr("Alert: %1 on %2").arg(t.alert.rule, t.alert.node), t.alert.summary,
                                t.alert.severity == QLatin1String("critical") ? QSystemTrayIcon::Critical
                                                                              : QSystemTrayIcon::Warning, 8000);
    });
    connect(m_fleet, &FleetPanel::actionDone, this, [this](bool ok, const QString &message) {
        statusBar()->showMessage(message, 8000);
        if (!ok) {
            auto *box = new QMessageBox(QMessageBox::Warning, tr("Action failed"), message, QMessageBox::Ok, this);
            box->setAttribute(Qt::WA_DeleteOnClose);
            box->open();
        }
    });
    connect(m_fleet, &FleetPanel::showLogs, this, [this](const QString &node) {
        showTab(QStringLiteral("logs"));
        m_logs->showNode(node);
    });

    buildMenus();
    resize(1280, 800);
    restoreLayout();
    const int theme = QSettings().value(QStringLiteral("ui/theme"), 0).toInt();
    if (theme != int(Theme::System))
        setTheme(Theme(theme));
    updateHealth();
}

MainWindow::~MainWindow()
{
    if (m_load)
        m_load->stop();
}

bool MainWindow::showTab(const QString &name)
{
    for (int i = 0; i < m_tabs->count(); ++i)
        if (m_tabs->widget(i)->property("tabName").toString() == name) {
            m_tabs->setCurrentIndex(i);
            return true;
        }
    return false;
}

QString MainWindow::healthText() const
{
    return m_health->text();
}

void MainWindow::updateHealth()
{
    QString text = m_monitor->healthText();
    if (m_load && m_load->isRunning())
        text += tr(" · load test running");
    if (const int firing = m_alertsPanel ? m_alertsPanel->firingCount() : 0)
        text += tr(" · %n alert(s) firing", nullptr, firing);
    m_health->setText(text);
    QString state = m_monitor->stateName().toLower();
    if (state == QLatin1String("ready")) {
        // Ready but degraded (a process not running, an alert firing) shows amber, not green.
        bool degraded = m_alertsPanel && m_alertsPanel->firingCount() > 0;
        FleetNodesModel *nodes = m_monitor->nodesModel();
        for (int r = 0; r < nodes->rowCount() && !degraded; ++r)
            degraded = stateTone(nodes->index(r, 0).data(FleetNodesModel::StateRole).toString()) != StateTone::Good;
        state = degraded ? QStringLiteral("drain") : QStringLiteral("running");
    }
    // The application palette, not the window's: after a theme switch the window's follows only later.
    const bool dark = QApplication::palette().color(QPalette::Window).lightness() < 128;
    m_health->setStyleSheet(QStringLiteral("QLabel { background: %1; color: %2; padding: 1px 6px; border-radius: 3px; }")
                                .arg(stateColor(state, dark).name(), dark ? QStringLiteral("#e0e0e0") : QStringLiteral("#202020")));
}

Result<void> MainWindow::launchProfile(const ClusterProfile &chosen, const QString &runDir)
{
    ClusterProfile profile = chosen;
    if (const int interval = SettingsDialog::scrapeIntervalMs(); interval > 0)
        profile.scrapeIntervalMs = interval;
    const Result<void> r = m_monitor->launch(profile, runDir);
    if (r.ok()) {
        m_progress->setRange(0, 0);
        m_progress->setFormat(tr("launching"));
        m_progress->show();
        statusBar()->showMessage(tr("Launching %1…").arg(profile.name));
    } else {
        statusBar()->showMessage(r.error());
    }
    return r;
}

Result<void> MainWindow::launchProfileFile(const QString &path)
{
    const Result<ClusterProfile> profile = ProfileLoader::loadFile(path);
    if (!profile.ok())
        return Error{profile.error()};
    LaunchDialog::rememberProfile(path);
    return launchProfile(profile.value());
}

void MainWindow::stopCluster()
{
    if (m_load)
        m_load->stop();
    if (m_monitor->isActive()) {
        m_progress->setRange(0, 0);
        m_progress->setFormat(tr("stopping"));
        m_progress->show();
    }
    m_monitor->stop();
    connect(m_monitor, &FleetMonitor::stopped, m_progress, &QWidget::hide, Qt::SingleShotConnection);
}

Result<void> MainWindow::startLoad(double seconds, int connections)
{
    if (!m_monitor->isReady())
        return Error{tr("no ready cluster: launch one before a load test")};
    if (m_load && m_load->isRunning())
        return Error{tr("a load test is already running; wait for it or stop it")};
    LoadConfig config;
    config.port = m_monitor->balancerPort();
    config.hostHeader = "127.0.0.1:" + std::to_string(config.port);
    config.durationSeconds = seconds;
    config.connections = connections;
    config.threads = 1;
    config.pattern = IdPattern::Uniform;
    config.idCount = 16;
    m_load = std::make_unique<LoadRun>(config);
    connect(m_load.get(), &LoadRun::progress, this, [this, seconds](const LoadProgress &p) {
        m_progress->setRange(0, 100);
        m_progress->setValue(int(100 * p.elapsedSeconds / seconds));
        m_progress->setFormat(tr("load %1 req/s").arg(p.requestsPerSecond, 0, 'f', 0));
    });
    connect(m_load.get(), &LoadRun::finished, this, [this](const LoadReport &report) {
        m_progress->hide();
        statusBar()->showMessage(tr("Load test: %1 answers, %2 req/s, p99 %3 ms, %4 errors, %5 duplicates")
                                     .arg(report.answers).arg(report.requestsPerSecond, 0, 'f', 0)
                                     .arg(report.latency.p99Ms, 0, 'f', 2).arg(report.errorTotal()).arg(report.duplicates));
        emit loadFinished();
    });
    const Result<void> r = m_load->start();
    if (!r.ok())
        return r;
    m_progress->setRange(0, 100);
    m_progress->setValue(0);
    m_progress->setFormat(tr("load test"));
    m_progress->show();
    return {};
}

bool MainWindow::loadRunning() const
{
    return m_load && m_load->isRunning();
}

void MainWindow::openLaunchDialog()
{
    auto *dialog = new LaunchDialog(this);
    dialog->setAttribute(Qt::WA_DeleteOnClose);
    connect(dialog, &QDialog::accepted, this, [this, dialog] {
        const Result<void> r = launchProfile(dialog->profile());
        if (!r.ok())
            QMessageBox::warning(this, tr("Cannot launch"), r.error());
    });
    dialog->open();
}

void MainWindow::setTheme(Theme theme)
{
    m_theme = theme;
    bool dark = false;
    if (theme == Theme::System) {
        QApplication::setPalette(QApplication::style()->standardPalette());
        dark = QApplication::palette().color(QPalette::Window).lightness() < 128;
    } else {
        QApplication::setStyle(QStyleFactory::create(QStringLiteral("Fusion")));
        dark = theme == Theme::Dark;
        QPalette p = QApplication::style()->standardPalette();
        if (dark) {
            p.setColor(QPalette::Window, QColor(0x2b, 0x2b, 0x2b));
            p.setColor(QPalette::WindowText, QColor(0xe0, 0xe0, 0xe0));
            p.setColor(QPalette::Base, QColor(0x1e, 0x1e, 0x1e));
            p.setColor(QPalette::AlternateBase, QColor(0x2b, 0x2b, 0x2b));
            p.setColor(QPalette::Text, QColor(0xe0, 0xe0, 0xe0));
            p.setColor(QPalette::Button, QColor(0x35, 0x35, 0x35));
            p.setColor(QPalette::ButtonText, QColor(0xe0, 0xe0, 0xe0));
            p.setColor(QPalette::Highlight, QColor(0x3d, 0x7a, 0xc4));
            p.setColor(QPalette::HighlightedText, Qt::white);
            p.setColor(QPalette::ToolTipBase, QColor(0x35, 0x35, 0x35));
            p.setColor(QPalette::ToolTipText, QColor(0xe0, 0xe0, 0xe0));
            // Disabled actions must look disabled on the dark background too.
            for (QPalette::ColorRole role : {QPalette::WindowText, QPalette::Text, QPalette::ButtonText})
                p.setColor(QPalette::Disabled, role, QColor(0x7a, 0x7a, 0x7a));
        }
        QApplication::setPalette(p);
    }
    m_charts->setDark(dark);
    m_overview->setDark(dark);
    updateHealth();
    QSettings().setValue(QStringLiteral("ui/theme"), int(theme));
}

void MainWindow::exportCurrentChart()
{
    showTab(QStringLiteral("charts"));
    QStringList titles;
    for (LiveChart *c : m_charts->charts())
        titles << c->title();
    const QString file = QFileDialog::getSaveFileName(this, tr("Export charts"), QStringLiteral("turno-charts.png"),
                                                      tr("PNG image (*.png);;CSV data (*.csv)"));
    if (file.isEmpty())
        return;
    bool ok = true;
    if (file.endsWith(QLatin1String(".csv"), Qt::CaseInsensitive)) {
        for (LiveChart *c : m_charts->charts()) {
            QString name = file;
            name.insert(name.size() - 4, QLatin1Char('-') + c->title().toLower().replace(QLatin1Char(' '), QLatin1Char('-')));
            ok = c->saveCsv(name) && ok;
        }
    } else {
        ok = m_charts->grab().save(file, "PNG");
    }
    statusBar()->showMessage(ok ? tr("Exported to %1").arg(file) : tr("Could not write %1").arg(file), 8000);
}

void MainWindow::buildMenus()
{
    QMenu *file = menuBar()->addMenu(tr("&File"));
    QAction *launch = file->addAction(QIcon(QStringLiteral(":/icons/launch.svg")), tr("&Launch cluster…"), this,
                                      &MainWindow::openLaunchDialog);
    launch->setShortcut(QKeySequence(Qt::CTRL | Qt::Key_L));
    QAction *stop = file->addAction(QIcon(QStringLiteral(":/icons/stop.svg")), tr("&Stop cluster"), this, [this] {
        if (QMessageBox::question(this, tr("Stop cluster"), tr("Stop every process of the cluster?")) == QMessageBox::Yes)
            stopCluster();
    });
    stop->setShortcut(QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_S));
    file->addSeparator();
    QAction *exportCharts = file->addAction(tr("&Export charts…"), this, &MainWindow::exportCurrentChart);
    exportCharts->setShortcut(QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_E));
    file->addSeparator();
    QAction *settings = file->addAction(tr("Se&ttings…"), this, [this] {
        auto *dialog = new SettingsDialog(this);
        dialog->setAttribute(Qt::WA_DeleteOnClose);
        connect(dialog, &QDialog::accepted, this, [this] { setTheme(Theme(SettingsDialog::theme())); });
        dialog->open();
    });
    settings->setShortcut(QKeySequence::Preferences);
    QAction *quit = file->addAction(tr("&Quit"), this, &QWidget::close);
    quit->setShortcut(QKeySequence::Quit);

    QMenu *node = menuBar()->addMenu(tr("&Node"));
    node->addActions(m_fleet->nodeActions());

    QMenu *tools = menuBar()->addMenu(tr("&Tools"));
    QAction *load = tools->addAction(tr("Run &load test (10 s)"), this, [this] {
        const Result<void> r = startLoad(10);
        if (!r.ok())
            QMessageBox::warning(this, tr("Load test"), r.error());
    });
    load->setShortcut(QKeySequence(Qt::CTRL | Qt::Key_T));

    QMenu *view = menuBar()->addMenu(tr("&View"));
    for (int i = 0; i < m_tabs->count(); ++i) {
        QAction *a = view->addAction(m_tabs->tabText(i).remove(QLatin1Char('&')), this, [this, i] { m_tabs->setCurrentIndex(i); });
        a->setShortcut(QKeySequence(Qt::ALT | Qt::Key(Qt::Key_1 + i)));
    }
    view->addSeparator();
    QAction *pause = view->addAction(tr("&Pause charts"));
    pause->setShortcut(QKeySequence(Qt::CTRL | Qt::Key_Space));
    connect(pause, &QAction::triggered, this, [this] {
        if (auto *box = m_charts->findChild<QWidget *>(QStringLiteral("chartPause")))
            QMetaObject::invokeMethod(box, "toggle");
    });
    QMenu *theme = view->addMenu(tr("&Theme"));
    auto *group = new QActionGroup(this);
    const QList<QPair<QString, Theme>> themes{{tr("Follow the &system"), Theme::System},
                                              {tr("&Light"), Theme::Light},
                                              {tr("&Dark"), Theme::Dark}};
    const int saved = QSettings().value(QStringLiteral("ui/theme"), 0).toInt();
    for (const auto &[label, t] : themes) {
        QAction *a = theme->addAction(label, this, [this, t = t] { setTheme(t); });
        a->setCheckable(true);
        a->setChecked(int(t) == saved);
        group->addAction(a);
    }

    view->addSeparator();
    QAction *palette = view->addAction(tr("Command &palette…"), this, &MainWindow::openCommandPalette);
    palette->setShortcut(QKeySequence(Qt::CTRL | Qt::Key_K));

    QMenu *help = menuBar()->addMenu(tr("&Help"));
    QAction *keys = help->addAction(tr("&Keyboard shortcuts"), this, &MainWindow::showShortcuts);
    keys->setShortcut(QKeySequence::HelpContents);
    help->addAction(tr("&About Turno Ops"), this, [this] {
        QMessageBox::about(this, tr("About Turno Ops"),
                           tr("<b>Turno Ops %1</b><p>Operations console for a fleet of turno servers.</p>")
                               .arg(turno::versionString()));
    });
}

QList<QAction *> MainWindow::menuActions() const
{
    QList<QAction *> out;
    for (QAction *menu : menuBar()->actions())
        for (QAction *a : menu->menu()->actions()) {
            if (a->menu())
                out += a->menu()->actions();
            else
                out << a;
        }
    return out;
}

void MainWindow::openCommandPalette()
{
    auto *palette = new CommandPalette(menuActions(), this);
    palette->setAttribute(Qt::WA_DeleteOnClose);
    palette->open();
}

void MainWindow::showShortcuts()
{
    QString rows;
    for (QAction *menu : menuBar()->actions())
        for (QAction *a : menu->menu()->actions())
            if (!a->shortcut().isEmpty())
                rows += QStringLiteral("<tr><td>%1</td><td><b>%2</b></td></tr>")
                            .arg(a->text().remove(QLatin1Char('&')).toHtmlEscaped(),
                                 a->shortcut().toString(QKeySequence::NativeText).toHtmlEscaped());
    QMessageBox::information(this, tr("Keyboard shortcuts"), QStringLiteral("<table cellspacing=6>%1</table>").arg(rows));
}

void MainWindow::restoreLayout()
{
    QSettings settings;
    restoreGeometry(settings.value(QStringLiteral("window/geometry")).toByteArray());
    restoreState(settings.value(QStringLiteral("window/state")).toByteArray());
    m_tabs->setCurrentIndex(settings.value(QStringLiteral("window/tab"), 0).toInt());
    m_charts->setWindowIndex(settings.value(QStringLiteral("charts/window"), 0).toInt());
    m_fleetSplit->restoreState(settings.value(QStringLiteral("window/fleetSplit")).toByteArray());
}

void MainWindow::saveLayout()
{
    QSettings settings;
    settings.setValue(QStringLiteral("window/geometry"), saveGeometry());
    settings.setValue(QStringLiteral("window/state"), saveState());
    settings.setValue(QStringLiteral("window/tab"), m_tabs->currentIndex());
    settings.setValue(QStringLiteral("charts/window"), m_charts->windowIndex());
    settings.setValue(QStringLiteral("window/fleetSplit"), m_fleetSplit->saveState());
}

void MainWindow::closeEvent(QCloseEvent *event)
{
    if (!m_closing)
        saveLayout();
    if (m_load)
        m_load->stop();
    // The cluster's processes stop in order before the window goes; stopped() closes it again.
    if (m_monitor->isActive()) {
        m_closing = true;
        if (m_monitor->supervisor()->state() != FleetSupervisor::State::Stopping)
            stopCluster();
        event->ignore();
        return;
    }
    event->accept();
}

}  // namespace turno::console
