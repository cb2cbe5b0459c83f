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
