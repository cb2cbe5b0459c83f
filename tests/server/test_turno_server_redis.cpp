// turno-server on the Redis store against a real redis-server: three server
// processes sharing one Redis stay unique and consecutive, the 2^53-1 limit is
// enforced atomically, a dead Redis gives a fast 503 and recovery, sync
// durability never hands out an unreplicated number, and a rolled-back counter
// is refused rather than reissued.
#include "server_fixture.h"
#include "turno_client.h"

#include <QElapsedTimer>
#include <QProcess>
#include <QRegularExpression>
#include <QTest>
#include <QThread>

using namespace turno::test;

class TestTurnoServerRedis : public QObject {
    Q_OBJECT
private slots:
    void initTestCase();
    void threeServersOneId();
    void threeServersThousandIds();
    void boundaryIsAtomic();
    void redisDownIsFast503ThenRecovers();
    void syncDurabilityWaitsForReplica();
    void rollbackIsRefused();

private:
    QString redisCli(quint16 port, const QStringList &args);
    long long metric(quint16 port, const QString &name);
    QString serverLogs() const
    {
        QString all;
        for (const auto &s : m_servers)
            all += QStringLiteral("\n--- server on %1:\n").arg(s.port) + s.process->log().right(1500);
        return all;
    }
    QTemporaryDir m_dir;
    RunningServer m_redis;
    std::vector<RunningServer> m_servers;
};

QString TestTurnoServerRedis::redisCli(quint16 port, const QStringList &args)
{
    QProcess p;
    p.start(findProgram(QStringLiteral("redis-cli")), QStringList{QStringLiteral("-p"), QString::number(port)} + args);
    p.waitForFinished(10000);
    return QString::fromUtf8(p.readAllStandardOutput()).trimmed();
}

long long TestTurnoServerRedis::metric(quint16 port, const QString &name)
{
    const HttpReply r = httpGet(port, "GET /metrics HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n");
    const QRegularExpression re(QRegularExpression::escape(name) + QStringLiteral(" ([0-9.e+]+)"));
    const auto m = re.match(QString::fromUtf8(r.body));
    return m.hasMatch() ? (long long)m.captured(1).toDouble() : -1;
}

void TestTurnoServerRedis::initTestCase()
{
    QVERIFY(m_dir.isValid());
    QVERIFY2(!findProgram(QStringLiteral("redis-cli")).isEmpty(), "redis-cli missing: run scripts/setup.sh");
    m_redis = startRedis(m_dir, QStringLiteral("redis"));
    for (int i = 0; i < 3; ++i)
        m_servers.push_back(startTurnoServer(m_dir,
                                             {QStringLiteral("--store"), QStringLiteral("redis"), QStringLiteral("--redis"),
                                              QStringLiteral("127.0.0.1:%1").arg(m_redis.port), QStringLiteral("--threads"),
                                              QStringLiteral("1")},
                                             QStringLiteral("node%1").arg(i)));
    // Wait until each node's link is up (readyz), by probing.
    for (auto &s : m_servers) {
        QElapsedTimer t;
        t.start();
        while (httpGet(s.port, "GET /readyz HTTP/1.1\r\nHost: t\r\n\r\n").status != 200 && t.elapsed() < 10000)
            QThread::msleep(20);
        QCOMPARE(httpGet(s.port, "GET /readyz HTTP/1.1\r\nHost: t\r\n\r\n").status, 200);
    }
}

void TestTurnoServerRedis::threeServersOneId()
{
    std::vector<uint16_t> ports;
    for (auto &s : m_servers)
        ports.push_back(s.port);
    std::vector<TurnoAnswer> all;
    std::string why;
    QVERIFY2(runConcurrentClients(ports, 64, 10000, 16, [](int, int) { return std::string("shared"); }, all, why),
             qPrintable(QString::fromStdString(why) + serverLogs()));
    QCOMPARE(all.size(), size_t(640000));
    const std::string problem = checkUniqueConsecutive(all);
    QVERIFY2(problem.empty(), problem.c_str());
    QCOMPARE(redisCli(m_redis.port, {QStringLiteral("GET"), QStringLiteral("turno:shared")}), QStringLiteral("640000"));
}

