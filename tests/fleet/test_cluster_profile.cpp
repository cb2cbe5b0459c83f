// ProfileLoader: the shipped default, the schema's rules, and refusals that
// name the file, the line and the reason.
#include "fleet/cluster_profile.h"

#include <QFile>
#include <QTemporaryDir>
#include <QtTest>

using turno::ClusterProfile;
using turno::ProfileLoader;

class TestClusterProfile : public QObject {
    Q_OBJECT

private:
    static QByteArray defaultText()
    {
        QFile f(qEnvironmentVariable("TURNO_SOURCE_DIR") + QStringLiteral("/resources/profiles/default.json"));
        if (!f.open(QIODevice::ReadOnly))
            qFatal("cannot read the default profile");
        return f.readAll();
    }

    // Loads text and expects a refusal at line; returns the message.
    static QString refusal(const QByteArray &text, int line)
    {
        const auto r = ProfileLoader::loadBytes(text, QStringLiteral("p.json"));
        if (r.ok()) {
            qWarning("profile was accepted");
            return {};
        }
        const QString prefix = QStringLiteral("p.json:%1:").arg(line);
        if (!r.error().startsWith(prefix))
            qWarning("expected prefix %s, got: %s", qPrintable(prefix), qPrintable(r.error()));
        return r.error().startsWith(prefix) ? r.error() : QString();
    }

private slots:
    void shippedDefaultMatchesTheIssue()
    {
        const auto r = ProfileLoader::loadBytes(defaultText(), QStringLiteral("default.json"));
        QVERIFY2(r.ok(), qPrintable(r.error()));
        const ClusterProfile &p = r.value();
        QCOMPARE(p.primary.nodes, 2);
        QCOMPARE(p.secondary.nodes, 2);
        QCOMPARE(p.store, QStringLiteral("redis"));
        QCOMPARE(p.redisMode, QStringLiteral("embedded"));
        QVERIFY(p.redisReplica);
        QCOMPARE(p.sentinelCount, 3);
        QCOMPARE(p.algorithm, QStringLiteral("roundrobin"));
        QCOMPARE(p.balancerListen.text(), QStringLiteral("127.0.0.1:7017"));
        QCOMPARE(p.portsMode, QStringLiteral("auto"));
        QCOMPARE(p.minReplicasToWrite, 1);
    }

    void loadDefaultFindsTheShippedFile()
    {
        qputenv("TURNO_PROFILE_DIR", (qEnvironmentVariable("TURNO_SOURCE_DIR") + QStringLiteral("/resources/profiles")).toLocal8Bit());
        const auto r = ProfileLoader::loadDefault();
        QVERIFY2(r.ok(), qPrintable(r.error()));
        QVERIFY(r.value().sourceFile.endsWith(QLatin1String("resources/profiles/default.json")));
    }

    void syntaxErrorGivesLineAndColumn()
    {
        const QByteArray text = "{\n  \"name\": \"x\",\n  \"store\": \"redis\"\n  \"pools\": {}\n}\n";
        const QString msg = refusal(text, 4);
        QVERIFY2(!msg.isEmpty(), "a missing comma on line 4 must be reported at line 4");
        QVERIFY2(msg.contains(QLatin1String("invalid JSON")), qPrintable(msg));
        QVERIFY2(QRegularExpression(QStringLiteral("^p\\.json:4:\\d+: ")).match(msg).hasMatch(), qPrintable(msg));
    }

    void unknownKeyNamesItsLine()
    {
        QByteArray text = defaultText();
        text.replace("\"retries\": 3,", "\"retries\": 3,\n        \"algoritm\": \"leastconn\",");
        const int line = int(text.left(text.indexOf("algoritm")).count('\n')) + 1;
        const QString msg = refusal(text, line);
        QVERIFY2(msg.contains(QLatin1String("unknown key \"algoritm\"")), qPrintable(msg));
        QVERIFY2(msg.contains(QLatin1String("algorithm")), "the message lists the allowed keys");
    }

    void badEnumNamesChoices()
    {
        QByteArray text = defaultText();
        text.replace("\"algorithm\": \"roundrobin\"", "\"algorithm\": \"random\"");
        const int line = int(text.left(text.indexOf("\"random\"")).count('\n')) + 1;
        const QString msg = refusal(text, line);
        QVERIFY2(msg.contains(QLatin1String("roundrobin | weighted | leastconn")), qPrintable(msg));
    }

