// RedisInfo against a real INFO reply (CRLF, all sections) and hand-written
// replies for the replication, keyspace and errorstats shapes.
#include "metrics_test_util.h"
#include "redis/redis_info.h"

#include <QTest>

using turno::RedisInfo;

class TestRedisInfo : public QObject {
    Q_OBJECT
private slots:
    void realReply();
    void firstColonSplitAndLf();
    void keyspaceToleratesUnknownSubfields();
    void replicationPrimary();
    void replicationReplica();
    void errorStats();
    void cpuPercent_data();
    void cpuPercent();
    void restartDetection();
    void malformed_data();
    void malformed();
};

void TestRedisInfo::realReply()
{
    const QByteArray text = turno::test::metricsFixture(QStringLiteral("redis_info_sample.txt"));
    QVERIFY(text.contains("\r\n"));
    const auto r = RedisInfo::parse(QByteArrayView(text));
    QVERIFY2(r.ok(), qPrintable(r.error()));
    QCOMPARE(r->version(), QStringLiteral("7.0.15"));
    QCOMPARE(r->runId(), QStringLiteral("56e6497405884eaf792a4b5a42b5e468c8468931"));
    QCOMPARE(r->uptimeSeconds(), qint64(16));
    QCOMPARE(r->role(), QStringLiteral("master"));
    QVERIFY(r->isPrimary());
    QCOMPARE(r->connectedClients(), qint64(1));
    QCOMPARE(r->usedMemoryBytes(), qint64(1064440));
    QCOMPARE(r->usedMemoryRssBytes(), qint64(12812288));
    QCOMPARE(r->opsPerSecond(), qint64(0));
    QCOMPARE(r->totalCommands(), qint64(330014));
    QCOMPARE(r->usedCpuSys(), 0.936408);
    QCOMPARE(r->usedCpuUser(), 0.159719);
    QCOMPARE(r->connectedReplicas(), 0);
    QCOMPARE(r->masterReplOffset(), qint64(0));
    QVERIFY(r->replicas().isEmpty());
    // No CR survives the split.
    QCOMPARE(r->value(QStringLiteral("maxmemory_policy")), QStringLiteral("noeviction"));
    QCOMPARE(*r->number(QStringLiteral("used_memory_peak_perc")), 36.33);
    QCOMPARE(r->value(QStringLiteral("config_file")), QString());
    QVERIFY(r->contains(QStringLiteral("config_file")));
    QVERIFY(r->hasSection(QStringLiteral("Server")));
    QVERIFY(r->hasSection(QStringLiteral("Commandstats")));
    QCOMPARE(r->sectionOf(QStringLiteral("role")), QStringLiteral("Replication"));
    QCOMPARE(r->value(QStringLiteral("cmdstat_incr")),
             QStringLiteral("calls=330000,usec=49621,usec_per_call=0.15,rejected_calls=0,failed_calls=0"));
}

void TestRedisInfo::firstColonSplitAndLf()
{
    const QByteArray text = "# Replication\nrole:slave\nmaster_host:::1\nmaster_port:6379\n"
                            "executable:/opt/redis:7/bin/redis-server\n";
    const auto r = RedisInfo::parse(QByteArrayView(text));
    QVERIFY2(r.ok(), qPrintable(r.error()));
    QCOMPARE(r->masterHost(), QStringLiteral("::1"));
    QCOMPARE(r->masterPort(), 6379);
    QCOMPARE(r->value(QStringLiteral("executable")), QStringLiteral("/opt/redis:7/bin/redis-server"));
}

