// Failover as an operator drives it through turnoctl on a real default cluster
// (Redis primary + replica, 3 sentinels, 2 + 2 turno nodes, HAProxy), under
// load whose every answer is kept: planned failover and failback, a refused
// gate and a forced switch, automatic failover after kill -9 of the Redis
// primary, automatic mode off; no number is ever answered twice.
#include "control/control_client.h"
#include "fleet/haproxy_runtime.h"
#include "../fleet/fleet_test_util.h"
#include "test_support.h"

#include <QElapsedTimer>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QSet>
#include <QTemporaryDir>
#include <QThread>
#include <QtTest>

using namespace fleettest;

namespace {

QJsonObject json(const QByteArray &text)
{
    return QJsonDocument::fromJson(text).object();
}

qint64 pidOf(const QJsonObject &status, const QString &node)
{
    for (const QJsonValue &v : status.value(QStringLiteral("nodes")).toArray())
        if (v.toObject().value(QStringLiteral("node")).toString() == node)
            return v.toObject().value(QStringLiteral("pid")).toInteger();
    return 0;
}

}  // namespace

class TestFailover : public QObject {
    Q_OBJECT

private:
    QTemporaryDir m_dir{QStringLiteral("/tmp/turno-failover-test-XXXXXX")};
    QStringList m_where;
    QList<qint64> m_cleanup;

    QJsonObject status()
    {
        const TurnoctlRun st = turnoctl(QStringList{QStringLiteral("status"), QStringLiteral("--json")} + m_where);
        return json(st.out);
    }
    // The gate passes once Sentinel knows the replica and its peers (seconds after a start or a switch).
    bool waitForGate(const QString &command, int timeoutMs = 30000)
    {
        QElapsedTimer t;
        t.start();
        while (t.elapsed() < timeoutMs) {
            if (turnoctl(QStringList{command, QStringLiteral("--preflight")} + m_where).code == 0)
                return true;
            QThread::msleep(200);
        }
        return false;
    }

private slots:
    void initTestCase()
    {
        QVERIFY(m_dir.isValid());
        m_where = {QStringLiteral("--run-dir"), m_dir.path()};
        const TurnoctlRun up = turnoctl(QStringList{QStringLiteral("up"), QStringLiteral("--detach"), QStringLiteral("--balancer"),
                                            QStringLiteral("127.0.0.1:0"), QStringLiteral("--db"),
                                            m_dir.path() + QStringLiteral("/events.db")} + m_where);
        QVERIFY2(up.code == 0, up.err.constData());
        const auto ping = turno::ControlClient(m_dir.path()).requestSync(QJsonObject{{QStringLiteral("cmd"), QStringLiteral("ping")}});
        QVERIFY2(ping.ok(), qPrintable(ping.error()));
        m_cleanup << ping.value().value(QStringLiteral("result")).toObject().value(QStringLiteral("pid")).toInteger();
        for (const QJsonValue &v : status().value(QStringLiteral("nodes")).toArray())
            m_cleanup << v.toObject().value(QStringLiteral("pid")).toInteger();
    }

    // Ready means ready: once `up --detach` returns, a failover passes its gate at
    // once (no wait for Sentinel's quorum), and status says the gate is ready.
    void upReturnsWhenAFailoverWouldPass()
    {
        QTemporaryDir dir(QStringLiteral("/tmp/turno-ready-test-XXXXXX"));
        QVERIFY(dir.isValid());
        const QStringList where{QStringLiteral("--run-dir"), dir.path()};
        const TurnoctlRun up = turnoctl(QStringList{QStringLiteral("up"), QStringLiteral("--detach"), QStringLiteral("--balancer"),
                                            QStringLiteral("127.0.0.1:0"), QStringLiteral("--db"),
                                            dir.path() + QStringLiteral("/events.db")} + where);
        QList<qint64> pids;
        const auto ping = turno::ControlClient(dir.path()).requestSync(QJsonObject{{QStringLiteral("cmd"), QStringLiteral("status")}});
        if (ping.ok()) {
            const QJsonObject res = ping.value().value(QStringLiteral("result")).toObject();
            pids << res.value(QStringLiteral("pid")).toInteger();
            for (const QJsonValue &v : res.value(QStringLiteral("nodes")).toArray())
                pids << v.toObject().value(QStringLiteral("pid")).toInteger();
        }
        auto cleanup = qScopeGuard([&] {
            turnoctl(QStringList{QStringLiteral("down")} + where, 30000);
            for (qint64 pid : std::as_const(pids))
                if (pid > 0 && pidAlive(pid))
                    ::kill(pid_t(pid), SIGKILL);
        });
        QVERIFY2(up.code == 0, (up.out + up.err).constData());
        QVERIFY2(up.out.contains("failover gate passes"), up.out.constData());
        const TurnoctlRun fo = turnoctl(QStringList{QStringLiteral("failover"), QStringLiteral("--json")} + where);
        QVERIFY2(fo.code == 0, (fo.out + fo.err).constData());
        const QJsonObject report = json(fo.out);
        QVERIFY2(report.value(QStringLiteral("ok")).toBool(), fo.out.constData());
        QVERIFY(!report.value(QStringLiteral("forced")).toBool());
        // The gate toward the way back is asked again from the switch's end; status says what it waits for.
        const QJsonObject readiness = json(turnoctl(QStringList{QStringLiteral("status"), QStringLiteral("--json")} + where).out)
                                          .value(QStringLiteral("failover")).toObject().value(QStringLiteral("readiness")).toObject();
        QCOMPARE(readiness.value(QStringLiteral("target")).toString(), QStringLiteral("primary"));
        QVERIFY(readiness.value(QStringLiteral("applicable")).toBool());
        QVERIFY2(readiness.value(QStringLiteral("ready")).toBool() || !readiness.value(QStringLiteral("waitingFor")).toString().isEmpty(),
                 QJsonDocument(readiness).toJson().constData());
        qInfo("FIGURE up --detach to a passing failover: %s", up.out.trimmed().constData());
    }

