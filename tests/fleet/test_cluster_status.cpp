// ClusterStatus: the status JSON from a layout, HAProxy's rows and the
// collector's figures, with no process running.
#include "fleet/cluster_status.h"

#include <QJsonArray>
#include <QTest>
#include <cmath>
#include <deque>

using namespace turno;

namespace {

struct Fixture {
    std::deque<FleetNode> nodes;
    ClusterStatusInput in;

    Fixture()
    {
        in.layout.profile.name = QStringLiteral("local");
        in.layout.profile.algorithm = QStringLiteral("roundrobin");
        in.layout.profile.balancerListen.host = QStringLiteral("127.0.0.1");
        in.layout.runDir = QStringLiteral("/run/t");
        in.layout.balancerPort = 7017;
        in.layout.prometheusPort = 7100;
        in.state = QStringLiteral("ready");
        in.readyMs = 420;
        add(QStringLiteral("redis-1"), FleetNode::Kind::Redis, {}, 7101);
        add(QStringLiteral("redis-2"), FleetNode::Kind::Redis, {}, 7102);
        add(QStringLiteral("primary-1"), FleetNode::Kind::Turno, QStringLiteral("primary"), 7103);
        add(QStringLiteral("secondary-1"), FleetNode::Kind::Turno, QStringLiteral("secondary"), 7104);
        add(QStringLiteral("haproxy"), FleetNode::Kind::Haproxy, {}, 7017);
    }
    void add(const QString &name, FleetNode::Kind kind, const QString &pool, quint16 port)
    {
        FleetNode n;
        n.name = name;
        n.kind = kind;
        n.pool = pool;
        n.port = port;
        n.state = NodeState::Running;
        nodes.push_back(n);
        in.layout.nodes << &nodes.back();
    }
    static HaproxyStatRow row(const QString &server, const QString &status, bool backup)
    {
        HaproxyStatRow r;
        r.proxy = ClusterLayout::backendName();
        r.server = server;
        r.status = status;
        r.weight = 1;
        r.sessionRate = 7;
        r.backup = backup;
        return r;
    }
};

QJsonObject nodeOf(const QJsonObject &status, const QString &name)
{
    for (const QJsonValue &v : status.value(QStringLiteral("nodes")).toArray())
        if (v.toObject().value(QStringLiteral("node")).toString() == name)
            return v.toObject();
    return {};
}

}  // namespace

class TestClusterStatus : public QObject {
    Q_OBJECT
private slots:
    void figuresComeFromTheCollectorAndStatesFromTheBalancer()
    {
        Fixture f;
        f.in.rows = {Fixture::row(QStringLiteral("primary-1"), QStringLiteral("UP"), false),
                     Fixture::row(QStringLiteral("secondary-1"), QStringLiteral("DRAIN"), true)};
        HaproxyStatRow frontend;
        frontend.proxy = QStringLiteral("turno");
        frontend.server = QStringLiteral("FRONTEND");
        frontend.requestRate = 1234;
        f.in.rows << frontend;
        f.in.figures = [](const QString &node) {
            NodeFigures fig;
            if (node == QLatin1String("primary-1")) {
                fig.requestsPerSecond = 1000.04;
                fig.p99Ms = 1.23456;
                fig.errors5xx = 3;
            }
            return fig;
        };
        const QJsonObject st = ClusterStatus::build(f.in);
        QCOMPARE(st.value(QStringLiteral("cluster")).toString(), QStringLiteral("local"));
        QCOMPARE(st.value(QStringLiteral("state")).toString(), QStringLiteral("ready"));
        QCOMPARE(st.value(QStringLiteral("active")).toString(), QStringLiteral("primary"));
        QCOMPARE(st.value(QStringLiteral("balancer")).toString(), QStringLiteral("127.0.0.1:7017"));
        QCOMPARE(st.value(QStringLiteral("statsSocket")).toString(), QStringLiteral("/run/t/haproxy.sock"));
        QCOMPARE(st.value(QStringLiteral("redisPrimary")).toString(), QStringLiteral("redis-1"));
        QCOMPARE(st.value(QStringLiteral("frontend")).toObject().value(QStringLiteral("reqPerSec")).toInt(), 1234);
        QVERIFY(!st.contains(QStringLiteral("balancerError")));

        const QJsonObject p1 = nodeOf(st, QStringLiteral("primary-1"));
        QCOMPARE(p1.value(QStringLiteral("state")).toString(), QStringLiteral("UP"));
        QCOMPARE(p1.value(QStringLiteral("process")).toString(), QStringLiteral("running"));
        QCOMPARE(p1.value(QStringLiteral("reqPerSec")).toDouble(), 1000.0);
        QCOMPARE(p1.value(QStringLiteral("p99Ms")).toDouble(), 1.23);
        QCOMPARE(p1.value(QStringLiteral("node5xx")).toDouble(), 3.0);
        // Without figures: HAProxy's session rate, and no p99 at all rather than a made-up one.
        const QJsonObject s1 = nodeOf(st, QStringLiteral("secondary-1"));
        QCOMPARE(s1.value(QStringLiteral("state")).toString(), QStringLiteral("DRAIN"));
        QCOMPARE(s1.value(QStringLiteral("reqPerSec")).toDouble(), 7.0);
        QVERIFY(s1.value(QStringLiteral("p99Ms")).isNull());
        QVERIFY(!s1.contains(QStringLiteral("node5xx")));
        QCOMPARE(nodeOf(st, QStringLiteral("redis-1")).value(QStringLiteral("role")).toString(), QStringLiteral("primary"));
        QCOMPARE(nodeOf(st, QStringLiteral("redis-2")).value(QStringLiteral("role")).toString(), QStringLiteral("replica"));
        // The kind says what the process is, never which role it holds.
        QCOMPARE(nodeOf(st, QStringLiteral("redis-1")).value(QStringLiteral("kind")).toString(), QStringLiteral("redis"));
        QCOMPARE(nodeOf(st, QStringLiteral("redis-2")).value(QStringLiteral("kind")).toString(), QStringLiteral("redis"));
        QVERIFY(!nodeOf(st, QStringLiteral("primary-1")).contains(QStringLiteral("role")));
    }