void TestTurnoServerRedis::threeServersThousandIds()
{
    std::vector<uint16_t> ports;
    for (auto &s : m_servers)
        ports.push_back(s.port);
    std::vector<TurnoAnswer> all;
    std::string why;
    QVERIFY2(runConcurrentClients(ports, 64, 10000, 16,
                                  [](int c, int i) { return "r" + std::to_string((c * 7919 + i) % 1000); }, all, why),
             qPrintable(QString::fromStdString(why) + serverLogs()));
    QCOMPARE(all.size(), size_t(640000));
    const std::string problem = checkUniqueConsecutive(all);
    QVERIFY2(problem.empty(), problem.c_str());
}

void TestTurnoServerRedis::boundaryIsAtomic()
{
    QCOMPARE(redisCli(m_redis.port, {QStringLiteral("SET"), QStringLiteral("turno:edge"), QStringLiteral("9007199254740989")}),
             QStringLiteral("OK"));
    const quint16 port = m_servers[0].port;
    const QByteArray get = "GET /turno/edge HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n";
    QCOMPARE(httpGet(port, get).body, QByteArray("{\"id\":\"edge\",\"turno\":9007199254740990}"));
    QCOMPARE(httpGet(port, get).body, QByteArray("{\"id\":\"edge\",\"turno\":9007199254740991}"));
    for (int i = 0; i < 3; ++i) {
        const HttpReply r = httpGet(m_servers[size_t(i)].port, get);
        QCOMPARE(r.status, 409);
        QVERIFY(r.body.contains("counter exhausted"));
    }
    // The stored value did not move past the limit.
    QCOMPARE(redisCli(m_redis.port, {QStringLiteral("GET"), QStringLiteral("turno:edge")}),
             QStringLiteral("9007199254740991"));
}

void TestTurnoServerRedis::redisDownIsFast503ThenRecovers()
{
    QTemporaryDir dir;
    const quint16 deadPort = freePort();
    RunningServer s = startTurnoServer(dir,
                                       {QStringLiteral("--store"), QStringLiteral("redis"), QStringLiteral("--redis"),
                                        QStringLiteral("127.0.0.1:%1").arg(deadPort), QStringLiteral("--threads"),
                                        QStringLiteral("1")},
                                       QStringLiteral("dead"));
    QElapsedTimer t;
    t.start();
    const HttpReply r = httpGet(s.port, "GET /turno/x HTTP/1.1\r\nHost: t\r\n\r\n");
    QCOMPARE(r.status, 503);
    QVERIFY(r.headers.contains("Retry-After: 1"));
    QVERIFY2(t.elapsed() < 2000, "a dead Redis must not make clients hang");
    QCOMPARE(httpGet(s.port, "GET /readyz HTTP/1.1\r\nHost: t\r\n\r\n").status, 503);
    QTRY_VERIFY_WITH_TIMEOUT(s.process->log().contains(QStringLiteral("cannot connect to Redis")), 3000);

    // Redis comes up on that port: the node reconnects (backoff <= 2 s).
    RunningServer redis;
    QStringList args{QStringLiteral("--port"), QString::number(deadPort), QStringLiteral("--bind"), QStringLiteral("127.0.0.1"),
                     QStringLiteral("--save"), QString(), QStringLiteral("--dir"), dir.path()};
    QVERIFY(redis.process->start(findProgram(QStringLiteral("redis-server")), args, dir.filePath(QStringLiteral("late.log"))));
    QVERIFY(redis.process->waitForPort(deadPort));
    QElapsedTimer w;
    w.start();
    HttpReply ok;
    while (w.elapsed() < 8000) {
        ok = httpGet(s.port, "GET /turno/x HTTP/1.1\r\nHost: t\r\n\r\n");
        if (ok.status == 200)
            break;
        QThread::msleep(50);
    }
    QCOMPARE(ok.status, 200);
    QCOMPARE(ok.body, QByteArray("{\"id\":\"x\",\"turno\":1}"));
}

