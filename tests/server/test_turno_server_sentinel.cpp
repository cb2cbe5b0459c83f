// turno-server following Redis Sentinel: it finds the primary by asking
// Sentinel, and after `SENTINEL FAILOVER` it serves from the promoted replica
// without a restart, never handing out a number twice (sync durability).
#include "server_fixture.h"
#include "turno_client.h"

#include <QElapsedTimer>
#include <QProcess>
#include <QTest>
#include <QThread>
#include <fstream>
#include <set>

using namespace turno::test;

class TestTurnoServerSentinel : public QObject {
    Q_OBJECT
private slots:
    void followsSwitchMaster();

private:
    QString cli(quint16 port, const QStringList &args)
    {
        QProcess p;
        p.start(findProgram(QStringLiteral("redis-cli")), QStringList{QStringLiteral("-p"), QString::number(port)} + args);
        p.waitForFinished(10000);
        return QString::fromUtf8(p.readAllStandardOutput()).trimmed();
    }
};

void TestTurnoServerSentinel::followsSwitchMaster()
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
    // Sentinel must have discovered the replica before it can fail over to it.
    QTRY_VERIFY_WITH_TIMEOUT(cli(sentinelPort, {QStringLiteral("SENTINEL"), QStringLiteral("replicas"), QStringLiteral("mymaster")})
                                 .contains(QString::number(replica.port)),
                             15000);

    RunningServer node = startTurnoServer(dir,
                                          {QStringLiteral("--store"), QStringLiteral("redis"), QStringLiteral("--sentinel"),
                                           QStringLiteral("127.0.0.1:%1").arg(sentinelPort), QStringLiteral("--master"),
                                           QStringLiteral("mymaster"), QStringLiteral("--durability"), QStringLiteral("sync"),
                                           QStringLiteral("--threads"), QStringLiteral("1")},
                                          QStringLiteral("node"));
    QTRY_COMPARE_WITH_TIMEOUT(httpGet(node.port, "GET /readyz HTTP/1.1\r\nHost: t\r\n\r\n").status, 200, 10000);
    QVERIFY(node.process->log().contains(QStringLiteral("primary of 'mymaster' is 127.0.0.1:%1").arg(primary.port)));

    std::set<int64_t> issued;
    TurnoClient before(node.port);
    std::vector<TurnoAnswer> answers;
    std::string why;
    QVERIFY(before.getMany(std::vector<std::string>(100, "f"), 10, answers, why));
    for (const TurnoAnswer &a : answers) {
        QCOMPARE(a.status, 200);
        QVERIFY(issued.insert(a.turno).second);
    }
    QCOMPARE(*issued.rbegin(), int64_t(100));

    // Sentinel refuses (NOGOODSLAVE) until it has fresh INFO from the replica.
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
    // Keep asking during the switch (SENTINEL FAILOVER returns at once, the
    // switch takes about a second): every 200 must be a new number, errors are
    // fine; then 100 more answers once the node follows the new primary.
    const QString moved = QStringLiteral("primary of 'mymaster' is 127.0.0.1:%1").arg(replica.port);
    QElapsedTimer t;
    t.start();
    int afterSwitch = 0;
    int errors = 0;
    while (afterSwitch < 100 && t.elapsed() < 20000) {
        const bool switched = node.process->log().contains(moved);
        const HttpReply r = httpGet(node.port, "GET /turno/f HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n");
        if (r.status == 200) {
            const int64_t n = r.body.mid(r.body.indexOf("\"turno\":") + 8).chopped(1).toLongLong();
            QVERIFY2(issued.insert(n).second, qPrintable(QStringLiteral("number %1 handed out twice").arg(n)));
            QVERIFY(n > 100);
            if (switched)
                ++afterSwitch;
        } else {
            QVERIFY2(r.status == 503, r.body.constData());
            ++errors;
            QThread::msleep(10);
        }
    }
    QCOMPARE(afterSwitch, 100);
    qInfo("failover: %d requests answered 503 during the switch, %zu unique numbers issued", errors, issued.size());
    QVERIFY(cli(replica.port, {QStringLiteral("ROLE")}).startsWith(QStringLiteral("master")));
    QVERIFY2(node.process->log().contains(QStringLiteral("primary of 'mymaster' is 127.0.0.1:%1").arg(replica.port)),
             qPrintable(node.process->log()));
}

QTEST_GUILESS_MAIN(TestTurnoServerSentinel)
#include "test_turno_server_sentinel.moc"
