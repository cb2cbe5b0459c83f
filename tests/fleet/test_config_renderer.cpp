// ConfigRenderer: the configs and command lines of a local cluster, rendered
// from a layout alone and compared with golden files in tests/fleet/golden/
// (no process is spawned). After an intended change, regenerate them with
// TURNO_UPDATE_GOLDEN=1 and read the diff before committing it.
#include "fleet/cluster_layout.h"
#include "fleet/config_renderer.h"

#include <QDir>
#include <QFile>
#include <QTest>
#include <deque>

using turno::ClusterLayout;
using turno::ConfigRenderer;
using turno::FleetNode;

namespace {

const QString kGolden = QStringLiteral(TURNO_GOLDEN_DIR);

// The shipped default profile's cluster on fixed ports, in a fixed run directory.
struct Fixture {
    std::deque<FleetNode> nodes;
    ClusterLayout layout;

    explicit Fixture(const QString &profileFile = QStringLiteral("default.json"))
    {
        auto p = turno::ProfileLoader::loadFile(qEnvironmentVariable("TURNO_SOURCE_DIR") + QStringLiteral("/resources/profiles/") +
                                                profileFile);
        if (!p.ok())
            qFatal("%s", qPrintable(p.error()));
        layout.profile = p.value();
        layout.runDir = QStringLiteral("/run/turno-ops/golden");
        layout.balancerPort = 7017;
        layout.prometheusPort = 7100;
        layout.balancerLogPort = 7099;
        layout.password = QStringLiteral("0123456789abcdef");
        quint16 port = 7101;
        auto add = [&](const QString &name, FleetNode::Kind kind, const QString &pool, int weight) {
            FleetNode n;
            n.name = name;
            n.kind = kind;
            n.pool = pool;
            n.port = kind == FleetNode::Kind::Haproxy ? layout.balancerPort : port++;
            n.weight = weight;
            nodes.push_back(n);
            layout.nodes << &nodes.back();
        };
        const turno::ClusterProfile &pr = layout.profile;
        if (pr.store == QLatin1String("redis") && pr.redisMode == QLatin1String("embedded")) {
            add(QStringLiteral("redis-1"), FleetNode::Kind::Redis, {}, 0);
            if (pr.redisReplica)
                add(QStringLiteral("redis-2"), FleetNode::Kind::Redis, {}, 0);
            for (int i = 1; i <= pr.sentinelCount; ++i)
                add(QStringLiteral("sentinel-%1").arg(i), FleetNode::Kind::Sentinel, {}, 0);
        }
        for (const turno::PoolSpec *pool : {&pr.primary, &pr.secondary})
            for (int i = 0; i < pool->nodes; ++i)
                add(QStringLiteral("%1-%2").arg(pool->name).arg(i + 1), FleetNode::Kind::Turno, pool->name, pool->weights.value(i, 1));
        add(QStringLiteral("haproxy"), FleetNode::Kind::Haproxy, {}, 0);
    }
    const FleetNode &node(const QString &name) const { return *layout.node(name); }
};

// Compares with (or, with TURNO_UPDATE_GOLDEN=1, writes) tests/fleet/golden/NAME.
void golden(const QString &name, const QByteArray &actual)
{
    const QString path = kGolden + QLatin1Char('/') + name;
    if (qEnvironmentVariableIntValue("TURNO_UPDATE_GOLDEN") == 1) {
        QFile out(path);
        QVERIFY2(out.open(QIODevice::WriteOnly | QIODevice::Truncate), qPrintable(path));
        out.write(actual);
        return;
    }
    QFile in(path);
    QVERIFY2(in.open(QIODevice::ReadOnly), qPrintable(path + QStringLiteral(" is missing; run with TURNO_UPDATE_GOLDEN=1")));
    const QByteArray expected = in.readAll();
    if (actual != expected) {
        const QList<QByteArray> a = actual.split('\n'), e = expected.split('\n');
        for (qsizetype i = 0; i < std::max(a.size(), e.size()); ++i)
            if (a.value(i) != e.value(i))
                QFAIL(qPrintable(QStringLiteral("%1:%2: rendered \"%3\", golden \"%4\"")
                                     .arg(path).arg(i + 1).arg(QString::fromUtf8(a.value(i)), QString::fromUtf8(e.value(i)))));
    }
}

QByteArray args(const QStringList &a)
{
    return a.join(QLatin1Char('\n')).toUtf8() + '\n';
}

}  // namespace