void TestRedisInfo::keyspaceToleratesUnknownSubfields()
{
    const QByteArray text = "# Keyspace\r\ndb0:keys=12,expires=3,avg_ttl=4500\r\n"
                            "db15:keys=7,expires=0,avg_ttl=0,subexpiry=0,future_thing=x\r\n";
    const auto r = RedisInfo::parse(QByteArrayView(text));
    QVERIFY2(r.ok(), qPrintable(r.error()));
    QCOMPARE(r->keyspace().size(), 2);
    QCOMPARE(r->keyspace()[0].db, 0);
    QCOMPARE(r->keyspace()[0].keys, qint64(12));
    QCOMPARE(r->keyspace()[0].expires, qint64(3));
    QCOMPARE(r->keyspace()[0].avgTtlMs, qint64(4500));
    QCOMPARE(r->keyspace()[1].db, 15);
    QCOMPARE(r->keyspace()[1].keys, qint64(7));
    QCOMPARE(r->totalKeys(), qint64(19));
}

void TestRedisInfo::replicationPrimary()
{
    const QByteArray text = "# Replication\r\nrole:master\r\nconnected_slaves:2\r\n"
                            "slave0:ip=127.0.0.1,port=6381,state=online,offset=1234,lag=0\r\n"
                            "slave1:ip=10.0.0.2,port=6382,state=wait_bgsave,offset=0,lag=3\r\n"
                            "master_repl_offset:1234\r\n";
    const auto r = RedisInfo::parse(QByteArrayView(text));
    QVERIFY2(r.ok(), qPrintable(r.error()));
    QCOMPARE(r->connectedReplicas(), 2);
    QCOMPARE(r->replicas().size(), 2);
    QCOMPARE(r->replicas()[0].ip, QStringLiteral("127.0.0.1"));
    QCOMPARE(r->replicas()[0].port, 6381);
    QCOMPARE(r->replicas()[0].state, QStringLiteral("online"));
    QCOMPARE(r->replicas()[0].offset, qint64(1234));
    QCOMPARE(r->replicas()[1].index, 1);
    QCOMPARE(r->replicas()[1].state, QStringLiteral("wait_bgsave"));
    QCOMPARE(r->replicas()[1].lagSeconds, qint64(3));
    QCOMPARE(r->masterReplOffset(), qint64(1234));
}

void TestRedisInfo::replicationReplica()
{
    const QByteArray text = "# Replication\r\nrole:slave\r\nmaster_host:127.0.0.1\r\nmaster_port:6380\r\n"
                            "master_link_status:down\r\nslave_repl_offset:99\r\nmaster_repl_offset:100\r\n";
    const auto r = RedisInfo::parse(QByteArrayView(text));
    QVERIFY2(r.ok(), qPrintable(r.error()));
    QVERIFY(!r->isPrimary());
    QCOMPARE(r->masterLinkStatus(), QStringLiteral("down"));
    QCOMPARE(r->slaveReplOffset(), qint64(99));
}

void TestRedisInfo::errorStats()
{
    const QByteArray text = "# Errorstats\r\nerrorstat_ERR:count=3\r\nerrorstat_WRONGTYPE:count=1\r\n";
    const auto r = RedisInfo::parse(QByteArrayView(text));
    QVERIFY2(r.ok(), qPrintable(r.error()));
    QCOMPARE(r->errorStats().size(), 2);
    QCOMPARE(r->errorStats().value(QStringLiteral("ERR")), qint64(3));
    QCOMPARE(r->errorStats().value(QStringLiteral("WRONGTYPE")), qint64(1));
}

void TestRedisInfo::cpuPercent_data()
{
    QTest::addColumn<QByteArray>("before");
    QTest::addColumn<QByteArray>("after");
    QTest::addColumn<double>("seconds");
    QTest::addColumn<double>("expected");  // negative: not computable
    const QByteArray a = "run_id:aaa\nuptime_in_seconds:10\nused_cpu_sys:1.0\nused_cpu_user:2.0\n";
    QTest::newRow("half a core") << a << QByteArray("run_id:aaa\nuptime_in_seconds:12\nused_cpu_sys:1.4\nused_cpu_user:2.6\n") << 2.0 << 50.0;
    QTest::newRow("two cores") << a << QByteArray("run_id:aaa\nuptime_in_seconds:11\nused_cpu_sys:2.0\nused_cpu_user:3.0\n") << 1.0 << 200.0;
    QTest::newRow("idle") << a << a << 1.0 << 0.0;
    QTest::newRow("restart") << a << QByteArray("run_id:bbb\nuptime_in_seconds:1\nused_cpu_sys:0.1\nused_cpu_user:0.1\n") << 1.0 << -1.0;
    QTest::newRow("no time") << a << a << 0.0 << -1.0;
}