    void switchesUnderLoadNeverRepeatANumber()
    {
        const QJsonObject st0 = status();
        QCOMPARE(st0.value(QStringLiteral("active")).toString(), QStringLiteral("primary"));
        QCOMPARE(st0.value(QStringLiteral("failover")).toObject().value(QStringLiteral("state")).toString(), QStringLiteral("primary-active"));
        QCOMPARE(st0.value(QStringLiteral("redisPrimary")).toString(), QStringLiteral("redis-1"));
        const quint16 balancer = quint16(st0.value(QStringLiteral("balancer")).toString().section(QLatin1Char(':'), 1).toUInt());
        QVERIFY(waitForGate(QStringLiteral("failover")));

        Load load(balancer, 4, 0, "failover-test");
        QThread::msleep(500);

        // 1. planned failover
        const TurnoctlRun fo = turnoctl(QStringList{QStringLiteral("failover"), QStringLiteral("--json")} + m_where);
        QVERIFY2(fo.code == 0, (fo.out + fo.err).constData());
        const QJsonObject report = json(fo.out);
        QVERIFY(report.value(QStringLiteral("ok")).toBool());
        QCOMPARE(report.value(QStringLiteral("to")).toString(), QStringLiteral("secondary"));
        QStringList steps;
        for (const QJsonValue &v : report.value(QStringLiteral("steps")).toArray())
            steps << v.toObject().value(QStringLiteral("step")).toString();
        for (const char *s : {"gate", "drain", "pause", "catch-up", "promote", "fence", "activate", "verify"})
            QVERIFY2(steps.contains(QLatin1String(s)), qPrintable(steps.join(QLatin1Char(','))));
        QVERIFY(report.value(QStringLiteral("probeAfter")).toInteger() > report.value(QStringLiteral("probeBefore")).toInteger());
        qInfo("FIGURE planned failover under load: %lld ms (drain -> verify), Sentinel agreed after %lld ms",
              report.value(QStringLiteral("totalMs")).toInteger(), report.value(QStringLiteral("settledMs")).toInteger());
        QJsonObject st = status();
        QCOMPARE(st.value(QStringLiteral("active")).toString(), QStringLiteral("secondary"));
        QCOMPARE(st.value(QStringLiteral("redisPrimary")).toString(), QStringLiteral("redis-2"));
        QCOMPARE(st.value(QStringLiteral("failover")).toObject().value(QStringLiteral("state")).toString(), QStringLiteral("secondary-active"));

        // 2. a gate that fails refuses, unless forced
        QVERIFY(waitForGate(QStringLiteral("failback")));
        turno::HaproxyRuntime haproxy(st.value(QStringLiteral("statsSocket")).toString());
        const auto maint = haproxy.sendSync(QStringLiteral("set server turno_nodes/primary-1 state maint"));
        QVERIFY2(maint.ok(), qPrintable(maint.error()));
        const TurnoctlRun gate = turnoctl(QStringList{QStringLiteral("failback"), QStringLiteral("--preflight")} + m_where);
        QCOMPARE(gate.code, 1);
        QVERIFY2(gate.out.contains("FAIL target-pool") && gate.out.contains("primary-1 MAINT"), gate.out.constData());
        const TurnoctlRun refused = turnoctl(QStringList{QStringLiteral("failback")} + m_where);
        QCOMPARE(refused.code, 1);
        QVERIFY2(refused.out.contains("refused by the pre-flight gate") && refused.out.contains("--force"), refused.out.constData());
        QCOMPARE(status().value(QStringLiteral("active")).toString(), QStringLiteral("secondary"));
        const TurnoctlRun forced = turnoctl(QStringList{QStringLiteral("failback"), QStringLiteral("--force")} + m_where);
        QVERIFY2(forced.code == 0, (forced.out + forced.err).constData());
        QVERIFY2(forced.out.contains("forced past: target-pool"), forced.out.constData());
        st = status();
        QCOMPARE(st.value(QStringLiteral("active")).toString(), QStringLiteral("primary"));
        QCOMPARE(st.value(QStringLiteral("redisPrimary")).toString(), QStringLiteral("redis-1"));

        // 3. kill -9 of the Redis primary: automatic failover (profile failover.auto)
        QVERIFY(waitForGate(QStringLiteral("failover")));
        const qint64 victim = pidOf(st, QStringLiteral("redis-1"));
        QVERIFY(victim > 0);
        QElapsedTimer clock;
        clock.start();
        ::kill(pid_t(victim), SIGKILL);
        QJsonObject last;
        while (clock.elapsed() < 20000) {
            st = status();
            last = st.value(QStringLiteral("failover")).toObject().value(QStringLiteral("last")).toObject();
            if (last.value(QStringLiteral("trigger")).toString().startsWith(QLatin1String("automatic")) &&
                st.value(QStringLiteral("failover")).toObject().value(QStringLiteral("state")).toString() == QLatin1String("secondary-active"))
                break;
            QThread::msleep(100);
        }
        QVERIFY2(last.value(QStringLiteral("ok")).toBool(), QJsonDocument(last).toJson().constData());
        QCOMPARE(st.value(QStringLiteral("redisPrimary")).toString(), QStringLiteral("redis-2"));
        QCOMPARE(st.value(QStringLiteral("active")).toString(), QStringLiteral("secondary"));
        qInfo("FIGURE automatic failover after kill -9 of the Redis primary: %lld ms (%s)",
              last.value(QStringLiteral("totalMs")).toInteger(), qPrintable(last.value(QStringLiteral("trigger")).toString()));
        // The lost primary came back as the new primary's replica: the next switch is possible again.
        QVERIFY(waitForGate(QStringLiteral("failback")));
        QThread::msleep(300);
        load.stop();

        // Every answer: no number twice; failures only as rare 503s.
        QSet<qint64> seen;
        int ok = 0, failed = 0;
        for (const Answer &a : load.answers()) {
            if (a.status != 200) {
                ++failed;
                continue;
            }
            ++ok;
            QVERIFY2(!seen.contains(a.turno), qPrintable(QStringLiteral("turno %1 answered twice").arg(a.turno)));
            seen.insert(a.turno);
        }
        qInfo("FIGURE under load through 2 planned switches and one kill -9: %d answers, %d failed", ok, failed);
        QVERIFY(ok > 100);
        QVERIFY2(failed <= ok / 100, qPrintable(QStringLiteral("%1 of %2 failed").arg(failed).arg(ok + failed)));
    }

