// NodeState, BalancerState, NodeHealth: the names status JSON has always
// shown, HAProxy's status words, and the tone a row is painted in.
#include "fleet/node_state.h"

#include <QTest>

using namespace turno;

class TestNodeState : public QObject {
    Q_OBJECT
private slots:
    void namesAreTheStatusWords()
    {
        QCOMPARE(nodeStateName(NodeState::New), QStringLiteral("new"));
        QCOMPARE(nodeStateName(NodeState::Running), QStringLiteral("running"));
        QCOMPARE(nodeStateName(NodeState::Restarting), QStringLiteral("restarting"));
        QCOMPARE(nodeStateName(NodeState::Down), QStringLiteral("down"));
        QCOMPARE(nodeStateName(NodeState::Stopped), QStringLiteral("stopped"));
    }

    void balancerStatusWords_data()
    {
        QTest::addColumn<QString>("status");
        QTest::addColumn<int>("state");
        QTest::addColumn<QString>("name");
        QTest::newRow("up") << "UP" << int(BalancerState::Up) << "UP";
        QTest::newRow("going down") << "UP 1/3" << int(BalancerState::Up) << "UP";
        QTest::newRow("drain") << "DRAIN" << int(BalancerState::Drain) << "DRAIN";
        QTest::newRow("nolb") << "NOLB" << int(BalancerState::Drain) << "DRAIN";
        QTest::newRow("maint") << "MAINT (via x/y)" << int(BalancerState::Maint) << "MAINT";
        QTest::newRow("down") << "DOWN 1/2" << int(BalancerState::Down) << "DOWN";
        QTest::newRow("no check") << "no check" << int(BalancerState::Other) << "";
        QTest::newRow("empty") << "" << int(BalancerState::Unknown) << "";
    }
    void balancerStatusWords()
    {
        QFETCH(QString, status);
        QFETCH(int, state);
        QFETCH(QString, name);
        QCOMPARE(int(balancerStateFromStatus(status)), state);
        QCOMPARE(balancerStateName(BalancerState(state)), name);
    }

    void healthOfARunningNodeFollowsTheBalancer()
    {
        QCOMPARE(nodeHealth(NodeState::Running), NodeHealth::Good);
        QCOMPARE(nodeHealth(NodeState::Running, BalancerState::Up), NodeHealth::Good);
        QCOMPARE(nodeHealth(NodeState::Running, BalancerState::Drain), NodeHealth::Warning);
        QCOMPARE(nodeHealth(NodeState::Running, BalancerState::Maint), NodeHealth::Warning);
        QCOMPARE(nodeHealth(NodeState::Running, BalancerState::Down), NodeHealth::Bad);
        // A process that is not running says more than the balancer.
        QCOMPARE(nodeHealth(NodeState::Restarting, BalancerState::Down), NodeHealth::Busy);
        QCOMPARE(nodeHealth(NodeState::Failed, BalancerState::Up), NodeHealth::Bad);
        QCOMPARE(nodeHealth(NodeState::Stopped), NodeHealth::Idle);
    }
};

QTEST_GUILESS_MAIN(TestNodeState)
#include "test_node_state.moc"