    // status's "fleet" (the Overview's figures): rates add up, p99 is the worst
    // node's, the 5xx ratio is weighted by each node's rate, CPU adds up over
    // every process; without traffic no p99 and no ratio rather than zeros.
    void fleetSummaryAddsUpTheNodes()
    {
        Fixture f;
        f.add(QStringLiteral("primary-2"), FleetNode::Kind::Turno, QStringLiteral("primary"), 7105);
        f.nodes[0].cpuPercent = 1.5;   // redis
        f.nodes[2].cpuPercent = 20.0;  // primary-1
        f.nodes[5].cpuPercent = 10.25; // primary-2
        f.in.rows = {Fixture::row(QStringLiteral("primary-1"), QStringLiteral("UP"), false),
                     Fixture::row(QStringLiteral("primary-2"), QStringLiteral("UP"), false),
                     Fixture::row(QStringLiteral("secondary-1"), QStringLiteral("DRAIN"), true)};
        f.in.figures = [](const QString &node) {
            NodeFigures fig;
            if (node == QLatin1String("primary-1")) {
                fig.requestsPerSecond = 300;
                fig.p99Ms = 4;
                fig.errorRatio = 0.0;
            } else if (node == QLatin1String("primary-2")) {
                fig.requestsPerSecond = 100;
                fig.p99Ms = 9.5;
                fig.errorRatio = 0.04;  // 4 of 100
            } else if (node == QLatin1String("secondary-1")) {
                fig.requestsPerSecond = 0;
            }
            return fig;
        };
        const QJsonObject fleet = ClusterStatus::build(f.in).value(QStringLiteral("fleet")).toObject();
        QCOMPARE(fleet.value(QStringLiteral("reqPerSec")).toDouble(), 400.0);
        QCOMPARE(fleet.value(QStringLiteral("p99Ms")).toDouble(), 9.5);
        QCOMPARE(fleet.value(QStringLiteral("errorRatio")).toDouble(), 0.01);  // 4 of 400
        QCOMPARE(fleet.value(QStringLiteral("cpuPercent")).toDouble(), 31.8);  // 31.75 rounded to 0.1
        QCOMPARE(fleet.value(QStringLiteral("turnoNodes")).toInt(), 3);
        QCOMPARE(fleet.value(QStringLiteral("turnoServing")).toInt(), 2);
        QCOMPARE(fleet.value(QStringLiteral("processes")).toInt(), 6);
        QCOMPARE(nodeOf(ClusterStatus::build(f.in), QStringLiteral("primary-2")).value(QStringLiteral("errorRatio")).toDouble(), 0.04);

        f.in.figures = [](const QString &) { return NodeFigures{}; };
        f.in.rows.clear();
        const QJsonObject idle = ClusterStatus::build(f.in).value(QStringLiteral("fleet")).toObject();
        QCOMPARE(idle.value(QStringLiteral("reqPerSec")).toDouble(), 0.0);
        QVERIFY(idle.value(QStringLiteral("p99Ms")).isNull());
        QVERIFY(idle.value(QStringLiteral("errorRatio")).isNull());
        QCOMPARE(idle.value(QStringLiteral("turnoServing")).toInt(), 0);
    }

