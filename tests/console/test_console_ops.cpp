// The console's operator panels, offscreen, against a real local cluster
// (redis-server, sentinels, haproxy, turno-server on free ports): a load test
// from the Load test tab with live progress and a summary without duplicates,
// the capacity chart gaining a point per step, the Counters tab showing the
// load's ids with stored >= issued, the incident editor round-tripping its
// fields through the store and exporting reports, and a second window attached
// to the cluster through the attach dialog, read-only.
#include "attach_dialog.h"
#include "capacity_chart.h"
#include "counters_panel.h"
#include "fleet_panel.h"
#include "incident_editor.h"
#include "launch_dialog.h"
#include "load_panel.h"
#include "main_window.h"
#include "fleet/fleet_attach.h"
#include "fleet/fleet_supervisor.h"
#include "incidents/incident_store.h"
#include "models/fleet_nodes_model.h"
#include "models/incident_list_model.h"
#include "models/timeline_model.h"
#include "runtime/counter_watch.h"
#include "models/counters_model.h"
#include "runtime/fleet_monitor.h"
#include "test_support.h"
#include "timeline_panel.h"

#include <QAction>
#include <QComboBox>
#include <QFile>
#include <QJsonDocument>
#include <QJsonObject>
#include <QLabel>
#include <QPlainTextEdit>
#include <QProcess>
#include <QProgressBar>
#include <QPushButton>
#include <QSignalSpy>
#include <QStandardPaths>
#include <QTableView>
#include <QTableWidget>
#include <QTemporaryDir>
#include <QTest>
#include <cmath>
#include <csignal>
#include <memory>

using turno::CountersModel;
using turno::FleetMonitor;
using turno::FleetNodesModel;
using turno::console::LoadPanel;
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

QByteArray readAll(const QString &path)
{
    QFile f(path);
    return f.open(QIODevice::ReadOnly) ? f.readAll() : QByteArray();
}

// The text a view shows in column for the row whose first column is key.
QString shownIn(QTableView *table, const QString &key, int column)
{
    QAbstractItemModel *m = table->model();
    for (int r = 0; r < m->rowCount(); ++r)
        if (m->index(r, 0).data().toString() == key)
            return m->index(r, column).data().toString();
    return {};
}

}  // namespace

class TestConsoleOps : public QObject {
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
        m_window->show();
        QVERIFY(QTest::qWaitForWindowExposed(m_window.get()));

