// Quitting the console leaving its cluster running, with the real programs: a
// turno-console (offscreen) launches the default profile and fails over to the
// secondary pool; `turnoctl handover` asks it to quit leaving the cluster
// running. The same pid then runs turnoctl, every cluster process keeps its pid
// and keeps serving (the counter goes on, the active pool stays the secondary),
// a killed node is restarted by the new supervisor, and `turnoctl down` stops
// everything it adopted.
#include "fleet/cluster_profile.h"
#include "test_support.h"

#include <QDir>
#include <QElapsedTimer>
#include <QFile>
#include <QFileInfo>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QRegularExpression>
#include <QTemporaryDir>
#include <QTest>
#include <csignal>
#include <unistd.h>

using turno::test::envPath;

class TestConsoleHandover : public QObject {
    Q_OBJECT

    QTemporaryDir m_dir;
    QString m_runDir;
    turno::test::ChildProcess m_console;
    quint16 m_balancer = 0;
    qint64 m_lastId = 0;

    using Ctl = turno::test::ProgramRun;
    Ctl turnoctl(const QStringList &args, int timeoutMs = 30000) const
    {
        return turno::test::runProgram(envPath("TURNOCTL_BIN"), args, timeoutMs);
    }
    QJsonObject status() const
    {
        const Ctl r = turnoctl({QStringLiteral("status"), QStringLiteral("--json"), QStringLiteral("--run-dir"), m_runDir}, 10000);
        return r.code == 0 ? QJsonDocument::fromJson(r.out).object() : QJsonObject{};
    }
    static QHash<QString, qint64> pids(const QJsonObject &status)
    {
        QHash<QString, qint64> out;
        for (const QJsonValue &v : status.value(QStringLiteral("nodes")).toArray())
            out.insert(v[QStringLiteral("node")].toString(), v[QStringLiteral("pid")].toInteger());
        return out;
    }
    static bool alive(qint64 pid) { return pid > 0 && ::kill(pid_t(pid), 0) == 0; }
    static QString exeOf(qint64 pid) { return QFileInfo(QStringLiteral("/proc/%1/exe").arg(pid)).symLinkTarget(); }
    qint64 next(const QByteArray &id) const
    {
        const auto r = turno::test::httpGet(m_balancer, "GET /turno/" + id + " HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n");
        if (r.status != 200)
            return -1;
        return QJsonDocument::fromJson(r.body).object().value(QStringLiteral("turno")).toInteger();
    }
    bool waitFor(const std::function<bool(const QJsonObject &)> &pred, int timeoutMs, QJsonObject *last = nullptr) const
    {
        QElapsedTimer t;
        t.start();
        while (t.elapsed() < timeoutMs) {
            const QJsonObject st = status();
            if (last)
                *last = st;
            if (!st.isEmpty() && pred(st))
                return true;
            QTest::qWait(200);
        }
        return false;
    }

private slots:
    void initTestCase()
    {
        QVERIFY(m_dir.isValid());
        m_runDir = m_dir.filePath(QStringLiteral("run"));
        auto loaded = turno::ProfileLoader::loadFile(envPath("TURNO_SOURCE_DIR") + QStringLiteral("/resources/profiles/default.json"));
        QVERIFY2(loaded.ok(), qPrintable(loaded.error()));
        turno::ClusterProfile profile = loaded.value();
        m_balancer = turno::test::freePort();
        profile.balancerListen.port = m_balancer;
        profile.serverBinary = envPath("TURNO_SERVER_BIN");
        const QString file = m_dir.filePath(QStringLiteral("profile.json"));
        QFile f(file);
        QVERIFY(f.open(QIODevice::WriteOnly));
        f.write(turno::ProfileLoader::toJson(profile));
        f.close();
        QString why;
        QVERIFY2(m_console.start(envPath("TURNO_CONSOLE_BIN"),
                                 {QStringLiteral("--profile"), file, QStringLiteral("--run-dir"), m_runDir},
                                 m_dir.filePath(QStringLiteral("console.log")),
                                 {QStringLiteral("QT_QPA_PLATFORM=offscreen"),
                                  QStringLiteral("TURNO_INCIDENT_DB=") + m_dir.filePath(QStringLiteral("incidents.db")),
                                  QStringLiteral("XDG_CONFIG_HOME=") + m_dir.filePath(QStringLiteral("config"))},
                                 &why),
                 qPrintable(why));
    }

