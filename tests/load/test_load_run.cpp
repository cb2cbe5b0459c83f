// LoadEngine and LoadRun against a fake turno server on loopback: the checker
// finds exactly the faults the server was told to make, id patterns spread
// requests as promised, open loop keeps its rate, LoadRun signals arrive.
#include "fake_turno_server.h"
#include "load/capacity_finder.h"
#include "load/capacity_run.h"
#include "load/load_engine.h"
#include "load/load_run.h"
#include "test_support.h"

#include <QSignalSpy>
#include <QTest>

using namespace turno;
using turno::test::FakeTurnoServer;

namespace {
LoadConfig configFor(quint16 port)
{
    LoadConfig c;
    c.port = port;
    c.hostHeader = "127.0.0.1:" + std::to_string(port);
    c.connections = 4;
    c.threads = 2;
    c.durationSeconds = 60;
    c.seed = 42;
    return c;
}
}  // namespace

class TestLoadRun : public QObject {
    Q_OBJECT
private slots:
    void cleanAnswersPass()
    {
        FakeTurnoServer::Faults faults;
        faults.chunkedEvery3rd = true;
        FakeTurnoServer server(faults);
        const quint16 port = server.start();
        QVERIFY(port);
        LoadConfig c = configFor(port);
        c.requests = 600;
        const LoadReport r = LoadEngine::run(c);
        QCOMPARE(r.sent, uint64_t(600));
        QCOMPARE(r.answers, uint64_t(600));
        QCOMPARE(r.ok, uint64_t(600));
        QCOMPARE(r.errorTotal(), uint64_t(0));
        QCOMPARE(r.duplicates, uint64_t(0));
        QCOMPARE(r.gaps, uint64_t(0));
        QCOMPARE(server.requests(), 600);
        QVERIFY(r.latency.p50Ms > 0);
        QVERIFY(r.latency.p50Ms <= r.latency.p99Ms);
    }

    void findsEveryInjectedFault()
    {
        FakeTurnoServer::Faults f;
        f.wrongIdAt = 20;
        f.badJsonAt = 30;
        f.duplicateAt = 40;
        f.skipAt = 50;
        f.status503At = 60;
        FakeTurnoServer server(f);
        const quint16 port = server.start();
        QVERIFY(port);
        LoadConfig c = configFor(port);
        c.requests = 300;
        const LoadReport r = LoadEngine::run(c);
        QCOMPARE(r.answers, uint64_t(300));
        QCOMPARE(r.errors[size_t(LoadErrorKind::WrongId)], uint64_t(1));
        QCOMPARE(r.errors[size_t(LoadErrorKind::Json)], uint64_t(1));
        QCOMPARE(r.errors[size_t(LoadErrorKind::Status)], uint64_t(1));
        QCOMPARE(r.statuses.at(503), uint64_t(1));
        QCOMPARE(r.ok, uint64_t(297));
        QCOMPARE(r.duplicates, uint64_t(1));
        QCOMPARE(r.gaps, uint64_t(1));
        // Requests 1..39 moved the counter except 20 and 30: the duplicate is 37.
        QCOMPARE(r.duplicateExamples.size(), size_t(1));
        QCOMPARE(r.duplicateExamples[0].turno, uint64_t(37));
        // Before request 50 the counter was 46 (49 minus 20, 30, 40); 50 jumped to 48.
        QCOMPARE(r.gapExamples.size(), size_t(1));
        QCOMPARE(r.gapExamples[0].turno, uint64_t(47));
        QCOMPARE(r.duplicateExamples[0].id, r.idPrefix.toStdString());
    }

    void silentRequestTimesOutAndRunGoesOn()
    {
        FakeTurnoServer::Faults f;
        f.silentAt = 10;
        FakeTurnoServer server(f);
        const quint16 port = server.start();
        QVERIFY(port);
        LoadConfig c = configFor(port);
        c.requests = 100;
        c.requestTimeoutSeconds = 0.3;
        const LoadReport r = LoadEngine::run(c);
        QCOMPARE(r.sent, uint64_t(100));
        QCOMPARE(r.errors[size_t(LoadErrorKind::Timeout)], uint64_t(1));
        QCOMPARE(r.answers, uint64_t(99));
        QCOMPARE(r.ok, uint64_t(99));
        QCOMPARE(r.duplicates, uint64_t(0));
        QCOMPARE(r.gaps, uint64_t(0));  // the silent request did not take a number
    }

    void serverClosingConnectionsIsNotAnError()
    {
        FakeTurnoServer::Faults f;
        f.closeEvery5th = true;
        FakeTurnoServer server(f);
        const quint16 port = server.start();
        QVERIFY(port);
        LoadConfig c = configFor(port);
        c.requests = 200;
        const LoadReport r = LoadEngine::run(c);
        QCOMPARE(r.ok, uint64_t(200));
        QCOMPARE(r.errorTotal(), uint64_t(0));
        QVERIFY(r.reconnects >= 40);
        QCOMPARE(r.gaps, uint64_t(0));
    }

