// turno-server's command line: defaults, validation messages, and secrets
// refused on argv.
#include "options.h"
#include "registry_announcer.h"

#include <QTemporaryDir>
#include <QTest>
#include <fstream>
#include <sys/stat.h>

using namespace turno::server;

static ParseOutcome parseArgs(std::vector<const char *> args, const char *password = nullptr)
{
    args.insert(args.begin(), "turno-server");
    static const char *pw;
    pw = password;
    return parseOptions(int(args.size()), args.data(), [](const char *name) -> const char * {
        return std::string(name) == "TURNO_REDIS_PASSWORD" ? pw : nullptr;
    });
}

class TestServerOptions : public QObject {
    Q_OBJECT
private slots:
    void defaults()
    {
        const ParseOutcome r = parseArgs({});
        QVERIFY(r.ok && !r.exitNow);
        QCOMPARE(r.options.listen.host, std::string("127.0.0.1"));
        QCOMPARE(r.options.listen.port, uint16_t(7017));
        QCOMPARE(int(r.options.store), int(StoreKind::Memory));
    }
    void helpListsEveryFlagWithDefault()
    {
        const ParseOutcome r = parseArgs({"--help"});
        QVERIFY(r.ok && r.exitNow);
        for (const char *flag : {"--listen", "--store", "--redis", "--sentinel", "--master", "--threads", "--durability",
                                 "--redis-password-file", "--max-connections", "--drain-timeout-ms", "--announce",
                                 "--advertise", "--pool", "--announce-ttl-ms"})
            QVERIFY2(r.message.find(flag) != std::string::npos, flag);
        QVERIFY(r.message.find("[127.0.0.1:7017]") != std::string::npos);
    }
    void errorsSayWhat_data()
    {
        QTest::addColumn<QStringList>("args");
        QTest::addColumn<QString>("mentions");
        QTest::newRow("bad store") << QStringList{"--store", "disk"} << "memory or redis";
        QTest::newRow("bad port") << QStringList{"--listen", "127.0.0.1:99999"} << "0 to 65535";
        QTest::newRow("no port") << QStringList{"--listen", "localhost"} << "HOST:PORT";
        QTest::newRow("sentinel without master") << QStringList{"--store", "redis", "--sentinel", "127.0.0.1:1"}
                                                 << "--master";
        QTest::newRow("password on argv") << QStringList{"--redis-password", "x"} << "TURNO_REDIS_PASSWORD";
        QTest::newRow("unknown") << QStringList{"--frobnicate"} << "unknown option";
        QTest::newRow("threads zero") << QStringList{"--threads", "0"} << "--threads";
        QTest::newRow("durability with memory") << QStringList{"--durability", "sync"} << "--store redis";
        QTest::newRow("announce with memory") << QStringList{"--announce", "c"} << "--store redis";
        QTest::newRow("announce glob cluster") << QStringList{"--store", "redis", "--announce", "c*"} << "1-40 characters";
        QTest::newRow("announce on any address") << QStringList{"--store", "redis", "--listen", "0.0.0.0:7017", "--announce", "c"}
                                                 << "--advertise";
        QTest::newRow("advertise port 0") << QStringList{"--store", "redis", "--announce", "c", "--advertise", "10.0.0.1:0"}
                                          << "port 0";
        QTest::newRow("pool without announce") << QStringList{"--store", "redis", "--pool", "secondary"} << "--announce CLUSTER";
        QTest::newRow("ttl too short") << QStringList{"--store", "redis", "--announce", "c", "--announce-ttl-ms", "10"}
                                       << "300 to 3600000";
    }
    void errorsSayWhat()
    {
        QFETCH(QStringList, args);
        QFETCH(QString, mentions);
        std::vector<std::string> store;
        for (const QString &a : args)
            store.push_back(a.toStdString());
        std::vector<const char *> argv;
        for (auto &s : store)
            argv.push_back(s.c_str());
        const ParseOutcome r = parseArgs(argv);
        QVERIFY(!r.ok);
        QCOMPARE(r.exitCode, 2);
        QVERIFY2(r.message.find(mentions.toStdString()) != std::string::npos, r.message.c_str());
    }
    void passwordFromEnvOrFile()
    {
        QCOMPARE(parseArgs({"--store", "redis"}, "s3cret").options.redisPassword, std::string("s3cret"));
        QTemporaryDir dir;
        const std::string file = dir.filePath("pw").toStdString();
        std::ofstream(file) << "fromfile\n";
        ::chmod(file.c_str(), 0644);
        ParseOutcome loose = parseArgs({"--store", "redis", "--redis-password-file", file.c_str()});
        QVERIFY(!loose.ok);
        QVERIFY(loose.message.find("chmod 600") != std::string::npos);
        ::chmod(file.c_str(), 0600);
        ParseOutcome good = parseArgs({"--store", "redis", "--redis-password-file", file.c_str()});
        QVERIFY(good.ok);
        QCOMPARE(good.options.redisPassword, std::string("fromfile"));
    }
    void announceDefaultsAndRegistryValue()
    {
        ParseOutcome r = parseArgs({"--store", "redis", "--listen", "127.0.0.1:7100", "--node-name", "n\"1", "--announce", "prod"});
        QVERIFY2(r.ok, r.message.c_str());
        QCOMPARE(r.options.announceCluster, std::string("prod"));
        QCOMPARE(r.options.advertise.host, std::string("127.0.0.1"));
        QCOMPARE(r.options.advertise.port, uint16_t(7100));
        QCOMPARE(r.options.pool, std::string("primary"));
        QCOMPARE(r.options.announceTtlMs, 3000);
        // The key and JSON NodeRegistry reads (core/fleet/node_registry.h), escapes included.
        QCOMPARE(RegistryAnnouncer::key("prod", "n1"), std::string("turno:registry:prod:n1"));
        QCOMPARE(RegistryAnnouncer::value(r.options, 42),
                 std::string("{\"name\":\"n\\\"1\",\"pool\":\"primary\",\"address\":\"127.0.0.1:7100\",\"pid\":42,"
                             "\"cluster\":\"prod\"}"));
        r = parseArgs({"--store", "redis", "--listen", "0.0.0.0:7017", "--announce", "prod", "--advertise", "10.1.2.3:7017",
                       "--pool", "secondary", "--announce-ttl-ms", "5000"});
        QVERIFY2(r.ok, r.message.c_str());
        QCOMPARE(r.options.advertise.host, std::string("10.1.2.3"));
        QCOMPARE(r.options.pool, std::string("secondary"));
        QCOMPARE(r.options.announceTtlMs, 5000);
    }
};

QTEST_GUILESS_MAIN(TestServerOptions)
#include "test_server_options.moc"
