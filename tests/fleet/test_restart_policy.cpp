// RestartPolicy: restarts within the window up to the limit, the backoff doubling
// up to its cap, and a window that forgets old restarts.
#include "fleet/cluster_profile.h"
#include "fleet/restart_policy.h"

#include <QTest>

using turno::ClusterProfile;
using turno::RestartPolicy;

class TestRestartPolicy : public QObject {
    Q_OBJECT
private slots:
    void backoffDoublesUpToItsCapAndTheLimitGivesUp()
    {
        ClusterProfile p;
        p.restartLimit = 3;
        p.restartWindowS = 60;
        p.backoffInitialMs = 200;
        p.backoffMaxMs = 500;
        QList<qint64> times;
        int consecutive = 0;
        auto d = RestartPolicy::onExit(times, consecutive, 1000, p);
        QVERIFY(!d.giveUp);
        QCOMPARE(d.backoffMs, 200);
        QCOMPARE(d.restarts, 1);
        d = RestartPolicy::onExit(times, consecutive, 2000, p);
        QCOMPARE(d.backoffMs, 400);
        d = RestartPolicy::onExit(times, consecutive, 3000, p);
        QCOMPARE(d.backoffMs, 500);  // capped
        QCOMPARE(d.restarts, 3);
        d = RestartPolicy::onExit(times, consecutive, 4000, p);
        QVERIFY(d.giveUp);
        QCOMPARE(d.exits, 4);
        QCOMPARE(times.size(), 3);  // a refused restart is not recorded
    }

    void theWindowForgetsOldRestarts()
    {
        ClusterProfile p;
        p.restartLimit = 2;
        p.restartWindowS = 10;
        p.backoffInitialMs = 100;
        p.backoffMaxMs = 100000;
        QList<qint64> times;
        int consecutive = 0;
        RestartPolicy::onExit(times, consecutive, 0, p);
        RestartPolicy::onExit(times, consecutive, 1000, p);
        // 10.5 s after the first: it has left the window, so one more is allowed.
        const auto d = RestartPolicy::onExit(times, consecutive, 10500, p);
        QVERIFY(!d.giveUp);
        QCOMPARE(d.restarts, 2);
        // Consecutive restarts without a success in between keep doubling.
        QCOMPARE(d.backoffMs, 400);
    }

    void aLongBackoffDoesNotOverflow()
    {
        ClusterProfile p;
        p.restartLimit = 100;
        p.backoffInitialMs = 600000;
        p.backoffMaxMs = 900000;
        QList<qint64> times;
        int consecutive = 20;
        const auto d = RestartPolicy::onExit(times, consecutive, 0, p);
        QCOMPARE(d.backoffMs, 900000);
    }
};

QTEST_GUILESS_MAIN(TestRestartPolicy)
#include "test_restart_policy.moc"
