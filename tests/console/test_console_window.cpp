// The console window, offscreen, against a real local cluster (redis-server,
// sentinels, haproxy, turno-server on free ports): launch from a validated
// profile and see the nodes in the fleet table, run a load through the balancer
// and see the charts gain points, kill a node and see its state change.
#include "alerts_panel.h"
#include "charts_panel.h"
#include "command_palette.h"
#include "failover_panel.h"
#include "settings_dialog.h"
#include "fleet_panel.h"
#include "launch_dialog.h"
#include "live_chart.h"
#include "main_window.h"
#include "models/fleet_nodes_model.h"
#include "models/redis_servers_model.h"
#include "models/timeline_model.h"
#include "models/alert_list_model.h"
#include "models/alert_history_model.h"
#include "runtime/fleet_monitor.h"
#include "incidents/incident_store.h"
#include "fleet/managed_process.h"
#include "fleet/fleet_supervisor.h"
#include "runtime/supervisor_handover.h"
#include "state_style.h"
#include "table_pixels.h"
#include "test_support.h"
#include "timeline_panel.h"

#include <QApplication>
#include <QLabel>
#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QJsonObject>
#include <QJsonArray>
#include <QHeaderView>
#include <QImage>
#include <QGraphicsTextItem>
#include <QLegend>
#include <QLegendMarker>
#include <QGraphicsScene>
#include <QLineSeries>
#include <QScrollBar>
#include <QSignalSpy>
#include <QTabBar>
#include <QTabWidget>
#include <QTableWidget>
#include <QSortFilterProxyModel>
#include <QStandardPaths>
#include <QTableView>
#include <QTemporaryDir>
#include <QLineEdit>
#include <QMenu>
#include <QMessageBox>
#include <QPointer>
#include <QProcess>
#include <QPushButton>
#include <QTest>
#include <csignal>
#include <memory>
#include <optional>

using turno::FleetMonitor;
using turno::FleetNodesModel;
using turno::RedisServersModel;
using turno::console::MainWindow;

namespace {

bool pidAlive(qint64 pid)
{
    if (pid <= 0 || ::kill(pid_t(pid), 0) != 0)
        return false;
    QFile stat(QStringLiteral("/proc/%1/stat").arg(pid));
    if (!stat.open(QIODevice::ReadOnly))
        return false;
    const QByteArray line = stat.readAll();
    return line.mid(line.lastIndexOf(')') + 2, 1) != "Z";
}

// The text the fleet table shows for node's column (through the view's proxy, as a user sees it).
QString shown(QTableView *table, const QString &node, int column)
{
    QAbstractItemModel *m = table->model();
    for (int r = 0; r < m->rowCount(); ++r)
        if (m->index(r, FleetNodesModel::NameColumn).data().toString() == node)
            return m->index(r, column).data().toString();
    return {};
}

// Mean lightness (0..255) of rect in image, every 3rd pixel.
double meanLightness(const QImage &image, const QRect &rect)
{
    double sum = 0;
    int n = 0;
    for (int y = rect.top(); y <= rect.bottom(); y += 3)
        for (int x = rect.left(); x <= rect.right(); x += 3) {
            sum += QColor(image.pixel(x, y)).lightness();
            ++n;
        }
    return n ? sum / n : 255;
}

// The texts a chart's scene draws (title, axis labels and titles, legend entries).
QStringList drawnTexts(turno::console::LiveChart *chart)
{
    QStringList texts;
    for (QGraphicsItem *item : chart->scene()->items())
        if (auto *text = qgraphicsitem_cast<QGraphicsTextItem *>(item); text && text->isVisible())
            texts << text->toPlainText();
    return texts;
}

// Where screenshots of the GUI tests go: TURNO_SCREENSHOT_DIR, else beside the test binary.
QString screenshotPath(const QString &name)
{
    const QString chosen = qEnvironmentVariable("TURNO_SCREENSHOT_DIR");
    const QDir dir(chosen.isEmpty() ? QCoreApplication::applicationDirPath() + QStringLiteral("/screenshots") : chosen);
    dir.mkpath(QStringLiteral("."));
    return dir.filePath(name);
}

}  // namespace

class TestConsoleWindow : public QObject {
    Q_OBJECT
private slots:
    void initTestCase()
    {
        QStandardPaths::setTestModeEnabled(true);
        QVERIFY(m_dir.isValid());
        for (const char *program : {"redis-server", "redis-sentinel", "haproxy"})
            if (turno::test::findProgram(QString::fromLatin1(program)).isEmpty())
                QSKIP(qPrintable(QStringLiteral("%1 is not installed (scripts/setup installs it)").arg(QLatin1String(program))));
        m_window = std::make_unique<MainWindow>(m_dir.filePath(QStringLiteral("incidents.db")));
        m_window->fleetPanel()->setConfirmDestructive(false);
        m_window->show();
        QVERIFY(QTest::qWaitForWindowExposed(m_window.get()));
    }

