// AlertListModel over a real AlertEngine and SeriesStore: an alert appears
// as pending, turns firing in place, shows acknowledgement, and goes once it
// is no longer listed; QAbstractItemModelTester checks the contract throughout.
#include "alerts/alert_engine.h"
#include "metrics/series_store.h"
#include "models/alert_list_model.h"
#include "runtime/fleet_monitor.h"

#include <QAbstractItemModelTester>
#include <QSignalSpy>
#include <QTest>

using turno::Alert;
using turno::AlertEngine;
using turno::AlertListModel;
using turno::FleetMonitor;
using turno::SeriesStore;

class TestAlertListModel : public QObject {
    Q_OBJECT
private slots:
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