    void nestedArrayElementLine()
    {
        const QByteArray text = "{\n"
                                "  \"pools\": {\n"
                                "    \"primary\": {\n"
                                "      \"nodes\": 3,\n"
                                "      \"weights\": [\n"
                                "        1,\n"
                                "        0,\n"
                                "        3\n"
                                "      ]\n"
                                "    }\n"
                                "  }\n"
                                "}\n";
        const QString msg = refusal(text, 7);
        QVERIFY2(msg.contains(QLatin1String("pools.primary.weights[1]")), qPrintable(msg));
    }

    void weightsMustMatchNodeCount()
    {
        const QByteArray text = "{\n  \"pools\": {\n    \"primary\": { \"nodes\": 3, \"weights\": [1, 2] }\n  }\n}\n";
        const QString msg = refusal(text, 3);
        QVERIFY2(msg.contains(QLatin1String("2 entries but the pool has 3 nodes")), qPrintable(msg));
    }

    void memoryStoreNeedsExactlyOneNode()
    {
        QByteArray text = defaultText();
        text.replace("\"store\": \"redis\"", "\"store\": \"memory\"");
        const int line = int(text.left(text.indexOf("\"store\"")).count('\n')) + 1;
        const QString msg = refusal(text, line);
        QVERIFY2(msg.contains(QLatin1String("exactly one node")) && msg.contains(QLatin1String("4 nodes")), qPrintable(msg));

        const QByteArray single = "{\n  \"store\": \"memory\",\n  \"pools\": {\n"
                                  "    \"primary\": { \"nodes\": 1 },\n    \"secondary\": { \"nodes\": 0 }\n  }\n}\n";
        const auto ok = ProfileLoader::loadBytes(single, QStringLiteral("single.json"));
        QVERIFY2(ok.ok(), qPrintable(ok.error()));
        QCOMPARE(ok.value().totalNodes(), 1);
    }

    void typeErrorsAreRefused()
    {
        QCOMPARE(refusal("{\n \"scrape\": { \"intervalMs\": \"fast\" }\n}", 2).contains(QLatin1String("integer")), true);
        QCOMPARE(refusal("{\n \"balancer\": {\n  \"listen\": \"localhost\"\n }\n}", 3).contains(QLatin1String("HOST:PORT")), true);
        QCOMPARE(refusal("[1, 2]", 1).contains(QLatin1String("JSON object")), true);
        QCOMPARE(refusal("{\n \"autoscale\": { \"enabled\": true, \"min\": 5, \"max\": 2 }\n}", 2).contains(QLatin1String("autoscale.min")), true);
        QCOMPARE(refusal("{\n \"redis\": {\n  \"mode\": \"external\"\n }\n}", 3).contains(QLatin1String("redis.address")), true);
    }

    void missingFileNamesThePath()
    {
        const auto r = ProfileLoader::loadFile(QStringLiteral("/nonexistent/turno/profile.json"));
        QVERIFY(!r.ok());
        QVERIFY2(r.error().startsWith(QLatin1String("/nonexistent/turno/profile.json:")), qPrintable(r.error()));
    }

    void serialisedProfileLoadsBackTheSame()
    {
        ClusterProfile p;
        p.name = QStringLiteral("roundtrip");
        p.primary = {QStringLiteral("primary"), 3, {1, 2, 3}};
        p.secondary = {QStringLiteral("secondary"), 1, {4}};
        p.algorithm = QStringLiteral("leastconn");
        p.balancerListen.port = 0;
        p.autoscaleEnabled = true;
        p.autoscaleCpuHigh = 55.5;
        const auto r = ProfileLoader::loadBytes(ProfileLoader::toJson(p), QStringLiteral("roundtrip.json"));
        QVERIFY2(r.ok(), qPrintable(r.error()));
        QCOMPARE(r.value().primary.weights, QList<int>({1, 2, 3}));
        QCOMPARE(r.value().secondary.weights, QList<int>({4}));
        QCOMPARE(r.value().algorithm, QStringLiteral("leastconn"));
        QCOMPARE(r.value().balancerListen.port, quint16(0));
        QCOMPARE(r.value().autoscaleCpuHigh, 55.5);
        QVERIFY(r.value().autoscaleEnabled);
    }
};

QTEST_GUILESS_MAIN(TestClusterProfile)
#include "test_cluster_profile.moc"