    void capacityJudgesEachStep()
    {
        CapacityConfig cc;
        cc.sloP99Ms = 5;
        cc.maxErrorRate = 0.01;
        LoadReport good;
        good.sent = 1000;
        good.requestsPerSecond = 1000;
        good.latency.p99Ms = 4;
        QVERIFY(CapacityFinder::judge(cc, 1000, good).sustainable);
        LoadReport slow = good;
        slow.latency.p99Ms = 6;
        QVERIFY(CapacityFinder::judge(cc, 1000, slow).why.contains(QLatin1String("SLO")));
        LoadReport errors = good;
        errors.errors[size_t(LoadErrorKind::Status)] = 20;
        QVERIFY(!CapacityFinder::judge(cc, 1000, errors).sustainable);
        LoadReport dup = good;
        dup.duplicates = 1;
        QVERIFY(!CapacityFinder::judge(cc, 1000, dup).sustainable);
        LoadReport behind = good;
        behind.requestsPerSecond = 700;
        QVERIFY(CapacityFinder::judge(cc, 1000, behind).why.contains(QLatin1String("answered")));
    }

    void capacityStepsUpAndStopsAtTheSlo()
    {
        FakeTurnoServer server;
        const quint16 port = server.start();
        QVERIFY(port);
        CapacityConfig cc;
        cc.base = configFor(port);
        cc.startRate = 50;
        cc.growth = 2;
        cc.stepSeconds = 1;
        cc.maxSteps = 3;
        cc.sloP99Ms = 10000;  // never broken: the finder must stop at maxSteps
        // How fast a busy test machine answers is not what this test is about
        // (capacityJudgesEachStep covers that rule).
        cc.minAchievedRatio = 0;
        std::vector<double> seen;
        QString why;
        const CapacityReport easy = CapacityFinder::run(cc, [&](const CapacityStep &s) {
            seen.push_back(s.rate);
            why += s.why;
        });
        QVERIFY2(seen == (std::vector<double>{50, 100, 200}), qPrintable(why));
        QVERIFY(!easy.foundLimit);
        QCOMPARE(easy.highestSustainable, 200.0);

        cc.sloP99Ms = 0.000001;  // always broken: nothing is sustainable, the knee is the first step
        cc.maxSteps = 2;
        cc.stepSeconds = 0.3;
        const CapacityReport hard = CapacityFinder::run(cc);
        QCOMPARE(hard.steps.size(), size_t(1));
        QVERIFY(hard.foundLimit);
        QCOMPARE(hard.highestSustainable, 0.0);
        QCOMPARE(hard.knee, 50.0);
        QVERIFY(hard.toCsv().startsWith(QLatin1String("rate,achieved,p50_ms,p99_ms")));
    }

    void capacityRunSignalsEachStep()
    {
        FakeTurnoServer server;
        const quint16 port = server.start();
        QVERIFY(port);
        CapacityConfig cc;
        cc.base = configFor(port);
        cc.startRate = 50;
        cc.growth = 1.5;
        cc.stepSeconds = 1;
        cc.maxSteps = 2;
        cc.sloP99Ms = 10000;
        cc.minAchievedRatio = 0;
        CapacityRun run(cc);
        QSignalSpy steps(&run, &CapacityRun::stepDone);
        QSignalSpy finished(&run, &CapacityRun::finished);
        QVERIFY(run.start().ok());
        QVERIFY(finished.wait(15000));
        QCOMPARE(steps.size(), 2);
        QCOMPARE(steps.at(1).at(0).value<CapacityStep>().rate, 75.0);
        QCOMPARE(finished.at(0).at(0).value<CapacityReport>().highestSustainable, 75.0);
        CapacityConfig bad = cc;
        bad.growth = 1.0;
        CapacityRun refused(bad);
        QVERIFY(!refused.start().ok());
    }

    void uniformIdsSpreadEvenly()
    {
        FakeTurnoServer server;
        const quint16 port = server.start();
        QVERIFY(port);
        LoadConfig c = configFor(port);
        c.requests = 2000;
        c.pattern = IdPattern::Uniform;
        c.idCount = 10;
        const LoadReport r = LoadEngine::run(c);
        QCOMPARE(r.ok, uint64_t(2000));
        QCOMPARE(r.duplicates, uint64_t(0));
        QCOMPARE(r.gaps, uint64_t(0));
        const auto perId = server.perId();
        QCOMPARE(perId.size(), 10);
        for (int n : perId)
            QVERIFY2(n > 100 && n < 300, qPrintable(QString::number(n)));
    }

