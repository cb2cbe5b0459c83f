// SoakVerdict on hand-made window figures: each rule at its limit and one past
// it, the warm-up's place in each rule, short runs, the texts and the JSON
// checks turnoctl soak prints; and ProcSample on a live and a gone process.
#include "common/proc_sample.h"
#include "load/soak_verdict.h"

#include <QCoreApplication>
#include <QJsonObject>
#include <QProcess>
#include <QTest>

using turno::ProcSample;
using turno::SoakLimits;
using turno::SoakVerdict;
using turno::SoakWindow;

namespace {

SoakWindow window(int index, qint64 rssKiB, int fds, double p99Ms)
{
    SoakWindow w;
    w.index = index;
    w.warmup = index == 1;
    w.elapsedS = index * 2.0;
    w.achieved = 2000;
    w.latency.p50Ms = p99Ms / 2;
    w.latency.p99Ms = p99Ms;
    w.answers = 4000;
    w.procOk = true;
    w.rssKiB = rssKiB;
    w.fds = fds;
    return w;
}

// Three steady windows: warm-up, first compared, last.
std::vector<SoakWindow> steady()
{
    return {window(1, 10000, 20, 5.0), window(2, 10100, 20, 0.4), window(3, 10200, 21, 0.5)};
}

constexpr qint64 kPid = 4242;

}  // namespace

class TestSoakVerdict : public QObject {
    Q_OBJECT
private slots:
    void steadyRunPasses()
    {
        const SoakVerdict v = SoakVerdict::judge(steady(), 3, SoakLimits{}, false, kPid);
        QVERIFY2(v.passed, qPrintable(v.broken.join(QLatin1Char('|'))));
        QVERIFY(v.complete && v.compared);
        QCOMPARE(v.rssFirstKiB, qint64(10000));
        QCOMPARE(v.rssLastKiB, qint64(10200));
        QCOMPARE(v.rssGrowth, 0.02);
        QCOMPARE(v.fdMin, 20);
        QCOMPARE(v.fdMax, 21);
        // The first window after the warm-up, never the warm-up's 5 ms.
        QCOMPARE(v.p99FirstMs, 0.4);
        QCOMPARE(v.p99LastMs, 0.5);
        // 1.5 x max(0.4, floor 1).
        QCOMPARE(v.p99LimitMs, 1.5);
        const QString text = v.toText();
        QVERIFY2(text.contains(QLatin1String("\nRSS   10000 KiB -> 10200 KiB: 2.00% (limit < 5.0%)  ok\n")), qPrintable(text));
        QVERIFY2(text.contains(QLatin1String("\nfds   20..21: spread 1 (limit 8)  ok\n")), qPrintable(text));
        QVERIFY2(text.contains(QLatin1String("\np99   first 0.400 ms, last 0.500 ms (limit 1.5 x max(first, floor 1 ms) = 1.500 ms)  ok\n")),
                 qPrintable(text));
        QVERIFY2(text.endsWith(QLatin1String("errors 0, duplicates 0  ok\nverdict: PASS\n")), qPrintable(text));
        const QJsonObject checks = v.checksJson();
        for (const char *key : {"errors", "duplicates", "rss_first_kib", "rss_last_kib", "rss_growth", "rss_ok", "fd_min", "fd_max",
                                "fd_ok", "p99_first_ms", "p99_last_ms", "p99_limit_ms", "p99_ok"})
            QVERIFY2(checks.contains(QLatin1String(key)), key);
        QCOMPARE(checks.size(), 13);
        QCOMPARE(checks.value(QStringLiteral("p99_ok")).toBool(), true);
    }

