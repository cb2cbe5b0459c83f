// kill -9 of the console, the process that supervises the local fleet (as
// `turnoctl up` or turno-console), under load, repeated. Its children die with
// it (parent-death signal); the next start on the same run directory must
// resume every counter (Redis's append-only file), with the Redis that was the
// primary when it died as the primary again, so that no number answered before
// a kill is ever answered again, and every counter ends above every number answered.
#include "../fleet/fleet_test_util.h"
#include "control/control_client.h"
#include "load/load_config.h"
#include "load/load_engine.h"
#include "load/turno_ledger.h"
#include "test_support.h"

#include <QDir>
#include <QElapsedTimer>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QRandomGenerator>
#include <QTcpSocket>
#include <QTemporaryDir>
#include <QtTest>

#include <mutex>
#include <signal.h>
#include <thread>

using namespace fleettest;
using namespace turno;
using turno::test::envPath;

namespace {

QJsonObject status(const QString &runDir)
{
    const TurnoctlRun st = turnoctl({QStringLiteral("status"), QStringLiteral("--json"), QStringLiteral("--run-dir"), runDir}, 20000);
    return QJsonDocument::fromJson(st.out).object();
}

QList<qint64> clusterPids(const QJsonObject &s)
{
    QList<qint64> pids;
    for (const QJsonValue &v : s.value(QStringLiteral("nodes")).toArray())
        if (v.toObject().value(QStringLiteral("pid")).toInteger() > 0)
            pids << v.toObject().value(QStringLiteral("pid")).toInteger();
    return pids;
}

qint64 supervisorPid(const QString &runDir)
{
    const auto ping = ControlClient(runDir).requestSync(QJsonObject{{QStringLiteral("cmd"), QStringLiteral("ping")}});
    return ping.ok() ? ping.value().value(QStringLiteral("result")).toObject().value(QStringLiteral("pid")).toInteger() : -1;
}

quint16 redisPortOf(const QJsonObject &s, const QString &name)
{
    for (const QJsonValue &v : s.value(QStringLiteral("nodes")).toArray())
        if (v.toObject().value(QStringLiteral("node")).toString() == name)
            return quint16(v.toObject().value(QStringLiteral("address")).toString().section(QLatin1Char(':'), 1).toUInt());
    return 0;
}

}  // namespace

class TestKillConsole : public QObject {
    Q_OBJECT

    static constexpr uint32_t kIds = 4;
    QTemporaryDir m_dir{QStringLiteral("/tmp/turno-kill-console-XXXXXX")};
    QString m_runDir;
    QString m_profile;
    quint16 m_balancer = 0;
    std::string m_prefix;
    std::mutex m_mutex;
    TurnoLedger m_ledger{kIds};
    uint64_t m_duplicates = 0;
    uint64_t m_numbers = 0;
    QList<qint64> m_cleanup;

    // Load through the balancer for seconds; kill (if set) runs after killAfterMs.
    void loadWhile(double seconds, int killAfterMs, const std::function<void()> &kill)
    {
        LoadConfig c;
        c.port = m_balancer;
        c.hostHeader = "127.0.0.1:" + std::to_string(m_balancer);
        c.connections = 4;
        c.threads = 1;
        c.rate = 400;
        c.durationSeconds = seconds;
        c.requestTimeoutSeconds = 1.0;
        c.pattern = IdPattern::Uniform;
        c.idCount = kIds;
        c.idPrefix = m_prefix;
        c.answerObserver = [this](uint32_t id, uint64_t turno, uint64_t) {
            std::lock_guard<std::mutex> lock(m_mutex);
            ++m_numbers;
            if (!m_ledger.record(id, turno))
                ++m_duplicates;
        };
        LoadReport report;
        std::thread t([&] { report = LoadEngine::run(c); });
        if (kill) {
            std::this_thread::sleep_for(std::chrono::milliseconds(killAfterMs));
            kill();
        }
        t.join();
        qInfo("load %.0f s: %llu requests, %llu numbers, %llu errors", seconds, (unsigned long long)report.sent,
              (unsigned long long)report.ok, (unsigned long long)report.errorTotal());
    }