        auto profile = turno::ProfileLoader::loadFile(turno::test::envPath("TURNO_SOURCE_DIR") +
                                                      QStringLiteral("/resources/profiles/default.json"));
        QVERIFY2(profile.ok(), qPrintable(profile.error()));
        m_profile = profile.value();
        m_profile.balancerListen.port = 0;
        m_profile.serverBinary = turno::test::envPath("TURNO_SERVER_BIN");
        m_runDir = m_dir.filePath(QStringLiteral("run"));
        const auto launched = m_window->launchProfile(m_profile, m_runDir);
        QVERIFY2(launched.ok(), qPrintable(launched.error()));
        QString failure;
        connect(m_window->monitor(), &FleetMonitor::launchFailed, this, [&failure](const QString &m) { failure = m; });
        QTRY_VERIFY_WITH_TIMEOUT(m_window->monitor()->isReady() || !failure.isEmpty(), 90000);
        QVERIFY2(failure.isEmpty(), qPrintable(failure));
        FleetNodesModel *model = m_window->monitor()->nodesModel();
        for (int r = 0; r < model->rowCount(); ++r)
            m_pids << model->nodeAt(r).pid;
    }

    void cleanupTestCase()
    {
        if (m_window) {
            m_window->close();
            QTRY_VERIFY_WITH_TIMEOUT(!m_window->monitor()->isActive(), 30000);
            m_window.reset();
        }
        for (qint64 pid : std::as_const(m_pids))
            if (pidAlive(pid))
                ::kill(pid_t(pid), SIGKILL);
        for (qint64 pid : std::as_const(m_pids))
            QVERIFY2(!pidAlive(pid), qPrintable(QStringLiteral("pid %1 outlived the console").arg(pid)));
    }

    void everyPanelHasItsTab()
    {
        const QStringList names = m_window->tabNames();
        for (const char *name : {"fleet", "charts", "counters", "load", "alerts", "redis", "timeline", "logs"})
            QVERIFY2(names.contains(QLatin1String(name)), qPrintable(names.join(QLatin1Char(','))));
    }

    void launchDialogListsRecentProfiles()
    {
        const QString path = turno::test::envPath("TURNO_SOURCE_DIR") + QStringLiteral("/resources/profiles/default.json");
        turno::console::LaunchDialog::rememberProfile(path);
        turno::console::LaunchDialog dialog;
        auto *recent = dialog.findChild<QComboBox *>(QStringLiteral("recentProfiles"));
        QVERIFY(recent);
        QVERIFY(recent->findText(path) > 0);
    }

    void loadPanelShowsProgressAndASummaryWithoutDuplicates()
    {
        LoadPanel *panel = m_window->loadPanel();
        QVERIFY(m_window->showTab(QStringLiteral("load")));
        // The target defaults to the running cluster's balancer.
        QCOMPARE(panel->target(), QStringLiteral("http://127.0.0.1:%1").arg(m_window->monitor()->balancerPort()));
        panel->setMode(LoadPanel::Mode::Load);
        panel->setDuration(4);
        panel->setConnections(4);
        panel->setThreads(1);
        panel->setIds(8);
        panel->setZipf(true);
        QSignalSpy progressed(panel, &LoadPanel::progressed);
        QSignalSpy finished(panel, &LoadPanel::finished);
        auto *start = panel->findChild<QPushButton *>(QStringLiteral("loadStart"));
        auto *stop = panel->findChild<QPushButton *>(QStringLiteral("loadStop"));
        QVERIFY(start && stop && start->isEnabled());
        QTest::mouseClick(start, Qt::LeftButton);
        QVERIFY2(panel->isRunning(), qPrintable(panel->findChild<QLabel *>(QStringLiteral("loadState"))->text()));
        QVERIFY(!start->isEnabled());
        QVERIFY(stop->isEnabled());

        // Live, once a second: a progress bar that moves and the figures of the last second.
        QTRY_VERIFY_WITH_TIMEOUT(progressed.count() >= 2, 15000);
        QVERIFY(panel->progressBar()->value() > 0);
        QVERIFY2(panel->figure(QStringLiteral("rps")).toDouble() > 0, qPrintable(panel->figure(QStringLiteral("rps"))));
        QVERIFY(panel->figure(QStringLiteral("p99")).endsWith(QStringLiteral(" ms")));
        QVERIFY(panel->figure(QStringLiteral("answers")).toLongLong() > 0);
        QVERIFY(m_window->healthText().contains(QStringLiteral("load test running")));

        QTRY_COMPARE_WITH_TIMEOUT(finished.count(), 1, 30000);
        const turno::LoadReport &report = panel->lastReport();
        QVERIFY(report.answers > 100);
        QCOMPARE(report.duplicates, uint64_t(0));
        QCOMPARE(report.gaps, uint64_t(0));
        QCOMPARE(report.errorTotal(), uint64_t(0));
        QCOMPARE(panel->figure(QStringLiteral("duplicates")), QStringLiteral("0"));
        QCOMPARE(panel->figure(QStringLiteral("gaps")), QStringLiteral("0"));
        QCOMPARE(panel->progressBar()->value(), 100);
        QVERIFY2(panel->summaryText().contains(QStringLiteral("duplicates: 0")), qPrintable(panel->summaryText()));
        QVERIFY(panel->brokenThresholds().isEmpty());
        QVERIFY(start->isEnabled());

        // Saved as turnoctl bench --out-json / --out-csv save it.
        const QString json = m_dir.filePath(QStringLiteral("load.json"));
        const QString csv = m_dir.filePath(QStringLiteral("load.csv"));
        QVERIFY(panel->saveJson(json).ok());
        QVERIFY(panel->saveCsv(csv).ok());
        const QJsonObject saved = QJsonDocument::fromJson(readAll(json)).object();
        QCOMPARE(saved.value(QStringLiteral("duplicates")).toDouble(), 0.0);
        QVERIFY(saved.value(QStringLiteral("answers")).toDouble() > 100);
        QVERIFY(readAll(csv).contains("total"));

        // Attached to the timeline as `turnoctl bench --record` does: one load.run event.
        auto *attach = panel->findChild<QPushButton *>(QStringLiteral("loadAttach"));
        QVERIFY(attach && attach->isEnabled());
        QTest::mouseClick(attach, Qt::LeftButton);
        QVERIFY(!attach->isEnabled());
        turno::console::TimelinePanel *timeline = m_window->timelinePanel();
        timeline->setKindFilter(QStringLiteral("load"));
        turno::TimelineModel *events = timeline->model();
        QTRY_VERIFY_WITH_TIMEOUT(events->rowCount() >= 1, 5000);
        for (int r = 0; r < events->rowCount(); ++r)
            QCOMPARE(events->eventAt(r).kind, QStringLiteral("load.run"));
        QVERIFY(events->eventAt(0).summary.contains(QString::number(report.answers)) ||
                events->eventAt(0).details.value(QStringLiteral("answers")).toDouble() == double(report.answers));
        timeline->setKindFilter(QString());
    }

    void countersShowTheLoadIdsWithStoredAtLeastIssued()
    {
        const turno::LoadReport &report = m_window->loadPanel()->lastReport();
        QVERIFY(!report.highestIssued.empty());
        QVERIFY(m_window->showTab(QStringLiteral("counters")));
        turno::console::CountersPanel *panel = m_window->countersPanel();
        CountersModel *model = panel->watch()->model();
        QCOMPARE(model->issued().size(), qsizetype(report.highestIssued.size()));
        const QString id = QString::fromStdString(report.highestIssued.front().id);
        const qint64 issued = qint64(report.highestIssued.front().turno);
        // Read from the Redis primary at the scrape interval.
        QTRY_VERIFY_WITH_TIMEOUT(model->storedOf(id) >= issued, 15000);
        QCOMPARE(model->checkOf(id), CountersModel::Check::Ok);
        QCOMPARE(model->violationCount(), 0);
        QCOMPARE(shownIn(panel->table(), id, CountersModel::TurnoColumn), QString::number(model->storedOf(id)));
        QCOMPARE(shownIn(panel->table(), id, CountersModel::IssuedColumn), QString::number(issued));
        QVERIFY2(panel->statusText().contains(QStringLiteral("all %1 id").arg(report.highestIssued.size())), qPrintable(panel->statusText()));

        // Had the store lost numbers it handed out, the row turns red and the panel says so.
        QHash<QString, qint64> claimed = model->issued();
        claimed.insert(id, model->storedOf(id) + 1000);
        model->setIssued(claimed);
        QCOMPARE(model->checkOf(id), CountersModel::Check::StoredBelowIssued);
        QAbstractItemModel *shown = panel->table()->model();
        for (int r = 0; r < shown->rowCount(); ++r)
            if (shown->index(r, CountersModel::IdColumn).data().toString() == id)
                QVERIFY(shown->index(r, CountersModel::CheckColumn).data(Qt::BackgroundRole).value<QColor>().red() > 0x70);
        QVERIFY(panel->statusText().contains(QStringLiteral("LESS")));
        panel->watch()->setIssuedFrom(report);
        QCOMPARE(model->violationCount(), 0);
    }

    void capacityChartGainsAPointPerStep()
    {
        LoadPanel *panel = m_window->loadPanel();
        QVERIFY(m_window->showTab(QStringLiteral("load")));
        panel->setMode(LoadPanel::Mode::Capacity);
        panel->setConnections(4);
        panel->setThreads(1);
        panel->setIds(4);
        panel->setSlo(200);
        panel->setCapacitySteps(200, 2.0, 1.0, 3);
        QVERIFY(panel->capacityChart()->isVisibleTo(panel));
        QSignalSpy steps(panel, &LoadPanel::capacityStep);
        QSignalSpy finished(panel, &LoadPanel::capacityFinished);
        const auto started = panel->start();
        QVERIFY2(started.ok(), qPrintable(started.error()));
        QTRY_VERIFY_WITH_TIMEOUT(steps.count() >= 1, 15000);
        QVERIFY(panel->capacityChart()->pointCount() >= 1);
        const int first = panel->capacityChart()->pointCount();
        QTRY_COMPARE_WITH_TIMEOUT(finished.count(), 1, 40000);
        QVERIFY(panel->capacityChart()->pointCount() > first);
        QCOMPARE(panel->capacityChart()->pointCount(), int(panel->lastCapacity().steps.size()));
        QVERIFY(panel->lastCapacity().highestSustainable >= 200);
        QVERIFY(panel->summaryText().contains(QStringLiteral("sustainable"), Qt::CaseInsensitive));
        QVERIFY(panel->saveCsv(m_dir.filePath(QStringLiteral("capacity.csv"))).ok());
        panel->setMode(LoadPanel::Mode::Load);
    }

    void incidentEditorRoundTripsThroughTheStoreAndExports()
    {
        QVERIFY(m_window->showTab(QStringLiteral("timeline")));
        turno::console::IncidentEditor *editor = m_window->timelinePanel()->incidents();
        turno::IncidentStore *store = m_window->monitor()->history();
        const auto id = editor->openIncident(QStringLiteral("Checkout answers slow"), turno::Severity::Error,
                                             QStringLiteral("primary-1"));
        QVERIFY2(id.ok(), qPrintable(id.error()));
        QCOMPARE(editor->currentId(), id.value());
        QVERIFY(editor->model()->rowOf(id.value()) >= 0);

        const QList<turno::ActionItem> plan{
            {QStringLiteral("Alert on replication lag | over 2 s"), QStringLiteral("ops"), QDate(2026, 12, 1), false},
            {QStringLiteral("Runbook for a primary restart"), QStringLiteral("sre"), QDate(), true}};
        editor->setSummary(QStringLiteral("p99 rose to 800 ms for 4 minutes"));
        editor->setImpact(QStringLiteral("1.2% of checkouts retried"));
        editor->setRootCause(QStringLiteral("Redis primary swapped under memory pressure"));
        editor->setActionItems(plan);
        const auto saved = editor->save();
        QVERIFY2(saved.ok(), qPrintable(saved.error()));

        const auto stored = store->incident(id.value());
        QVERIFY(stored.ok());
        QCOMPARE(stored->summary, QStringLiteral("p99 rose to 800 ms for 4 minutes"));
        QCOMPARE(stored->impact, QStringLiteral("1.2% of checkouts retried"));
        QCOMPARE(stored->rootCause, QStringLiteral("Redis primary swapped under memory pressure"));
        QCOMPARE(stored->severity, turno::Severity::Error);
        QCOMPARE(stored->actionItems, plan);

        // A second editor reads the same fields back from the store.
        turno::console::IncidentEditor reread(store);
        QVERIFY(reread.selectIncident(id.value()));
        QCOMPARE(reread.summary(), stored->summary);
        QCOMPARE(reread.rootCause(), stored->rootCause);
        QCOMPARE(reread.actionItems().value(), plan);

        // A due date that is not a date is refused, naming the row.
        reread.setActionItems({{QStringLiteral("x"), QStringLiteral("y"), QDate(), false}});
        auto *table = reread.findChild<QTableWidget *>(QStringLiteral("incidentActions"));
        QVERIFY(table);
        table->item(0, 2)->setText(QStringLiteral("next week"));
        const auto refused = reread.save();
        QVERIFY(!refused.ok());
        QVERIFY2(refused.error().contains(QStringLiteral("row 1")), qPrintable(refused.error()));

        const auto note = editor->addNote(QStringLiteral("rolled the primary back"));
        QVERIFY2(note.ok(), qPrintable(note.error()));
        QVERIFY(note.value() > 0);

        // Markdown as `turnoctl report --format md -o FILE` writes it, off the UI thread.
        const QString md = m_dir.filePath(QStringLiteral("incident.md"));
        QSignalSpy exported(editor, &turno::console::IncidentEditor::exported);
        QVERIFY(editor->exportReport(turno::console::IncidentEditor::Format::Markdown, md).ok());
        QVERIFY(editor->isExporting() || exported.count() == 1);
        QTRY_COMPARE_WITH_TIMEOUT(exported.count(), 1, 20000);
        QVERIFY2(exported.first().at(0).toBool(), qPrintable(exported.first().at(1).toString()));
        QVERIFY(!editor->exportProgress()->isVisible());
        const QString text = QString::fromUtf8(readAll(md));
        QVERIFY2(text.contains(QStringLiteral("Checkout answers slow")), qPrintable(text.left(400)));
        QVERIFY(text.contains(QStringLiteral("p99 rose to 800 ms for 4 minutes")));
        QVERIFY(text.contains(QStringLiteral("Redis primary swapped under memory pressure")));
        QVERIFY(text.contains(QStringLiteral("Runbook for a primary restart")));
        QVERIFY(text.contains(QStringLiteral("rolled the primary back")));
        // The console's charts of the incident's window (the cluster ran a load in it) go beside the Markdown.
        QVERIFY2(text.contains(QStringLiteral("incident-chart-1.png")), qPrintable(text.right(600)));
        QVERIFY(readAll(m_dir.filePath(QStringLiteral("incident-chart-1.png"))).startsWith("\x89PNG"));
        // The console's monitor stored the fleet samples of that load: their peaks and the window's table.
        QVERIFY2(text.contains(QStringLiteral("| fleet req/s | fleet | ")), qPrintable(text.left(2000)));
        QVERIFY(text.contains(QStringLiteral("## Fleet metrics of the window")));
        QVERIFY(!text.contains(QStringLiteral("no fleet samples stored")));

        const QString pdf = m_dir.filePath(QStringLiteral("incident.pdf"));
        QVERIFY(editor->exportReport(turno::console::IncidentEditor::Format::Pdf, pdf).ok());
        QTRY_COMPARE_WITH_TIMEOUT(exported.count(), 2, 60000);
        QVERIFY2(exported.at(1).at(0).toBool(), qPrintable(exported.at(1).at(1).toString()));
        QVERIFY(readAll(pdf).startsWith("%PDF"));

        QVERIFY(editor->closeCurrent().ok());
        QCOMPARE(store->incident(id.value())->state, turno::Incident::State::Closed);
    }

    // Nothing typed is lost: a mark while a change is not stored; leaving the tab, leaving
    // the incident or a pause in typing puts it in the store, and `turnoctl report` has it.
    void typedIncidentTextIsNeverLost()
    {
        QVERIFY(m_window->showTab(QStringLiteral("timeline")));
        turno::console::IncidentEditor *editor = m_window->timelinePanel()->incidents();
        turno::IncidentStore *store = m_window->monitor()->history();
        const auto other = editor->openIncident(QStringLiteral("Another one"), turno::Severity::Warning);
        const auto id = editor->openIncident(QStringLiteral("Typed and left"), turno::Severity::Error);
        QVERIFY(id.ok() && other.ok());
        auto *summary = editor->findChild<QPlainTextEdit *>(QStringLiteral("incidentSummary"));
        auto *impact = editor->findChild<QPlainTextEdit *>(QStringLiteral("incidentImpact"));
        auto *rootCause = editor->findChild<QPlainTextEdit *>(QStringLiteral("incidentRootCause"));
        QVERIFY(summary && impact && rootCause);
        QVERIFY(!editor->isDirty());

        // 1. type, switch to another tab at once: in the store, and in the report.
        summary->setFocus();
        QTest::keyClicks(summary, QStringLiteral("typed at 3 a.m. and left"));
        QVERIFY(editor->isDirty());
        QVERIFY2(editor->saveStateText().startsWith(QStringLiteral("● Unsaved changes")), qPrintable(editor->saveStateText()));
        QCOMPARE(store->incident(id.value())->summary, QString());  // not before it is left (or the pause)
        QVERIFY(m_window->showTab(QStringLiteral("fleet")));
        QCOMPARE(store->incident(id.value())->summary, QStringLiteral("typed at 3 a.m. and left"));
        QVERIFY(!editor->isDirty());
        QVERIFY2(editor->saveStateText().startsWith(QStringLiteral("Saved at ")), qPrintable(editor->saveStateText()));
        const QString md = m_dir.filePath(QStringLiteral("typed.md"));
        QProcess report;
        report.start(turno::test::envPath("TURNOCTL_BIN"),
                     {QStringLiteral("report"), QString::number(id.value()), QStringLiteral("--format"), QStringLiteral("md"),
                      QStringLiteral("-o"), md, QStringLiteral("--db"), m_dir.filePath(QStringLiteral("incidents.db"))});
        QVERIFY(report.waitForFinished(30000));
        QVERIFY2(report.exitCode() == 0, report.readAllStandardError().constData());
        QVERIFY2(readAll(md).contains("typed at 3 a.m. and left"), readAll(md).left(600).constData());
        QVERIFY2(readAll(md).contains("## Summary\n\ntyped at 3 a.m. and left"), readAll(md).left(600).constData());

        // 2. type and pause: the autosave writes it without leaving.
        QVERIFY(m_window->showTab(QStringLiteral("timeline")));
        impact->setFocus();
        QTest::keyClicks(impact, QStringLiteral("every checkout retried"));
        QTRY_COMPARE_WITH_TIMEOUT(store->incident(id.value())->impact, QStringLiteral("every checkout retried"), 5000);
        QTRY_VERIFY_WITH_TIMEOUT(!editor->isDirty(), 1000);

        // 3. type and pick another incident: the first keeps the text.
        rootCause->setFocus();
        QTest::keyClicks(rootCause, QStringLiteral("a full disk"));
        QVERIFY(editor->selectIncident(other.value()));
        QCOMPARE(store->incident(id.value())->rootCause, QStringLiteral("a full disk"));
        QCOMPARE(editor->rootCause(), QString());  // the other incident's own (empty) field

        // 4. a bad action plan row does not hold back the text, and the mark says what is not saved.
        QVERIFY(editor->selectIncident(id.value()));
        editor->setActionItems({{QStringLiteral("x"), QStringLiteral("y"), QDate(), false}});
        editor->findChild<QTableWidget *>(QStringLiteral("incidentActions"))->item(0, 2)->setText(QStringLiteral("someday"));
        summary->moveCursor(QTextCursor::End);
        QTest::keyClicks(summary, QStringLiteral("!"));
        QVERIFY(m_window->showTab(QStringLiteral("fleet")));
        QCOMPARE(store->incident(id.value())->summary, QStringLiteral("typed at 3 a.m. and left!"));
        QVERIFY(editor->isDirty());
        QVERIFY2(editor->saveStateText().contains(QStringLiteral("the action plan is not: action plan row 1")),
                 qPrintable(editor->saveStateText()));
        editor->setActionItems({});
        QVERIFY(editor->save().ok());
        QVERIFY(!editor->isDirty());
    }

    void attachDialogAttachesReadOnly()
    {
        FleetMonitor *launched = m_window->monitor();
        const turno::FleetNode *primary = launched->supervisor()->node(QStringLiteral("redis-1"));
        QVERIFY(primary);
        MainWindow second(m_dir.filePath(QStringLiteral("attached.db")));
        turno::console::AttachDialog dialog(&second);
        dialog.setCluster(m_profile.name);
        dialog.setBalancerStats(launched->supervisor()->haproxySocket());
        dialog.setRedis(QStringLiteral("127.0.0.1:%1").arg(primary->port));
        dialog.setPassword(turno::console::AttachDialog::PasswordSource::File, m_runDir + QStringLiteral("/redis.pass"));
        const auto target = dialog.target();
        QVERIFY2(target.ok(), qPrintable(target.error()));
        QVERIFY(!target->redisPassword.isEmpty());
        turno::console::AttachDialog broken(&second);
        broken.setRedis(QStringLiteral("no-port"));
        QVERIFY(!broken.target().ok());

        const auto attached = second.attachFleet(target.value());
        QVERIFY2(attached.ok(), qPrintable(attached.error()));
        QVERIFY(second.isReadOnly());
        // The balancer's four turno nodes, with their state from HAProxy, and scraped figures.
        FleetNodesModel *nodes = second.monitor()->nodesModel();
        QTRY_COMPARE_WITH_TIMEOUT(nodes->rowCount(), 4, 15000);
        QTRY_COMPARE_WITH_TIMEOUT(nodes->index(nodes->rowOf(QStringLiteral("primary-1")), FleetNodesModel::StateColumn).data().toString(),
                                  QStringLiteral("UP"), 15000);
        QTRY_VERIFY_WITH_TIMEOUT(std::isfinite(nodes->metricsAt(nodes->rowOf(QStringLiteral("primary-1"))).rssBytes), 15000);
        QVERIFY2(second.healthText().contains(QStringLiteral("read-only")), qPrintable(second.healthText()));

        // Read-only: every action that changes the fleet is disabled and says why.
        turno::console::FleetPanel *fleet = second.fleetPanel();
        QVERIFY(fleet->selectNode(QStringLiteral("primary-1")));
        for (QAction *a : fleet->nodeActions().mid(0, 5)) {
            QVERIFY2(!a->isEnabled(), qPrintable(a->text()));
            QVERIFY2(a->toolTip().contains(QStringLiteral("read-only")), qPrintable(a->toolTip()));
        }
        QVERIFY(fleet->findChild<QLabel *>(QStringLiteral("readOnlyBanner"))->isVisibleTo(fleet));
        QVERIFY(!second.loadPanel()->findChild<QPushButton *>(QStringLiteral("loadStart"))->isEnabled());
        QVERIFY(!second.loadPanel()->start().ok());
        QVERIFY(!second.startLoad(1).ok());
        bool refused = false;
        QString why;
        second.monitor()->drain(QStringLiteral("primary-1"), [&](turno::Result<void> r) {
            refused = !r.ok();
            why = r.ok() ? QString() : r.error();
        });
        QVERIFY(refused);
        QVERIFY2(why.contains(QStringLiteral("read-only")), qPrintable(why));
        QVERIFY(second.findChild<QLabel *>(QStringLiteral("readOnlyMode"))->isVisibleTo(&second));

        // The counters come from the attached Redis too.
        const QString id = QString::fromStdString(m_window->loadPanel()->lastReport().highestIssued.front().id);
        second.countersPanel()->watch()->setIssuedFrom(m_window->loadPanel()->lastReport());
        QTRY_VERIFY_WITH_TIMEOUT(second.countersPanel()->watch()->model()->storedOf(id) > 0, 15000);

        // The launched cluster was not touched; detaching leaves read-only mode.
        QVERIFY(launched->isReady());
        second.stopCluster();
        QTRY_VERIFY_WITH_TIMEOUT(!second.isReadOnly(), 5000);
        QCOMPARE(second.monitor()->nodesModel()->rowCount(), 0);
        QTRY_VERIFY_WITH_TIMEOUT(second.loadPanel()->findChild<QPushButton *>(QStringLiteral("loadStart"))->isEnabled(), 5000);
        QVERIFY(!second.fleetPanel()->findChild<QLabel *>(QStringLiteral("readOnlyBanner"))->isVisibleTo(second.fleetPanel()));
    }

private:
    QTemporaryDir m_dir;
    std::unique_ptr<MainWindow> m_window;
    turno::ClusterProfile m_profile;
    QString m_runDir;
    QList<qint64> m_pids;
};

QTEST_MAIN(TestConsoleOps)
#include "test_console_ops.moc"
