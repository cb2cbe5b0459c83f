// The Overview tab, offscreen, against a real default cluster: it is the first
// tab and the window's default; under load its four figures are the numbers
// `turnoctl status --json` has in "fleet" for the same window (the control API
// of the console's cluster asked at the same moment); the active pool and the
// Redis primary are status's; the gate verdict says "passes" once ready and the
// one button switches (after its confirmation), the header saying "switching"
// until done; a hung node's alert comes first in the alert list; the counters
// verdict follows the load test; the last events are the store's newest; and
// each part opens the tab that explains it.
#include "fleet/cluster_profile.h"
#include "failover/failover_controller.h"
#include "main_window.h"
#include "overview_panel.h"
#include "runtime/failover_commands.h"
#include "runtime/fleet_monitor.h"
#include "test_support.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QMessageBox>
#include <QPushButton>
#include <QSettings>
#include <QStandardPaths>
#include <QTabWidget>
#include <QTemporaryDir>
#include <QTest>
#include <cmath>
#include <csignal>
#include <memory>

using turno::console::MainWindow;
using turno::console::OverviewPanel;

class TestOverview : public QObject {
    Q_OBJECT

    QTemporaryDir m_dir;
    std::unique_ptr<MainWindow> m_window;
    QString m_runDir;

    // `turnoctl status --json` against the console's own control socket (which
    // the console answers from this thread).
    QJsonObject status() const { return turno::test::statusWhileSpinning(m_runDir); }

    static bool same(double a, double b) { return (std::isnan(a) && std::isnan(b)) || a == b; }

private slots:
    void initTestCase()
    {
        QStandardPaths::setTestModeEnabled(true);
        QSettings().clear();  // no saved tab: the window's default shows
        QVERIFY(m_dir.isValid());
        m_runDir = m_dir.filePath(QStringLiteral("run"));
        m_window = std::make_unique<MainWindow>(m_dir.filePath(QStringLiteral("incidents.db")));
        m_window->resize(1280, 800);
        m_window->show();
        QVERIFY(QTest::qWaitForWindowExposed(m_window.get()));
    }

    void isTheFirstTabAndTheDefault()
    {
        QCOMPARE(m_window->tabNames().first(), QStringLiteral("overview"));
        QCOMPARE(MainWindow::allTabNames().first(), QStringLiteral("overview"));
        QCOMPARE(m_window->tabs()->currentWidget(), static_cast<QWidget *>(m_window->overviewPanel()));
        OverviewPanel *o = m_window->overviewPanel();
        QVERIFY2(o->activeText().startsWith(QLatin1String("No cluster")), qPrintable(o->activeText()));
        QVERIFY(!o->switchButton()->isEnabled());
        for (const QString &key : OverviewPanel::figureKeys())
            QCOMPARE(o->figureText(key), QStringLiteral("—"));
    }

    void launches()
    {
        auto loaded = turno::ProfileLoader::loadFile(turno::test::envPath("TURNO_SOURCE_DIR") + QStringLiteral("/resources/profiles/default.json"));
        QVERIFY2(loaded.ok(), qPrintable(loaded.error()));
        turno::ClusterProfile profile = loaded.value();
        profile.balancerListen.port = 0;
        profile.serverBinary = turno::test::envPath("TURNO_SERVER_BIN");
        const auto launched = m_window->launchProfile(profile, m_runDir);
        QVERIFY2(launched.ok(), qPrintable(launched.error()));
        QTRY_VERIFY_WITH_TIMEOUT(m_window->monitor()->isReady(), 60000);
    }