    void cleanupTestCase()
    {
        if (m_window) {
            m_window->close();
            QTRY_VERIFY_WITH_TIMEOUT(!m_window->monitor()->isActive(), 30000);
            m_window.reset();
        }
        // Whatever the outcome, no process of this test may survive it.
        for (qint64 pid : std::as_const(m_pids))
            if (pidAlive(pid))
                ::kill(pid_t(pid), SIGKILL);
        for (qint64 pid : std::as_const(m_pids))
            QVERIFY2(!pidAlive(pid), qPrintable(QStringLiteral("pid %1 outlived the console").arg(pid)));
    }

    void launchDialogShowsFileAndLineOfAnError()
    {
        turno::console::LaunchDialog dialog;
        const QString bad = m_dir.filePath(QStringLiteral("bad.json"));
        QFile f(bad);
        QVERIFY(f.open(QIODevice::WriteOnly));
        f.write("{\n  \"name\": \"x\",\n  \"store\": \"floppy\"\n}\n");
        f.close();
        QVERIFY(!dialog.openFile(bad));
        QVERIFY2(dialog.errorText().contains(QStringLiteral("bad.json:3")), qPrintable(dialog.errorText()));
        QVERIFY(dialog.errorText().contains(QStringLiteral("store")));
    }

    void commandPaletteFindsAndRunsMenuActions()
    {
        turno::console::CommandPalette palette(m_window->menuActions(), m_window.get());
        palette.setFilter(QStringLiteral("load"));
        QVERIFY2(palette.visibleCommands().contains(QStringLiteral("Run load test (10 s)")),
                 qPrintable(palette.visibleCommands().join(QLatin1Char('|'))));
        palette.setFilter(QStringLiteral("PAUSE chart"));
        QCOMPARE(palette.visibleCommands(), QStringList{QStringLiteral("Pause charts")});
        palette.setFilter(QStringLiteral("no such command"));
        QVERIFY(palette.visibleCommands().isEmpty());

        QVERIFY(!m_window->chartsPanel()->paused());
        palette.setFilter(QStringLiteral("pause charts"));
        palette.runCurrent();
        QTRY_VERIFY(m_window->chartsPanel()->paused());
        palette.setFilter(QStringLiteral("pause charts"));
        palette.runCurrent();
        QTRY_VERIFY(!m_window->chartsPanel()->paused());
    }

    // With nothing typed, Enter must not stop, quit, kill or fail over: the
    // palette opens on the first entry not marked risky; typed, the first match.
    // Every menu action is listed (failover and failback too); Esc closes it.
    void commandPaletteOpensOnAHarmlessEntryAndClosesOnEsc()
    {
        using turno::console::CommandPalette;
        QAction risky(QStringLiteral("Stop cluster")), harmless(QStringLiteral("Pause charts"));
        risky.setProperty(CommandPalette::kRiskyProperty, true);
        CommandPalette two({&risky, &harmless}, m_window.get());
        QCOMPARE(two.currentCommand(), QStringLiteral("Pause charts"));
        two.setFilter(QStringLiteral("stop"));
        QCOMPARE(two.currentCommand(), QStringLiteral("Stop cluster"));

        CommandPalette palette(m_window->menuActions(), m_window.get());
        const QStringList all = palette.visibleCommands();
        for (const QString &expected : {QStringLiteral("Fail over to the secondary pool"), QStringLiteral("Fail back to the primary pool"),
                                        QStringLiteral("Stop cluster"), QStringLiteral("Quit"), QStringLiteral("Run load test (10 s)")})
            QVERIFY2(all.contains(expected), qPrintable(expected + QStringLiteral(" not in ") + all.join(QLatin1Char('|'))));
        int listed = 0;
        for (QAction *a : m_window->menuActions())
            listed += a->isEnabled() && !a->isSeparator() && !a->menu() && !a->text().isEmpty();
        QCOMPARE(int(all.size()), listed);
        const QString first = palette.currentCommand();
        QVERIFY(!first.isEmpty());
        for (QAction *a : m_window->menuActions())
            if (a->text().remove(QLatin1Char('&')).remove(QStringLiteral("…")) == first)
                QVERIFY2(!a->property(CommandPalette::kRiskyProperty).toBool(), qPrintable(first));

        palette.show();
        QVERIFY(QTest::qWaitForWindowExposed(&palette));
        QLineEdit *filter = palette.findChild<QLineEdit *>();
        QVERIFY(filter);
        filter->setFocus();
        QTest::keyClicks(filter, QStringLiteral("stop"));
        QTest::keyClick(filter, Qt::Key_Escape);
        QTRY_VERIFY(!palette.isVisible());
        QCOMPARE(palette.result(), int(QDialog::Rejected));
    }

