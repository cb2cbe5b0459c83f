// SoakRun against the fake turno server in this process (so the PID it watches
// is the test's own): the signals arrive in order on the owner's thread, the
// report holds every window, stop() ends it as interrupted, a silent target
// reports no answers, and start() refuses what cannot be a soak.
#include "fake_turno_server.h"
#include "load/soak_run.h"
#include "test_support.h"

#include <QCoreApplication>
#include <QSignalSpy>
#include <QTest>

using namespace turno;
using turno::test::FakeTurnoServer;

namespace {

SoakConfig configFor(quint16 port)
{
    SoakConfig c;
    c.base.port = port;
    c.base.hostHeader = "127.0.0.1:" + std::to_string(port);
    c.base.connections = 2;
    c.base.threads = 1;
    c.base.idCount = 4;
    c.base.pattern = IdPattern::Uniform;
    c.base.idPrefix = "soaktest";
    c.pid = QCoreApplication::applicationPid();
    c.rate = 200;
    c.durationS = 2;
    c.intervalS = 1;
    // The test's own process grows as it runs: the RSS rule is not what is tested here.
    c.limits.maxRssGrowth = 100;
    c.limits.maxFdSpread = 1000;
    c.limits.p99FloorMs = 1000;
    return c;
}

}  // namespace

class TestSoakRun : public QObject {
    Q_OBJECT
private slots:
    void signalsAndReportOfAShortSoak()
    {
        FakeTurnoServer server;
        const quint16 port = server.start();
        QVERIFY(port);
        SoakRun run(configFor(port));
        QStringList order;
        connect(&run, &SoakRun::holding, this, [&](double capacity, double rate) {
            QCOMPARE(capacity, 0.0);
            QCOMPARE(rate, 200.0);
            order << QStringLiteral("holding");
        });
        connect(&run, &SoakRun::windowDone, this, [&](const SoakWindow &w) { order << QStringLiteral("window %1").arg(w.index); });
        QSignalSpy finished(&run, &SoakRun::finished);
        QVERIFY(run.start().ok());
        QVERIFY(run.isRunning());
        QVERIFY(!run.start().ok());  // one soak at a time
        QVERIFY(finished.wait(20000));
        QVERIFY(!run.isRunning());
        QCOMPARE(order, (QStringList{QStringLiteral("holding"), QStringLiteral("window 1"), QStringLiteral("window 2")}));
        const SoakReport &r = run.report();
        QCOMPARE(r.outcome, SoakReport::Outcome::Judged);
        QCOMPARE(r.plannedWindows, 2);
        QCOMPARE(int(r.windows.size()), 2);
        QVERIFY(r.windows[0].warmup && !r.windows[1].warmup);
        for (const SoakWindow &w : r.windows) {
            QVERIFY(w.procOk);
            QVERIFY(w.rssKiB > 0);
            QVERIFY(w.fds >= 2);  // at least the load's own connections
            QVERIFY2(w.answers > 100, qPrintable(QString::number(w.answers)));
            QCOMPARE(w.errors, uint64_t(0));
            QCOMPARE(w.duplicates, uint64_t(0));
        }
        QVERIFY2(r.verdict.passed, qPrintable(r.verdict.broken.join(QLatin1Char('|'))));
        QCOMPARE(server.requests(), int(r.windows[0].answers + r.windows[1].answers));
        const QJsonObject json = r.toJson();
        QCOMPARE(json.value(QStringLiteral("rate")).toDouble(), 200.0);
        QCOMPARE(json.value(QStringLiteral("pid")).toInteger(), QCoreApplication::applicationPid());
        QCOMPARE(json.value(QStringLiteral("target")).toString(), QStringLiteral("http://127.0.0.1:%1/turno/").arg(port));
    }

    void stopEndsItAsInterrupted()
    {
        FakeTurnoServer server;
        const quint16 port = server.start();
        QVERIFY(port);
        SoakConfig c = configFor(port);
        c.durationS = 60;
        SoakRun run(c);
        connect(&run, &SoakRun::windowDone, &run, &SoakRun::stop);
        QSignalSpy finished(&run, &SoakRun::finished);
        QVERIFY(run.start().ok());
        QVERIFY(finished.wait(20000));
        const SoakReport &r = run.report();
        QVERIFY(r.interrupted);
        QVERIFY(r.windows.size() < 60);
        QVERIFY(!r.verdict.passed);
        QVERIFY2(r.verdict.broken.first().startsWith(QStringLiteral("interrupted after")), qPrintable(r.verdict.broken.first()));
    }

    void silentTargetReportsNoAnswers()
    {
        SoakConfig c = configFor(turno::test::freePort());
        c.base.requestTimeoutSeconds = 0.5;
        const SoakReport r = SoakRun::execute(c, [](const SoakEvent &) {}, nullptr);
        QCOMPARE(r.outcome, SoakReport::Outcome::NoAnswers);
        QVERIFY2(r.error.contains(QStringLiteral("no answers from http://127.0.0.1:")), qPrintable(r.error));
    }

    void startRefusesWhatCannotBeASoak()
    {
        SoakConfig c = configFor(7017);
        c.durationS = 1.5;
        QVERIFY(SoakRun(c).start().error().contains(QStringLiteral("at least two --interval")));
        c = configFor(7017);
        c.pid = 0;
        QVERIFY(SoakRun(c).start().error().contains(QStringLiteral("--pid")));
        c = configFor(7017);
        c.base.host = "10.1.2.3";
        QVERIFY(SoakRun(c).start().error().contains(QStringLiteral("--allow-remote")));
    }
};

QTEST_GUILESS_MAIN(TestSoakRun)
#include "test_soak_run.moc"