    void rssGrowthMustStayBelowTheLimit()
    {
        std::vector<SoakWindow> w = steady();
        w.back().rssKiB = 10499;  // 4.99 %
        QVERIFY(SoakVerdict::judge(w, 3, SoakLimits{}, false, kPid).rssOk);
        w.back().rssKiB = 10500;  // exactly 5 %: not below it
        const SoakVerdict v = SoakVerdict::judge(w, 3, SoakLimits{}, false, kPid);
        QVERIFY(!v.rssOk);
        QVERIFY(!v.passed);
        QCOMPARE(v.broken, QStringList{QStringLiteral("RSS grew 5.0% (limit 5.0%)")});
        QVERIFY(v.toText().contains(QLatin1String("RSS   10000 KiB -> 10500 KiB: 5.00% (limit < 5.0%)  FAIL\n")));
        QVERIFY(v.toText().endsWith(QLatin1String("broken: RSS grew 5.0% (limit 5.0%)\nverdict: FAIL\n")));
        // The baseline is the warm-up's sample: growth inside the warm-up is not counted.
        w = steady();
        w[0].rssKiB = 10000;
        w[1].rssKiB = 20000;
        w[2].rssKiB = 10400;
        QVERIFY(SoakVerdict::judge(w, 3, SoakLimits{}, false, kPid).rssOk);
        SoakLimits loose;
        loose.maxRssGrowth = 0.10;
        w.back().rssKiB = 10999;
        QVERIFY(SoakVerdict::judge(w, 3, loose, false, kPid).passed);
    }

    void descriptorSpreadCountsEveryReadableWindow()
    {
        std::vector<SoakWindow> w = steady();
        w.push_back(window(4, 10200, 28, 0.5));  // 20..28: spread 8, the limit
        QVERIFY(SoakVerdict::judge(w, 4, SoakLimits{}, false, kPid).fdOk);
        w[2].fds = 29;  // a middle window counts, not only first and last
        SoakVerdict v = SoakVerdict::judge(w, 4, SoakLimits{}, false, kPid);
        QVERIFY(!v.fdOk);
        QCOMPARE(v.broken, QStringList{QStringLiteral("open descriptors moved between 20 and 29 (limit a spread of 8)")});
        // A window whose process could not be read has no descriptor figure.
        w[2].procOk = false;
        w[2].fds = 0;
        v = SoakVerdict::judge(w, 4, SoakLimits{}, false, kPid);
        QVERIFY(v.fdOk);
        QCOMPARE(v.fdMin, 20);
    }

    void lastP99WithinRatioOfTheFirstAboveTheFloor()
    {
        std::vector<SoakWindow> w = steady();
        w.back().latency.p99Ms = 1.5;  // 1.5 x floor 1 ms
        QVERIFY(SoakVerdict::judge(w, 3, SoakLimits{}, false, kPid).p99Ok);
        w.back().latency.p99Ms = 1.501;
        SoakVerdict v = SoakVerdict::judge(w, 3, SoakLimits{}, false, kPid);
        QVERIFY(!v.p99Ok);
        QCOMPARE(v.broken, QStringList{QStringLiteral("last p99 1.501 ms > 1.500 ms")});
        // Above the floor the first window's own p99 sets the limit.
        w[1].latency.p99Ms = 4.0;
        w.back().latency.p99Ms = 6.0;
        QVERIFY(SoakVerdict::judge(w, 3, SoakLimits{}, false, kPid).p99Ok);
        w.back().latency.p99Ms = 6.01;
        QVERIFY(!SoakVerdict::judge(w, 3, SoakLimits{}, false, kPid).p99Ok);
        SoakLimits limits;
        limits.maxP99Ratio = 2;
        limits.p99FloorMs = 50;
        v = SoakVerdict::judge(w, 3, limits, false, kPid);
        QCOMPARE(v.p99LimitMs, 100.0);
        QVERIFY(v.passed);
    }

    void anyErrorOrDuplicateFailsEvenInTheWarmup()
    {
        std::vector<SoakWindow> w = steady();
        w[0].errors = 3;
        w[2].duplicates = 2;
        const SoakVerdict v = SoakVerdict::judge(w, 3, SoakLimits{}, false, kPid);
        QVERIFY(!v.passed);
        QCOMPARE(v.errors, uint64_t(3));
        QCOMPARE(v.duplicates, uint64_t(2));
        QCOMPARE(v.broken, (QStringList{QStringLiteral("3 failed requests"), QStringLiteral("2 duplicate turnos")}));
        QVERIFY(v.toText().contains(QLatin1String("errors 3, duplicates 2  FAIL\n")));
        QCOMPARE(v.checksJson().value(QStringLiteral("errors")).toDouble(), 3.0);
    }