class TestConfigRenderer : public QObject {
    Q_OBJECT
private slots:
    void defaultProfile()
    {
        const Fixture f;
        golden(QStringLiteral("default/redis-1.conf"), ConfigRenderer::redisConf(f.layout, f.node(QStringLiteral("redis-1"))));
        golden(QStringLiteral("default/redis-2.conf"), ConfigRenderer::redisConf(f.layout, f.node(QStringLiteral("redis-2"))));
        golden(QStringLiteral("default/sentinel-1.conf"), ConfigRenderer::sentinelConf(f.layout, f.node(QStringLiteral("sentinel-1"))));
        golden(QStringLiteral("default/haproxy.cfg"), ConfigRenderer::haproxyCfg(f.layout));
        golden(QStringLiteral("default/primary-1.args"), args(ConfigRenderer::turnoArgs(f.layout, f.node(QStringLiteral("primary-1")))));
        golden(QStringLiteral("default/secondary-2.args"), args(ConfigRenderer::turnoArgs(f.layout, f.node(QStringLiteral("secondary-2")))));
        QCOMPARE(f.layout.configFile(f.node(QStringLiteral("sentinel-2"))), QStringLiteral("/run/turno-ops/golden/sentinel-2/sentinel.conf"));
        QCOMPARE(f.layout.configFile(f.node(QStringLiteral("primary-1"))), QString());
        QCOMPARE(ConfigRenderer::configFor(f.layout, f.node(QStringLiteral("haproxy"))), ConfigRenderer::haproxyCfg(f.layout));
    }

    // After a failover the replica is the primary: the other one follows it, Sentinel monitors it.
    void afterAFailoverTheRolesSwap()
    {
        Fixture f;
        f.layout.redisPrimary = QStringLiteral("redis-2");
        const QByteArray primary = ConfigRenderer::redisConf(f.layout, f.node(QStringLiteral("redis-1")));
        const QByteArray replica = ConfigRenderer::redisConf(f.layout, f.node(QStringLiteral("redis-2")));
        QVERIFY(primary.contains("replicaof 127.0.0.1 7102\n"));
        QVERIFY(!replica.contains("replicaof"));
        QVERIFY(ConfigRenderer::sentinelConf(f.layout, f.node(QStringLiteral("sentinel-1"))).contains("sentinel monitor turno 127.0.0.1 7102 2\n"));
    }

    // A node being removed (scale in) leaves the balancer's config; a reload bumps the admin socket.
    void scaleInAndReload()
    {
        Fixture f;
        f.nodes[f.layout.nodes.indexOf(&f.node(QStringLiteral("primary-2")))].removing = true;
        f.layout.balancerGeneration = 3;
        golden(QStringLiteral("default/haproxy-scaled-in.cfg"), ConfigRenderer::haproxyCfg(f.layout));
    }

    void withoutPasswordOrSentinels()
    {
        Fixture f;
        f.layout.password.clear();
        f.layout.profile.sentinelCount = 0;
        for (qsizetype i = f.layout.nodes.size() - 1; i >= 0; --i)
            if (f.layout.nodes[i]->kind == FleetNode::Kind::Sentinel)
                f.layout.nodes.removeAt(i);
        golden(QStringLiteral("no-sentinel/primary-1.args"), args(ConfigRenderer::turnoArgs(f.layout, f.node(QStringLiteral("primary-1")))));
        const QByteArray conf = ConfigRenderer::redisConf(f.layout, f.node(QStringLiteral("redis-1")));
        QVERIFY(!conf.contains("requirepass"));
        QVERIFY(!conf.contains("masterauth"));
    }

    void leastconnAndWeights()
    {
        Fixture f;
        f.layout.profile.algorithm = QStringLiteral("leastconn");
        f.nodes[f.layout.nodes.indexOf(&f.node(QStringLiteral("primary-1")))].weight = 3;
        const QByteArray cfg = ConfigRenderer::haproxyCfg(f.layout);
        QVERIFY(cfg.contains("    balance leastconn\n"));
        QVERIFY(cfg.contains("    server primary-1 127.0.0.1:7106 check weight 3\n"));
        QVERIFY(cfg.contains("    server secondary-1 127.0.0.1:7108 check weight 1 backup\n"));
    }

    void memoryStoreArgsStopAtTheStore()
    {
        Fixture f;
        f.layout.profile.store = QStringLiteral("memory");
        const QStringList a = ConfigRenderer::turnoArgs(f.layout, f.node(QStringLiteral("primary-1")));
        QCOMPARE(a, (QStringList{QStringLiteral("--listen"), QStringLiteral("127.0.0.1:7106"), QStringLiteral("--store"),
                                 QStringLiteral("memory"), QStringLiteral("--threads"), QStringLiteral("1"),
                                 QStringLiteral("--node-name"), QStringLiteral("primary-1"), QStringLiteral("--drain-timeout-ms"),
                                 QStringLiteral("1000")}));
    }
};

QTEST_GUILESS_MAIN(TestConfigRenderer)
#include "test_config_renderer.moc"
