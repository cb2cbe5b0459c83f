// turnoctl as an operator uses it: up --detach, status, logs, down, the figures
// for up/down, and no orphan when the supervising process is SIGKILLed.
#include "control/control_client.h"
#include "fleet_test_util.h"
#include "test_support.h"

#include <QDir>
#include <QElapsedTimer>
#include <QFileInfo>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QTemporaryDir>
#include <QtTest>

using namespace fleettest;

namespace {

struct Snapshot {
    QList<qint64> pids;
    QList<quint16> ports;
    QJsonObject status;
};

Snapshot snapshot(const QString &runDir)
{
    Snapshot s;
    const TurnoctlRun st = turnoctl({QStringLiteral("status"), QStringLiteral("--json"), QStringLiteral("--run-dir"), runDir});
    s.status = QJsonDocument::fromJson(st.out).object();
    for (const QJsonValue &v : s.status.value(QStringLiteral("nodes")).toArray()) {
        const QJsonObject n = v.toObject();
        if (n.value(QStringLiteral("pid")).toInteger() > 0)
            s.pids << n.value(QStringLiteral("pid")).toInteger();
        s.ports << quint16(n.value(QStringLiteral("address")).toString().section(QLatin1Char(':'), 1).toUInt());
    }
    s.ports << quint16(s.status.value(QStringLiteral("prometheus")).toString().section(QLatin1Char(':'), 1).toUInt());
    return s;
}

// Stops whatever a failed test left behind, by PID.
void killAll(const QList<qint64> &pids)
{
    for (qint64 pid : pids)
        if (pidAlive(pid))
            ::kill(pid_t(pid), SIGKILL);
}

}  // namespace

class TestFleetCli : public QObject {
    Q_OBJECT

private:
    QList<qint64> m_cleanup;

private slots:
    void initTestCase()
    {
        for (const char *p : {"redis-server", "redis-sentinel", "haproxy"})
            if (turno::test::findProgram(QLatin1String(p)).isEmpty())
                QSKIP(qPrintable(QStringLiteral("%1 is not installed; run scripts/setup.sh").arg(QLatin1String(p))));
    }

    void cleanup()
    {
        killAll(m_cleanup);
        m_cleanup.clear();
    }

    void clientsWithoutAClusterSayWhatToDo()
    {
        const TurnoctlRun r = turnoctl({QStringLiteral("status"), QStringLiteral("--run-dir"), QStringLiteral("/nonexistent/turno-run")});
        QCOMPARE(r.code, 3);
        QVERIFY2(r.err.contains("turnoctl up"), r.err.constData());
        const TurnoctlRun bad = turnoctl({QStringLiteral("scale"), QStringLiteral("primary")});
        QCOMPARE(bad.code, 2);
    }

    void brokenProfileIsRefusedWithFileAndLine()
    {
        QTemporaryDir dir;
        const QString path = dir.filePath(QStringLiteral("bad.json"));
        QFile f(path);
        QVERIFY(f.open(QIODevice::WriteOnly));
        f.write("{\n  \"store\": \"memory\",\n  \"pools\": { \"primary\": { \"nodes\": 2 } }\n}\n");
        f.close();
        const TurnoctlRun r = turnoctl({QStringLiteral("up"), QStringLiteral("--profile"), path, QStringLiteral("--run-dir"),
                                dir.filePath(QStringLiteral("run"))});
        QCOMPARE(r.code, 2);
        QVERIFY2(r.err.contains((path + QStringLiteral(":2:")).toLocal8Bit()) && r.err.contains("exactly one node"),
                 r.err.constData());
    }