    void shortRunsSayWhy()
    {
        std::vector<SoakWindow> w = steady();
        w.pop_back();
        SoakVerdict v = SoakVerdict::judge(w, 3, SoakLimits{}, true, kPid);
        QVERIFY(!v.complete && !v.passed);
        QCOMPARE(v.broken.first(), QStringLiteral("interrupted after 2 of 3 windows"));
        v = SoakVerdict::judge(w, 3, SoakLimits{}, false, kPid);
        QCOMPARE(v.broken.first(), QStringLiteral("the server (pid 4242) stopped after 2 of 3 windows"));
        // All windows ran but the process was gone at the last sample.
        w = steady();
        w.back().procOk = false;
        v = SoakVerdict::judge(w, 3, SoakLimits{}, false, kPid);
        QCOMPARE(v.broken.first(), QStringLiteral("the server (pid 4242) stopped after 3 of 3 windows"));
    }

    void oneWindowHasNothingToCompare()
    {
        const std::vector<SoakWindow> w{window(1, 10000, 20, 0.5)};
        const SoakVerdict v = SoakVerdict::judge(w, 2, SoakLimits{}, true, kPid);
        QVERIFY(!v.compared);
        QCOMPARE(v.checksJson().size(), 2);
        QVERIFY(!v.toText().contains(QLatin1String("\nRSS ")));
        QVERIFY(!v.passed);
    }

    void tableRowsAndJson()
    {
        SoakWindow w = window(1, 10000, 20, 0.25);
        QCOMPARE(SoakWindow::tableHeader(), QStringLiteral("window  elapsed    req/s   p50 ms   p99 ms  errors  dups   RSS KiB   fds\n"));
        QCOMPARE(w.tableRow(), QStringLiteral("    1*       2s     2000    0.125    0.250       0     0     10000    20\n"));
        w.index = 2;
        w.warmup = false;
        w.procOk = false;
        QVERIFY(w.tableRow().endsWith(QLatin1String("        -     -\n")));
        const QJsonObject j = window(3, 12, 34, 1).toJson();
        QCOMPARE(j.value(QStringLiteral("rss_kib")).toDouble(), 12.0);
        QCOMPARE(j.value(QStringLiteral("fds")).toInt(), 34);
        QCOMPARE(j.value(QStringLiteral("index")).toInt(), 3);
        QCOMPARE(j.size(), 13);
    }

    void procSampleOfALiveAndAGoneProcess()
    {
        const turno::Result<ProcSample> self = ProcSample::read(QCoreApplication::applicationPid());
        QVERIFY2(self.ok(), qPrintable(self.error()));
        QVERIFY(self->rssKiB > 1000);
        QVERIFY(self->fds >= 3);
        QVERIFY(self->cpuTicks >= 0);
        QVERIFY(ProcSample::ticksPerSecond() > 0);

        QProcess child;
        child.start(QStringLiteral("sleep"), {QStringLiteral("30")});
        QVERIFY(child.waitForStarted());
        const qint64 pid = child.processId();
        QVERIFY(ProcSample::read(pid).ok());
        child.kill();
        QVERIFY(child.waitForFinished());
        const turno::Result<ProcSample> gone = ProcSample::read(pid);
        QVERIFY(!gone.ok());
        QVERIFY2(gone.error().contains(QStringLiteral("/proc/%1/").arg(pid)), qPrintable(gone.error()));
        QVERIFY(!ProcSample::read(0).ok());
    }
};

QTEST_GUILESS_MAIN(TestSoakVerdict)
#include "test_soak_verdict.moc"