void TestRedisInfo::cpuPercent()
{
    QFETCH(QByteArray, before);
    QFETCH(QByteArray, after);
    QFETCH(double, seconds);
    QFETCH(double, expected);
    const auto b = RedisInfo::parse(QByteArrayView(before));
    const auto a = RedisInfo::parse(QByteArrayView(after));
    QVERIFY(b.ok() && a.ok());
    const auto pct = RedisInfo::cpuPercent(b.value(), a.value(), seconds);
    if (expected < 0) {
        QVERIFY(!pct.has_value());
    } else {
        QVERIFY(pct.has_value());
        QVERIFY2(qAbs(*pct - expected) < 1e-9, qPrintable(QString::number(*pct)));
    }
}

void TestRedisInfo::restartDetection()
{
    const auto a = RedisInfo::parse(QByteArrayView("run_id:aaa\nuptime_in_seconds:100\n"));
    const auto same = RedisInfo::parse(QByteArrayView("run_id:aaa\nuptime_in_seconds:101\n"));
    const auto other = RedisInfo::parse(QByteArrayView("run_id:bbb\nuptime_in_seconds:500\n"));
    const auto noId1 = RedisInfo::parse(QByteArrayView("uptime_in_seconds:100\n"));
    const auto noId2 = RedisInfo::parse(QByteArrayView("uptime_in_seconds:3\n"));
    QVERIFY(a.ok() && same.ok() && other.ok() && noId1.ok() && noId2.ok());
    QVERIFY(!RedisInfo::restartedBetween(a.value(), same.value()));
    // A new run_id is a restart even if uptime grew (restarted long ago, scraped rarely).
    QVERIFY(RedisInfo::restartedBetween(a.value(), other.value()));
    QVERIFY(RedisInfo::restartedBetween(noId1.value(), noId2.value()));
    QVERIFY(!RedisInfo::restartedBetween(noId2.value(), noId1.value()));
}

void TestRedisInfo::malformed_data()
{
    QTest::addColumn<QByteArray>("text");
    QTest::addColumn<QString>("reason");
    QTest::newRow("empty") << QByteArray("") << "INFO reply is empty";
    QTest::newRow("only sections") << QByteArray("# Server\r\n\r\n") << "INFO reply is empty";
    QTest::newRow("no colon") << QByteArray("# Server\r\nredis_version:7\r\ngarbage\r\n") << "INFO line 3: expected 'field:value'";
    QTest::newRow("empty key") << QByteArray(":x\n") << "INFO line 1";
    QTest::newRow("keyspace without keys") << QByteArray("db0:expires=1\n") << "INFO line 1: keyspace entry 'db0' has no keys=N";
    QTest::newRow("replica not pairs") << QByteArray("slave0:127.0.0.1,6380,online\n") << "INFO line 1: replica entry 'slave0'";
    QTest::newRow("errorstat without count") << QByteArray("errorstat_ERR:cnt=1\n") << "has no count=N";
}

void TestRedisInfo::malformed()
{
    QFETCH(QByteArray, text);
    QFETCH(QString, reason);
    const auto r = RedisInfo::parse(QByteArrayView(text));
    QVERIFY(!r.ok());
    QVERIFY2(r.error().contains(reason), qPrintable(r.error()));
}

QTEST_GUILESS_MAIN(TestRedisInfo)
#include "test_redis_info.moc"
