// The Counters tab's core: which Redis keys are turno counters (as turno-server
// names them), rates between reads, and the issued-vs-stored check.
#include "models/counters_model.h"
#include "redis/redis_counters.h"

#include <QTest>

using turno::CounterValue;
using turno::CountersModel;
using turno::RedisCounters;

class TestCountersModel : public QObject {
    Q_OBJECT
private slots:
    void countersAreThePrefixedIdKeys()
    {
        const QString prefix = QStringLiteral("turno:");
        QCOMPARE(RedisCounters::idFromKey("turno:orders", prefix), QStringLiteral("orders"));
        QCOMPARE(RedisCounters::idFromKey("turno:a.b_c~d-9", prefix), QStringLiteral("a.b_c~d-9"));
        // The node registry shares the prefix; its keys have colons, which ids never do.
        QCOMPARE(RedisCounters::idFromKey("turno:registry:local:primary-1", prefix), QString());
        QCOMPARE(RedisCounters::idFromKey("other:orders", prefix), QString());
        QCOMPARE(RedisCounters::idFromKey("turno:", prefix), QString());
        QCOMPARE(RedisCounters::idFromKey("turno:" + QByteArray(65, 'x'), prefix), QString());
        QCOMPARE(RedisCounters::idFromKey("turno:" + QByteArray(64, 'x'), prefix), QString(64, QLatin1Char('x')));
    }

    void ratesComeFromTwoReads()
    {
        CountersModel m;
        m.setValues({{QStringLiteral("a"), 100}, {QStringLiteral("b"), 5}}, 1000);
        QCOMPARE(m.rowCount(), 2);
        QCOMPARE(m.index(m.rowOf(QStringLiteral("a")), CountersModel::RateColumn).data().toString(), QStringLiteral("–"));
        m.setValues({{QStringLiteral("a"), 300}, {QStringLiteral("c"), 1}}, 3000);
        QCOMPARE(m.rowCount(), 2);  // b left the top N, c joined
        QCOMPARE(m.rowOf(QStringLiteral("b")), -1);
        QCOMPARE(m.index(m.rowOf(QStringLiteral("a")), CountersModel::RateColumn).data(CountersModel::SortRole).toDouble(), 100.0);
        QCOMPARE(m.storedOf(QStringLiteral("a")), qint64(300));
    }

    void storedBelowIssuedIsFlagged()
    {
        CountersModel m;
        m.setValues({{QStringLiteral("a"), 100}, {QStringLiteral("b"), 50}, {QStringLiteral("c"), 7}}, 1000);
        QCOMPARE(m.checkOf(QStringLiteral("a")), CountersModel::Check::None);
        m.setIssued({{QStringLiteral("a"), 100}, {QStringLiteral("b"), 51}});
        QCOMPARE(m.checkOf(QStringLiteral("a")), CountersModel::Check::Ok);
        QCOMPARE(m.checkOf(QStringLiteral("b")), CountersModel::Check::StoredBelowIssued);
        QCOMPARE(m.checkOf(QStringLiteral("c")), CountersModel::Check::None);
        QCOMPARE(m.violationCount(), 1);
        QVERIFY(m.index(m.rowOf(QStringLiteral("b")), CountersModel::CheckColumn).data().toString().contains(QStringLiteral("STORED < ISSUED")));
        QCOMPARE(m.index(m.rowOf(QStringLiteral("b")), 0).data(CountersModel::CheckRole).toInt(),
                 int(CountersModel::Check::StoredBelowIssued));
    }
};

QTEST_MAIN(TestCountersModel)
#include "test_counters_model.moc"