    void upDetachStatusLogsDown()
    {
        QTemporaryDir dir(QStringLiteral("/tmp/turno-cli-test-XXXXXX"));
        const QString runDir = dir.path();
        const QStringList where{QStringLiteral("--run-dir"), runDir};
        const TurnoctlRun up = turnoctl(QStringList{QStringLiteral("up"), QStringLiteral("--detach"), QStringLiteral("--balancer"),
                                            QStringLiteral("127.0.0.1:0")} + where);
        QVERIFY2(up.code == 0, up.err.constData());
        qInfo("FIGURE turnoctl up --detach (default profile) returned ready after %lld ms: %s", up.ms, up.out.trimmed().constData());
        // The background supervisor goes first on cleanup: its children follow it (parent-death signal).
        const auto ping = turno::ControlClient(runDir).requestSync(QJsonObject{{QStringLiteral("cmd"), QStringLiteral("ping")}});
        QVERIFY2(ping.ok(), qPrintable(ping.error()));
        const qint64 supervisorPid = ping.value().value(QStringLiteral("result")).toObject().value(QStringLiteral("pid")).toInteger();
        QVERIFY(pidAlive(supervisorPid));
        m_cleanup = {supervisorPid};
        const Snapshot s = snapshot(runDir);
        m_cleanup += s.pids;
        QCOMPARE(s.status.value(QStringLiteral("state")).toString(), QStringLiteral("ready"));
        QCOMPARE(s.status.value(QStringLiteral("active")).toString(), QStringLiteral("primary"));
        QCOMPARE(s.pids.size(), 10);
        QCOMPARE(QFileInfo(runDir + QStringLiteral("/control.sock")).permissions() &
                     (QFile::ReadGroup | QFile::WriteGroup | QFile::ReadOther | QFile::WriteOther),
                 QFile::Permissions());

        const quint16 balancer = quint16(s.status.value(QStringLiteral("balancer")).toString().section(QLatin1Char(':'), 1).toUInt());
        const Answer a = HttpClient(balancer).get("/turno/cli");
        QCOMPARE(a.status, 200);
        QCOMPARE(a.turno, 1);

        const TurnoctlRun table = turnoctl(QStringList{QStringLiteral("status")} + where);
        QCOMPARE(table.code, 0);
        for (const char *col : {"NODE", "POOL", "ROLE", "STATE", "PID", "ADDRESS", "REQ/S", "P99", "CPU%", "RSS", "ERRORS"})
            QVERIFY2(table.out.contains(col), table.out.constData());
        QVERIFY(table.out.contains("active primary"));
        // The Overview's figures headless: status's "fleet" as one line.
        QVERIFY2(table.out.contains("\nfleet: ") && table.out.contains(" turno nodes serving\n"), table.out.constData());
        // The Redis nodes: named by launch order, the role in its own column.
        QMap<QString, QStringList> rows;
        for (const QByteArray &line : table.out.split('\n')) {
            const QStringList cells = QString::fromUtf8(line).split(QLatin1Char(' '), Qt::SkipEmptyParts);
            if (!cells.isEmpty())
                rows.insert(cells.first(), cells);
        }
        QCOMPARE(rows.value(QStringLiteral("NODE")).mid(0, 4),
                 (QStringList{QStringLiteral("NODE"), QStringLiteral("POOL"), QStringLiteral("ROLE"), QStringLiteral("STATE")}));
        QCOMPARE(rows.value(QStringLiteral("redis-1")).mid(1, 2), (QStringList{QStringLiteral("redis"), QStringLiteral("primary")}));
        QCOMPARE(rows.value(QStringLiteral("redis-2")).mid(1, 2), (QStringList{QStringLiteral("redis"), QStringLiteral("replica")}));
        QCOMPARE(rows.value(QStringLiteral("primary-1")).mid(1, 2), (QStringList{QStringLiteral("primary"), QStringLiteral("-")}));
        QVERIFY2(!table.out.contains("redis-primary") && !table.out.contains("redis-replica"), table.out.constData());

        // The old names still work where they are typed: they name the nodes launched in those roles.
        const TurnoctlRun oldName = turnoctl(QStringList{QStringLiteral("logs"), QStringLiteral("redis-replica")} + where);
        QVERIFY2(oldName.code == 0, oldName.err.constData());
        QVERIFY2(oldName.err.contains("/redis-2/") || oldName.err.contains("redis-2.log"), oldName.err.constData());
        const TurnoctlRun unknown = turnoctl(QStringList{QStringLiteral("logs"), QStringLiteral("redis-3")} + where);
        QCOMPARE(unknown.code, 1);
        QVERIFY2(unknown.err.contains("no process named \"redis-3\"") && unknown.err.contains("redis-1, redis-2"), unknown.err.constData());

        const TurnoctlRun logs = turnoctl(QStringList{QStringLiteral("logs"), QStringLiteral("primary-1")} + where);
        QCOMPARE(logs.code, 0);
        QVERIFY2(logs.out.contains("listening on 127.0.0.1:"), logs.out.constData());
        QCOMPARE(turnoctl(QStringList{QStringLiteral("drain"), QStringLiteral("primary-1")} + where).code, 0);
        QCOMPARE(turnoctl(QStringList{QStringLiteral("enable"), QStringLiteral("primary-1")} + where).code, 0);
        QCOMPARE(turnoctl(QStringList{QStringLiteral("weight"), QStringLiteral("primary-1"), QStringLiteral("2")} + where).code, 0);
        QCOMPARE(turnoctl(QStringList{QStringLiteral("drain"), QStringLiteral("nosuch")} + where).code, 1);

        const TurnoctlRun down = turnoctl(QStringList{QStringLiteral("down")} + where);
        QVERIFY2(down.code == 0, down.err.constData());
        qInfo("FIGURE turnoctl down returned after %lld ms (%s)", down.ms, down.out.trimmed().constData());
        for (qint64 pid : s.pids)
            QVERIFY2(!pidAlive(pid), qPrintable(QStringLiteral("pid %1 alive after down").arg(pid)));
        for (quint16 port : s.ports)
            QVERIFY2(!portListening(port), qPrintable(QStringLiteral("port %1 listening after down").arg(port)));
        QVERIFY(!QFile::exists(runDir + QStringLiteral("/control.sock")));
        // The supervisor itself is gone too.
        QTRY_VERIFY_WITH_TIMEOUT(!pidAlive(supervisorPid), 5000);
        QCOMPARE(turnoctl(QStringList{QStringLiteral("status")} + where).code, 3);
    }