    // `turno-console --help` over ssh or in a script: no display, exit 0, and
    // the --tab line lists every tab the window has (failover included).
    void helpNeedsNoDisplayAndListsEveryTab()
    {
        QCOMPARE(m_window->tabNames(), MainWindow::allTabNames());
        QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
        for (const char *var : {"QT_QPA_PLATFORM", "DISPLAY", "WAYLAND_DISPLAY"})
            env.remove(QString::fromLatin1(var));
        for (const QString &flag : {QStringLiteral("--help"), QStringLiteral("--version")}) {
            QProcess p;
            p.setProcessEnvironment(env);
            p.start(qEnvironmentVariable("TURNO_CONSOLE_BIN"), {flag});
            QVERIFY2(p.waitForFinished(30000), qPrintable(flag));
            const QString out = QString::fromUtf8(p.readAllStandardOutput()).simplified();
            QVERIFY2(p.exitStatus() == QProcess::NormalExit && p.exitCode() == 0,
                     qPrintable(flag + QStringLiteral(": ") + QString::fromUtf8(p.readAllStandardError())));
            if (flag == QLatin1String("--help"))
                QVERIFY2(out.contains(QStringLiteral("Show this tab first: %1.").arg(m_window->tabNames().join(QStringLiteral(", ")))),
                         qPrintable(out));
            else
                QVERIFY2(out.startsWith(QStringLiteral("turno-console ")), qPrintable(out));
        }
    }

    void settingsPersist()
    {
        using turno::console::SettingsDialog;
        {
            SettingsDialog dialog;
            dialog.setScrapeIntervalMs(500);
            dialog.setNotifications(false);
            dialog.setTheme(int(MainWindow::Theme::System));
            dialog.save();
        }
        QCOMPARE(SettingsDialog::scrapeIntervalMs(), 500);
        QCOMPARE(SettingsDialog::notificationsEnabled(), false);
        SettingsDialog reopened;
        reopened.setScrapeIntervalMs(0);  // back to the profile's interval for the cluster tests
        reopened.setNotifications(true);
        reopened.save();
        QCOMPARE(SettingsDialog::scrapeIntervalMs(), 0);
    }

    void layoutIsRestoredOnRestart()
    {
        {
            MainWindow first(m_dir.filePath(QStringLiteral("layout-1.db")));
            first.show();
            QVERIFY(first.showTab(QStringLiteral("redis")));
            first.chartsPanel()->setWindowIndex(2);
            first.resize(1111, 777);
            first.close();
        }
        MainWindow second(m_dir.filePath(QStringLiteral("layout-2.db")));
        QCOMPARE(second.tabs()->currentWidget(), static_cast<QWidget *>(second.redisTable()));
        QCOMPARE(second.chartsPanel()->windowIndex(), 2);
        QCOMPARE(second.chartsPanel()->windowMs(), qint64(15 * 60 * 1000));
        QCOMPARE(second.size(), QSize(1111, 777));
    }

