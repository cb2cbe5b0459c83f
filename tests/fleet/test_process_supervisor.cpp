// ProcessSupervisor on its own, with /bin/sh children instead of a cluster: a
// node that exits is restarted after the backoff and counted ready again, one
// that keeps exiting is given up, the Redis primary is never restarted, an exit
// while starting breaks the start, an exit during a stop is expected, a stopped
// group reports done once every process is gone, and a wait is moot after
// cancelWaits(). PortAllocator: a taken port is refused with the key to change,
// or the next one is taken with ports.onConflict "next". ManagedProcess: output
// goes to the log file (both streams), and adopt() takes over a running child
// (a hand-over) but refuses a process that is not one.
#include "fleet/managed_process.h"
#include "fleet/port_allocator.h"
#include "fleet/process_supervisor.h"

#include <QFile>
#include <QSignalSpy>
#include <QTcpServer>
#include <QTemporaryDir>
#include <QTest>
#include <csignal>
#include <sys/wait.h>
#include <unistd.h>

using namespace turno;

namespace {

// A forked child, once it runs sleep (before the exec it is a copy of this test, with its signal handlers).
pid_t forkSleep(bool ownGroup)
{
    const pid_t child = ::fork();
    if (child == 0) {
        if (ownGroup)
            ::setpgid(0, 0);
        ::execl("/bin/sleep", "sleep", "30", static_cast<char *>(nullptr));
        ::_exit(127);
    }
    QFile comm(QStringLiteral("/proc/%1/comm").arg(child));
    for (int i = 0; i < 500; ++i) {
        comm.open(QIODevice::ReadOnly);
        const bool exec = comm.readAll().trimmed() == "sleep";
        comm.close();
        if (exec)
            break;
        ::usleep(2000);
    }
    return child;
}

// Every node runs `sh -c script`; ready is whatever `ready` says.
struct Rig {
    QTemporaryDir dir;
    ProcessSupervisor sup;
    QString script = QStringLiteral("exec sleep 30");
    bool ready = true;
    QList<FleetEvent> events;

    explicit Rig(ClusterProfile profile = {})
    {
        sup.reset(profile, dir.path());
        sup.setCommandSource([this](const FleetNode &) {
            return ProcessSupervisor::Command{QStringLiteral("/bin/sh"), {QStringLiteral("-c"), script}};
        });
        sup.setReadinessSource([this](const FleetNode &) {
            return ProcessSupervisor::Check([this](std::function<void(bool)> done) { done(ready); });
        });
        QObject::connect(&sup, &ProcessSupervisor::event, &sup, [this](const FleetEvent &e) { events << e; });
    }
    bool saw(FleetEvent::Kind kind) const
    {
        for (const FleetEvent &e : events)
            if (e.kind == kind)
                return true;
        return false;
    }
    int count(FleetEvent::Kind kind) const
    {
        int n = 0;
        for (const FleetEvent &e : events)
            n += e.kind == kind;
        return n;
    }
};

ClusterProfile quickRestarts(int limit)
{
    ClusterProfile p;
    p.restartLimit = limit;
    p.restartWindowS = 60;
    p.backoffInitialMs = 50;
    p.backoffMaxMs = 100;
    return p;
}

}  // namespace

class TestProcessSupervisor : public QObject {
    Q_OBJECT
private slots:
    void outputOfBothStreamsIsInTheLog()
    {
        QTemporaryDir dir;
        ManagedProcess p(QStringLiteral("talker"), QStringLiteral("/bin/sh"),
                         {QStringLiteral("-c"), QStringLiteral("echo to-stdout; echo to-stderr >&2; exit 3")},
                         dir.filePath(QStringLiteral("talker.log")));
        QSignalSpy exited(&p, &ManagedProcess::exited);
        p.start();
        QVERIFY(exited.wait(5000));
        QCOMPARE(exited.at(0).at(0).toInt(), 3);
        const QByteArray tail = p.outputTail(3);
        QVERIFY2(tail.contains("to-stdout") && tail.contains("to-stderr") && tail.contains("exited (exit code 3)"), tail.constData());
        QFile log(p.logFile());
        QVERIFY(log.open(QIODevice::ReadOnly));
        QVERIFY(log.readAll().contains("to-stderr"));
    }