    void automaticModeTurnsOff()
    {
        const TurnoctlRun off = turnoctl(QStringList{QStringLiteral("failover"), QStringLiteral("--auto"), QStringLiteral("off")} + m_where);
        QCOMPARE(off.code, 0);
        QVERIFY2(off.out.contains("automatic failover off"), off.out.constData());
        QCOMPARE(status().value(QStringLiteral("failover")).toObject().value(QStringLiteral("automatic")).toBool(), false);
        const TurnoctlRun bad = turnoctl(QStringList{QStringLiteral("failover"), QStringLiteral("--to"), QStringLiteral("tertiary")} + m_where);
        QCOMPARE(bad.code, 2);
        const TurnoctlRun same = turnoctl(QStringList{QStringLiteral("failover"), QStringLiteral("--to"), QStringLiteral("secondary")} + m_where);
        QCOMPARE(same.code, 1);
        QVERIFY2(same.err.contains("already active") || same.out.contains("already active"), (same.out + same.err).constData());
    }

    void eventsRecordTheSteps()
    {
        const TurnoctlRun ev = turnoctl({QStringLiteral("events"), QStringLiteral("--json"), QStringLiteral("--db"),
                                 m_dir.path() + QStringLiteral("/events.db")});
        QCOMPARE(ev.code, 0);
        QVERIFY2(ev.out.contains("failover.step") && ev.out.contains("promote ok"), ev.out.left(2000).constData());
    }

    void cleanupTestCase()
    {
        turnoctl(QStringList{QStringLiteral("down")} + m_where, 30000);
        for (qint64 pid : std::as_const(m_cleanup))
            if (pidAlive(pid))
                ::kill(pid_t(pid), SIGKILL);
    }
};

QTEST_GUILESS_MAIN(TestFailover)
#include "test_failover.moc"
