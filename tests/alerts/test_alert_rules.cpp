// The alert rules file: the shipped defaults load, every refusal names file,
// line and reason, and the Prometheus export passes promtool check rules.
#include "alerts/alert_rule.h"
#include "alerts/prometheus_rules_export.h"
#include "test_support.h"

#include <QProcess>
#include <QTemporaryDir>
#include <QTest>

using namespace turno;

class TestAlertRules : public QObject {
    Q_OBJECT
private slots:
    void defaultsLoad()
    {
        const auto set = AlertRuleLoader::loadDefault();
        QVERIFY2(set.ok(), qPrintable(set.error()));
        QVERIFY(set->rules.size() >= 8);
        const AlertRule *cpu = set->find(QStringLiteral("HighCpu"));
        QVERIFY(cpu);
        QCOMPARE(cpu->threshold, 80.0);
        QCOMPARE(cpu->resolveThreshold, 70.0);
        QCOMPARE(cpu->forMs, qint64(10000));
        QVERIFY(set->find(QStringLiteral("CpuSaturated")));
        QCOMPARE(set->find(QStringLiteral("NodeDown"))->forMs, qint64(3000));
        QCOMPARE(set->find(QStringLiteral("HighErrorRatio"))->threshold, 0.01);
        // What clients received (the balancer's frontend, after retries) is the critical one;
        // a node's own 5xx, which HAProxy may hide by retrying, is a warning of its own.
        QCOMPARE(set->find(QStringLiteral("HighErrorRatio"))->metric, QStringLiteral("frontend_error_ratio"));
        QCOMPARE(set->find(QStringLiteral("HighErrorRatio"))->severity, QStringLiteral("critical"));
        QVERIFY(set->find(QStringLiteral("NodeErrorRatio")));
        QCOMPARE(set->find(QStringLiteral("NodeErrorRatio"))->metric, QStringLiteral("error_ratio"));
        QCOMPARE(set->find(QStringLiteral("NodeErrorRatio"))->severity, QStringLiteral("warning"));
        QCOMPARE(set->find(QStringLiteral("HighP99Latency"))->threshold, 0.05);
        // The file in resources/ is the same one compiled in.
        const auto onDisk = AlertRuleLoader::loadFile(test::envPath("TURNO_SOURCE_DIR") +
                                                      QStringLiteral("/resources/alerts/default_rules.json"));
        QVERIFY2(onDisk.ok(), qPrintable(onDisk.error()));
        QCOMPARE(onDisk->rules.size(), set->rules.size());
    }
    void durations()
    {
        QCOMPARE(AlertRuleLoader::parseDuration(QStringLiteral("10s")), qint64(10000));
        QCOMPARE(AlertRuleLoader::parseDuration(QStringLiteral("1m30s")), qint64(90000));
        QCOMPARE(AlertRuleLoader::parseDuration(QStringLiteral("500ms")), qint64(500));
        QCOMPARE(AlertRuleLoader::parseDuration(QStringLiteral("2h")), qint64(7200000));
        QCOMPARE(AlertRuleLoader::parseDuration(QStringLiteral("10")), qint64(-1));
        QCOMPARE(AlertRuleLoader::parseDuration(QStringLiteral("s10")), qint64(-1));
        QCOMPARE(AlertRuleLoader::formatDuration(90000), QStringLiteral("90s"));
    }
    void refusals_data()
    {
        QTest::addColumn<QByteArray>("json");
        QTest::addColumn<QString>("expected");
        QTest::newRow("broken json") << QByteArray("{\n  \"version\": 1,\n  \"rules\": [\n    {\"name\": }\n]}")
                                     << "rules.json:4:";
        QTest::newRow("unknown key") << QByteArray("{\n\"version\": 1,\n\"rules\": [\n {\"name\": \"A\", \"metric\": \"up\",\n"
                                                   "  \"threshold\": 1,\n  \"treshold\": 2}\n]}")
                                     << "rules.json:6: unknown rule key \"treshold\"";
        QTest::newRow("bad duration") << QByteArray("{\"version\": 1, \"rules\": [\n{\"name\": \"A\", \"metric\": \"up\",\n"
                                                    "\"threshold\": 1,\n\"for\": \"ten seconds\"}]}")
                                      << "rules.json:4: \"for\" must be a duration";
        QTest::newRow("resolve wrong side")
            << QByteArray("{\"version\": 1, \"rules\": [\n{\"name\": \"A\", \"metric\": \"cpu_percent\", \"op\": \">\",\n"
                          "\"threshold\": 80,\n\"resolve_threshold\": 90}]}")
            << "rules.json:4: \"resolve_threshold\" must be on the healthy side";
        QTest::newRow("duplicate name")
            << QByteArray("{\"version\": 1, \"rules\": [\n{\"name\": \"A\", \"metric\": \"up\", \"threshold\": 1},\n"
                          "{\"name\": \"A\", \"metric\": \"up\", \"threshold\": 1}]}")
            << "rules.json:3: a rule named \"A\" already exists";
        QTest::newRow("bad severity") << QByteArray("{\"version\": 1, \"rules\": [\n{\"name\": \"A\", \"metric\": \"up\", \"threshold\": 1,\n"
                                                    "\"severity\": \"page\"}]}")
                                      << "rules.json:3: \"severity\" must be";
        QTest::newRow("wrong version") << QByteArray("{\"version\": 2, \"rules\": []}") << "rules.json:1: \"version\" must be 1";
        QTest::newRow("missing threshold") << QByteArray("{\"version\": 1, \"rules\": [\n{\"name\": \"A\", \"metric\": \"up\"}]}")
                                           << "rules.json:2: \"threshold\" must be a number";
    }
    void refusals()
    {
        QFETCH(QByteArray, json);
        QFETCH(QString, expected);
        const auto r = AlertRuleLoader::loadBytes(json, QStringLiteral("rules.json"));
        QVERIFY(!r.ok());
        QVERIFY2(r.error().startsWith(expected), qPrintable(r.error()));
    }
    void missingFileNamesIt()
    {
        const auto r = AlertRuleLoader::loadFile(QStringLiteral("/nonexistent/rules.json"));
        QVERIFY(!r.ok());
        QVERIFY(r.error().startsWith(QStringLiteral("/nonexistent/rules.json: cannot read")));
    }
    void prometheusExportPassesPromtool()
    {
        const auto set = AlertRuleLoader::loadDefault();
        QVERIFY(set.ok());
        const QString yaml = PrometheusRulesExport::toYaml(set.value());
        QVERIFY(yaml.contains(QStringLiteral("alert: HighCpu")));
        QVERIFY(yaml.contains(QStringLiteral("keep_firing_for: 5s")));
        QVERIFY(yaml.contains(QStringLiteral("process_cpu_seconds_total")));
        // Both error rules are exported, each over what it measures.
        const qsizetype high = yaml.indexOf(QStringLiteral("alert: HighErrorRatio"));
        const qsizetype node = yaml.indexOf(QStringLiteral("alert: NodeErrorRatio"));
        QVERIFY2(high >= 0 && node >= 0, qPrintable(yaml));
        QVERIFY2(yaml.mid(high, 400).contains(QStringLiteral("haproxy_frontend_http_responses_total{proxy=\"turno\",code=\"5xx\"}")),
                 qPrintable(yaml.mid(high, 400)));
        QVERIFY2(yaml.mid(node, 400).contains(QStringLiteral("turno_http_requests_total")), qPrintable(yaml.mid(node, 400)));
        QVERIFY(!yaml.contains(QStringLiteral("has no Prometheus equivalent")));
        QTemporaryDir dir;
        const QString file = dir.filePath(QStringLiteral("turno.rules.yml"));
        QFile f(file);
        QVERIFY(f.open(QIODevice::WriteOnly));
        f.write(yaml.toUtf8());
        f.close();
        const QString promtool = test::findProgram(QStringLiteral("promtool"));
        QVERIFY2(!promtool.isEmpty(), "promtool missing: run scripts/setup.sh");
        QProcess p;
        p.start(promtool, {QStringLiteral("check"), QStringLiteral("rules"), file});
        QVERIFY(p.waitForFinished(30000));
        const QByteArray out = p.readAllStandardOutput() + p.readAllStandardError();
        QVERIFY2(p.exitCode() == 0, out.constData());
        QVERIFY2(out.contains("SUCCESS: 9 rules found"), out.constData());
    }
};

QTEST_GUILESS_MAIN(TestAlertRules)
#include "test_alert_rules.moc"