    void consoleLaunchesAndFailsOver()
    {
        QJsonObject st;
        const bool ready = waitFor([](const QJsonObject &s) {
            return s.value(QStringLiteral("state")).toString() == QLatin1String("ready") &&
                   s[QStringLiteral("failover")][QStringLiteral("readiness")][QStringLiteral("ready")].toBool();
        }, 90000, &st);
        QVERIFY2(ready, qPrintable(m_console.log().right(3000)));
        QCOMPARE(next("handover"), qint64(1));
        const Ctl f = turnoctl({QStringLiteral("failover"), QStringLiteral("--run-dir"), m_runDir}, 60000);
        QVERIFY2(f.code == 0, f.err.constData());
        QCOMPARE(status()[QStringLiteral("failover")][QStringLiteral("active")].toString(), QStringLiteral("secondary"));
        QCOMPARE(next("handover"), qint64(2));
    }

    void handoverKeepsEveryProcessServing()
    {
        const QJsonObject before = status();
        const QHash<QString, qint64> pidsBefore = pids(before);
        QVERIFY(pidsBefore.size() >= 9);
        QVERIFY2(exeOf(m_console.pid()).endsWith(QLatin1String("turno-console")), qPrintable(exeOf(m_console.pid())));

        const Ctl h = turnoctl({QStringLiteral("handover"), QStringLiteral("--run-dir"), m_runDir});
        QVERIFY2(h.code == 0, (h.out + h.err).constData());
        QVERIFY2(h.out.contains("handed over"), h.out.constData());
        // The console's own process, now turnoctl up --adopt.
        QVERIFY(m_console.running());
        QVERIFY2(exeOf(m_console.pid()).endsWith(QLatin1String("turnoctl")), qPrintable(exeOf(m_console.pid())));
        QFile cmdline(QStringLiteral("/proc/%1/cmdline").arg(m_console.pid()));
        QVERIFY(cmdline.open(QIODevice::ReadOnly));
        QVERIFY(cmdline.readAll().contains(QByteArray("--adopt\0", 8)));

        const QJsonObject after = status();
        QCOMPARE(after.value(QStringLiteral("state")).toString(), QStringLiteral("ready"));
        QCOMPARE(pids(after), pidsBefore);
        for (qint64 pid : pidsBefore)
            QVERIFY(alive(pid));
        // Nothing was reset and the serving side is the one the console left.
        QCOMPARE(next("handover"), qint64(3));
        QCOMPARE(after[QStringLiteral("failover")][QStringLiteral("active")].toString(), QStringLiteral("secondary"));
        QVERIFY(!QFile::exists(m_runDir + QStringLiteral("/handover.json")));
        // HAProxy's request log reaches the new supervisor on the port its config names.
        QElapsedTimer t;
        t.start();
        double logged = 0;
        qint64 id = 3;
        while (t.elapsed() < 15000 && logged <= 0) {
            for (int i = 0; i < 20; ++i)
                QCOMPARE(next("handover"), ++id);
            logged = status()[QStringLiteral("frontend")][QStringLiteral("loggedRequests")].toDouble();
        }
        QVERIFY2(logged > 0, "no request log line reached the supervisor after the hand-over");
        m_lastId = id;
    }

    void theNewSupervisorRestartsAKilledNode()
    {
        const qint64 victim = pids(status()).value(QStringLiteral("secondary-1"));
        QVERIFY(alive(victim));
        ::kill(pid_t(victim), SIGKILL);
        QJsonObject st;
        const bool back = waitFor([victim](const QJsonObject &s) {
            for (const QJsonValue &v : s.value(QStringLiteral("nodes")).toArray())
                if (v[QStringLiteral("node")].toString() == QLatin1String("secondary-1"))
                    return v[QStringLiteral("pid")].toInteger() > 0 && v[QStringLiteral("pid")].toInteger() != victim &&
                           v[QStringLiteral("restarts")].toInt() == 1 && v[QStringLiteral("balancer")].toString() == QLatin1String("UP");
            return false;
        }, 30000, &st);
        QVERIFY2(back, QJsonDocument(st).toJson().constData());
        QCOMPARE(next("handover"), m_lastId + 1);
    }

    void downStopsWhatWasAdopted()
    {
        const QHash<QString, qint64> all = pids(status());
        const Ctl d = turnoctl({QStringLiteral("down"), QStringLiteral("--run-dir"), m_runDir});
        QVERIFY2(d.code == 0, d.err.constData());
        QCOMPARE(m_console.waitExit(15000), 0);
        for (auto it = all.cbegin(); it != all.cend(); ++it) {
            QElapsedTimer t;
            t.start();
            while (alive(it.value()) && t.elapsed() < 5000)
                QTest::qWait(50);
            QVERIFY2(!alive(it.value()), qPrintable(QStringLiteral("%1 (pid %2) outlived the stop").arg(it.key()).arg(it.value())));
        }
    }
};

QTEST_GUILESS_MAIN(TestConsoleHandover)
#include "test_console_handover.moc"
