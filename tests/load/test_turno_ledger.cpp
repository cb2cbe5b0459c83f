// TurnoLedger: duplicates within one ledger and across merged ones, gaps
// counted from the lowest number (or from 1 for fresh ids), examples listed.
#include "load/turno_ledger.h"

#include <QTest>

using turno::TurnoExample;
using turno::TurnoLedger;

class TestTurnoLedger : public QObject {
    Q_OBJECT
private slots:
    void duplicateInOneLedger()
    {
        TurnoLedger l(2);
        QVERIFY(l.record(0, 1));
        QVERIFY(l.record(0, 2));
        QVERIFY(!l.record(0, 2));
        QVERIFY(l.record(1, 2));  // same number, other id: fine
        QCOMPARE(l.distinct(0), uint64_t(2));
        // Id 1 was never handed 1: a gap only when the ids are fresh.
        QCOMPARE(l.gaps(true, nullptr, 0), uint64_t(1));
        QCOMPARE(l.gaps(false, nullptr, 0), uint64_t(0));
    }

    void duplicatesAcrossLedgersAreFoundOnMerge()
    {
        // Two threads each saw a consistent half, but 5000 and 20000 reached both.
        TurnoLedger a(1), b(1);
        for (uint64_t t = 1; t <= 30000; ++t) {
            if (t % 2)
                QVERIFY(a.record(0, t));
            else
                QVERIFY(b.record(0, t));
        }
        QVERIFY(a.record(0, 5000));
        QVERIFY(a.record(0, 20000));
        TurnoLedger merged(1);
        std::vector<TurnoExample> ex;
        QCOMPARE(merged.mergeFrom(a, &ex, 10), uint64_t(0));
        QCOMPARE(merged.mergeFrom(b, &ex, 10), uint64_t(2));
        QCOMPARE(ex.size(), size_t(2));
        QCOMPARE(ex[0].turno, uint64_t(5000));
        QCOMPARE(ex[1].turno, uint64_t(20000));
        QCOMPARE(merged.distinct(0), uint64_t(30000));
        QCOMPARE(merged.gaps(true, nullptr, 0), uint64_t(0));
    }

    void gapsFromOneOrFromLowest()
    {
        TurnoLedger l(1);
        for (uint64_t t : {3, 4, 6, 9})
            QVERIFY(l.record(0, t));
        std::vector<TurnoExample> ex;
        // From the lowest seen: 5, 7 and 8 are missing.
        QCOMPARE(l.gaps(false, &ex, 10), uint64_t(3));
        QCOMPARE(ex.size(), size_t(3));
        QCOMPARE(ex[0].turno, uint64_t(5));
        QCOMPARE(ex[2].turno, uint64_t(8));
        // A fresh id must have started at 1: 1 and 2 are missing too; examples capped.
        ex.clear();
        QCOMPARE(l.gaps(true, &ex, 2), uint64_t(5));
        QCOMPARE(ex.size(), size_t(2));
        QCOMPARE(ex[0].turno, uint64_t(1));
    }

    void bigNumbersStaySparse()
    {
        TurnoLedger l(1);
        const uint64_t base = 9007199254740991ULL - 100;
        for (uint64_t t = base; t <= base + 100; ++t)
            QVERIFY(l.record(0, t));
        QVERIFY(!l.record(0, base + 50));
        QCOMPARE(l.gaps(false, nullptr, 0), uint64_t(0));
        QCOMPARE(l.lowest(0), base);
    }
};

QTEST_GUILESS_MAIN(TestTurnoLedger)
#include "test_turno_ledger.moc"
