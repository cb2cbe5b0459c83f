// The generator against the real turno-server (memory store): under load from
// many connections and threads no number is handed out twice or skipped, the
// unexpected-input probe passes, and turnoctl bench exits 0.
#include "load/load_engine.h"
#include "load/unexpected_input_probe.h"
#include "test_support.h"

#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QTemporaryDir>
#include <QTest>

using namespace turno;

class TestLoadTurnoServer : public QObject {
    Q_OBJECT
private:
    QTemporaryDir m_dir;
    test::ChildProcess m_server;
    quint16 m_port = 0;
    LoadConfig m_config;

private slots:
    void initTestCase()
    {
        const QString bin = test::envPath("TURNO_SERVER_BIN");
        m_port = test::freePort();
        QString why;
        QVERIFY2(m_server.start(bin, {QStringLiteral("--listen"), QStringLiteral("127.0.0.1:%1").arg(m_port),
                                      QStringLiteral("--store"), QStringLiteral("memory"), QStringLiteral("--threads"), QStringLiteral("1")},
                                m_dir.filePath(QStringLiteral("server.log")), {}, &why),
                 qPrintable(why));
        QVERIFY2(m_server.waitForPort(m_port, 10000), qPrintable(QStringLiteral("turno-server did not listen: ") + m_server.log()));
        QVERIFY(parseLoadTarget(QStringLiteral("http://127.0.0.1:%1").arg(m_port), &m_config).ok());
        m_config.connections = 8;
        m_config.threads = 2;
    }

    void hotIdFromEveryConnection()
    {
        LoadConfig c = m_config;
        c.durationSeconds = 2;
        const LoadReport r = LoadEngine::run(c);
        QVERIFY(r.answers > 100);
        QCOMPARE(r.errorTotal(), uint64_t(0));
        QCOMPARE(r.ok, r.answers);
        QCOMPARE(r.duplicates, uint64_t(0));
        QCOMPARE(r.gaps, uint64_t(0));
        QCOMPARE(r.unanswered, uint64_t(0));
    }

    void manyIdsUniformAndZipf()
    {
        for (IdPattern pattern : {IdPattern::Uniform, IdPattern::Zipf}) {
            LoadConfig c = m_config;
            c.durationSeconds = 1.5;
            c.pattern = pattern;
            c.idCount = 64;
            const LoadReport r = LoadEngine::run(c);
            QVERIFY(r.answers > 100);
            QCOMPARE(r.errorTotal(), uint64_t(0));
            QCOMPARE(r.duplicates, uint64_t(0));
            QCOMPARE(r.gaps, uint64_t(0));
        }
    }

    void openLoopAtAModestRate()
    {
        LoadConfig c = m_config;
        c.durationSeconds = 2;
        c.rate = 2000;
        const LoadReport r = LoadEngine::run(c);
        QVERIFY2(r.sent >= 3960 && r.sent <= 4000, qPrintable(QString::number(r.sent)));
        QCOMPARE(r.errorTotal(), uint64_t(0));
        QCOMPARE(r.duplicates, uint64_t(0));
        QCOMPARE(r.gaps, uint64_t(0));
    }

    void unexpectedInputPasses()
    {
        const UnexpectedReport r = UnexpectedInputProbe::run(m_config);
        QVERIFY2(r.passed, qPrintable(r.toText()));
        QVERIFY(m_server.running());
    }