    bool waitBalancer(int timeoutMs)
    {
        QElapsedTimer t;
        t.start();
        while (t.elapsed() < timeoutMs) {
            if (HttpClient(m_balancer).get("/turno/kill-console-ready", 1000).status == 200)
                return true;
            QTest::qWait(200);
        }
        return false;
    }

    // kill -9 of the supervising process while load runs; every child must follow it.
    void killUnderLoad(qint64 pid, const QString &what)
    {
        const QList<qint64> children = clusterPids(status(m_runDir));
        QVERIFY2(children.size() >= 8, qPrintable(what + QStringLiteral(": the fleet's processes are not all listed")));
        m_cleanup += children;
        loadWhile(4.0, 2000, [pid] { ::kill(pid_t(pid), SIGKILL); });
        QElapsedTimer t;
        t.start();
        for (qint64 c : children)
            while (pidAlive(c) && t.elapsed() < 10000)
                QTest::qWait(50);
        for (qint64 c : children)
            QVERIFY2(!pidAlive(c), qPrintable(QStringLiteral("%1: child %2 outlived its supervisor").arg(what).arg(c)));
        qInfo("kill -9 %s (pid %lld): its %lld children followed", qPrintable(what), pid, qint64(children.size()));
    }

    void upDetached()
    {
        const TurnoctlRun up = turnoctl({QStringLiteral("up"), QStringLiteral("--detach"), QStringLiteral("--profile"), m_profile,
                                         QStringLiteral("--run-dir"), m_runDir}, 90000);
        QVERIFY2(up.code == 0, up.err.constData());
        QVERIFY(waitBalancer(20000));
    }

private slots:
    void initTestCase()
    {
        QVERIFY(m_dir.isValid());
        m_runDir = m_dir.filePath(QStringLiteral("run"));
        m_balancer = turno::test::freePort();
        QFile in(envPath("TURNO_SOURCE_DIR") + QStringLiteral("/resources/profiles/default.json"));
        QVERIFY(in.open(QIODevice::ReadOnly));
        QJsonObject p = QJsonDocument::fromJson(in.readAll()).object();
        QJsonObject balancer = p.value(QStringLiteral("balancer")).toObject();
        balancer.insert(QStringLiteral("listen"), QStringLiteral("127.0.0.1:%1").arg(m_balancer));
        p.insert(QStringLiteral("balancer"), balancer);
        QJsonObject server = p.value(QStringLiteral("server")).toObject();
        server.insert(QStringLiteral("binary"), envPath("TURNO_SERVER_BIN"));
        p.insert(QStringLiteral("server"), server);
        m_profile = m_dir.filePath(QStringLiteral("profile.json"));
        QFile out(m_profile);
        QVERIFY(out.open(QIODevice::WriteOnly));
        out.write(QJsonDocument(p).toJson());
        out.close();
        m_prefix = "killconsole" + std::to_string(QRandomGenerator::global()->generate() % 1000000);
    }

    void cleanupTestCase()
    {
        turnoctl({QStringLiteral("down"), QStringLiteral("--run-dir"), m_runDir}, 30000);
        for (qint64 pid : m_cleanup)
            if (pidAlive(pid))
                ::kill(pid_t(pid), SIGKILL);
    }

