// FleetNodesModel: rows follow the node list (insert, remove, change in place),
// metrics and balancer states land in the right cells, and the model obeys
// QAbstractItemModel's contract throughout (QAbstractItemModelTester).
#include "models/fleet_nodes_model.h"

#include <QAbstractItemModelTester>
#include <QSignalSpy>
#include <QTest>

using turno::FleetNodeInfo;
using turno::FleetNodeMetrics;
using turno::FleetNodesModel;

namespace {

FleetNodeInfo node(const QString &name, turno::NodeState state = turno::NodeState::Running, qint64 pid = 100)
{
    FleetNodeInfo n;
    n.name = name;
    n.kind = name.startsWith(QLatin1String("redis")) ? QStringLiteral("redis") : QStringLiteral("turno");
    n.pool = n.kind == QLatin1String("turno") ? name.section(QLatin1Char('-'), 0, 0) : QString();
    n.state = state;
    n.pid = pid;
    n.address = QStringLiteral("127.0.0.1:71%1").arg(name.size());
    n.weight = 1;
    return n;
}

QString cell(const FleetNodesModel &m, int row, int column)
{
    return m.index(row, column).data().toString();
}

}  // namespace

class TestFleetNodesModel : public QObject {
    Q_OBJECT
private slots:
    // The role is a column of its own: a failover changes it in place, the name stays.
    void roleColumnShowsTheRedisRoleApartFromTheName()
    {
        FleetNodesModel model;
        QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
        FleetNodeInfo first = node("redis-1"), second = node("redis-2");
        first.role = QStringLiteral("primary");
        second.role = QStringLiteral("replica");
        model.setNodes({node("primary-1"), first, second});
        QCOMPARE(model.headerData(FleetNodesModel::RoleColumn, Qt::Horizontal).toString(), QStringLiteral("Role"));
        QCOMPARE(cell(model, 1, FleetNodesModel::RoleColumn), QStringLiteral("primary"));
        QCOMPARE(cell(model, 2, FleetNodesModel::RoleColumn), QStringLiteral("replica"));
        QCOMPARE(cell(model, 0, FleetNodesModel::RoleColumn), QString());
        QCOMPARE(model.index(1, FleetNodesModel::NameColumn).data(FleetNodesModel::RedisRoleRole).toString(), QStringLiteral("primary"));
        QVERIFY(model.index(1, FleetNodesModel::NameColumn).data(Qt::ToolTipRole).toString().startsWith(QStringLiteral("redis-1 (redis primary)")));

        QSignalSpy changed(&model, &QAbstractItemModel::dataChanged);
        first.role = QStringLiteral("replica");
        second.role = QStringLiteral("primary");
        model.setNodes({node("primary-1"), first, second});
        QCOMPARE(changed.size(), 2);
        QCOMPARE(cell(model, 1, FleetNodesModel::NameColumn), QStringLiteral("redis-1"));
        QCOMPARE(cell(model, 1, FleetNodesModel::RoleColumn), QStringLiteral("replica"));
        QCOMPARE(cell(model, 2, FleetNodesModel::NameColumn), QStringLiteral("redis-2"));
        QCOMPARE(cell(model, 2, FleetNodesModel::RoleColumn), QStringLiteral("primary"));
    }

    void rowsFollowTheNodeList()
    {
        FleetNodesModel model;
        QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
        QSignalSpy inserted(&model, &QAbstractItemModel::rowsInserted);
        QSignalSpy removed(&model, &QAbstractItemModel::rowsRemoved);
        QSignalSpy reset(&model, &QAbstractItemModel::modelReset);

        model.setNodes({node("primary-1"), node("primary-2"), node("redis-1")});
        QCOMPARE(model.rowCount(), 3);
        QCOMPARE(model.columnCount(), int(FleetNodesModel::ColumnCount));
        QCOMPARE(cell(model, 0, FleetNodesModel::NameColumn), QStringLiteral("primary-1"));
        QCOMPARE(cell(model, 0, FleetNodesModel::PoolColumn), QStringLiteral("primary"));
        // A node without a pool shows its kind there.
        QCOMPARE(cell(model, 2, FleetNodesModel::PoolColumn), QStringLiteral("redis"));
        QCOMPARE(inserted.size(), 3);

        // primary-2 goes, secondary-1 comes: one removal, one insertion, never a reset.
        model.setNodes({node("primary-1"), node("redis-1"), node("secondary-1")});
        QCOMPARE(removed.size(), 1);
        QCOMPARE(inserted.size(), 4);
        QCOMPARE(reset.size(), 0);
        QCOMPARE(model.rowOf(QStringLiteral("primary-2")), -1);
        QCOMPARE(model.rowOf(QStringLiteral("secondary-1")), 2);

        model.clear();
        QCOMPARE(model.rowCount(), 0);
    }