    void counterStopsAtTheLimit()
    {
        // The limit is only reachable with a counter preset in Redis.
        const QString redis = test::findProgram(QStringLiteral("redis-server"));
        const QString cli = test::findProgram(QStringLiteral("redis-cli"));
        if (redis.isEmpty() || cli.isEmpty())
            QSKIP("redis-server/redis-cli not installed");
        const quint16 redisPort = test::freePort();
        test::ChildProcess redisProcess;
        QString why;
        QVERIFY2(redisProcess.start(redis, {QStringLiteral("--port"), QString::number(redisPort), QStringLiteral("--bind"),
                                            QStringLiteral("127.0.0.1"), QStringLiteral("--save"), QString(),
                                            QStringLiteral("--appendonly"), QStringLiteral("no")},
                                    m_dir.filePath(QStringLiteral("redis.log")), {}, &why),
                 qPrintable(why));
        QVERIFY(redisProcess.waitForPort(redisPort));
        const QString id = QStringLiteral("limit-%1").arg(redisPort);
        QProcess set;
        set.start(cli, {QStringLiteral("-p"), QString::number(redisPort), QStringLiteral("SET"), QStringLiteral("turno:") + id,
                        QStringLiteral("9007199254740989")});
        QVERIFY(set.waitForFinished(10000));
        QCOMPARE(set.readAllStandardOutput().trimmed(), QByteArray("OK"));

        const quint16 port = test::freePort();
        test::ChildProcess server;
        QVERIFY2(server.start(test::envPath("TURNO_SERVER_BIN"),
                              {QStringLiteral("--listen"), QStringLiteral("127.0.0.1:%1").arg(port), QStringLiteral("--store"),
                               QStringLiteral("redis"), QStringLiteral("--redis"), QStringLiteral("127.0.0.1:%1").arg(redisPort),
                               QStringLiteral("--durability"), QStringLiteral("async"), QStringLiteral("--threads"), QStringLiteral("1")},
                              m_dir.filePath(QStringLiteral("server-redis.log")), {}, &why),
                 qPrintable(why));
        QVERIFY2(server.waitForPort(port), qPrintable(server.log()));
        // Listening comes before the Redis link is up: wait for /readyz.
        bool ready = false;
        for (int attempt = 0; attempt < 100 && !ready; ++attempt) {
            ready = test::httpGet(port, "GET /readyz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n").status == 200;
            if (!ready)
                QTest::qWait(100);
        }
        QVERIFY2(ready, qPrintable(server.log()));
        LoadConfig target;
        QVERIFY(parseLoadTarget(QStringLiteral("http://127.0.0.1:%1").arg(port), &target).ok());
        UnexpectedCase limitCase;
        for (const UnexpectedCase &c : UnexpectedInputProbe::cases(target, "x", id.toStdString()))
            if (c.name == "counter_at_limit")
                limitCase = c;
        QCOMPARE(limitCase.name, std::string("counter_at_limit"));
        const UnexpectedOutcome o = UnexpectedInputProbe::runCase(target, limitCase, "limit-health");
        // 2^53-2 and 2^53-1 are still handed out, then the counter is exhausted.
        QCOMPARE(o.statuses, (std::vector<int>{200, 200, 409, 409}));
        QVERIFY2(o.passed, qPrintable(o.note));

        // Under load the generator sees only 409s for that id, never a number past the limit.
        LoadConfig c = target;
        c.idPrefix = id.toStdString();
        c.requests = 200;
        c.connections = 4;
        c.threads = 2;
        const LoadReport r = LoadEngine::run(c);
        QCOMPARE(r.statuses.at(409), uint64_t(200));
        QCOMPARE(r.errors[size_t(LoadErrorKind::Turno)], uint64_t(0));
        QCOMPARE(r.ok, uint64_t(0));
    }

    void benchCommandPasses()
    {
        QProcess p;
        p.start(test::envPath("TURNOCTL_BIN"),
                {QStringLiteral("bench"), QStringLiteral("http://127.0.0.1:%1").arg(m_port), QStringLiteral("--duration"),
                 QStringLiteral("1"), QStringLiteral("--connections"), QStringLiteral("8"), QStringLiteral("--threads"),
                 QStringLiteral("2"), QStringLiteral("--ids"), QStringLiteral("16"), QStringLiteral("--zipf"), QStringLiteral("--quiet")});
        QVERIFY(p.waitForFinished(60000));
        const QByteArray out = p.readAllStandardOutput();
        QVERIFY2(p.exitCode() == 0, out + p.readAllStandardError());
        QVERIFY(out.contains("duplicates: 0\n"));
        QVERIFY(out.contains("gaps: 0\n"));
    }
};

QTEST_GUILESS_MAIN(TestLoadTurnoServer)
#include "test_load_turno_server.moc"
