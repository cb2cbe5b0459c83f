// turnoctl soak, shortened to seconds: against a turno-server the test started
// (--target/--pid, JSON) and one turnoctl starts itself (table), checking the
// fields, the verdict and the exit codes. The 10-minute soak is docs/soak.md.
#include "test_support.h"

#include <QCoreApplication>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QTemporaryDir>
#include <QTest>

class TestSoakCli : public QObject {
    Q_OBJECT
private:
    struct Run {
        int exitCode = -1;
        QByteArray out;
        QByteArray err;
    };
    static Run turnoctl(const QStringList &args, int timeoutMs = 60000)
    {
        QProcess p;
        p.start(turno::test::envPath("TURNOCTL_BIN"), args);
        Run r;
        if (!p.waitForFinished(timeoutMs)) {
            p.kill();
            p.waitForFinished();
            r.err = "turnoctl did not finish in time";
            return r;
        }
        r.exitCode = p.exitStatus() == QProcess::NormalExit ? p.exitCode() : -1;
        r.out = p.readAllStandardOutput();
        r.err = p.readAllStandardError();
        return r;
    }
    // The run checks the mechanics, not this machine's latency: a loaded 2-core
    // CI box moves a 2-second p99 by more than 1.5 x 1 ms, so the floor is wide.
    const QStringList m_short{QStringLiteral("--duration"), QStringLiteral("6s"), QStringLiteral("--interval"),
                              QStringLiteral("2s"), QStringLiteral("--rate"), QStringLiteral("2000"),
                              QStringLiteral("--p99-floor-ms"), QStringLiteral("50")};

private slots:
    void againstARunningServerAsJson()
    {
        QTemporaryDir dir;
        turno::test::ChildProcess server;
        const quint16 port = turno::test::freePort();
        QString why;
        QVERIFY2(server.start(turno::test::envPath("TURNO_SERVER_BIN"),
                              {QStringLiteral("--listen"), QStringLiteral("127.0.0.1:%1").arg(port), QStringLiteral("--store"),
                               QStringLiteral("memory")},
                              dir.filePath(QStringLiteral("server.log")), {}, &why),
                 qPrintable(why));
        QVERIFY2(server.waitForPort(port, 10000), qPrintable(server.log()));

        const Run r = turnoctl(QStringList{QStringLiteral("soak"), QStringLiteral("--target"),
                                           QStringLiteral("http://127.0.0.1:%1").arg(port), QStringLiteral("--pid"),
                                           QString::number(server.pid()), QStringLiteral("--json"), QStringLiteral("--quiet")} +
                               m_short);
        QVERIFY2(r.exitCode == 0, qPrintable(QString::fromUtf8(r.out + r.err)));
        QJsonParseError pe;
        const QJsonObject doc = QJsonDocument::fromJson(r.out, &pe).object();
        QVERIFY2(pe.error == QJsonParseError::NoError, qPrintable(QString::fromUtf8(r.out)));
        QCOMPARE(doc.value(QStringLiteral("passed")).toBool(), true);
        QCOMPARE(doc.value(QStringLiteral("pid")).toInteger(), qint64(server.pid()));
        QCOMPARE(doc.value(QStringLiteral("started_server")).toBool(), false);
        QCOMPARE(doc.value(QStringLiteral("rate")).toDouble(), 2000.0);
        const QJsonArray windows = doc.value(QStringLiteral("windows")).toArray();
        QCOMPARE(windows.size(), 3);
        QVERIFY(windows.at(0).toObject().value(QStringLiteral("warmup")).toBool());
        for (const QJsonValue &v : windows) {
            const QJsonObject w = v.toObject();
            for (const char *key : {"p50_ms", "p99_ms", "errors", "duplicates", "rss_kib", "fds", "requests_per_second"})
                QVERIFY2(w.contains(QLatin1String(key)), key);
            QVERIFY(w.value(QStringLiteral("rss_kib")).toDouble() > 0);
            QVERIFY(w.value(QStringLiteral("fds")).toInt() > 16);  // the load's 16 connections at least
            QVERIFY2(w.value(QStringLiteral("requests_per_second")).toDouble() > 1800,
                     qPrintable(QString::number(w.value(QStringLiteral("requests_per_second")).toDouble())));
            QCOMPARE(w.value(QStringLiteral("errors")).toInt(), 0);
            QCOMPARE(w.value(QStringLiteral("duplicates")).toInt(), 0);
        }
        const QJsonObject checks = doc.value(QStringLiteral("checks")).toObject();
        for (const char *key : {"rss_growth", "rss_ok", "fd_min", "fd_max", "fd_ok", "p99_first_ms", "p99_last_ms", "p99_ok"})
            QVERIFY2(checks.contains(QLatin1String(key)), key);
        QVERIFY(server.running());
    }

    void startsItsOwnServerAndPrintsATable()
    {
        const Run r = turnoctl(QStringList{QStringLiteral("soak"), QStringLiteral("--quiet")} + m_short);
        const QString text = QString::fromUtf8(r.out);
        QVERIFY2(r.exitCode == 0, qPrintable(text + QString::fromUtf8(r.err)));
        QVERIFY2(text.contains(QLatin1String("started by turnoctl")), qPrintable(text));
        for (const char *column : {"window", "p50 ms", "p99 ms", "errors", "dups", "RSS KiB", "fds"})
            QVERIFY2(text.contains(QLatin1String(column)), column);
        QVERIFY2(text.contains(QLatin1String("\nRSS ")) && text.contains(QLatin1String("\nfds ")) &&
                     text.contains(QLatin1String("\np99 ")),
                 qPrintable(text));
        QVERIFY2(text.contains(QLatin1String("verdict: PASS")), qPrintable(text));
    }

    void usageErrorsExitTwo()
    {
        QCOMPARE(turnoctl({QStringLiteral("soak"), QStringLiteral("--target"), QStringLiteral("http://127.0.0.1:1")}).exitCode, 2);
        QCOMPARE(turnoctl({QStringLiteral("soak"), QStringLiteral("--duration"), QStringLiteral("3s"), QStringLiteral("--interval"),
                           QStringLiteral("2s")})
                     .exitCode,
                 2);
        QCOMPARE(turnoctl({QStringLiteral("soak"), QStringLiteral("--duration"), QStringLiteral("soon")}).exitCode, 2);
    }

    void unreachablePidExitsThree()
    {
        const Run r = turnoctl({QStringLiteral("soak"), QStringLiteral("--target"), QStringLiteral("http://127.0.0.1:1"),
                                QStringLiteral("--pid"), QStringLiteral("4194000"), QStringLiteral("--rate"), QStringLiteral("10"),
                                QStringLiteral("--duration"), QStringLiteral("2s"), QStringLiteral("--interval"), QStringLiteral("1s")});
        QCOMPARE(r.exitCode, 3);
        QVERIFY2(r.err.contains("/proc/4194000"), r.err.constData());
        const Run closed = turnoctl({QStringLiteral("soak"), QStringLiteral("--target"),
                                     QStringLiteral("http://127.0.0.1:%1").arg(turno::test::freePort()), QStringLiteral("--pid"),
                                     QString::number(QCoreApplication::applicationPid())});
        QCOMPARE(closed.exitCode, 3);
        QVERIFY2(closed.err.contains("nothing accepts connections"), closed.err.constData());
    }
};

QTEST_GUILESS_MAIN(TestSoakCli)
#include "test_soak_cli.moc"
