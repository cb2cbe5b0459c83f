// Autoscaler policy on a synthetic timeline: sustain, cooldown, bounds, and the
// reason each decision gives.
#include "fleet/autoscaler.h"

#include <QtTest>

using turno::Autoscaler;
using turno::ClusterProfile;

class TestAutoscaler : public QObject {
    Q_OBJECT

private:
    static ClusterProfile policy()
    {
        ClusterProfile p;
        p.autoscaleEnabled = true;
        p.autoscaleMin = 2;
        p.autoscaleMax = 4;
        p.autoscaleCpuHigh = 70;
        p.autoscaleReqHigh = 1000;
        p.autoscaleCpuLow = 20;
        p.autoscaleReqLow = 100;
        p.autoscaleSustainS = 10;
        p.autoscaleCooldownS = 30;
        return p;
    }

private slots:
    void scalesOutOnlyAfterTheConditionIsSustained()
    {
        Autoscaler a(policy());
        for (qint64 t = 0; t < 10000; t += 1000)
            QVERIFY(!a.observe(t, 2, 85, 50));
        const auto d = a.observe(10000, 2, 85, 50);
        QVERIFY(d);
        QCOMPARE(d->targetNodes, 3);
        QVERIFY2(d->reason.contains(QLatin1String("CPU 85.0% > 70%")) && d->reason.contains(QLatin1String("10 s")),
                 qPrintable(d->reason));
    }

    void aDipResetsTheSustainWindow()
    {
        Autoscaler a(policy());
        QVERIFY(!a.observe(0, 2, 50, 5000));
        QVERIFY(!a.observe(6000, 2, 50, 5000));
        QVERIFY(!a.observe(7000, 2, 50, 500));  // back in the normal band
        QVERIFY(!a.observe(12000, 2, 50, 5000));
        QVERIFY(!a.observe(21000, 2, 50, 5000));
        const auto d = a.observe(22000, 2, 50, 5000);
        QVERIFY(d);
        QVERIFY2(d->reason.contains(QLatin1String("req/s per node > 1000")), qPrintable(d->reason));
    }

    void cooldownSpacesDecisions()
    {
        Autoscaler a(policy());
        a.observe(0, 2, 90, 0);
        QVERIFY(a.observe(10000, 2, 90, 0));
        // Still hot with 3 nodes: the next step waits for the 30 s cooldown.
        for (qint64 t = 11000; t < 40000; t += 1000)
            QVERIFY2(!a.observe(t, 3, 90, 0), qPrintable(QString::number(t)));
        const auto d = a.observe(40000, 3, 90, 0);
        QVERIFY(d);
        QCOMPARE(d->targetNodes, 4);
    }

    void neverAboveMaxNorBelowMin()
    {
        Autoscaler a(policy());
        for (qint64 t = 0; t <= 100000; t += 1000)
            QVERIFY(!a.observe(t, 4, 99, 99999));
        Autoscaler b(policy());
        for (qint64 t = 0; t <= 100000; t += 1000)
            QVERIFY(!b.observe(t, 2, 1, 1));
    }

    void scalesInWhenBothCpuAndRateAreLow()
    {
        Autoscaler a(policy());
        for (qint64 t = 0; t <= 20000; t += 1000)
            QVERIFY(!a.observe(t, 3, 10, 500));  // CPU low but rate not: stays
        Autoscaler b(policy());
        b.observe(0, 3, 10, 50);
        const auto d = b.observe(10000, 3, 10, 50);
        QVERIFY(d);
        QCOMPARE(d->targetNodes, 2);
        QVERIFY2(d->reason.startsWith(QLatin1String("scale in 3 -> 2")), qPrintable(d->reason));
    }

    void outOfBoundsIsCorrectedAtOnce()
    {
        Autoscaler a(policy());
        const auto d = a.observe(0, 1, 50, 500);
        QVERIFY(d);
        QCOMPARE(d->targetNodes, 2);
        QVERIFY(d->reason.contains(QLatin1String("below autoscale.min")));
    }
};

QTEST_GUILESS_MAIN(TestAutoscaler)
#include "test_autoscaler.moc"