    void launchShowsNodesInTheFleetTable()
    {
        turno::console::LaunchDialog dialog;
        QVERIFY2(dialog.openFile(turno::test::envPath("TURNO_SOURCE_DIR") + QStringLiteral("/resources/profiles/default.json")),
                 qPrintable(dialog.errorText()));
        turno::ClusterProfile profile = dialog.profile();
        // Free ports and this build's server, so the test runs beside anything else.
        profile.balancerListen.port = 0;
        profile.serverBinary = turno::test::envPath("TURNO_SERVER_BIN");
        // The Redis-down alert below needs a primary that stays down (automatic failover
        // would promote the replica within a second); tests/failover covers that.
        profile.failoverAuto = false;
        // Sentinel promotes on its own after down-after-milliseconds (and the supervisor then
        // brings the old primary back as a replica within about 2 s): keep it waiting longer
        // than the test, so the primary stays down for RedisDown's 3 s.
        profile.sentinelDownAfterMs = 120000;
        const auto launched = m_window->launchProfile(profile, m_dir.filePath(QStringLiteral("run")));
        QVERIFY2(launched.ok(), qPrintable(launched.error()));

        QTableView *table = m_window->fleetPanel()->table();
        // Processes turn up in the table while the cluster is still starting.
        QTRY_VERIFY_WITH_TIMEOUT(table->model()->rowCount() > 0, 10000);
        QString failure;
        connect(m_window->monitor(), &FleetMonitor::launchFailed, this, [&failure](const QString &m) { failure = m; });
        QTRY_VERIFY_WITH_TIMEOUT(m_window->monitor()->isReady() || !failure.isEmpty(), 90000);
        QVERIFY2(failure.isEmpty(), qPrintable(failure));

        const int expected = profile.totalNodes() + 2 /* redis primary + replica */ + profile.sentinelCount + 1 /* haproxy */;
        QCOMPARE(table->model()->rowCount(), expected);
        FleetNodesModel *model = m_window->monitor()->nodesModel();
        for (int r = 0; r < model->rowCount(); ++r)
            m_pids << model->nodeAt(r).pid;
        // Every turno node is UP at the balancer, and gets req/s and RSS from its /metrics.
        for (const QString &node : {QStringLiteral("primary-1"), QStringLiteral("primary-2"),
                                    QStringLiteral("secondary-1"), QStringLiteral("secondary-2")}) {
            QTRY_COMPARE_WITH_TIMEOUT(shown(table, node, FleetNodesModel::StateColumn), QStringLiteral("UP"), 15000);
            QVERIFY(shown(table, node, FleetNodesModel::PidColumn).toLongLong() > 0);
            QTRY_VERIFY_WITH_TIMEOUT(shown(table, node, FleetNodesModel::RequestsColumn) != QStringLiteral("–"), 15000);
            QVERIFY(shown(table, node, FleetNodesModel::RssColumn).endsWith(QStringLiteral("iB")));
        }
        QCOMPARE(shown(table, QStringLiteral("redis-1"), FleetNodesModel::StateColumn), QStringLiteral("running"));
        // The Redis nodes are named by launch order; the role is a column of its own, in its colour.
        QCOMPARE(shown(table, QStringLiteral("redis-1"), FleetNodesModel::PoolColumn), QStringLiteral("redis"));
        QCOMPARE(shown(table, QStringLiteral("redis-1"), FleetNodesModel::RoleColumn), QStringLiteral("primary"));
        QCOMPARE(shown(table, QStringLiteral("redis-2"), FleetNodesModel::RoleColumn), QStringLiteral("replica"));
        QCOMPARE(shown(table, QStringLiteral("primary-1"), FleetNodesModel::RoleColumn), QString());
        QCOMPARE(table->model()->headerData(FleetNodesModel::RoleColumn, Qt::Horizontal).toString(), QStringLiteral("Role"));
        QVERIFY(m_window->showTab(QStringLiteral("fleet")));
        const bool dark = table->palette().color(QPalette::Base).lightness() < 128;
        QCOMPARE(turno::test::paintedColour(table, QStringLiteral("redis-1"), FleetNodesModel::RoleColumn),
                 turno::console::roleColor(QStringLiteral("primary"), dark));
        QCOMPARE(turno::test::paintedColour(table, QStringLiteral("redis-2"), FleetNodesModel::RoleColumn),
                 turno::console::roleColor(QStringLiteral("replica"), dark));
        QVERIFY(turno::console::roleColor(QStringLiteral("primary"), dark) != turno::console::roleColor(QStringLiteral("replica"), dark));
        QVERIFY(m_window->healthText().contains(QStringLiteral("Ready"), Qt::CaseInsensitive));
        // A node action given an old name acts on the node launched in that role (a Redis
        // node is not restarted from here: the refusal names the node it resolved to).
        std::optional<turno::Result<void>> restarted;
        m_window->monitor()->restart(QStringLiteral("redis-primary"), [&restarted](turno::Result<void> r) { restarted = r; });
        QTRY_VERIFY(restarted.has_value());
        QVERIFY(!restarted->ok());
        QVERIFY2(restarted->error().startsWith(QStringLiteral("redis-1 is a redis;")), qPrintable(restarted->error()));
        // The Redis tab lists both servers with their roles once INFO came back.
        QAbstractItemModel *redis = m_window->redisTable()->model();
        QTRY_COMPARE_WITH_TIMEOUT(redis->rowCount(), 2, 15000);
        QTRY_COMPARE_WITH_TIMEOUT(shown(m_window->redisTable(), QStringLiteral("redis-1"), RedisServersModel::RoleColumn),
                                  QStringLiteral("primary"), 15000);
        QTRY_COMPARE_WITH_TIMEOUT(shown(m_window->redisTable(), QStringLiteral("redis-2"), RedisServersModel::RoleColumn),
                                  QStringLiteral("replica"), 15000);
        QVERIFY(m_window->showTab(QStringLiteral("redis")));
        QCOMPARE(turno::test::paintedColour(m_window->redisTable(), QStringLiteral("redis-1"), RedisServersModel::RoleColumn),
                 turno::console::roleColor(QStringLiteral("primary"), dark));
        QCOMPARE(turno::test::paintedColour(m_window->redisTable(), QStringLiteral("redis-2"), RedisServersModel::RoleColumn),
                 turno::console::roleColor(QStringLiteral("replica"), dark));
    }

    void loadMakesChartsGainPoints()
    {
        QVERIFY(m_window->monitor()->isReady());
        QVERIFY(m_window->showTab(QStringLiteral("charts")));
        turno::console::LiveChart *requests = m_window->chartsPanel()->chart(QStringLiteral("Requests"));
        QVERIFY(requests);
        const QString total = FleetMonitor::fleetSeries(QStringLiteral("requests_per_second"));
        const int before = requests->pointCount(total);
        // Before the load only HAProxy's health checks reach the nodes: a few per second.
        const double idle = requests->maxValue(total);
        QVERIFY2(idle < 100, qPrintable(QString::number(idle)));

        const auto started = m_window->startLoad(4, 4);
        QVERIFY2(started.ok(), qPrintable(started.error()));
        QTRY_VERIFY_WITH_TIMEOUT(requests->maxValue(total) > idle + 100, 20000);
        QVERIFY(requests->pointCount(total) > before);
        // The primary pool takes the traffic (the secondary is HAProxy's backup): its lines rise.
        const QString p1 = FleetMonitor::nodeSeries(QStringLiteral("primary-1"), QStringLiteral("requests_per_second"));
        QTRY_VERIFY_WITH_TIMEOUT(requests->maxValue(p1) > 100, 10000);
        turno::console::LiveChart *latency = m_window->chartsPanel()->chart(QStringLiteral("p99 latency"));
        // Charts refresh one per event-loop turn, so this one may lag the requests chart.
        QTRY_VERIFY_WITH_TIMEOUT(
            latency->pointCount(FleetMonitor::nodeSeries(QStringLiteral("primary-1"), QStringLiteral("p99_seconds"))) > 0, 10000);
        QTRY_VERIFY_WITH_TIMEOUT(!m_window->loadRunning(), 30000);
    }

