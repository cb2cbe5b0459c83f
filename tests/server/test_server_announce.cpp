// turno-server --announce: a node started by hand (no supervisor) writes its
// registry key, an attached console (FleetAttach, NodeRegistry) finds it, a
// SIGTERM removes the key before the process exits, a kill -9 lets it expire
// within the TTL, and after a Sentinel failover the beats go to the new primary.
#include "fleet/fleet_attach.h"
#include "fleet/node_registry.h"
#include "server_fixture.h"

#include <QElapsedTimer>
#include <QJsonArray>
#include <QProcess>
#include <QSignalSpy>
#include <QTest>
#include <QThread>
#include <csignal>
#include <fstream>

using namespace turno::test;

namespace {

constexpr int kTtlMs = 1500;

QString cli(quint16 port, const QStringList &args)
{
    QProcess p;
    p.start(findProgram(QStringLiteral("redis-cli")), QStringList{QStringLiteral("-p"), QString::number(port)} + args);
    p.waitForFinished(10000);
    return QString::fromUtf8(p.readAllStandardOutput()).trimmed();
}

QList<turno::RegisteredNode> discover(quint16 redisPort, const QString &cluster)
{
    turno::NodeRegistry registry(QStringLiteral("127.0.0.1"), redisPort, {}, cluster);
    std::optional<turno::Result<QList<turno::RegisteredNode>>> got;
    registry.discover([&got](turno::Result<QList<turno::RegisteredNode>> r) { got = std::move(r); });
    QElapsedTimer t;
    t.start();
    while (!got && t.elapsed() < 10000)
        QTest::qWait(10);
    if (!got || !got->ok())
        qFatal("registry read failed: %s", got ? qPrintable(got->error()) : "no answer");
    return got->value();
}

QStringList attachedNodes(turno::FleetAttach &attach)
{
    QJsonObject st;
    attach.refresh([&st](QJsonObject o) { st = std::move(o); });
    QElapsedTimer t;
    t.start();
    while (st.isEmpty() && t.elapsed() < 10000)
        QTest::qWait(10);
    QStringList out;
    for (const QJsonValue &v : st.value(QStringLiteral("nodes")).toArray()) {
        const QJsonObject n = v.toObject();
        out << QStringLiteral("%1 %2 %3 %4 %5")
                   .arg(n.value(QStringLiteral("node")).toString(), n.value(QStringLiteral("pool")).toString(),
                        n.value(QStringLiteral("address")).toString(), n.value(QStringLiteral("source")).toString(),
                        n.value(QStringLiteral("state")).toString());
    }
    return out;
}

QStringList announceArgs(quint16 redisPort, const QString &name, const QString &pool)
{
    return {QStringLiteral("--store"), QStringLiteral("redis"), QStringLiteral("--redis"),
            QStringLiteral("127.0.0.1:%1").arg(redisPort), QStringLiteral("--threads"), QStringLiteral("1"),
            QStringLiteral("--node-name"), name, QStringLiteral("--announce"), QStringLiteral("handmade"),
            QStringLiteral("--pool"), pool, QStringLiteral("--announce-ttl-ms"), QString::number(kTtlMs)};
}

}  // namespace

class TestServerAnnounce : public QObject {
    Q_OBJECT
private slots:
    void handStartedNodeIsFoundThenExpiresAfterKill9();
    void sigtermWithdrawsTheKey();
    void beatsFollowTheSentinelPrimary();
};