void TestTurnoServerRedis::syncDurabilityWaitsForReplica()
{
    QTemporaryDir dir;
    RunningServer primary = startRedis(dir, QStringLiteral("primary"));
    RunningServer replica = startRedis(dir, QStringLiteral("replica"),
                                       {QStringLiteral("--replicaof"), QStringLiteral("127.0.0.1"), QString::number(primary.port)});
    QElapsedTimer t;
    t.start();
    while (!redisCli(replica.port, {QStringLiteral("INFO"), QStringLiteral("replication")}).contains(QStringLiteral("master_link_status:up")) &&
           t.elapsed() < 10000)
        QThread::msleep(20);
    RunningServer s = startTurnoServer(dir,
                                       {QStringLiteral("--store"), QStringLiteral("redis"), QStringLiteral("--redis"),
                                        QStringLiteral("127.0.0.1:%1").arg(primary.port), QStringLiteral("--durability"),
                                        QStringLiteral("sync"), QStringLiteral("--wait-timeout-ms"), QStringLiteral("100"),
                                        QStringLiteral("--threads"), QStringLiteral("1")},
                                       QStringLiteral("sync"));
    while (httpGet(s.port, "GET /readyz HTTP/1.1\r\nHost: t\r\n\r\n").status != 200 && t.elapsed() < 15000)
        QThread::msleep(20);
    std::vector<TurnoAnswer> all;
    std::string why;
    QVERIFY2(runConcurrentClients({s.port}, 8, 500, 8, [](int, int) { return std::string("durable"); }, all, why),
             why.c_str());
    const std::string problem = checkUniqueConsecutive(all);
    QVERIFY2(problem.empty(), problem.c_str());
    // Every number answered is on the replica too.
    QCOMPARE(redisCli(replica.port, {QStringLiteral("GET"), QStringLiteral("turno:durable")}), QStringLiteral("4000"));

    // Without a replica, WAIT times out: 503 and a burned number, never a 200.
    replica.process->kill9();
    const long long burnedBefore = metric(s.port, QStringLiteral("turno_numbers_burned_total"));
    for (int i = 0; i < 5; ++i) {
        const HttpReply r = httpGet(s.port, "GET /turno/durable HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n");
        QCOMPARE(r.status, 503);
        QVERIFY2(r.body.contains("wait_timeout"), r.body.constData());
        QVERIFY(r.headers.contains("Retry-After"));
    }
    QCOMPARE(metric(s.port, QStringLiteral("turno_numbers_burned_total")), burnedBefore + 5);
}

void TestTurnoServerRedis::rollbackIsRefused()
{
    const quint16 port = m_servers[1].port;
    const QByteArray get = "GET /turno/rolled HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n";
    QCOMPARE(redisCli(m_redis.port, {QStringLiteral("SET"), QStringLiteral("turno:rolled"), QStringLiteral("100")}),
             QStringLiteral("OK"));
    QCOMPARE(httpGet(port, get).body, QByteArray("{\"id\":\"rolled\",\"turno\":101}"));
    // Simulate a promoted replica that lost the last writes.
    QCOMPARE(redisCli(m_redis.port, {QStringLiteral("SET"), QStringLiteral("turno:rolled"), QStringLiteral("90")}),
             QStringLiteral("OK"));
    for (int i = 0; i < 11; ++i) {
        const HttpReply r = httpGet(port, get);
        QCOMPARE(r.status, 503);
        QVERIFY2(r.body.contains("rolled back"), r.body.constData());
    }
    QVERIFY(m_servers[1].process->log().contains(QStringLiteral("ALARM")));
    // Once Redis is past what was issued, numbers flow again, above 101.
    const HttpReply next = httpGet(port, get);
    QCOMPARE(next.status, 200);
    QCOMPARE(next.body, QByteArray("{\"id\":\"rolled\",\"turno\":102}"));
}

QTEST_GUILESS_MAIN(TestTurnoServerRedis)
#include "test_turno_server_redis.moc"
