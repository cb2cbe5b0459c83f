// AlertListModel over a real AlertEngine and SeriesStore: an alert appears
// as pending, turns firing in place, shows acknowledgement, and goes once it
// is no longer listed; QAbstractItemModelTester checks the contract throughout.
#include "alerts/alert_engine.h"
#include "metrics/series_store.h"
#include "incidents/incident_store.h"
#include "models/alert_history_model.h"
#include "models/alert_list_model.h"
#include "runtime/fleet_monitor.h"

#include <QAbstractItemModelTester>
#include <QDateTime>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>

using turno::Alert;
using turno::AlertEngine;
using turno::AlertHistoryModel;
using turno::AlertListModel;
using turno::FleetMonitor;
using turno::SeriesStore;

class TestAlertListModel : public QObject {
    Q_OBJECT
private slots:
    // A pending that goes back under the threshold is Pending -> Inactive (not
    // Resolved): the history says "cleared before firing"; a firing one that
    // clears is Firing -> Resolved, "resolved", with both durations.
    void historyKeepsWhatEnded()
    {
        SeriesStore store;
        AlertEngine engine(&store);
        const auto rules = turno::AlertRuleLoader::loadBytes(R"({"version": 1, "rules": [
            {"name": "HighCpu", "metric": "cpu_percent", "op": ">", "threshold": 80, "for": "2s",
             "severity": "warning", "summary": "CPU {{value}}% on {{node}}"}]})",
                                                             QStringLiteral("rules.json"));
        QVERIFY2(rules.ok(), qPrintable(rules.error()));
        engine.setRules(rules.value());
        AlertHistoryModel history;
        history.follow(&engine);
        QAbstractItemModelTester tester(&history, QAbstractItemModelTester::FailureReportingMode::QtTest);
        QList<turno::AlertTransition> seen;
        connect(&engine, &AlertEngine::transition, this, [&](const turno::AlertTransition &t) { seen << t; });
        const int cpu = store.series(FleetMonitor::nodeSeries(QStringLiteral("primary-1"), QStringLiteral("cpu_percent")));

        qint64 t = 1'000'000;
        store.append(cpu, t, 95);
        engine.evaluate(t);  // pending
        t += 1000;
        store.append(cpu, t, 10);
        engine.evaluate(t);  // back under before the 2 s `for`
        QCOMPARE(seen.size(), 2);
        QCOMPARE(seen[1].from, Alert::State::Pending);
        QCOMPARE(seen[1].to, Alert::State::Inactive);
        QCOMPARE(history.rowCount(), 1);
        QCOMPARE(history.index(0, AlertHistoryModel::OutcomeColumn).data().toString(), QStringLiteral("cleared before firing"));
        QCOMPARE(history.index(0, AlertHistoryModel::RuleColumn).data().toString(), QStringLiteral("HighCpu"));
        QCOMPARE(history.index(0, AlertHistoryModel::NodeColumn).data().toString(), QStringLiteral("primary-1"));
        QCOMPARE(history.index(0, AlertHistoryModel::SeverityColumn).data().toString(), QStringLiteral("warning"));
        QCOMPARE(history.entryAt(0).pendingMs(), 1000);
        QCOMPARE(history.index(0, AlertHistoryModel::PendingColumn).data().toString(), QStringLiteral("1 s"));
        QCOMPARE(history.index(0, AlertHistoryModel::FiringColumn).data().toString(), QStringLiteral("–"));

        // Pending 2 s, firing 5 s, then resolved: newest first.
        for (int i = 0; i <= 7; ++i) {
            t += 1000;
            store.append(cpu, t, i < 7 ? 95 : 10);
            engine.evaluate(t);
        }
        QCOMPARE(seen.last().from, Alert::State::Firing);
        QCOMPARE(seen.last().to, Alert::State::Resolved);
        QCOMPARE(history.rowCount(), 2);
        QCOMPARE(history.index(0, AlertHistoryModel::OutcomeColumn).data().toString(), QStringLiteral("resolved"));
        QCOMPARE(history.entryAt(0).pendingMs(), 2000);
        QCOMPARE(history.entryAt(0).firingMs(), 5000);
        QCOMPARE(history.index(0, AlertHistoryModel::FiringColumn).data().toString(), QStringLiteral("5 s"));
        QCOMPARE(history.index(1, AlertHistoryModel::OutcomeColumn).data().toString(), QStringLiteral("cleared before firing"));
    }

    // What an earlier console recorded comes back from the incident store.
    void historySurvivesARestartThroughTheStore()
    {
        QTemporaryDir dir;
        QVERIFY(dir.isValid());
        turno::IncidentStore store;
        QVERIFY(store.open(dir.filePath(QStringLiteral("incidents.db")), turno::IncidentStore::Options{}).ok());
        auto alertEvent = [&](const QString &state, qint64 at) {
            store.record(turno::IncidentEvent{0, at, QStringLiteral("alerts"), QStringLiteral("redis-1"),
                                              QStringLiteral("alert.") + state, turno::Severity::Info, state,
                                              QJsonObject{{QStringLiteral("rule"), QStringLiteral("RedisDown")},
                                                          {QStringLiteral("severity"), QStringLiteral("critical")},
                                                          {QStringLiteral("state"), state}}});
        };
        const qint64 t = QDateTime::currentMSecsSinceEpoch() - 3'600'000;
        alertEvent(QStringLiteral("pending"), t);
        alertEvent(QStringLiteral("inactive"), t + 1500);
        alertEvent(QStringLiteral("pending"), t + 10'000);
        alertEvent(QStringLiteral("firing"), t + 13'000);
        alertEvent(QStringLiteral("resolved"), t + 73'000);
        alertEvent(QStringLiteral("pending"), t + 80'000);  // still open when that console stopped: not listed
        QVERIFY(store.flush().ok());

        AlertHistoryModel history;
        const auto loaded = history.loadFrom(store);
        QVERIFY2(loaded.ok(), qPrintable(loaded.error()));
        QCOMPARE(loaded.value(), 2);
        QCOMPARE(history.rowCount(), 2);
        QCOMPARE(history.index(0, AlertHistoryModel::OutcomeColumn).data().toString(), QStringLiteral("resolved"));
        QCOMPARE(history.index(0, AlertHistoryModel::SeverityColumn).data().toString(), QStringLiteral("critical"));
        QCOMPARE(history.entryAt(0).pendingMs(), 3000);
        QCOMPARE(history.index(0, AlertHistoryModel::FiringColumn).data().toString(), QStringLiteral("1 min 0 s"));
        QCOMPARE(history.index(1, AlertHistoryModel::OutcomeColumn).data().toString(), QStringLiteral("cleared before firing"));
        QCOMPARE(history.entryAt(1).pendingMs(), 1500);
    }

    void followsTheEngine()
    {
        SeriesStore store;
        AlertEngine engine(&store);
        const auto rules = turno::AlertRuleLoader::loadBytes(R"({"version": 1, "rules": [
            {"name": "HighCpu", "metric": "cpu_percent", "op": ">", "threshold": 80, "for": "2s",
             "severity": "warning", "summary": "CPU {{value}}% on {{node}}"}]})",
                                                             QStringLiteral("rules.json"));
        QVERIFY2(rules.ok(), qPrintable(rules.error()));
        engine.setRules(rules.value());
        engine.setResolvedRetentionMs(2000);
        AlertListModel model(&engine);
        QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
        QCOMPARE(model.rowCount(), 0);

        // The monitor's series keys are what the rules read.
        const int hot = store.series(FleetMonitor::nodeSeries(QStringLiteral("primary-1"), QStringLiteral("cpu_percent")));
        const int cool = store.series(FleetMonitor::nodeSeries(QStringLiteral("primary-2"), QStringLiteral("cpu_percent")));
        qint64 t = 1'000'000;
        store.append(hot, t, 95);
        store.append(cool, t, 10);
        engine.evaluate(t);
        QCOMPARE(model.rowCount(), 1);
        QCOMPARE(model.index(0, AlertListModel::NodeColumn).data().toString(), QStringLiteral("primary-1"));
        QCOMPARE(model.index(0, AlertListModel::StateColumn).data().toString(), QStringLiteral("pending"));
        QCOMPARE(model.count(Alert::State::Pending), 1);

        QSignalSpy changed(&model, &QAbstractItemModel::dataChanged);
        QSignalSpy inserted(&model, &QAbstractItemModel::rowsInserted);
        for (int i = 1; i <= 3; ++i) {
            t += 1000;
            store.append(hot, t, 96);
            store.append(cool, t, 10);
            engine.evaluate(t);
        }
        QCOMPARE(inserted.size(), 0);  // the same alert, changed in place
        QVERIFY(!changed.isEmpty());
        QCOMPARE(model.index(0, AlertListModel::StateColumn).data().toString(), QStringLiteral("firing"));
        QCOMPARE(model.index(0, AlertListModel::StateColumn).data(AlertListModel::StateRole).toString(),
                 QStringLiteral("firing"));
        QCOMPARE(model.index(0, AlertListModel::SummaryColumn).data().toString(), QStringLiteral("CPU 96% on primary-1"));
        QCOMPARE(model.count(Alert::State::Firing), 1);

        QVERIFY(engine.acknowledge(model.index(0, 0).data(AlertListModel::AlertIdRole).toString()).ok());
        t += 1000;
        store.append(hot, t, 97);
        engine.evaluate(t);
        QVERIFY(model.index(0, AlertListModel::StateColumn).data().toString().contains(QStringLiteral("acked")));

        // Back to normal: resolved, then gone after the retention.
        t += 1000;
        store.append(hot, t, 20);
        engine.evaluate(t);
        QCOMPARE(model.index(0, AlertListModel::StateColumn).data(AlertListModel::StateRole).toString(),
                 QStringLiteral("resolved"));
        for (int i = 0; i < 5; ++i) {
            t += 1000;
            store.append(hot, t, 20);
            engine.evaluate(t);
        }
        // AlertEngine drops an expired resolved alert without alertsChanged(), so
        // FleetMonitor reloads the model after every evaluate(); the same here.
        model.reload();
        QCOMPARE(model.rowCount(), 0);
    }
};

QTEST_GUILESS_MAIN(TestAlertListModel)
#include "test_alert_list_model.moc"