    // The frontend's figures say what clients got (HAProxy's exporter, after its retries)
    // and its p99 (HAProxy's request log), beside the nodes' own 5xx, as a count and a rate.
    void frontendFiguresBesideTheNodes()
    {
        Fixture f;
        f.in.rows = {Fixture::row(QStringLiteral("primary-1"), QStringLiteral("UP"), false)};
        f.in.figures = [](const QString &node) {
            NodeFigures fig;
            if (node == QLatin1String("primary-1")) {
                fig.windowMs = 1000;
                fig.requestsPerSecond = 1000;
                fig.errors5xx = 40;
                fig.errorsPerSecond = 4;
                fig.errorRatio = 0.004;
            }
            return fig;
        };
        f.in.balancer.windowMs = 1000;
        f.in.balancer.frontend5xxPerSecond = 0;
        f.in.balancer.frontendErrorRatio = 0.0;
        turno::BalancerLogWindow w;
        w.windowMs = 1000;
        w.requests = 1000;
        w.p50Ms = 2;
        w.p99Ms = 9;
        f.in.frontendLog = w;
        QJsonObject st = ClusterStatus::build(f.in);
        const QJsonObject p1 = nodeOf(st, QStringLiteral("primary-1"));
        // The contract fields stay; the rate comes beside them.
        QCOMPARE(p1.value(QStringLiteral("node5xx")).toDouble(), 40.0);
        QCOMPARE(p1.value(QStringLiteral("node5xxPerSec")).toDouble(), 4.0);
        QCOMPARE(p1.value(QStringLiteral("errorRatio")).toDouble(), 0.004);
        QJsonObject fe = st.value(QStringLiteral("frontend")).toObject();
        QCOMPARE(fe.value(QStringLiteral("responses5xxPerSec")).toDouble(), 0.0);
        QCOMPARE(fe.value(QStringLiteral("errorRatio")).toDouble(), 0.0);
        QCOMPARE(fe.value(QStringLiteral("p99Ms")).toDouble(), 9.0);
        QCOMPARE(fe.value(QStringLiteral("p50Ms")).toDouble(), 2.0);
        QCOMPARE(fe.value(QStringLiteral("loggedRequests")).toDouble(), 1000.0);
        QVERIFY(!fe.contains(QStringLiteral("p99Note")));
        const QJsonObject fleet = st.value(QStringLiteral("fleet")).toObject();
        QCOMPARE(fleet.value(QStringLiteral("frontendP99Ms")).toDouble(), 9.0);
        QCOMPARE(fleet.value(QStringLiteral("frontendErrorRatio")).toDouble(), 0.0);
        // The nodes' own ratio is still there, apart from what clients got.
        QCOMPARE(fleet.value(QStringLiteral("errorRatio")).toDouble(), 0.004);

        // A window without a request: no p99 (null), and no note either: the log is there.
        w.requests = 0;
        w.p50Ms = w.p99Ms = turno::BalancerLogWindow::kUnknown;
        f.in.frontendLog = w;
        fe = ClusterStatus::build(f.in).value(QStringLiteral("frontend")).toObject();
        QVERIFY(fe.value(QStringLiteral("p99Ms")).isNull());
        QVERIFY(!fe.contains(QStringLiteral("p99Note")));

        // No log received: null, and the note says what is missing (with why, when known).
        f.in.frontendLog.reset();
        f.in.frontendLogError = QStringLiteral("cannot bind a UDP port");
        f.in.balancer = {};
        st = ClusterStatus::build(f.in);
        fe = st.value(QStringLiteral("frontend")).toObject();
        QVERIFY(fe.value(QStringLiteral("p99Ms")).isNull());
        QVERIFY(fe.value(QStringLiteral("errorRatio")).isNull());
        QVERIFY(!fe.contains(QStringLiteral("responses5xxPerSec")));
        QCOMPARE(fe.value(QStringLiteral("p99Note")).toString(),
                 QStringLiteral("frontend p99 needs the balancer's log (cannot bind a UDP port)"));
        QVERIFY(st.value(QStringLiteral("fleet")).toObject().value(QStringLiteral("frontendP99Ms")).isNull());
    }

    void aSilentBalancerIsSaidAndTheProcessStatesRemain()
    {
        Fixture f;
        f.nodes[2].state = NodeState::Restarting;
        f.in.layout.redisPrimary = QStringLiteral("redis-2");
        f.in.balancerError = QStringLiteral("haproxy is not running");
        const QJsonObject st = ClusterStatus::build(f.in);
        QCOMPARE(st.value(QStringLiteral("balancerError")).toString(), QStringLiteral("haproxy is not running"));
        QCOMPARE(st.value(QStringLiteral("active")).toString(), QStringLiteral("none"));
        QCOMPARE(nodeOf(st, QStringLiteral("primary-1")).value(QStringLiteral("state")).toString(), QStringLiteral("restarting"));
        QCOMPARE(nodeOf(st, QStringLiteral("redis-2")).value(QStringLiteral("role")).toString(), QStringLiteral("primary"));
        QCOMPARE(nodeOf(st, QStringLiteral("redis-1")).value(QStringLiteral("role")).toString(), QStringLiteral("replica"));
        QCOMPARE(st.value(QStringLiteral("redisPrimary")).toString(), QStringLiteral("redis-2"));
    }
};

QTEST_GUILESS_MAIN(TestClusterStatus)
#include "test_cluster_status.moc"
