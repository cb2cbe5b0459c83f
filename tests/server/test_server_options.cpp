// turno-server's command line: defaults, validation messages, and secrets
// refused on argv.
#include "options.h"

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
                                 "--redis-password-file", "--max-connections", "--drain-timeout-ms"})
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
};

QTEST_GUILESS_MAIN(TestServerOptions)
#include "test_server_options.moc"