    // Dark theme at 1024×700 with the cluster under a load: nothing forces the window
    // larger, every chart's plot is dark with its SLO line in a readable red, the
    // Failover gate shows all its checks without scrolling and the Fleet table's
    // columns span its width. The screenshots land in build/tests/console/screenshots/
    // (or TURNO_SCREENSHOT_DIR).
    void darkThemeAt1024x700ReadsRight()
    {
        QVERIFY(m_window->monitor()->isReady());
        const auto started = m_window->startLoad(4, 4);
        QVERIFY2(started.ok(), qPrintable(started.error()));
        m_window->setTheme(MainWindow::Theme::Dark);
        m_window->resize(1024, 700);
        QTRY_COMPARE(m_window->size(), QSize(1024, 700));
        const QSize least = m_window->minimumSizeHint();
        QVERIFY2(least.width() <= 1024 && least.height() <= 700,
                 qPrintable(QStringLiteral("minimum %1×%2").arg(least.width()).arg(least.height())));

        QVERIFY(m_window->showTab(QStringLiteral("charts")));
        turno::console::ChartsPanel *charts = m_window->chartsPanel();
        charts->setWindowIndex(0);  // 1 min (an earlier case left 15 min in the settings)
        QSignalSpy refreshed(charts, &turno::console::ChartsPanel::refreshed);
        QVERIFY(refreshed.wait(10000));
        QTest::qWait(200);  // the legends' layout after the last refresh
        // Nothing Qt had to cut short: legend entries (whole, or ours elided in the middle), ticks, axis titles.
        for (turno::console::LiveChart *chart : charts->charts())
            QTRY_VERIFY2(drawnTexts(chart).filter(QStringLiteral("...")).isEmpty(),
                         qPrintable(chart->title() + QStringLiteral(": ") + drawnTexts(chart).join(QLatin1Char('|'))));
        QVERIFY(m_window->grab().save(screenshotPath(QStringLiteral("console-dark-charts.png"))));
        for (turno::console::LiveChart *chart : charts->charts()) {
            const QImage image = chart->grab().toImage();
            const QRect plot = chart->chart()->plotArea().toRect();
            QVERIFY2(plot.width() > 100 && plot.height() > 40, qPrintable(chart->title()));
            const double lightness = meanLightness(image, plot);
            QVERIFY2(lightness < 90, qPrintable(QStringLiteral("%1: plot lightness %2").arg(chart->title()).arg(lightness)));
        }
        turno::console::LiveChart *latency = charts->chart(QStringLiteral("p99 latency"));
        QVERIFY(latency->thresholdSeries());
        {
            const QImage image = latency->grab().toImage();
            const QRect plot = latency->chart()->plotArea().toRect();
            const int y = int(latency->chart()->mapToPosition(latency->thresholdSeries()->points().first(), latency->thresholdSeries()).y());
            int red = 0;
            for (int dy = -1; dy <= 1; ++dy)
                for (int x = plot.left(); x <= plot.right(); ++x) {
                    const QColor c(image.pixel(x, y + dy));
                    red += c.red() > 200 && c.red() > c.green() + 60 && c.lightness() > 110;
                }
            QVERIFY2(red > plot.width() / 4, qPrintable(QStringLiteral("%1 red pixels on the SLO line").arg(red)));
        }

        QVERIFY(m_window->showTab(QStringLiteral("failover")));
        QTableWidget *gate = m_window->failoverPanel()->gateTable();
        m_window->failoverPanel()->refreshGate();
        QTRY_VERIFY_WITH_TIMEOUT(gate->rowCount() > 0, 20000);
        QTRY_COMPARE(gate->verticalScrollBar()->maximum(), 0);
        const int last = gate->rowCount() - 1;
        const QRect lastRow = gate->visualRect(gate->model()->index(last, 0));
        QVERIFY2(lastRow.top() >= 0 && lastRow.bottom() < gate->viewport()->height(),
                 qPrintable(QStringLiteral("row %1 at %2..%3, viewport %4 high").arg(last).arg(lastRow.top()).arg(lastRow.bottom())
                                .arg(gate->viewport()->height())));
        QVERIFY(m_window->grab().save(screenshotPath(QStringLiteral("console-dark-failover.png"))));

        QVERIFY(m_window->showTab(QStringLiteral("fleet")));
        QTableView *table = m_window->fleetPanel()->table();
        QTRY_VERIFY2(table->horizontalHeader()->length() >= table->viewport()->width(),
                     qPrintable(QStringLiteral("columns %1 of %2 px").arg(table->horizontalHeader()->length()).arg(table->viewport()->width())));
        QTest::qWait(1500);  // a sample or two on the overview charts
        // The overview's three charts share the width and Qt cut none of their texts either.
        auto *overview = m_window->findChild<turno::console::ChartsPanel *>(QStringLiteral("overviewCharts"));
        QVERIFY(overview);
        for (turno::console::LiveChart *chart : overview->charts()) {
            QVERIFY2(std::abs(chart->width() - overview->charts().first()->width()) <= 4,
                     qPrintable(QStringLiteral("%1 is %2 px wide").arg(chart->title()).arg(chart->width())));
            QTRY_VERIFY2(drawnTexts(chart).filter(QStringLiteral("...")).isEmpty(),
                         qPrintable(chart->title() + QStringLiteral(": ") + drawnTexts(chart).join(QLatin1Char('|'))));
        }
        QVERIFY(m_window->grab().save(screenshotPath(QStringLiteral("console-dark-fleet.png"))));
        // The Overview fits too: its figures are not squeezed below their text.
        QVERIFY(m_window->showTab(QStringLiteral("overview")));
        {
            QWidget *overviewTab = m_window->tabs()->currentWidget();
            const QSize need = overviewTab->minimumSizeHint();
            QVERIFY2(need.width() <= overviewTab->width() && need.height() <= overviewTab->height(),
                     qPrintable(QStringLiteral("overview needs %1×%2 of %3×%4").arg(need.width()).arg(need.height())
                                    .arg(overviewTab->width()).arg(overviewTab->height())));
            for (QLabel *label : overviewTab->findChildren<QLabel *>())
                if (label->isVisible() && !label->wordWrap() && !label->text().isEmpty())
                    QVERIFY2(label->width() >= label->minimumSizeHint().width(), qPrintable(label->text()));
            QVERIFY(meanLightness(overviewTab->grab().toImage(), overviewTab->rect()) < 128);
        }
        for (const char *tab : {"overview", "alerts", "redis", "counters"}) {
            QVERIFY(m_window->showTab(QString::fromLatin1(tab)));
            QTest::qWait(200);
            QVERIFY(m_window->grab().save(screenshotPath(QStringLiteral("console-dark-%1.png").arg(QLatin1String(tab)))));
        }

        QTRY_VERIFY_WITH_TIMEOUT(!m_window->loadRunning(), 30000);
        m_window->setTheme(MainWindow::Theme::System);
        m_window->resize(1280, 800);
    }