    void adoptWatchesARunningChildUntilItExits()
    {
        QTemporaryDir dir;
        const pid_t child = forkSleep(false);
        QVERIFY(child > 0);
        ManagedProcess p(QStringLiteral("adoptee"), QStringLiteral("/bin/sleep"), {QStringLiteral("30")},
                         dir.filePath(QStringLiteral("adoptee.log")));
        QString why;
        QVERIFY2(p.adopt(child, &why), qPrintable(why));
        QVERIFY(p.running());
        QVERIFY(p.adopted());
        QCOMPARE(p.pid(), qint64(child));
        QSignalSpy exited(&p, &ManagedProcess::exited);
        // Killed from outside: unexpected, with the signal.
        ::kill(child, SIGKILL);
        QVERIFY(exited.wait(5000));
        QCOMPARE(exited.at(0).at(0).toInt(), -SIGKILL);
        QCOMPARE(exited.at(0).at(1).toBool(), false);
        QVERIFY(!p.running());
        QVERIFY(p.outputTail(2).contains("adopted (pid"));
        // Reaped: no zombie is left.
        QCOMPARE(::waitpid(child, nullptr, WNOHANG), pid_t(-1));
        // And it starts again as a child of its own.
        p.start();
        QTRY_VERIFY(p.pid() > 0 && p.pid() != child);
        QSignalSpy again(&p, &ManagedProcess::exited);
        p.stop(2000);
        QVERIFY(again.wait(5000));
        QCOMPARE(again.at(0).at(1).toBool(), true);
    }

    void adoptStopsAnAdoptedChildAsExpected()
    {
        QTemporaryDir dir;
        const pid_t child = forkSleep(true);
        QVERIFY(child > 0);
        ManagedProcess p(QStringLiteral("adoptee"), QStringLiteral("/bin/sleep"), {QStringLiteral("30")},
                         dir.filePath(QStringLiteral("adoptee.log")));
        QString why;
        QVERIFY2(p.adopt(child, &why), qPrintable(why));
        QSignalSpy exited(&p, &ManagedProcess::exited);
        p.stop(2000);
        QVERIFY(exited.wait(5000));
        QCOMPARE(exited.at(0).at(0).toInt(), -SIGTERM);
        QCOMPARE(exited.at(0).at(1).toBool(), true);
    }

    void adoptRefusesWhatIsNotARunningChild()
    {
        QTemporaryDir dir;
        ManagedProcess p(QStringLiteral("stranger"), QStringLiteral("/bin/true"), {}, dir.filePath(QStringLiteral("s.log")));
        QString why;
        QVERIFY(!p.adopt(1, &why));  // init: never our child
        QVERIFY2(why.contains(QLatin1String("not a child of this process")), qPrintable(why));
        QVERIFY(!p.running());
        const pid_t done = ::fork();
        if (done == 0)
            ::_exit(0);
        QTest::qWait(100);
        QVERIFY(!p.adopt(done, &why));  // a child that already exited
        QVERIFY2(why.contains(QLatin1String("already exited")), qPrintable(why));
        ::waitpid(done, nullptr, 0);
    }

    void anExitedNodeIsRestartedAndReadyAgain()
    {
        Rig rig(quickRestarts(5));
        rig.sup.setPhase(ProcessSupervisor::Phase::Running);
        FleetNode *n = rig.sup.add(QStringLiteral("primary-1"), FleetNode::Kind::Turno, QStringLiteral("primary"), 1, 1);
        rig.sup.launch(n);
        QTRY_VERIFY(n->process->running());
        const qint64 firstPid = n->process->pid();
        n->process->signalGroup(SIGKILL);
        QTRY_VERIFY_WITH_TIMEOUT(rig.saw(FleetEvent::Kind::NodeRestarted), 5000);
        QVERIFY(rig.saw(FleetEvent::Kind::NodeExited));
        QVERIFY(rig.saw(FleetEvent::Kind::NodeRestarting));
        QCOMPARE(n->state, NodeState::Running);
        QVERIFY(n->process->running());
        QVERIFY(n->process->pid() != firstPid);
        QCOMPARE(n->consecutiveRestarts, 0);
    }

    void aNodeThatKeepsExitingIsGivenUp()
    {
        Rig rig(quickRestarts(2));
        rig.script = QStringLiteral("exit 3");
        rig.ready = false;
        rig.sup.setPhase(ProcessSupervisor::Phase::Running);
        FleetNode *n = rig.sup.add(QStringLiteral("primary-1"), FleetNode::Kind::Turno, QStringLiteral("primary"), 1, 1);
        rig.sup.launch(n);
        QTRY_VERIFY_WITH_TIMEOUT(rig.saw(FleetEvent::Kind::GaveUp), 5000);
        QCOMPARE(n->state, NodeState::Failed);
        QCOMPARE(rig.count(FleetEvent::Kind::NodeRestarting), 2);
        QTest::qWait(300);
        QCOMPARE(rig.count(FleetEvent::Kind::NodeRestarting), 2);  // nothing after giving up
        QVERIFY(!n->process->running());
    }