    void changedNodeEmitsDataChangedForItsRowOnly()
    {
        FleetNodesModel model;
        QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
        model.setNodes({node("primary-1"), node("primary-2")});
        QSignalSpy changed(&model, &QAbstractItemModel::dataChanged);

        model.setNodes({node("primary-1"), node("primary-2")});
        QCOMPARE(changed.size(), 0);  // nothing changed, nothing emitted

        model.setNodes({node("primary-1"), node("primary-2", turno::NodeState::Restarting, 0)});
        QCOMPARE(changed.size(), 1);
        QCOMPARE(changed[0][0].toModelIndex().row(), 1);
        QCOMPARE(changed[0][1].toModelIndex().row(), 1);
        QCOMPARE(cell(model, 1, FleetNodesModel::StateColumn), QStringLiteral("restarting"));
        QCOMPARE(model.index(1, 0).data(FleetNodesModel::StateRole).toString(), QStringLiteral("restarting"));
        QCOMPARE(cell(model, 1, FleetNodesModel::PidColumn), QStringLiteral("–"));
        QCOMPARE(cell(model, 0, FleetNodesModel::PidColumn), QStringLiteral("100"));
    }

    void metricsFillTheirColumns()
    {
        FleetNodesModel model;
        QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
        model.setNodes({node("primary-1"), node("primary-2")});
        // Nothing measured yet: a dash, not a zero that looks like a measurement.
        QCOMPARE(cell(model, 0, FleetNodesModel::RequestsColumn), QStringLiteral("–"));
        QCOMPARE(cell(model, 0, FleetNodesModel::RssColumn), QStringLiteral("–"));

        FleetNodeMetrics m;
        m.requestsPerSecond = 1234.56;
        m.p50Ms = 0.25;
        m.p99Ms = 3.5;
        m.cpuPercent = 42.04;
        m.rssBytes = 12.5 * 1024 * 1024;
        m.errors = 7;
        m.errorsPerSecond = 0.25;
        m.uptimeSeconds = 3725;
        m.up = true;
        QSignalSpy changed(&model, &QAbstractItemModel::dataChanged);
        QVERIFY(model.setMetrics(QStringLiteral("primary-2"), m));
        QVERIFY(!model.setMetrics(QStringLiteral("nobody"), m));
        QCOMPARE(changed.size(), 1);
        QCOMPARE(changed[0][0].toModelIndex().row(), 1);

        QCOMPARE(cell(model, 1, FleetNodesModel::RequestsColumn), QStringLiteral("1234.6"));
        QCOMPARE(cell(model, 1, FleetNodesModel::P50Column), QStringLiteral("0.25"));
        QCOMPARE(cell(model, 1, FleetNodesModel::P99Column), QStringLiteral("3.50"));
        QCOMPARE(cell(model, 1, FleetNodesModel::CpuColumn), QStringLiteral("42.0"));
        QCOMPARE(cell(model, 1, FleetNodesModel::RssColumn), QStringLiteral("12.5 MiB"));
        // A rate over the charts' window, not the count since start (that one is in the tooltip).
        QCOMPARE(cell(model, 1, FleetNodesModel::ErrorsColumn), QStringLiteral("0.25"));
        QCOMPARE(model.index(1, FleetNodesModel::ErrorsColumn).data(FleetNodesModel::SortRole).toDouble(), 0.25);
        const QString tip = model.index(1, FleetNodesModel::ErrorsColumn).data(Qt::ToolTipRole).toString();
        QVERIFY2(tip.contains(QLatin1String("per second over the last 1 min")) && tip.contains(QLatin1String("7 since the node started")),
                 qPrintable(tip));
        QCOMPARE(model.headerData(FleetNodesModel::ErrorsColumn, Qt::Horizontal).toString(), QStringLiteral("5xx/s (1 min)"));
        QSignalSpy header(&model, &QAbstractItemModel::headerDataChanged);
        model.setErrorRateWindowMs(15 * 60'000);
        QCOMPARE(header.size(), 1);
        QCOMPARE(model.headerData(FleetNodesModel::ErrorsColumn, Qt::Horizontal).toString(), QStringLiteral("5xx/s (15 min)"));
        QVERIFY(model.index(1, FleetNodesModel::ErrorsColumn).data(Qt::ToolTipRole).toString().contains(QLatin1String("over the last 15 min")));
        QCOMPARE(FleetNodesModel::formatWindow(3600'000), QStringLiteral("1 h"));
        QCOMPARE(FleetNodesModel::formatWindow(8000), QStringLiteral("8 s"));
        QCOMPARE(cell(model, 1, FleetNodesModel::UptimeColumn), QStringLiteral("1h 2m"));
        // Sorting uses numbers: 1234.56 > 999 although "1234.6" < "999" as text.
        QCOMPARE(model.index(1, FleetNodesModel::RequestsColumn).data(FleetNodesModel::SortRole).toDouble(), 1234.56);
        QCOMPARE(cell(model, 0, FleetNodesModel::RequestsColumn), QStringLiteral("–"));

        // Metrics survive a node list refresh that keeps the node.
        model.setNodes({node("primary-2"), node("primary-3")});
        QCOMPARE(cell(model, model.rowOf(QStringLiteral("primary-2")), FleetNodesModel::RequestsColumn),
                 QStringLiteral("1234.6"));
    }

    void restartClearsTheOldProcessFiguresAndCountsRestarts()
    {
        FleetNodesModel model;
        QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
        model.setNodes({node("primary-1")});
        QCOMPARE(cell(model, 0, FleetNodesModel::RestartsColumn), QStringLiteral("0"));
        QCOMPARE(model.headerData(FleetNodesModel::RestartsColumn, Qt::Horizontal).toString(), QStringLiteral("Restarts"));
        FleetNodeMetrics m;
        m.requestsPerSecond = 50;
        m.rssBytes = 4096;
        m.errors = 3;
        m.uptimeSeconds = 3725;
        m.up = true;
        QVERIFY(model.setMetrics(QStringLiteral("primary-1"), m));
        QCOMPARE(cell(model, 0, FleetNodesModel::UptimeColumn), QStringLiteral("1h 2m"));

        // Same pid, another restart count: the figures are still this process's.
        FleetNodeInfo same = node("primary-1");
        same.restarts = 0;
        same.weight = 2;
        model.setNodes({same});
        QCOMPARE(cell(model, 0, FleetNodesModel::UptimeColumn), QStringLiteral("1h 2m"));

        // The restart starts (no pid): the old process's uptime goes at once, not at the next scrape.
        FleetNodeInfo restarting = node("primary-1", turno::NodeState::Restarting, 0);
        restarting.restarts = 1;
        model.setNodes({restarting});
        QCOMPARE(cell(model, 0, FleetNodesModel::UptimeColumn), QStringLiteral("–"));
        QCOMPARE(cell(model, 0, FleetNodesModel::ErrorsColumn), QStringLiteral("–"));
        QCOMPARE(cell(model, 0, FleetNodesModel::RequestsColumn), QStringLiteral("–"));
        QCOMPARE(cell(model, 0, FleetNodesModel::RestartsColumn), QStringLiteral("1"));

        // A stale figure set again, then the new process (another pid) appears: cleared again.
        QVERIFY(model.setMetrics(QStringLiteral("primary-1"), m));
        FleetNodeInfo back = node("primary-1", turno::NodeState::Running, 222);
        back.restarts = 1;
        model.setNodes({back});
        QCOMPARE(cell(model, 0, FleetNodesModel::PidColumn), QStringLiteral("222"));
        QCOMPARE(cell(model, 0, FleetNodesModel::UptimeColumn), QStringLiteral("–"));
        QCOMPARE(cell(model, 0, FleetNodesModel::RestartsColumn), QStringLiteral("1"));
        m.uptimeSeconds = 2;
        QVERIFY(model.setMetrics(QStringLiteral("primary-1"), m));
        QCOMPARE(cell(model, 0, FleetNodesModel::UptimeColumn), QStringLiteral("2s"));
    }

    void balancerStateOverridesARunningProcess()
    {
        FleetNodesModel model;
        QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
        model.setNodes({node("primary-1"), node("primary-2", turno::NodeState::Restarting, 0)});
        model.setBalancerStates({{QStringLiteral("primary-1"), QStringLiteral("DRAIN")},
                                 {QStringLiteral("primary-2"), QStringLiteral("DOWN")}});
        QCOMPARE(cell(model, 0, FleetNodesModel::StateColumn), QStringLiteral("DRAIN"));
        // The process state wins while it is not running: "restarting" says more than DOWN.
        QCOMPARE(cell(model, 1, FleetNodesModel::StateColumn), QStringLiteral("restarting"));
        model.setBalancerStates({});
        QCOMPARE(cell(model, 0, FleetNodesModel::StateColumn), QStringLiteral("running"));
    }

    void formats()
    {
        QCOMPARE(FleetNodesModel::formatBytes(512), QStringLiteral("512 B"));
        QCOMPARE(FleetNodesModel::formatBytes(2048), QStringLiteral("2 KiB"));
        QCOMPARE(FleetNodesModel::formatBytes(3.0 * 1024 * 1024 * 1024), QStringLiteral("3.00 GiB"));
        QCOMPARE(FleetNodesModel::formatDuration(59), QStringLiteral("59s"));
        QCOMPARE(FleetNodesModel::formatDuration(61), QStringLiteral("1m 1s"));
        QCOMPARE(FleetNodesModel::formatDuration(90000), QStringLiteral("1d 1h"));
        QCOMPARE(FleetNodesModel::formatDuration(FleetNodeMetrics::kUnknown), QStringLiteral("–"));
    }
};

QTEST_GUILESS_MAIN(TestFleetNodesModel)
#include "test_fleet_nodes_model.moc"
