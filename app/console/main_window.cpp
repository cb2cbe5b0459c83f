#include "main_window.h"

#include "alerts/alert_engine.h"
#include "alerts_panel.h"
#include "attach_dialog.h"
#include "charts_panel.h"
#include "command_palette.h"
#include "common/version.h"
#include "counters_panel.h"
#include "fleet/fleet_attach.h"
#include "fleet/fleet_supervisor.h"
#include "failover_panel.h"
#include "fleet_panel.h"
#include "incident_editor.h"
#include "launch_dialog.h"
#include "live_chart.h"
#include "load_panel.h"
#include "overview_panel.h"
#include "log_panel.h"
#include "models/fleet_nodes_model.h"
#include "runtime/counter_watch.h"
#include "runtime/failover_commands.h"
#include "runtime/fleet_monitor.h"
#include "runtime/supervisor_handover.h"
#include "models/redis_servers_model.h"
#include "role_delegate.h"
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
#include <QPainter>
#include <QPushButton>
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
    // Attached through Prometheus: a failed look is said at once; the views keep the last data.
    connect(m_monitor, &FleetMonitor::attachProblem, this, [this](const QString &why) {
        statusBar()->showMessage(tr("Prometheus: %1 (showing the last data)").arg(why), 10000);
    });
    // `turnoctl handover`: the same as Quit > "Leave it running", asked from a terminal.
    m_monitor->addControlCommand(QStringLiteral("handover"), [this](const QJsonObject &, ControlServer::Reply reply) {
        const Result<QJsonObject> state = m_monitor->handoverState();
        if (!state.ok())
            return reply(Error{state.error()});
        reply(QJsonValue(QJsonObject{{QStringLiteral("pid"), QCoreApplication::applicationPid()},
                                     {QStringLiteral("cluster"), m_monitor->supervisor()->profile().name}}));
        // After the answer has left.
        QTimer::singleShot(200, this, [this] {
            if (const Result<void> r = leaveRunning(); !r.ok())
                statusBar()->showMessage(tr("Hand-over refused: %1").arg(r.error()));
        });
    });

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
    m_redisTable->setItemDelegateForColumn(RedisServersModel::RoleColumn,
                                           new RoleDelegate(RedisServersModel::RedisRoleRole, m_redisTable));
    m_redisTable->verticalHeader()->hide();
    m_redisTable->horizontalHeader()->setStretchLastSection(true);
    m_redisTable->horizontalHeader()->setSectionResizeMode(QHeaderView::ResizeToContents);
    m_logs = new LogPanel(m_monitor, this);
    m_alertsPanel = new AlertsPanel(m_monitor, this);
    m_loadPanel = new LoadPanel(m_monitor, this);
    m_counters = new CountersPanel(m_monitor, this);

    const Result<void> history = m_monitor->openHistory(historyPath);
    m_alertsPanel->loadHistory();
    m_timeline = new TimelinePanel(m_monitor->history(), this);

    m_overviewPanel = new OverviewPanel(m_monitor, m_counters->watch(), this);

    // The tabs, in order; a new panel is one more line here. The Overview is first: the window's default.
    addPanel(m_overviewPanel, QStringLiteral("overview"), QStringLiteral(":/icons/overview.svg"), tr("Overvie&w"));
    addPanel(m_fleetSplit, QStringLiteral("fleet"), QStringLiteral(":/icons/fleet.svg"), tr("&Fleet"));
    addPanel(m_charts, QStringLiteral("charts"), QStringLiteral(":/icons/charts.svg"), tr("&Charts"));
    addPanel(m_counters, QStringLiteral("counters"), QStringLiteral(":/icons/counters.svg"), tr("C&ounters"));
    addPanel(m_loadPanel, QStringLiteral("load"), QStringLiteral(":/icons/load.svg"), tr("Load &test"));
    addPanel(m_alertsPanel, QStringLiteral("alerts"), QStringLiteral(":/icons/alert.svg"), tr("&Alerts"));
    m_failover = new FailoverPanel(m_monitor, this);
    addPanel(m_failover, QStringLiteral("failover"), QStringLiteral(":/icons/failover.svg"), tr("Fail&over"));
    connect(m_failover, &FailoverPanel::message, this, [this](const QString &text) { statusBar()->showMessage(text, 8000); });
    connect(m_overviewPanel, &OverviewPanel::openTab, this, [this](const QString &name) { showTab(name); });
    connect(m_overviewPanel, &OverviewPanel::switchRequested, m_failover, [this] { m_failover->requestSwitch(true); });
    addPanel(m_redisTable, QStringLiteral("redis"), QStringLiteral(":/icons/redis.svg"), tr("&Redis"));
    addPanel(m_timeline, QStringLiteral("timeline"), QStringLiteral(":/icons/timeline.svg"), tr("T&imeline"));
    addPanel(m_logs, QStringLiteral("logs"), QStringLiteral(":/icons/logs.svg"), tr("&Logs"));
    Q_ASSERT(tabNames() == allTabNames());

    m_health = new QLabel(tr("No cluster"), this);
    m_health->setObjectName(QStringLiteral("clusterHealth"));
    m_progress = new QProgressBar(this);
    m_progress->setObjectName(QStringLiteral("actionProgress"));
    m_progress->setMaximumWidth(180);
    m_progress->setTextVisible(true);
    m_progress->hide();
    m_readOnly = new QLabel(this);
    m_readOnly->setObjectName(QStringLiteral("readOnlyMode"));
    m_readOnly->setStyleSheet(QStringLiteral("QLabel { background: #e67e22; color: white; padding: 1px 6px; border-radius: 3px; }"));
    m_readOnly->hide();
    statusBar()->addPermanentWidget(m_readOnly);
    statusBar()->addPermanentWidget(m_progress);
    statusBar()->addPermanentWidget(m_health);
    m_alertBadge = new QLabel(this);
    m_alertBadge->setObjectName(QStringLiteral("alertBadge"));
    statusBar()->addPermanentWidget(m_alertBadge);
    updateAlertBadge(0, 0);
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
        const FailoverCommands *commands = FailoverCommands::of(m_monitor);
        const FailoverReadiness *readiness = commands ? commands->readiness() : nullptr;
        statusBar()->showMessage(!readiness || readiness->ready() ? tr("Cluster ready")
                                                                  : tr("Processes up; waiting for the failover gate (%1)")
                                                                        .arg(readiness->waitingFor()),
                                 8000);
    });
    // Ready means ready: "Cluster ready" once a failover would pass its gate, not before.
    if (FailoverCommands *commands = FailoverCommands::of(m_monitor)) {
        connect(commands, &FailoverCommands::readinessChanged, this, [this, commands] {
            updateHealth();
            const FailoverReadiness *readiness = commands->readiness();
            const bool ready = readiness && readiness->ready() && readiness->applicable();
            if (ready && !m_saidGateReady && m_monitor->isReady())
                statusBar()->showMessage(tr("Cluster ready: a failover would pass its gate (%1 ms after the processes were up)")
                                             .arg(readiness->readyAfterMs()),
                                         8000);
            m_saidGateReady = ready;
        });
    }
    connect(m_monitor, &FleetMonitor::launchFailed, this, [this](const QString &message) {
        m_progress->hide();
        if (m_closing)
            return;
        auto *box = new QMessageBox(QMessageBox::Critical, tr("Launch failed"), message, QMessageBox::Ok, this);
        box->setAttribute(Qt::WA_DeleteOnClose);
        box->open();
    });
    connect(m_monitor, &FleetMonitor::fleetEvent, this, [this](const FleetEvent &e) {
        if (m_tray && SettingsDialog::notificationsEnabled() && e.isNodeTrouble())
            m_tray->showMessage(tr("Turno Ops: %1").arg(e.node), e.message, QSystemTrayIcon::Warning, 5000);
    });
    connect(m_monitor, &FleetMonitor::stopped, this, [this] {
        if (m_closing)
            close();
    });
    connect(m_alertsPanel, &AlertsPanel::countsChanged, this, [this](int firing, int pending) {
        updateAlertBadge(firing, pending);
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
    connect(m_monitor, &FleetMonitor::stateChanged, this, &MainWindow::updateReadOnly);
    // The load test in the status bar too, whichever tab is showing.
    connect(m_loadPanel, &LoadPanel::progressed, this, [this](const LoadProgress &p) {
        m_progress->setRange(0, 100);
        m_progress->setValue(m_loadPanel->progressBar()->value());
        m_progress->setFormat(tr("load %1 req/s").arg(p.requestsPerSecond, 0, 'f', 0));
        m_progress->show();
    });
    connect(m_loadPanel, &LoadPanel::runningChanged, this, [this](bool running) {
        if (running) {
            m_progress->setRange(0, 100);
            m_progress->setValue(0);
            m_progress->setFormat(tr("load test"));
            m_progress->show();
        } else if (m_monitor->isReady() || m_monitor->isAttached() || !m_monitor->isActive()) {
            m_progress->hide();
        }
        updateHealth();
    });
    connect(m_loadPanel, &LoadPanel::finished, this, [this](const LoadReport &report) {
        statusBar()->showMessage(tr("Load test: %1 answers, %2 req/s, p99 %3 ms, %4 errors, %5 duplicates")
                                     .arg(report.answers).arg(report.requestsPerSecond, 0, 'f', 0)
                                     .arg(report.latency.p99Ms, 0, 'f', 2).arg(report.errorTotal()).arg(report.duplicates));
        // The issued side of the Counters tab's issued-vs-stored check.
        m_counters->watch()->setIssuedFrom(report);
        emit loadFinished();
    });
    connect(m_loadPanel, &LoadPanel::message, this, [this](const QString &text) { statusBar()->showMessage(text, 8000); });
    // Reports exported from the console carry its charts of the incident's window.
    m_timeline->incidents()->setChartRenderer([this](qint64 fromMs, qint64 toMs) { return m_charts->renderWindow(fromMs, toMs); });
    connect(m_timeline->incidents(), &IncidentEditor::message, this,
            [this](const QString &text) { statusBar()->showMessage(text, 8000); });

    buildMenus();
    updateReadOnly();
    resize(1280, 800);
    restoreLayout();
    const int theme = QSettings().value(QStringLiteral("ui/theme"), 0).toInt();
    if (theme != int(Theme::System))
        setTheme(Theme(theme));
    updateHealth();
}

MainWindow::~MainWindow() = default;

void MainWindow::addPanel(QWidget *panel, const QString &name, const QString &icon, const QString &label)
{
    panel->setProperty("tabName", name);
    m_tabs->addTab(panel, QIcon(icon), label);
}

QStringList MainWindow::allTabNames()
{
    return {QStringLiteral("overview"), QStringLiteral("fleet"),  QStringLiteral("charts"), QStringLiteral("counters"),
            QStringLiteral("load"),     QStringLiteral("alerts"), QStringLiteral("failover"),
            QStringLiteral("redis"),    QStringLiteral("timeline"), QStringLiteral("logs")};
}

QStringList MainWindow::tabNames() const
{
    QStringList names;
    for (int i = 0; i < m_tabs->count(); ++i)
        names << m_tabs->widget(i)->property("tabName").toString();
    return names;
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

// The counts live in the status bar, and the tab only changes its icon's colour:
// a tab whose text grew would widen and push every tab after it.
void MainWindow::updateAlertBadge(int firing, int pending)
{
    const QColor colour = firing ? QColor(0xd0, 0x30, 0x30) : pending ? QColor(0xe0, 0x90, 0x10) : QColor();
    if (!firing && !pending) {
        m_alertBadge->setText(tr("no alerts"));
        m_alertBadge->setStyleSheet(QString());
    } else {
        m_alertBadge->setText(tr("\u25cf %1 firing \u00b7 %2 pending").arg(firing).arg(pending));
        m_alertBadge->setStyleSheet(QStringLiteral("QLabel { color: %1; font-weight: bold; }").arg(colour.name()));
    }
    const QIcon plain(QStringLiteral(":/icons/alert.svg"));
    QIcon icon = plain;
    if (colour.isValid()) {
        icon = QIcon();
        for (const int side : {16, 24, 32}) {
            QPixmap pixmap = plain.pixmap(side, side);
            QPainter painter(&pixmap);
            painter.setCompositionMode(QPainter::CompositionMode_SourceIn);
            painter.fillRect(pixmap.rect(), colour);
            painter.end();
            icon.addPixmap(pixmap);
        }
    }
    m_tabs->setTabIcon(m_tabs->indexOf(m_alertsPanel), icon);
}

void MainWindow::updateHealth()
{
    QString text = m_monitor->healthText();
    if (m_loadPanel && m_loadPanel->isRunning())
        text += tr(" · load test running");
    if (const int firing = m_alertsPanel ? m_alertsPanel->firingCount() : 0)
        text += tr(" · %n alert(s) firing", nullptr, firing);
    m_health->setText(text);
    const QString state = m_monitor->stateName().toLower();
    NodeHealth health = state == QLatin1String("starting") || state == QLatin1String("stopping") ? NodeHealth::Busy
                        : state == QLatin1String("failed")                                        ? NodeHealth::Bad
                                                                                                   : NodeHealth::Idle;
    if (state == QLatin1String("ready") || state == QLatin1String("attached")) {
        // Ready but degraded (a process not running, an alert firing) shows amber, not green.
        bool degraded = m_alertsPanel && m_alertsPanel->firingCount() > 0;
        FleetNodesModel *nodes = m_monitor->nodesModel();
        for (int r = 0; r < nodes->rowCount() && !degraded; ++r)
            degraded = NodeHealth(nodes->index(r, 0).data(FleetNodesModel::HealthRole).toInt()) != NodeHealth::Good;
        health = degraded ? NodeHealth::Warning : NodeHealth::Good;
    }
    // The application palette, not the window's: after a theme switch the window's follows only later.
    const bool dark = QApplication::palette().color(QPalette::Window).lightness() < 128;
    m_health->setStyleSheet(QStringLiteral("QLabel { background: %1; color: %2; padding: 1px 6px; border-radius: 3px; }")
                                .arg(healthColor(health, dark).name(), dark ? QStringLiteral("#e0e0e0") : QStringLiteral("#202020")));
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
    m_loadPanel->stop();
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
    if (m_monitor->isReadOnly())
        return Error{m_monitor->readOnlyReason()};
    if (!m_monitor->isReady())
        return Error{tr("no ready cluster: launch one before a load test")};
    m_loadPanel->setMode(LoadPanel::Mode::Load);
    m_loadPanel->setTarget(QStringLiteral("http://127.0.0.1:%1").arg(m_monitor->balancerPort()));
    m_loadPanel->setDuration(seconds);
    m_loadPanel->setRequests(0);
    m_loadPanel->setConnections(connections);
    m_loadPanel->setThreads(1);
    m_loadPanel->setRate(0);
    m_loadPanel->setIds(16);
    m_loadPanel->setZipf(false);
    return m_loadPanel->start();
}

bool MainWindow::loadRunning() const
{
    return m_loadPanel->isRunning();
}

bool MainWindow::isReadOnly() const
{
    return m_monitor->isReadOnly();
}

Result<void> MainWindow::attachFleet(const AttachTarget &target)
{
    const int interval = SettingsDialog::scrapeIntervalMs() > 0 ? SettingsDialog::scrapeIntervalMs() : 1000;
    const Result<void> r = m_monitor->attach(target, interval);
    if (!r.ok()) {
        statusBar()->showMessage(r.error());
        return r;
    }
    m_progress->setRange(0, 0);
    m_progress->setFormat(tr("attaching"));
    m_progress->show();
    statusBar()->showMessage(tr("Attaching to %1…").arg(target.cluster));
    updateReadOnly();
    return {};
}

Result<void> MainWindow::attachPrometheus(const QUrl &url, const QString &job, const QString &redisJob)
{
    const int interval = SettingsDialog::scrapeIntervalMs() > 0 ? SettingsDialog::scrapeIntervalMs() : 1000;
    const Result<void> r = m_monitor->attachPrometheus(url, job, interval, redisJob);
    if (!r.ok()) {
        statusBar()->showMessage(r.error());
        return r;
    }
    statusBar()->showMessage(tr("Attaching to job %1 in Prometheus %2…").arg(job, url.toString()));
    updateReadOnly();
    return {};
}

void MainWindow::openAttachDialog()
{
    auto *dialog = new AttachDialog(this);
    dialog->setAttribute(Qt::WA_DeleteOnClose);
    connect(dialog, &QDialog::accepted, this, [this, dialog] {
        if (!dialog->prometheusUrl().isEmpty()) {
            AttachDialog::remember(*dialog);
            if (const Result<void> r = attachPrometheus(QUrl(dialog->prometheusUrl()), dialog->prometheusJob()); !r.ok())
                QMessageBox::warning(this, tr("Cannot attach"), r.error());
            return;
        }
        const Result<AttachTarget> target = dialog->target();
        const Result<void> r = target.ok() ? attachFleet(target.value()) : Result<void>(Error{target.error()});
        if (!r.ok())
            QMessageBox::warning(this, tr("Cannot attach"), r.error());
    });
    dialog->open();
}

void MainWindow::updateReadOnly()
{
    const bool readOnly = m_monitor->isReadOnly();
    const QString reason = m_monitor->readOnlyReason();
    m_fleet->setReadOnly(readOnly, reason);
    m_loadPanel->setReadOnly(readOnly, reason);
    m_readOnly->setText(tr("READ-ONLY"));
    m_readOnly->setToolTip(reason);
    m_readOnly->setVisible(readOnly);
    const QString busy = m_monitor->isActive() ? tr("a cluster is running here; stop it first")
                         : readOnly          ? tr("attached to a fleet; detach first (File > Detach)")
                                             : QString();
    if (m_launchAction) {
        m_launchAction->setEnabled(busy.isEmpty());
        m_launchAction->setStatusTip(busy);
        m_attachAction->setEnabled(busy.isEmpty());
        m_attachAction->setStatusTip(busy);
        m_stopAction->setText(readOnly ? tr("&Detach from fleet") : tr("&Stop cluster"));
        m_quickLoadAction->setEnabled(!readOnly);
        m_quickLoadAction->setStatusTip(readOnly ? tr("Read-only: %1").arg(reason) : QString());
    }
    setWindowTitle(readOnly ? tr("Turno Ops — %1").arg(m_monitor->healthText().section(QLatin1Char(':'), 0, 0))
                            : QStringLiteral("Turno Ops"));
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
    m_loadPanel->setDark(dark);
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
    m_launchAction = file->addAction(QIcon(QStringLiteral(":/icons/launch.svg")), tr("&Launch cluster…"), this,
                                     &MainWindow::openLaunchDialog);
    m_launchAction->setShortcut(QKeySequence(Qt::CTRL | Qt::Key_L));
    m_attachAction = file->addAction(QIcon(QStringLiteral(":/icons/attach.svg")), tr("&Attach to fleet…"), this,
                                     &MainWindow::openAttachDialog);
    m_attachAction->setShortcut(QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_A));
    m_stopAction = file->addAction(QIcon(QStringLiteral(":/icons/stop.svg")), tr("&Stop cluster"), this, [this] {
        if (m_monitor->isAttached() ||
            QMessageBox::question(this, tr("Stop cluster"), tr("Stop every process of the cluster?")) == QMessageBox::Yes)
            stopCluster();
    });
    m_stopAction->setShortcut(QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_S));
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
    QAction *quit = file->addAction(tr("&Quit"), this, &MainWindow::confirmQuit);
    quit->setShortcut(QKeySequence::Quit);
    // The command palette never opens on these (CommandPalette::kRiskyProperty).
    for (QAction *a : {m_stopAction, quit})
        a->setProperty(CommandPalette::kRiskyProperty, true);

    QMenu *node = menuBar()->addMenu(tr("&Node"));
    node->addActions(m_fleet->nodeActions());
    for (QAction *a : m_fleet->nodeActions())
        a->setProperty(CommandPalette::kRiskyProperty, true);

    QMenu *tools = menuBar()->addMenu(tr("&Tools"));
    m_quickLoadAction = tools->addAction(tr("Run &load test (10 s)"), this, [this] {
        showTab(QStringLiteral("load"));
        const Result<void> r = startLoad(10);
        if (!r.ok())
            QMessageBox::warning(this, tr("Load test"), r.error());
    });
    m_quickLoadAction->setShortcut(QKeySequence(Qt::CTRL | Qt::Key_T));
    tools->addSeparator();
    QAction *failover = tools->addAction(QIcon(QStringLiteral(":/icons/failover.svg")), tr("&Fail over to the secondary pool…"),
                                         this, [this] {
        showTab(QStringLiteral("failover"));
        m_failover->requestFailover();
    });
    QAction *failback = tools->addAction(tr("Fail &back to the primary pool…"), this, [this] {
        showTab(QStringLiteral("failover"));
        m_failover->requestFailback();
    });
    for (QAction *a : {failover, failback})
        a->setProperty(CommandPalette::kRiskyProperty, true);

    QMenu *view = menuBar()->addMenu(tr("&View"));
    for (int i = 0; i < m_tabs->count(); ++i) {
        QWidget *tab = m_tabs->widget(i);
        QAction *a = view->addAction(m_tabs->tabText(i).remove(QLatin1Char('&')), this,
                                     [this, tab] { m_tabs->setCurrentWidget(tab); });
        if (i < 9)
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
    // By name: a tab added in a later version does not shift which one comes back.
    if (!showTab(settings.value(QStringLiteral("window/tabName")).toString()))
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
    settings.setValue(QStringLiteral("window/tabName"), m_tabs->currentWidget()->property("tabName"));
    settings.setValue(QStringLiteral("charts/window"), m_charts->windowIndex());
    settings.setValue(QStringLiteral("window/fleetSplit"), m_fleetSplit->saveState());
}

void MainWindow::confirmQuit()
{
    // Only a cluster this console launched goes with it: its processes are the
    // console's children (the kernel ends them if the console dies).
    FleetSupervisor *sup = m_monitor->supervisor();
    if (m_monitor->isAttached() || !m_monitor->isActive() || !sup) {
        close();
        return;
    }
    auto *box = new QMessageBox(QMessageBox::Warning, tr("Quit Turno Ops"),
                                tr("The cluster \"%1\" runs as this console's %2 processes. Stop it, or leave it "
                                   "running without the console?")
                                    .arg(sup->profile().name)
                                    .arg(sup->nodes().size()),
                                QMessageBox::NoButton, this);
    box->setObjectName(QStringLiteral("quitConfirmation"));
    const Result<QJsonObject> handover = m_monitor->handoverState();
    box->setInformativeText(
        tr("Stop: drained at HAProxy first, then stopped in order.\n"
           "Leave it running: this process becomes the cluster's background supervisor (turnoctl up --adopt); "
           "the processes keep running and serving. Reopen it with File > Attach, stop it with "
           "\"turnoctl down --run-dir %1\". A running load test stops.")
            .arg(sup->runDir()) +
        (handover.ok() ? QString() : tr("\n\nLeaving it running is not possible now: %1").arg(handover.error())));
    QPushButton *stop = box->addButton(tr("Stop the cluster and quit"), QMessageBox::DestructiveRole);
    stop->setObjectName(QStringLiteral("quitStop"));
    QPushButton *leave = box->addButton(tr("Leave it running and quit"), QMessageBox::AcceptRole);
    leave->setObjectName(QStringLiteral("quitLeaveRunning"));
    leave->setEnabled(handover.ok());
    if (!handover.ok())
        leave->setToolTip(handover.error());
    QPushButton *cancel = box->addButton(QMessageBox::Cancel);
    box->setDefaultButton(cancel);
    box->setEscapeButton(cancel);
    box->setAttribute(Qt::WA_DeleteOnClose);
    connect(box, &QMessageBox::buttonClicked, this, [this, stop, leave](QAbstractButton *clicked) {
        if (clicked == stop) {
            close();
        } else if (clicked == leave) {
            // Queued: the box goes first.
            QTimer::singleShot(0, this, [this] {
                const Result<void> r = leaveRunning();
                if (r.ok())
                    return;
                auto *failed = new QMessageBox(QMessageBox::Warning, tr("Leave the cluster running"), r.error(),
                                               QMessageBox::Ok, this);
                failed->setObjectName(QStringLiteral("handoverFailed"));
                failed->setAttribute(Qt::WA_DeleteOnClose);
                failed->open();
            });
        }
    });
    box->open();
}

Result<void> MainWindow::leaveRunning()
{
    // What the operator typed and the layout go to disk first: nothing after the exec runs.
    m_timeline->incidents()->saveIfDirty();
    saveLayout();
    QSettings().sync();
    m_loadPanel->stop();
    const Result<void> r = SupervisorHandover::run(m_monitor, [this] {
        hide();
        QCoreApplication::processEvents();
    }, m_handoverExec);
    // Still here: refused, or the exec failed; the console supervises on.
    if (!isVisible())
        show();
    if (!r.ok())
        statusBar()->showMessage(r.error());
    return r;
}

void MainWindow::closeEvent(QCloseEvent *event)
{
    // An incident write-up being typed goes to the store before anything stops.
    m_timeline->incidents()->saveIfDirty();
    if (!m_closing)
        saveLayout();
    m_loadPanel->stop();
    if (m_monitor->isAttached())
        m_monitor->stop();
    // The cluster's processes stop in order before the window goes; stopped() closes it again.
    if (m_monitor->isActive()) {
        m_closing = true;
        if (m_monitor->supervisor() && m_monitor->supervisor()->state() != FleetSupervisor::State::Stopping)
            stopCluster();
        event->ignore();
        return;
    }
    event->accept();
}

}  // namespace turno::console