    void theRedisPrimaryIsNeverRestarted()
    {
        Rig rig(quickRestarts(5));
        rig.sup.setPhase(ProcessSupervisor::Phase::Running);
        rig.sup.setRedisPrimary(QStringLiteral("redis-2"));
        FleetNode *replica = rig.sup.add(QStringLiteral("redis-1"), FleetNode::Kind::Redis, {}, 1, 0);
        FleetNode *primary = rig.sup.add(QStringLiteral("redis-2"), FleetNode::Kind::Redis, {}, 2, 0);
        rig.sup.launch(replica);
        rig.sup.launch(primary);
        QTRY_VERIFY(primary->process->running() && replica->process->running());
        primary->process->signalGroup(SIGKILL);
        QTRY_VERIFY(rig.saw(FleetEvent::Kind::RedisPrimaryDown));
        QTest::qWait(300);
        QCOMPARE(primary->state, NodeState::Down);
        QVERIFY(!primary->process->running());
        QVERIFY(!rig.saw(FleetEvent::Kind::NodeRestarting));
        // The replica (redis-1, though launched first) is restarted.
        replica->process->signalGroup(SIGKILL);
        QTRY_VERIFY_WITH_TIMEOUT(rig.saw(FleetEvent::Kind::NodeRestarted), 5000);
        QVERIFY(replica->process->running());
    }

    void anExitWhileStartingBreaksTheStart()
    {
        Rig rig(quickRestarts(5));
        rig.script = QStringLiteral("echo 'bind: address in use' >&2; exit 1");
        rig.sup.setPhase(ProcessSupervisor::Phase::Starting);
        QSignalSpy broken(&rig.sup, &ProcessSupervisor::startBroken);
        FleetNode *n = rig.sup.add(QStringLiteral("redis-1"), FleetNode::Kind::Redis, {}, 1, 0);
        rig.sup.launch(n);
        QTRY_COMPARE(broken.size(), 1);
        const QString message = broken.at(0).at(0).toString();
        QVERIFY2(message.contains(QStringLiteral("redis-1 exited while the cluster was starting")), qPrintable(message));
        QVERIFY2(message.contains(QStringLiteral("address in use")), qPrintable(message));
        QCOMPARE(n->state, NodeState::Failed);
        QVERIFY(!rig.saw(FleetEvent::Kind::NodeRestarting));
    }

    void aProgramThatCannotStartBreaksTheStart()
    {
        Rig rig;
        rig.sup.setCommandSource([](const FleetNode &) {
            return ProcessSupervisor::Command{QStringLiteral("/nonexistent/turno-server"), {}};
        });
        rig.sup.setPhase(ProcessSupervisor::Phase::Starting);
        QSignalSpy broken(&rig.sup, &ProcessSupervisor::startBroken);
        FleetNode *n = rig.sup.add(QStringLiteral("primary-1"), FleetNode::Kind::Turno, QStringLiteral("primary"), 1, 1);
        rig.sup.launch(n);
        QTRY_COMPARE(broken.size(), 1);
        QVERIFY(rig.saw(FleetEvent::Kind::NodeStartFailed));
        QCOMPARE(n->state, NodeState::Failed);
    }

    void exitsDuringAStopAreExpectedAndTheGroupReportsDone()
    {
        Rig rig(quickRestarts(5));
        rig.sup.setPhase(ProcessSupervisor::Phase::Running);
        QList<FleetNode *> nodes;
        for (int i = 1; i <= 3; ++i) {
            nodes << rig.sup.add(QStringLiteral("primary-%1").arg(i), FleetNode::Kind::Turno, QStringLiteral("primary"), quint16(i), 1);
            rig.sup.launch(nodes.last());
        }
        QTRY_VERIFY(nodes[0]->process->running() && nodes[1]->process->running() && nodes[2]->process->running());
        rig.sup.setPhase(ProcessSupervisor::Phase::Stopping);
        bool done = false;
        rig.sup.stopGroup(nodes, 2000, [&done] { done = true; });
        QTRY_VERIFY(done);
        for (const FleetNode *n : nodes) {
            QCOMPARE(n->state, NodeState::Stopped);
            QVERIFY(!n->process->running());
        }
        QVERIFY(!rig.saw(FleetEvent::Kind::NodeExited));
        QVERIFY(!rig.saw(FleetEvent::Kind::NodeRestarting));
        // A group with nothing running is done at once (on the next turn of the loop).
        bool again = false;
        rig.sup.stopGroup(nodes, 2000, [&again] { again = true; });
        QVERIFY(!again);
        QTRY_VERIFY(again);
    }

