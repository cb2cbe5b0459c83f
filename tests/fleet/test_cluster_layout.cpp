// ClusterLayout's node names: the Redis nodes are named by launch order, and the
// names earlier versions gave them by role are aliases an operator may still type.
#include "fleet/cluster_layout.h"

#include <QtTest>

using turno::ClusterLayout;

class TestClusterLayout : public QObject {
    Q_OBJECT

private slots:
    void redisNodesAreNamedByLaunchOrder()
    {
        QCOMPARE(ClusterLayout::redisNodeName(1), QStringLiteral("redis-1"));
        QCOMPARE(ClusterLayout::redisNodeName(2), QStringLiteral("redis-2"));
        // A fresh layout's primary is the one launched first.
        QCOMPARE(ClusterLayout{}.redisPrimary, QStringLiteral("redis-1"));
    }

    void oldNamesResolveToTheNodeLaunchedInThatRole()
    {
        QCOMPARE(ClusterLayout::resolveNodeName(QStringLiteral("redis-primary")), QStringLiteral("redis-1"));
        QCOMPARE(ClusterLayout::resolveNodeName(QStringLiteral("redis-replica")), QStringLiteral("redis-2"));
    }

    void otherNamesStayAsTyped()
    {
        for (const char *name : {"redis-1", "redis-2", "primary-1", "secondary-3", "sentinel-1", "haproxy", "redis",
                                 "Redis-Primary", "redis-primary ", "redis-primary-2", "no-such-node", ""})
            QCOMPARE(ClusterLayout::resolveNodeName(QLatin1String(name)), QLatin1String(name));
    }

    void aNodesHistoryCarriesItsOldNameToo()
    {
        QCOMPARE(ClusterLayout::namesOf(QStringLiteral("redis-1")), (QStringList{QStringLiteral("redis-1"), QStringLiteral("redis-primary")}));
        QCOMPARE(ClusterLayout::namesOf(QStringLiteral("redis-primary")),
                 (QStringList{QStringLiteral("redis-1"), QStringLiteral("redis-primary")}));
        QCOMPARE(ClusterLayout::namesOf(QStringLiteral("redis-replica")),
                 (QStringList{QStringLiteral("redis-2"), QStringLiteral("redis-replica")}));
        QCOMPARE(ClusterLayout::namesOf(QStringLiteral("primary-1")), QStringList{QStringLiteral("primary-1")});
    }
};

QTEST_GUILESS_MAIN(TestClusterLayout)
#include "test_cluster_layout.moc"