    void killChangesTheNodeState()
    {
        QVERIFY(m_window->showTab(QStringLiteral("fleet")));
        FleetNodesModel *model = m_window->monitor()->nodesModel();
        QTableView *table = m_window->fleetPanel()->table();
        const QString victim = QStringLiteral("primary-2");
        const qint64 pid = model->nodeAt(model->rowOf(victim)).pid;
        QVERIFY(pidAlive(pid));
        QVERIFY(m_window->fleetPanel()->selectNode(victim));
        QCOMPARE(m_window->fleetPanel()->selectedNode(), victim);

        m_window->fleetPanel()->killSelected();
        QTRY_VERIFY_WITH_TIMEOUT(!pidAlive(pid), 10000);
        // The supervisor notices and restarts it: the table shows the new process.
        QTRY_VERIFY_WITH_TIMEOUT(model->nodeAt(model->rowOf(victim)).pid != pid &&
                                     model->nodeAt(model->rowOf(victim)).pid > 0, 30000);
        m_pids << model->nodeAt(model->rowOf(victim)).pid;
        QTRY_COMPARE_WITH_TIMEOUT(shown(table, victim, FleetNodesModel::StateColumn), QStringLiteral("UP"), 30000);
        QCOMPARE(model->nodeAt(model->rowOf(victim)).restarts, 1);

        // The timeline has the exit, on that node.
        turno::TimelineModel *timeline = m_window->timelinePanel()->model();
        auto exitRecorded = [&] {
            for (int r = 0; r < timeline->rowCount(); ++r) {
                const auto e = timeline->eventAt(r);
                if (e.node == victim && e.kind == QLatin1String(turno::EventKind::ProcessExit))
                    return true;
            }
            return false;
        };
        QTRY_VERIFY_WITH_TIMEOUT(exitRecorded(), 10000);
    }