    void aWaitIsMootAfterCancelWaits()
    {
        Rig rig;
        int asked = 0;
        bool called = false;
        rig.sup.waitUntil([&asked](std::function<void(bool)> done) { ++asked; done(false); }, 2000,
                          [&called](bool) { called = true; });
        QTRY_VERIFY(asked >= 2);
        rig.sup.cancelWaits();
        const int before = asked;
        QTest::qWait(200);
        QVERIFY(asked <= before + 1);
        QVERIFY(!called);
    }

    void sampleReadsCpuAndRssOfRunningProcesses()
    {
        Rig rig;
        rig.script = QStringLiteral("while :; do :; done");
        rig.sup.setPhase(ProcessSupervisor::Phase::Running);
        FleetNode *n = rig.sup.add(QStringLiteral("primary-1"), FleetNode::Kind::Turno, QStringLiteral("primary"), 1, 1);
        rig.sup.launch(n);
        QTRY_VERIFY(n->process->running());
        // The first reading only sets the baseline (right after the spawn /proc may not have it yet).
        QTRY_VERIFY((rig.sup.sample(), n->lastCpuTicks >= 0));
        QTest::qWait(500);
        rig.sup.sample();
        QVERIFY2(n->cpuPercent > 20, qPrintable(QString::number(n->cpuPercent)));
        QVERIFY(n->rssBytes > 0);
        rig.sup.setPhase(ProcessSupervisor::Phase::Stopping);
        bool done = false;
        rig.sup.stopGroup({n}, 1000, [&done] { done = true; });
        QTRY_VERIFY(done);
        rig.sup.sample();
        QCOMPARE(n->cpuPercent, 0.0);
        QCOMPARE(n->rssBytes, qint64(0));
    }

    void aTakenPortIsRefusedWithTheKeyToChange()
    {
        QTcpServer taken;
        QVERIFY(taken.listen(QHostAddress::LocalHost, 0));
        const quint16 port = taken.serverPort();
        PortAllocator ports;
        ports.reset(QStringLiteral("fail"), QStringLiteral("/etc/turno/prod.json"));
        const Result<quint16> r = ports.allocate(QStringLiteral("the balancer frontend"), port, QStringLiteral("balancer.listen"));
        QVERIFY(!r.ok());
        QVERIFY2(r.error().contains(QStringLiteral("port 127.0.0.1:%1 for the balancer frontend is in use").arg(port)), qPrintable(r.error()));
        QVERIFY(r.error().contains(QStringLiteral("change balancer.listen in /etc/turno/prod.json")));
        QVERIFY(ports.reserved().isEmpty());
    }

    void onConflictNextTakesTheNextFreePortAndNeverOneTwice()
    {
        QTcpServer taken;
        QVERIFY(taken.listen(QHostAddress::LocalHost, 0));
        const quint16 port = taken.serverPort();
        PortAllocator ports;
        ports.reset(QStringLiteral("next"), {});
        const Result<quint16> a = ports.allocate(QStringLiteral("a"), port, QStringLiteral("ports.base"));
        QVERIFY(a.ok());
        QVERIFY(a.value() > port);
        // Reserved, though nothing listens yet: the same wanted port gives another one.
        const Result<quint16> b = ports.allocate(QStringLiteral("b"), port, QStringLiteral("ports.base"));
        QVERIFY(b.ok());
        QVERIFY(b.value() > a.value());
        const Result<quint16> any = ports.allocate(QStringLiteral("c"), 0, QStringLiteral("ports.base"));
        QVERIFY(any.ok());
        QVERIFY(any.value() != a.value() && any.value() != b.value());
        QCOMPARE(ports.reserved().size(), 3);
        ports.release(a.value());
        QCOMPARE(ports.reserved().size(), 2);
        QVERIFY(!ports.reserved().contains(a.value()));
    }
};

QTEST_GUILESS_MAIN(TestProcessSupervisor)
#include "test_process_supervisor.moc"