    void zipfIdsFavourTheFirst()
    {
        FakeTurnoServer server;
        const quint16 port = server.start();
        QVERIFY(port);
        LoadConfig c = configFor(port);
        c.requests = 3000;
        c.pattern = IdPattern::Zipf;
        c.idCount = 50;
        c.idPrefix = "zipf-test";
        const LoadReport r = LoadEngine::run(c);
        QCOMPARE(r.ok, uint64_t(3000));
        QCOMPARE(r.duplicates, uint64_t(0));
        QCOMPARE(r.gaps, uint64_t(0));
        const auto perId = server.perId();
        // With s = 1 over 50 ids the first gets about 22%, the 50th about 0.45%.
        const int first = perId.value("zipf-test-0");
        const int second = perId.value("zipf-test-1");
        const int last = perId.value("zipf-test-49");
        QVERIFY2(first > 450 && first < 900, qPrintable(QString::number(first)));
        QVERIFY(first > second);
        QVERIFY(first > 10 * std::max(last, 1));
    }

    void openLoopKeepsItsRate()
    {
        FakeTurnoServer server;
        const quint16 port = server.start();
        QVERIFY(port);
        LoadConfig c = configFor(port);
        c.rate = 1000;
        c.durationSeconds = 2;
        const LoadReport r = LoadEngine::run(c);
        // The schedule fixes how many requests are due in 2 s: 2000, give or
        // take the one per connection in flight at the end.
        QVERIFY2(r.sent >= 1980 && r.sent <= 2000, qPrintable(QString::number(r.sent)));
        QCOMPARE(r.errorTotal(), uint64_t(0));
        QVERIFY(r.requestsPerSecond > 900 && r.requestsPerSecond < 1100);
        QCOMPARE(r.duplicates, uint64_t(0));
    }

    void loadRunSignalsProgressAndReport()
    {
        FakeTurnoServer server;
        const quint16 port = server.start();
        QVERIFY(port);
        LoadConfig c = configFor(port);
        c.rate = 500;
        c.durationSeconds = 2.5;
        LoadRun run(c);
        QSignalSpy progress(&run, &LoadRun::progress);
        QSignalSpy finished(&run, &LoadRun::finished);
        QVERIFY(run.start().ok());
        QVERIFY(run.isRunning());
        QVERIFY(finished.wait(15000));
        QVERIFY(!run.isRunning());
        // Two full seconds and the last half second.
        QCOMPARE(progress.size(), 3);
        const auto p = progress.at(0).at(0).value<LoadProgress>();
        QVERIFY(p.requestsPerSecond > 0);
        QCOMPARE(p.elapsedSeconds, 1.0);
        const auto last = progress.at(2).at(0).value<LoadProgress>();
        QVERIFY(last.elapsedSeconds > 2.4 && last.elapsedSeconds < 3.0);
        QCOMPARE(last.answersTotal, run.report().answers);
        const auto report = finished.at(0).at(0).value<LoadReport>();
        QCOMPARE(report.timeline.size(), size_t(3));
        QVERIFY(report.ok > 0);
        QCOMPARE(report.ok, run.report().ok);
    }

    void stopEndsARunEarly()
    {
        FakeTurnoServer server;
        const quint16 port = server.start();
        QVERIFY(port);
        LoadConfig c = configFor(port);
        c.durationSeconds = 60;
        LoadRun run(c);
        QSignalSpy progress(&run, &LoadRun::progress);
        QSignalSpy finished(&run, &LoadRun::finished);
        QVERIFY(run.start().ok());
        QVERIFY(progress.wait(10000));
        run.stop();
        QVERIFY(finished.wait(10000));
        const auto report = finished.at(0).at(0).value<LoadReport>();
        QVERIFY(report.durationSeconds < 30);
        QVERIFY(report.ok > 0);
        QCOMPARE(report.duplicates, uint64_t(0));
    }

    void refusesNonLoopbackAndBadConfig()
    {
        LoadConfig c;
        QVERIFY(parseLoadTarget(QStringLiteral("http://10.1.2.3:7017"), &c).ok());
        LoadRun remote(c);
        const Result<void> r = remote.start();
        QVERIFY(!r.ok());
        QVERIFY(r.error().contains(QLatin1String("--allow-remote")));
        QVERIFY(!parseLoadTarget(QStringLiteral("http://example.com"), &c).ok());
        QVERIFY(!parseLoadTarget(QStringLiteral("ftp://127.0.0.1"), &c).ok());
        LoadConfig bad;
        bad.threads = 8;
        bad.connections = 2;
        QVERIFY(!validateLoadConfig(bad).ok());
    }

    void connectErrorsAreCountedNotHung()
    {
        LoadConfig c = configFor(turno::test::freePort());
        c.durationSeconds = 0.5;
        const LoadReport r = LoadEngine::run(c);
        QCOMPARE(r.answers, uint64_t(0));
        QVERIFY(r.errors[size_t(LoadErrorKind::Connect)] > 0);
    }
};

QTEST_GUILESS_MAIN(TestLoadRun)
#include "test_load_run.moc"