    void killingTheRedisPrimaryFiresAnAlert()
    {
        FleetNodesModel *model = m_window->monitor()->nodesModel();
        QTableView *table = m_window->fleetPanel()->table();
        const QString victim = QStringLiteral("redis-1");
        const qint64 pid = model->nodeAt(model->rowOf(victim)).pid;
        QVERIFY(pidAlive(pid));
        turno::AlertListModel *alerts = m_window->monitor()->alertModel();
        auto alertState = [alerts, &victim](const QString &rule) {
            for (int r = 0; r < alerts->rowCount(); ++r) {
                const turno::Alert a = alerts->alertAt(r);
                if (a.rule == rule && a.node == victim)
                    return turno::Alert::stateName(a.state);
            }
            return QString();
        };
        QCOMPARE(alertState(QStringLiteral("RedisDown")), QString());
        QTabBar *bar = m_window->tabs()->tabBar();
        const int tab = m_window->tabs()->indexOf(m_window->alertsPanel());
        // What the test before left (its killed node's NodeDown, resolving) clears first.
        QTRY_COMPARE_WITH_TIMEOUT(m_window->alertBadge()->text(), QStringLiteral("no alerts"), 20000);
        // No live alert: a line says so (and how many rules run), not an empty table.
        turno::console::AlertsPanel *alertsPanel = m_window->alertsPanel();
        QVERIFY(!alertsPanel->emptyLabel()->isHidden());
        QVERIFY(alertsPanel->table()->isHidden());
        QVERIFY2(alertsPanel->emptyLabel()->text().startsWith(QStringLiteral("No alert is firing or pending (")),
                 qPrintable(alertsPanel->emptyLabel()->text()));
        QVERIFY(alertsPanel->emptyLabel()->text().contains(QStringLiteral(" rules evaluated every ")));
        // The history shows either its rows or a line saying there are none.
        QCOMPARE(alertsPanel->historyTable()->isHidden(), alertsPanel->historyModel()->rowCount() == 0);
        QCOMPARE(alertsPanel->historyEmptyLabel()->isHidden(), alertsPanel->historyModel()->rowCount() > 0);
        QList<QRect> rectsBefore;
        for (int i = 0; i < bar->count(); ++i)
            rectsBefore << bar->tabRect(i);

        QVERIFY(m_window->fleetPanel()->selectNode(victim));
        m_window->fleetPanel()->killSelected();
        QTRY_VERIFY_WITH_TIMEOUT(!pidAlive(pid), 10000);
        // The supervisor does not restart a primary (promotion is failover's job): it shows as down.
        QTRY_COMPARE_WITH_TIMEOUT(shown(table, victim, FleetNodesModel::StateColumn), QStringLiteral("down"), 10000);
        // Redis stops answering INFO: pending, then firing after the rule's 3 s.
        QTRY_COMPARE_WITH_TIMEOUT(alertState(QStringLiteral("RedisDown")), QStringLiteral("firing"), 30000);
        QVERIFY(m_window->alertsPanel()->firingCount() >= 1);
        QVERIFY(alertsPanel->emptyLabel()->isHidden());
        QVERIFY(!alertsPanel->table()->isHidden());
        // The counts are in the status bar's badge; the tab keeps its text, so no tab moves or widens.
        const int firing = m_window->alertsPanel()->firingCount();
        QTRY_VERIFY2(m_window->alertBadge()->text().contains(QStringLiteral("%1 firing").arg(firing)),
                     qPrintable(m_window->alertBadge()->text()));
        QCOMPARE(m_window->tabs()->tabText(tab), QStringLiteral("&Alerts"));
        for (int i = 0; i < bar->count(); ++i)
            QCOMPARE(bar->tabRect(i), rectsBefore.at(i));
        QVERIFY(m_window->healthText().contains(QStringLiteral("firing")));

        turno::TimelineModel *timeline = m_window->timelinePanel()->model();
        auto firingRecorded = [&] {
            for (int r = 0; r < timeline->rowCount(); ++r) {
                const auto e = timeline->eventAt(r);
                if (e.node == victim && e.kind == QLatin1String(turno::EventKind::AlertFiring))
                    return true;
            }
            return false;
        };
        QTRY_VERIFY_WITH_TIMEOUT(firingRecorded(), 10000);
        // And a marker on the charts' time axis.
        QVERIFY(m_window->showTab(QStringLiteral("charts")));
        turno::console::LiveChart *requests = m_window->chartsPanel()->chart(QStringLiteral("Requests"));
        QTRY_VERIFY_WITH_TIMEOUT(requests->visibleMarkerCount() >= 1, 10000);
    }

    // Ctrl+Q with a cluster this console launched asks first; Cancel (or Esc) keeps everything.
    void quitAsksBeforeStoppingALaunchedCluster()
    {
        QVERIFY(m_window->monitor()->isActive());
        QAction *quit = nullptr;
        for (QAction *a : m_window->menuActions())
            if (a->text() == QLatin1String("&Quit"))  // Ctrl+Q (QKeySequence::Quit; empty on the offscreen platform)
                quit = a;
        QVERIFY(quit);
        for (int round = 0; round < 2; ++round) {
            quit->trigger();
            QPointer<QMessageBox> box;
            QTRY_VERIFY((box = m_window->findChild<QMessageBox *>(QStringLiteral("quitConfirmation"))) != nullptr);
            QVERIFY2(box->text().contains(m_window->monitor()->supervisor()->profile().name), qPrintable(box->text()));
            QCOMPARE(box->defaultButton(), box->button(QMessageBox::Cancel));
            if (round == 0)
                box->button(QMessageBox::Cancel)->click();
            else
                QTest::keyClick(box, Qt::Key_Escape);
            QTRY_VERIFY(box.isNull());
            QTest::qWait(200);
            QVERIFY(m_window->isVisible());
            QVERIFY(m_window->monitor()->isActive());
        }
    }

