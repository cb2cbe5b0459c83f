// The console's Failover tab against a real default cluster, offscreen: the
// gate table fills, one switch runs with its steps ticking through to the end,
// the active side changes, and automatic failover can be turned off from it.
// With TURNO_SCREENSHOT_DIR set it also saves the window mid-switch (README).
#include "failover/failover_controller.h"
#include "charts_panel.h"
#include "failover_panel.h"
#include "fleet_panel.h"
#include "live_chart.h"
#include "fleet/cluster_profile.h"
#include "fleet/fleet_supervisor.h"
#include "fleet/haproxy_runtime.h"
#include "main_window.h"
#include "runtime/failover_commands.h"
#include "models/fleet_nodes_model.h"
#include "models/redis_servers_model.h"
#include "incidents/incident_store.h"
#include "state_style.h"
#include "metrics/series_store.h"
#include "runtime/fleet_monitor.h"
#include "table_pixels.h"
#include "test_support.h"

#include <QCheckBox>
#include <QProgressBar>
#include <QPushButton>
#include <QStandardPaths>
#include <QTabWidget>
#include <QTableView>
#include <QTableWidget>
#include <QTemporaryDir>
#include <QtTest>

using turno::FleetNodesModel;
using turno::console::MainWindow;

namespace {

// The text a table shows in node's row (through the view's proxy, as a user sees it).
QString shown(QTableView *table, const QString &node, int column)
{
    QAbstractItemModel *m = table->model();
    for (int r = 0; r < m->rowCount(); ++r)
        if (m->index(r, 0).data().toString() == node)
            return m->index(r, column).data().toString();
    return {};
}

}  // namespace