    void killedConsoleNeverCausesADuplicate()
    {
        // 1. `turnoctl up` (the headless console) killed under load.
        upDetached();
        if (QTest::currentTestFailed())
            return;
        const qint64 up1 = supervisorPid(m_runDir);
        QVERIFY(up1 > 0);
        m_cleanup << up1;
        killUnderLoad(up1, QStringLiteral("turnoctl up"));
        if (QTest::currentTestFailed())
            return;
        if (QTest::currentTestFailed())
            return;

        // 2. turno-console on the same run directory: the counters are back. A
        //    failover moves the primary to redis-2, then the console is killed.
        QProcess console;
        QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
        env.insert(QStringLiteral("QT_QPA_PLATFORM"), QStringLiteral("offscreen"));
        env.insert(QStringLiteral("XDG_CONFIG_HOME"), m_dir.filePath(QStringLiteral("config")));
        console.setProcessEnvironment(env);
        console.setProcessChannelMode(QProcess::ForwardedErrorChannel);
        console.start(QFileInfo(envPath("TURNOCTL_BIN")).absolutePath() + QStringLiteral("/turno-console"),
                      {QStringLiteral("--profile"), m_profile, QStringLiteral("--run-dir"), m_runDir});
        QVERIFY(console.waitForStarted(10000));
        m_cleanup << console.processId();
        QVERIFY2(waitBalancer(40000), "the console's fleet did not answer through the balancer");
        QElapsedTimer ready;
        ready.start();
        while (status(m_runDir).value(QStringLiteral("state")).toString() != QLatin1String("ready") && ready.elapsed() < 30000)
            QTest::qWait(200);
        loadWhile(2.0, 0, {});
        const TurnoctlRun fo = turnoctl({QStringLiteral("failover"), QStringLiteral("--run-dir"), m_runDir}, 60000);
        QVERIFY2(fo.code == 0, (fo.out + fo.err).constData());
        QCOMPARE(status(m_runDir).value(QStringLiteral("redisPrimary")).toString(), QStringLiteral("redis-2"));
        killUnderLoad(console.processId(), QStringLiteral("turno-console"));
        console.waitForFinished(5000);
        if (QTest::currentTestFailed())
            return;

        // 3. `turnoctl up` again: redis-2, the primary at the kill, is the primary again.
        upDetached();
        if (QTest::currentTestFailed())
            return;
        const QJsonObject s = status(m_runDir);
        m_cleanup << supervisorPid(m_runDir) << clusterPids(s);
        QCOMPARE(s.value(QStringLiteral("redisPrimary")).toString(), QStringLiteral("redis-2"));
        loadWhile(3.0, 0, {});

        // Every counter at or above every number answered, and no number twice.
        QFile pass(m_runDir + QStringLiteral("/redis.pass"));
        QVERIFY(pass.open(QIODevice::ReadOnly));
        const QByteArray password = pass.readAll().trimmed();
        QTcpSocket r;
        r.connectToHost(QStringLiteral("127.0.0.1"), redisPortOf(s, QStringLiteral("redis-2")));
        QVERIFY(r.waitForConnected(3000));
        QByteArray req = "*2\r\n$4\r\nAUTH\r\n$" + QByteArray::number(password.size()) + "\r\n" + password + "\r\n";
        for (uint32_t k = 0; k < kIds; ++k) {
            const std::string key = "turno:" + loadIdName(m_prefix, k, kIds);
            req += "*2\r\n$3\r\nGET\r\n$" + QByteArray::number(qsizetype(key.size())) + "\r\n" + QByteArray::fromStdString(key) + "\r\n";
        }
        r.write(req);
        QByteArray got;
        QElapsedTimer t;
        t.start();
        while (got.count('\n') < int(1 + 2 * kIds) && t.elapsed() < 3000 && r.waitForReadyRead(500))
            got += r.readAll();
        const QList<QByteArray> lines = got.split('\n');
        std::lock_guard<std::mutex> lock(m_mutex);
        for (uint32_t k = 0; k < kIds; ++k) {
            const uint64_t stored = lines.value(int(2 + 2 * k)).trimmed().toULongLong();
            qInfo("id %u: stored %llu, highest answered %llu", k, (unsigned long long)stored, (unsigned long long)m_ledger.highest(k));
            QVERIFY2(stored >= m_ledger.highest(k), got.constData());
            QVERIFY(m_ledger.highest(k) > 0);
        }
        qInfo("%llu numbers answered over three supervisor lives, %llu duplicates", (unsigned long long)m_numbers,
              (unsigned long long)m_duplicates);
        QCOMPARE(m_duplicates, uint64_t(0));
    }
};

QTEST_GUILESS_MAIN(TestKillConsole)
#include "test_kill_console.moc"