void TestServerAnnounce::handStartedNodeIsFoundThenExpiresAfterKill9()
{
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    RunningServer redis = startRedis(dir, QStringLiteral("redis"));
    RunningServer node = startTurnoServer(dir, announceArgs(redis.port, QStringLiteral("hand-1"), QStringLiteral("secondary")),
                                          QStringLiteral("hand-1"));

    // The registry as NodeRegistry reads it: name, pool, address, pid, cluster.
    QTRY_COMPARE_WITH_TIMEOUT(discover(redis.port, QStringLiteral("handmade")).size(), 1, 10000);
    const turno::RegisteredNode n = discover(redis.port, QStringLiteral("handmade")).first();
    QCOMPARE(n.name, QStringLiteral("hand-1"));
    QCOMPARE(n.pool, QStringLiteral("secondary"));
    QCOMPARE(n.address, QStringLiteral("127.0.0.1:%1").arg(node.port));
    QCOMPARE(n.pid, node.process->pid());
    QCOMPARE(n.cluster, QStringLiteral("handmade"));
    const int pttl = cli(redis.port, {QStringLiteral("PTTL"), QStringLiteral("turno:registry:handmade:hand-1")}).toInt();
    QVERIFY2(pttl > 0 && pttl <= kTtlMs, qPrintable(QString::number(pttl)));
    QVERIFY(discover(redis.port, QStringLiteral("other")).isEmpty());

    // An attached console that launched nothing finds it, and probes it ready.
    turno::AttachTarget target;
    target.redisHost = QStringLiteral("127.0.0.1");
    target.redisPort = redis.port;
    target.cluster = QStringLiteral("handmade");
    turno::FleetAttach attach(target);
    QSignalSpy events(&attach, &turno::FleetAttach::event);
    const QString seen = QStringLiteral("hand-1 secondary 127.0.0.1:%1 registry ready").arg(node.port);
    QCOMPARE(attachedNodes(attach), QStringList{seen});
    QVERIFY(std::any_of(events.cbegin(), events.cend(), [](const QList<QVariant> &e) {
        const auto event = e[0].value<turno::FleetEvent>();
        return event.kindName() == QLatin1String("node-discovered") && event.node == QLatin1String("hand-1");
    }));

    // Outlives several TTLs: the heartbeat keeps it.
    QTest::qWait(2 * kTtlMs);
    QCOMPARE(attachedNodes(attach), QStringList{seen});

    // kill -9: nobody deletes the key and nobody refreshes it, so Redis
    // expires it when its TTL (at most kTtlMs when the node died) runs out;
    // read on Redis's own clock, so a slow test machine cannot blur it.
    const QString key = QStringLiteral("turno:registry:handmade:hand-1");
    QElapsedTimer sinceKill;
    sinceKill.start();
    node.process->kill9();
    const int leftAtKill = cli(redis.port, {QStringLiteral("PTTL"), key}).toInt();
    QVERIFY2(leftAtKill == -2 || (leftAtKill > 0 && leftAtKill <= kTtlMs), qPrintable(QString::number(leftAtKill)));
    int left = leftAtKill;
    while (left != -2 && sinceKill.elapsed() < 10 * kTtlMs) {
        QTest::qWait(50);
        const int now = cli(redis.port, {QStringLiteral("PTTL"), key}).toInt();
        QVERIFY2(now == -2 || now <= left, qPrintable(QStringLiteral("TTL went up from %1 to %2 ms after kill -9").arg(left).arg(now)));
        left = now;
    }
    QCOMPARE(left, -2);
    qInfo("registry key had %d ms left at kill -9 (TTL %d ms); gone %lld ms after the kill as this test saw it",
          leftAtKill, kTtlMs, sinceKill.elapsed());
    QVERIFY(discover(redis.port, QStringLiteral("handmade")).isEmpty());
    QCOMPARE(attachedNodes(attach), QStringList{});
    QVERIFY(std::any_of(events.cbegin(), events.cend(), [](const QList<QVariant> &e) {
        const auto event = e[0].value<turno::FleetEvent>();
        return event.kindName() == QLatin1String("node-vanished") && event.node == QLatin1String("hand-1");
    }));
}

void TestServerAnnounce::sigtermWithdrawsTheKey()
{
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    RunningServer redis = startRedis(dir, QStringLiteral("redis"));
    // Long TTL: if the key is gone right after exit, the server deleted it.
    QStringList args = announceArgs(redis.port, QStringLiteral("hand-2"), QStringLiteral("primary"));
    args.replace(args.indexOf(QString::number(kTtlMs)), QStringLiteral("60000"));
    RunningServer node = startTurnoServer(dir, args, QStringLiteral("hand-2"));
    QTRY_COMPARE_WITH_TIMEOUT(discover(redis.port, QStringLiteral("handmade")).size(), 1, 10000);
    QCOMPARE(::kill(pid_t(node.process->pid()), SIGTERM), 0);
    QCOMPARE(node.process->waitExit(15000), 0);
    QCOMPARE(cli(redis.port, {QStringLiteral("EXISTS"), QStringLiteral("turno:registry:handmade:hand-2")}), QStringLiteral("0"));
    QVERIFY2(node.process->log().contains(QStringLiteral("registry: turno:registry:handmade:hand-2 withdrawn")),
             qPrintable(node.process->log()));
}