class TestFailoverPanel : public QObject {
    Q_OBJECT
private slots:
    void switchFromTheConsole()
    {
        QStandardPaths::setTestModeEnabled(true);
        QTemporaryDir dir;
        QVERIFY(dir.isValid());
        auto window = std::make_unique<MainWindow>(dir.filePath(QStringLiteral("incidents.db")));
        window->resize(1280, 800);
        window->show();
        QVERIFY(QTest::qWaitForWindowExposed(window.get()));
        turno::console::FailoverPanel *panel = window->failoverPanel();
        QVERIFY(panel);
        QVERIFY(!panel->switchButton()->isEnabled());  // no cluster yet

        auto loaded = turno::ProfileLoader::loadFile(turno::test::envPath("TURNO_SOURCE_DIR") + QStringLiteral("/resources/profiles/default.json"));
        QVERIFY2(loaded.ok(), qPrintable(loaded.error()));
        turno::ClusterProfile profile = loaded.value();
        profile.balancerListen.port = 0;
        profile.serverBinary = turno::test::envPath("TURNO_SERVER_BIN");
        const auto launched = window->launchProfile(profile, dir.filePath(QStringLiteral("run")));
        QVERIFY2(launched.ok(), qPrintable(launched.error()));
        QTRY_VERIFY_WITH_TIMEOUT(window->monitor()->isReady(), 60000);
        // HAProxy's own exporter is scraped too: the frontend's rate and each node's share of the balancing.
        turno::SeriesStore *series = window->monitor()->series();
        QTRY_VERIFY_WITH_TIMEOUT(series->find(turno::FleetMonitor::fleetSeries(QStringLiteral("balancer_requests_per_second"))).has_value() &&
                                     series->find(turno::FleetMonitor::nodeSeries(QStringLiteral("primary-1"), QStringLiteral("balancer_share"))).has_value(),
                                 10000);
        QVERIFY(window->showTab(QStringLiteral("failover")));
        QTRY_VERIFY_WITH_TIMEOUT(panel->switchButton()->isEnabled(), 10000);
        QCOMPARE(panel->activeText(), QStringLiteral("Active: primary pool"));
        QVERIFY(panel->automaticBox()->isChecked());  // the default profile turns it on

        // The gate passes once Sentinel knows the replica and its peers.
        auto gatePasses = [panel] {
            QTableWidget *g = panel->gateTable();
            if (g->rowCount() < 5)
                return false;
            for (int r = 0; r < g->rowCount(); ++r)
                if (g->item(r, 1)->text() != QLatin1String("pass"))
                    return false;
            return true;
        };
        // Ready means ready: once the status bar says the gate passes, the first refresh passes.
        QTRY_VERIFY_WITH_TIMEOUT(window->healthText().contains(QLatin1String("failover gate passes")), 30000);
        panel->refreshGate();
        QTRY_VERIFY_WITH_TIMEOUT(gatePasses(), 5000);
        QElapsedTimer clock;
        clock.start();
        while (!gatePasses() && clock.elapsed() < 30000) {
            panel->refreshGate();
            QTest::qWait(300);
        }
        QVERIFY2(gatePasses(), "the pre-flight gate did not pass within 30 s");

        turno::FailoverController *controller = turno::FailoverCommands::of(window->monitor())->controller();
        QVERIFY(controller);
        const QString shots = qEnvironmentVariable("TURNO_SCREENSHOT_DIR");
        int seenMidSwitch = 0;
        connect(controller, &turno::FailoverController::stepFinished, this, [&](const turno::FailoverStep &s) {
            if (s.name == QLatin1String("promote")) {
                ++seenMidSwitch;
                // Not "Active: secondary" before the switch is done.
                QCOMPARE(panel->activeText(), QStringLiteral("Switching to the secondary pool…"));
                QCOMPARE(panel->progressBar()->value(), 6);  // gate, probe, drain, pause, catch-up, promote
                if (!shots.isEmpty())
                    window->grab().save(shots + QStringLiteral("/failover.png"));
            }
        });
        QSignalSpy finished(panel, &turno::console::FailoverPanel::switchFinished);
        panel->requestSwitch(false);
        QVERIFY(!panel->switchButton()->isEnabled());  // while it runs
        QVERIFY(finished.wait(20000));
        QVERIFY2(finished.first().at(0).toBool(), qPrintable(finished.first().at(1).toString()));
        QCOMPARE(seenMidSwitch, 1);
        QCOMPARE(panel->progressBar()->value(), panel->progressBar()->maximum());
        QCOMPARE(panel->activeText(), QStringLiteral("Active: secondary pool"));
        QCOMPARE(controller->activePool(), QStringLiteral("secondary"));
        QCOMPARE(window->monitor()->supervisor()->redisPrimaryNode(), QStringLiteral("redis-2"));
        // The names stay; the role moves, in every table that shows it, with its colour.
        const bool dark = window->palette().color(QPalette::Base).lightness() < 128;
        QTableView *redisNodes = panel->redisTable();
        QCOMPARE(redisNodes->model()->rowCount(), 2);
        QCOMPARE(shown(redisNodes, QStringLiteral("redis-1"), FleetNodesModel::RoleColumn), QStringLiteral("replica"));
        QCOMPARE(shown(redisNodes, QStringLiteral("redis-2"), FleetNodesModel::RoleColumn), QStringLiteral("primary"));
        QVERIFY(!redisNodes->isColumnHidden(FleetNodesModel::RoleColumn) && redisNodes->isColumnHidden(FleetNodesModel::PidColumn));
        QCOMPARE(turno::test::paintedColour(redisNodes, QStringLiteral("redis-2"), FleetNodesModel::RoleColumn),
                 turno::console::roleColor(QStringLiteral("primary"), dark));
        QCOMPARE(turno::test::paintedColour(redisNodes, QStringLiteral("redis-1"), FleetNodesModel::RoleColumn),
                 turno::console::roleColor(QStringLiteral("replica"), dark));
        QVERIFY(window->showTab(QStringLiteral("fleet")));
        QTableView *fleet = window->fleetPanel()->table();
        QCOMPARE(shown(fleet, QStringLiteral("redis-1"), FleetNodesModel::RoleColumn), QStringLiteral("replica"));
        QCOMPARE(shown(fleet, QStringLiteral("redis-2"), FleetNodesModel::RoleColumn), QStringLiteral("primary"));
        QCOMPARE(turno::test::paintedColour(fleet, QStringLiteral("redis-2"), FleetNodesModel::RoleColumn),
                 turno::console::roleColor(QStringLiteral("primary"), dark));
        for (int r = 0; r < fleet->model()->rowCount(); ++r)
            QVERIFY(!fleet->model()->index(r, 0).data().toString().startsWith(QStringLiteral("redis-p")) &&
                    !fleet->model()->index(r, 0).data().toString().startsWith(QStringLiteral("redis-r")));
        QVERIFY(window->showTab(QStringLiteral("redis")));
        QTRY_COMPARE_WITH_TIMEOUT(shown(window->redisTable(), QStringLiteral("redis-2"), turno::RedisServersModel::RoleColumn),
                                  QStringLiteral("primary"), 15000);
        QTRY_COMPARE_WITH_TIMEOUT(shown(window->redisTable(), QStringLiteral("redis-1"), turno::RedisServersModel::RoleColumn),
                                  QStringLiteral("replica"), 15000);
        // The timeline reads right: the names carry no role that the move would contradict.
        QVERIFY(window->monitor()->history()->flush().ok());
        turno::EventFilter moved;
        moved.kinds = {QStringLiteral("fleet.redis-primary-moved")};
        const auto events = window->monitor()->history()->events(moved);
        QVERIFY2(events.ok(), qPrintable(events.error()));
        QCOMPARE(int(events.value().size()), 1);
        QCOMPARE(events.value().first().node, QStringLiteral("redis-2"));
        QCOMPARE(events.value().first().summary, QStringLiteral("the Redis primary is now redis-2 (was redis-1)"));
        QVERIFY(window->showTab(QStringLiteral("failover")));
        QTableWidget *steps = panel->stepsTable();
        for (int r = 0; r < steps->rowCount(); ++r)
            if (steps->item(r, 0)->text() != QLatin1String("gap"))  // async durability and a lost primary only
                QVERIFY2(!steps->item(r, 2)->text().isEmpty(), qPrintable(steps->item(r, 0)->text()));
        QVERIFY(panel->switchButton()->text().contains(QStringLiteral("back to primary")));
        // The steps this switch did not run say so (gap: only after a lost primary under async durability).
        for (int r = 0; r < steps->rowCount(); ++r)
            if (steps->item(r, 0)->text() == QLatin1String("gap"))
                QVERIFY2(steps->item(r, 3)->text().startsWith(QLatin1String("skipped: only after a lost primary")),
                         qPrintable(steps->item(r, 3)->text()));
        // The way back: the gate's verdict at the top. While Sentinel learns the demoted node it
        // refuses with the failing check (and when to expect it); the switch is then disabled unless forced.
        QTRY_VERIFY_WITH_TIMEOUT(panel->gateBannerText().startsWith(QLatin1String("Gate refuses a switch to the primary pool: ")) ||
                                     panel->gateBannerText().startsWith(QLatin1String("Gate passes")),
                                 5000);
        qInfo("FIGURE the gate's verdict right after the switch: %s", qPrintable(panel->gateBannerText()));
        if (panel->gateBannerText().startsWith(QLatin1String("Gate refuses"))) {
            QVERIFY(!panel->switchButton()->isEnabled());
            if (panel->gateBannerText().contains(QLatin1String("sentinel-replica")))
                QVERIFY2(panel->gateBannerText().contains(QLatin1String("gate ready in about")), qPrintable(panel->gateBannerText()));
            panel->forceBox()->setChecked(true);
            QVERIFY(panel->switchButton()->isEnabled());
            QVERIFY2(panel->switchButton()->text().startsWith(QLatin1String("Force: ")), qPrintable(panel->switchButton()->text()));
            panel->forceBox()->setChecked(false);
            QVERIFY(!panel->switchButton()->isEnabled());
        }
        QTRY_VERIFY_WITH_TIMEOUT(panel->gateBannerText().startsWith(QLatin1String("Gate passes: a switch to the primary pool")), 30000);
        QVERIFY(panel->switchButton()->isEnabled());
        // A check that fails for sure (a node of the target pool in MAINT at HAProxy): the banner names it,
        // the switch is disabled, Force makes it the explicit force action.
        turno::HaproxyRuntime haproxy(window->monitor()->supervisor()->haproxySocket());
        QVERIFY(haproxy.sendSync(QStringLiteral("set server turno_nodes/primary-1 state maint")).ok());
        QTRY_VERIFY_WITH_TIMEOUT(panel->gateBannerText().startsWith(QLatin1String("Gate refuses a switch to the primary pool: target-pool")),
                                 10000);
        QVERIFY2(panel->gateBannerText().contains(QLatin1String("primary-1 MAINT")), qPrintable(panel->gateBannerText()));
        QVERIFY(!panel->switchButton()->isEnabled());
        panel->forceBox()->setChecked(true);
        QVERIFY(panel->switchButton()->isEnabled());
        QVERIFY2(panel->switchButton()->text().startsWith(QLatin1String("Force: ")), qPrintable(panel->switchButton()->text()));
        panel->forceBox()->setChecked(false);
        QVERIFY(!panel->switchButton()->isEnabled());
        QVERIFY(haproxy.sendSync(QStringLiteral("set server turno_nodes/primary-1 state ready")).ok());
        QTRY_VERIFY_WITH_TIMEOUT(panel->gateBannerText().startsWith(QLatin1String("Gate passes")), 10000);
        QVERIFY(panel->switchButton()->isEnabled());

        // The switch is a marker on the charts' time axis, and the balancer's share has its chart.
        QVERIFY(window->showTab(QStringLiteral("charts")));
        turno::console::LiveChart *requests = window->chartsPanel()->chart(QStringLiteral("Requests"));
        QVERIFY(requests);
        QTRY_VERIFY_WITH_TIMEOUT(requests->visibleMarkerCount() >= 1, 10000);
        QVERIFY(window->chartsPanel()->chart(QStringLiteral("Balancer share")));
        QVERIFY(window->chartsPanel()->chart(QStringLiteral("Replication lag")));

        panel->automaticBox()->setChecked(false);
        QVERIFY(!controller->automatic());

        window->close();
        QTRY_VERIFY_WITH_TIMEOUT(!window->monitor()->isActive(), 30000);
    }
};

QTEST_MAIN(TestFailoverPanel)
#include "test_failover_panel.moc"