    void figuresAreStatusFleetForTheSameWindow()
    {
        OverviewPanel *o = m_window->overviewPanel();
        QVERIFY(m_window->startLoad(6, 4).ok());
        QTRY_VERIFY_WITH_TIMEOUT(o->figureValue(QStringLiteral("reqPerSec")) > 100, 15000);
        // The overview follows the monitor's status at each tick; the control API builds
        // its own from the same collector. Equal whenever no scrape landed in between.
        bool matched = false;
        QString last;
        for (int attempt = 0; attempt < 40 && !matched; ++attempt) {
            QTest::qWait(attempt ? 120 : 0);
            QList<double> before;
            for (const QString &key : OverviewPanel::figureKeys())
                before << o->figureValue(key);
            const QJsonObject fleet = status().value(QStringLiteral("fleet")).toObject();
            QList<double> after;
            for (const QString &key : OverviewPanel::figureKeys())
                after << o->figureValue(key);
            bool steady = !fleet.isEmpty();
            for (int i = 0; i < before.size(); ++i)
                steady = steady && same(before[i], after[i]);
            if (!steady)
                continue;
            matched = true;
            last.clear();
            for (int i = 0; i < OverviewPanel::figureKeys().size(); ++i) {
                const QString key = OverviewPanel::figureKeys()[i];
                const QJsonValue v = fleet.value(key);
                const double shown = after[i];
                const bool same = v.isDouble() ? shown == v.toDouble() : std::isnan(shown);
                last += QStringLiteral("%1: shown %2 (%3), status %4; ").arg(key).arg(shown).arg(o->figureText(key)).arg(v.toDouble());
                matched = matched && same;
            }
        }
        QVERIFY2(matched, qPrintable(last));
        // The text says the same number, in the figure's unit.
        const QJsonObject fleet = status().value(QStringLiteral("fleet")).toObject();
        QVERIFY2(o->figureText(QStringLiteral("reqPerSec")).endsWith(QLatin1String(" req/s")), qPrintable(o->figureText(QStringLiteral("reqPerSec"))));
        QVERIFY(o->figureText(QStringLiteral("p99Ms")).endsWith(QLatin1String(" ms")));
        QVERIFY(o->figureText(QStringLiteral("errorRatio")).endsWith(QLatin1String(" %")));
        QVERIFY(o->figureText(QStringLiteral("cpuPercent")).endsWith(QLatin1String(" %")));
        QVERIFY2(fleet.value(QStringLiteral("cpuPercent")).isDouble(), QJsonDocument(fleet).toJson().constData());
        QVERIFY(o->sparklinePoints(QStringLiteral("reqPerSec")) >= 2);
        QTRY_VERIFY_WITH_TIMEOUT(!m_window->loadRunning(), 20000);
    }

    void servingIsStatusAndTheGateIsReadiness()
    {
        OverviewPanel *o = m_window->overviewPanel();
        const QJsonObject st = status();
        QCOMPARE(o->activeText(), QStringLiteral("Active: %1 pool").arg(st.value(QStringLiteral("active")).toString()));
        const QString primary = st.value(QStringLiteral("redisPrimary")).toString();
        QVERIFY(!primary.isEmpty());
        QVERIFY2(o->redisText().startsWith(QStringLiteral("Redis primary: ") + primary), qPrintable(o->redisText()));
        QTRY_VERIFY_WITH_TIMEOUT(o->gateText().startsWith(QLatin1String("gate passes")), 30000);
        QVERIFY(st.value(QStringLiteral("failover")).toObject().contains(QStringLiteral("readiness")));
        QVERIFY(o->switchButton()->isEnabled());
        QCOMPARE(o->switchButton()->text(), QStringLiteral("Fail over to the secondary pool…"));
    }

    void oneClickSwitchesAfterTheConfirmation()
    {
        OverviewPanel *o = m_window->overviewPanel();
        turno::FailoverController *controller = turno::FailoverCommands::of(m_window->monitor())->controller();
        QVERIFY(controller);
        QString duringSwitch;
        connect(controller, &turno::FailoverController::stepFinished, this, [&](const turno::FailoverStep &s) {
            if (s.name == QLatin1String("drain"))
                duringSwitch = o->activeText();
        });
        QTest::mouseClick(o->switchButton(), Qt::LeftButton);
        QMessageBox *box = nullptr;
        QTRY_VERIFY_WITH_TIMEOUT((box = m_window->findChild<QMessageBox *>()) != nullptr, 5000);
        QCOMPARE(controller->state(), turno::FailoverController::State::PrimaryActive);  // nothing before the answer
        box->button(QMessageBox::Yes)->click();
        QTRY_VERIFY_WITH_TIMEOUT(controller->state() == turno::FailoverController::State::SecondaryActive, 20000);
        QCOMPARE(duringSwitch, QStringLiteral("Switching to the secondary pool…"));
        QTRY_COMPARE_WITH_TIMEOUT(o->activeText(), QStringLiteral("Active: secondary pool"), 5000);
        QTRY_COMPARE_WITH_TIMEOUT(status().value(QStringLiteral("active")).toString(), QStringLiteral("secondary"), 5000);
        QTRY_VERIFY_WITH_TIMEOUT(o->redisText().startsWith(QStringLiteral("Redis primary: ") +
                                                           status().value(QStringLiteral("redisPrimary")).toString()),
                                 5000);
        QCOMPARE(o->switchButton()->text(), QStringLiteral("Fail back to the primary pool…"));
        // The way back is asked again; until Sentinel settles the verdict names what it waits for.
        QTRY_VERIFY_WITH_TIMEOUT(o->gateText().startsWith(QLatin1String("gate passes")) ||
                                     o->gateText().startsWith(QLatin1String("gate refuses waiting for")),
                                 5000);
        // A refusing gate disables the one-click switch; it comes back once the gate passes.
        if (o->gateText().startsWith(QLatin1String("gate refuses")))
            QVERIFY(!o->switchButton()->isEnabled());
        QTRY_VERIFY_WITH_TIMEOUT(o->gateText().startsWith(QLatin1String("gate passes")), 30000);
        QVERIFY(o->switchButton()->isEnabled());
    }