void TestServerAnnounce::beatsFollowTheSentinelPrimary()
{
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    const QString sentinelBin = findProgram(QStringLiteral("redis-sentinel"));
    QVERIFY2(!sentinelBin.isEmpty(), "redis-sentinel missing: run scripts/setup.sh");
    RunningServer primary = startRedis(dir, QStringLiteral("primary"));
    RunningServer replica = startRedis(dir, QStringLiteral("replica"),
                                       {QStringLiteral("--replicaof"), QStringLiteral("127.0.0.1"), QString::number(primary.port)});
    QTRY_VERIFY_WITH_TIMEOUT(cli(replica.port, {QStringLiteral("INFO"), QStringLiteral("replication")})
                                 .contains(QStringLiteral("master_link_status:up")),
                             15000);
    const quint16 sentinelPort = freePort();
    const QString conf = dir.filePath(QStringLiteral("sentinel.conf"));
    {
        std::ofstream f(conf.toStdString());
        f << "port " << sentinelPort << "\nbind 127.0.0.1\ndir " << dir.path().toStdString() << "\n"
          << "sentinel monitor mymaster 127.0.0.1 " << primary.port << " 1\n"
          << "sentinel down-after-milliseconds mymaster 1000\n"
          << "sentinel failover-timeout mymaster 10000\n";
    }
    ChildProcess sentinel;
    QVERIFY(sentinel.start(sentinelBin, {conf}, dir.filePath(QStringLiteral("sentinel.log"))));
    QVERIFY(sentinel.waitForPort(sentinelPort));
    QTRY_VERIFY_WITH_TIMEOUT(cli(sentinelPort, {QStringLiteral("SENTINEL"), QStringLiteral("replicas"), QStringLiteral("mymaster")})
                                 .contains(QString::number(replica.port)),
                             15000);

    RunningServer node = startTurnoServer(
        dir,
        {QStringLiteral("--store"), QStringLiteral("redis"), QStringLiteral("--sentinel"), QStringLiteral("127.0.0.1:%1").arg(sentinelPort),
         QStringLiteral("--master"), QStringLiteral("mymaster"), QStringLiteral("--threads"), QStringLiteral("1"),
         QStringLiteral("--node-name"), QStringLiteral("hand-3"), QStringLiteral("--announce"), QStringLiteral("handmade"),
         QStringLiteral("--announce-ttl-ms"), QString::number(kTtlMs)},
        QStringLiteral("hand-3"));
    const QString key = QStringLiteral("turno:registry:handmade:hand-3");
    QTRY_COMPARE_WITH_TIMEOUT(cli(primary.port, {QStringLiteral("EXISTS"), key}), QStringLiteral("1"), 10000);
    QVERIFY(node.process->log().contains(QStringLiteral("announced in Redis at 127.0.0.1:%1").arg(primary.port)));

    // (Not QTRY_COMPARE: it would send FAILOVER once more after the success.)
    QString answer;
    QElapsedTimer waiting;
    waiting.start();
    while (waiting.elapsed() < 20000) {
        answer = cli(sentinelPort, {QStringLiteral("SENTINEL"), QStringLiteral("FAILOVER"), QStringLiteral("mymaster")});
        if (answer == QLatin1String("OK"))
            break;
        QThread::msleep(200);
    }
    QCOMPARE(answer, QStringLiteral("OK"));
    QTRY_VERIFY_WITH_TIMEOUT(cli(replica.port, {QStringLiteral("ROLE")}).startsWith(QStringLiteral("master")), 20000);
    // The announcer writes to the promoted replica; a key written only before
    // the switch would have expired there after one TTL.
    QTRY_VERIFY_WITH_TIMEOUT(node.process->log().contains(QStringLiteral("announced in Redis at 127.0.0.1:%1").arg(replica.port)),
                             20000);
    QTest::qWait(2 * kTtlMs);
    QCOMPARE(cli(replica.port, {QStringLiteral("EXISTS"), key}), QStringLiteral("1"));
    const turno::RegisteredNode n = discover(replica.port, QStringLiteral("handmade")).value(0);
    QCOMPARE(n.name, QStringLiteral("hand-3"));
    QCOMPARE(n.address, QStringLiteral("127.0.0.1:%1").arg(node.port));
}

QTEST_GUILESS_MAIN(TestServerAnnounce)
#include "test_server_announce.moc"