    // The third choice: leave the cluster running. The exec is replaced here (it would
    // replace this test): what it would run and the state it hands over are checked,
    // then it "fails", and the console must supervise on as if nothing happened.
    void quitCanLeaveTheClusterRunning()
    {
        QVERIFY(m_window->monitor()->isReady());
        const QString runDir = m_window->monitor()->supervisor()->runDir();
        QString program;
        QStringList args;
        QJsonObject handed;
        bool socketClosed = false;
        m_window->setHandoverExec([&](const QString &p, const QStringList &a) {
            program = p;
            args = a;
            const auto state = turno::SupervisorHandover::readState(a.value(2));
            if (state.ok())
                handed = state.value();
            socketClosed = !QFile::exists(runDir + QStringLiteral("/control.sock"));
            return turno::Error{QStringLiteral("exec replaced by the test")};
        });
        for (QAction *a : m_window->menuActions())
            if (a->text() == QLatin1String("&Quit"))
                a->trigger();
        QPointer<QMessageBox> box;
        QTRY_VERIFY((box = m_window->findChild<QMessageBox *>(QStringLiteral("quitConfirmation"))) != nullptr);
        auto *leave = box->findChild<QPushButton *>(QStringLiteral("quitLeaveRunning"));
        QVERIFY(leave);
        QVERIFY2(leave->isEnabled(), qPrintable(leave->toolTip()));
        QVERIFY(box->findChild<QPushButton *>(QStringLiteral("quitStop")));
        QVERIFY2(box->informativeText().contains(QLatin1String("turnoctl down --run-dir")), qPrintable(box->informativeText()));
        leave->click();
        QTRY_VERIFY_WITH_TIMEOUT(!program.isEmpty(), 5000);
        QVERIFY2(QFileInfo(program).fileName() == QLatin1String("turnoctl"), qPrintable(program));
        QCOMPARE(args.mid(0, 2), (QStringList{QStringLiteral("up"), QStringLiteral("--adopt")}));
        QVERIFY2(socketClosed, "the control socket must be free for the new image");
        // Every process, by the pid it runs as now.
        const QJsonArray nodes = handed.value(QStringLiteral("nodes")).toArray();
        QCOMPARE(nodes.size(), qsizetype(m_window->monitor()->supervisor()->nodes().size()));
        for (const QJsonValue &v : nodes) {
            const QJsonObject o = v.toObject();
            const turno::FleetNode *n = m_window->monitor()->supervisor()->node(o.value(QStringLiteral("name")).toString());
            QVERIFY(n);
            // The Redis primary the test before killed is down for good: it goes over as down.
            const bool running = n->process && n->process->running();
            QCOMPARE(qint64(o.value(QStringLiteral("pid")).toDouble()), running ? n->process->pid() : 0);
        }
        QCOMPARE(handed.value(QStringLiteral("parts")).toObject().value(QStringLiteral("failover")).toObject()
                     .value(QStringLiteral("active")).toString(), QStringLiteral("primary"));
        QVERIFY(handed.value(QStringLiteral("history")).toString().endsWith(QLatin1String("incidents.db")));
        // The exec failed: the window is back and says why, the state file is gone, the control socket answers.
        QTRY_VERIFY(m_window->isVisible());
        QPointer<QMessageBox> failed;
        QTRY_VERIFY((failed = m_window->findChild<QMessageBox *>(QStringLiteral("handoverFailed"))) != nullptr);
        QVERIFY2(failed->text().contains(QLatin1String("exec replaced by the test")) &&
                     failed->text().contains(QLatin1String("stays with this process")),
                 qPrintable(failed->text()));
        failed->button(QMessageBox::Ok)->click();
        QTRY_VERIFY(failed.isNull());
        QVERIFY(!QFile::exists(turno::SupervisorHandover::statePath(runDir)));
        QVERIFY(m_window->monitor()->isReady());
        QVERIFY(m_window->monitor()->history()->isOpen());
        QProcess ctl;
        ctl.start(turno::test::envPath("TURNOCTL_BIN"), {QStringLiteral("status"), QStringLiteral("--run-dir"), runDir});
        QTRY_VERIFY_WITH_TIMEOUT(ctl.state() == QProcess::NotRunning, 10000);
        QVERIFY2(ctl.exitCode() == 0, ctl.readAllStandardError().constData());
        QVERIFY(QString::fromUtf8(ctl.readAllStandardOutput()).contains(QLatin1String("state ready")));
        m_window->setHandoverExec(turno::SupervisorHandover::execInto);
    }

    void closingTheWindowStopsTheCluster()
    {
        FleetNodesModel *model = m_window->monitor()->nodesModel();
        for (int r = 0; r < model->rowCount(); ++r)
            m_pids << model->nodeAt(r).pid;
        m_window->close();
        QTRY_VERIFY_WITH_TIMEOUT(!m_window->monitor()->isActive(), 30000);
        QTRY_VERIFY_WITH_TIMEOUT(!m_window->isVisible(), 5000);
        for (qint64 pid : std::as_const(m_pids))
            QVERIFY2(!pidAlive(pid), qPrintable(QStringLiteral("pid %1 still runs after the window closed").arg(pid)));
    }

private:
    QTemporaryDir m_dir;
    std::unique_ptr<MainWindow> m_window;
    QList<qint64> m_pids;
};

QTEST_MAIN(TestConsoleWindow)
#include "test_console_window.moc"