    void sigkilledSupervisorLeavesNoOrphan()
    {
        QTemporaryDir dir(QStringLiteral("/tmp/turno-cli-test-XXXXXX"));
        const QString runDir = dir.path();
        turno::test::ChildProcess supervisor;
        QString why;
        QVERIFY2(supervisor.start(turno::test::envPath("TURNOCTL_BIN"),
                                  {QStringLiteral("up"), QStringLiteral("--run-dir"), runDir, QStringLiteral("--balancer"),
                                   QStringLiteral("127.0.0.1:0")},
                                  dir.filePath(QStringLiteral("up.log")), {}, &why),
                 qPrintable(why));
        QTRY_VERIFY_WITH_TIMEOUT(snapshot(runDir).status.value(QStringLiteral("state")).toString() == QLatin1String("ready"), 30000);
        const Snapshot s = snapshot(runDir);
        m_cleanup = s.pids;
        QCOMPARE(s.pids.size(), 10);
        supervisor.kill9();
        QVERIFY(supervisor.waitExit(5000) != INT_MIN);
        // PR_SET_PDEATHSIG: the kernel kills every child when the supervisor dies.
        for (qint64 pid : s.pids)
            QTRY_VERIFY2_WITH_TIMEOUT(!pidAlive(pid), qPrintable(QStringLiteral("pid %1 orphaned").arg(pid)), 5000);
        for (quint16 port : s.ports)
            QTRY_VERIFY2_WITH_TIMEOUT(!portListening(port), qPrintable(QStringLiteral("port %1 still held").arg(port)), 5000);
    }
};

QTEST_GUILESS_MAIN(TestFleetCli)
#include "test_fleet_cli.moc"