    void countersVerdictFollowsTheLoadTest()
    {
        OverviewPanel *o = m_window->overviewPanel();
        QTRY_VERIFY2_WITH_TIMEOUT(o->countersText().startsWith(QStringLiteral("Counters stored ≥ issued all")), qPrintable(o->countersText()), 10000);
    }

    void theWorstAlertComesFirst()
    {
        OverviewPanel *o = m_window->overviewPanel();
        // Hung (SIGSTOP): up to the supervisor, not restarted; NodeDown fires.
        qint64 pid = 0;
        for (const QJsonValue &v : status().value(QStringLiteral("nodes")).toArray())
            if (v.toObject().value(QStringLiteral("node")).toString() == QLatin1String("primary-2"))
                pid = v.toObject().value(QStringLiteral("pid")).toInteger();
        QVERIFY(pid > 0);
        QVERIFY(::kill(pid_t(pid), SIGSTOP) == 0);
        auto resume = qScopeGuard([pid] { ::kill(pid_t(pid), SIGCONT); });
        QTRY_VERIFY_WITH_TIMEOUT(!o->alertLines().isEmpty() && o->alertLines().first().contains(QLatin1String("NodeDown on primary-2")),
                                 15000);
        QTRY_VERIFY_WITH_TIMEOUT(o->alertLines().first().startsWith(QLatin1String("FIRING")), 15000);
        QVERIFY2(o->alertsText().contains(QLatin1String("1 firing")) || o->alertsText().contains(QLatin1String("2 firing")),
                 qPrintable(o->alertsText()));
        // The newest events are the store's newest, the kill among them.
        QTRY_VERIFY_WITH_TIMEOUT(o->eventLines().join(QLatin1Char('\n')).contains(QLatin1String("primary-2")), 5000);
        resume.dismiss();
        ::kill(pid_t(pid), SIGCONT);
        QTRY_VERIFY_WITH_TIMEOUT(o->alertLines().isEmpty() || !o->alertLines().first().startsWith(QLatin1String("FIRING")), 20000);
    }

    void eachPartOpensItsTab()
    {
        OverviewPanel *o = m_window->overviewPanel();
        const QList<QPair<QString, QString>> parts{{QStringLiteral("reqPerSec"), QStringLiteral("charts")},
                                                   {QStringLiteral("p99Ms"), QStringLiteral("charts")},
                                                   {QStringLiteral("errorRatio"), QStringLiteral("charts")},
                                                   {QStringLiteral("cpuPercent"), QStringLiteral("charts")},
                                                   {QStringLiteral("failover"), QStringLiteral("failover")},
                                                   {QStringLiteral("alerts"), QStringLiteral("alerts")},
                                                   {QStringLiteral("counters"), QStringLiteral("counters")},
                                                   {QStringLiteral("timeline"), QStringLiteral("timeline")}};
        for (const auto &[part, tab] : parts) {
            QVERIFY(m_window->showTab(QStringLiteral("overview")));
            QWidget *w = o->partWidget(part);
            QVERIFY2(w, qPrintable(part));
            QTest::mouseClick(w, Qt::LeftButton, {}, QPoint(4, 4));
            QCOMPARE(m_window->tabs()->currentWidget()->property("tabName").toString(), tab);
        }
        QVERIFY(m_window->showTab(QStringLiteral("overview")));
    }

    void cleanupTestCase()
    {
        if (!m_window)
            return;
        m_window->stopCluster();
        QTRY_VERIFY_WITH_TIMEOUT(!m_window->monitor()->isActive(), 30000);
        m_window.reset();
    }
};

QTEST_MAIN(TestOverview)
#include "test_overview.moc"
