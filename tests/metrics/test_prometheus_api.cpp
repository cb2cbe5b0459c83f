// PrometheusApi's parsers on answers shaped as Prometheus 2.42 writes them
// (instant vectors, scalars, matrices, NaN/Inf values, error envelopes, a
// non-JSON body), its step bound (no more than 11,000 points per series) and
// its duration parser; PrometheusAttach's node naming and PromQL.
#include "fleet/prometheus_attach.h"
#include "scrape/prometheus_api.h"

#include <QTest>
#include <cmath>

using namespace turno;

class TestPrometheusApi : public QObject {
    Q_OBJECT
private slots:
    void vector()
    {
        const QByteArray body = R"({"status":"success","data":{"resultType":"vector","result":[
            {"metric":{"__name__":"up","instance":"127.0.0.1:4001","job":"turno","node":"primary-1"},"value":[1764806400.123,"1"]},
            {"metric":{"instance":"127.0.0.1:4002","job":"turno"},"value":[1764806400.123,"NaN"]},
            {"metric":{"instance":"127.0.0.1:4003","job":"turno"},"value":[1764806400.123,"+Inf"]}]}})";
        const auto r = PrometheusApi::parseVector(body, 200);
        QVERIFY2(r.ok(), qPrintable(r.error()));
        QCOMPARE(r.value().size(), 3);
        QCOMPARE(r.value()[0].labels.value(QStringLiteral("node")), QStringLiteral("primary-1"));
        QCOMPARE(r.value()[0].timestampMs, qint64(1764806400123));
        QCOMPARE(r.value()[0].value, 1.0);
        QVERIFY(std::isnan(r.value()[1].value));
        QVERIFY(std::isinf(r.value()[2].value));
        QCOMPARE(PrometheusAttach::nodeName(r.value()[0].labels), QStringLiteral("primary-1"));
        QCOMPARE(PrometheusAttach::nodeName(r.value()[1].labels), QStringLiteral("127.0.0.1:4002"));
        const auto scalar = PrometheusApi::parseVector(R"({"status":"success","data":{"resultType":"scalar","result":[1.5,"42"]}})", 200);
        QVERIFY(scalar.ok());
        QCOMPARE(scalar.value().first().value, 42.0);
    }

    void matrix()
    {
        const QByteArray body = R"({"status":"success","data":{"resultType":"matrix","result":[
            {"metric":{"node":"primary-1"},"values":[[1764806400,"1"],[1764806410,"0"],[1764806420,"-Inf"]]}]}})";
        const auto r = PrometheusApi::parseMatrix(body, 200);
        QVERIFY2(r.ok(), qPrintable(r.error()));
        QCOMPARE(r.value().size(), 1);
        QCOMPARE(r.value()[0].points.size(), 3);
        QCOMPARE(r.value()[0].points[1].first, qint64(1764806410000));
        QCOMPARE(r.value()[0].points[1].second, 0.0);
        const auto wrong = PrometheusApi::parseMatrix(R"({"status":"success","data":{"resultType":"vector","result":[]}})", 200);
        QVERIFY(!wrong.ok());
        QVERIFY2(wrong.error().contains(QLatin1String("range vector")), qPrintable(wrong.error()));
    }

    void errorsSayWhat()
    {
        const auto refused = PrometheusApi::parseVector(
            R"({"status":"error","errorType":"bad_data","error":"1:5: parse error: unexpected <EOF>"})", 400);
        QVERIFY(!refused.ok());
        QCOMPARE(refused.error(), QStringLiteral("Prometheus refused the query (bad_data): 1:5: parse error: unexpected <EOF>"));
        const auto timeout = PrometheusApi::parseMatrix(
            R"({"status":"error","errorType":"timeout","error":"query timed out in expression evaluation"})", 503);
        QVERIFY(timeout.error().contains(QLatin1String("(timeout)")));
        const auto html = PrometheusApi::parseVector("<html>502 Bad Gateway</html>", 502);
        QVERIFY(!html.ok());
        QVERIFY2(html.error().startsWith(QLatin1String("HTTP 502")), qPrintable(html.error()));
        const auto garbage = PrometheusApi::parseVector("{\"status\":", 200);
        QVERIFY(!garbage.ok());
        QVERIFY2(garbage.error().startsWith(QLatin1String("not a Prometheus API answer")), qPrintable(garbage.error()));
    }

    void stepStaysWithinThePointLimit()
    {
        const qint64 day = 24 * 3600 * 1000LL;
        QCOMPARE(PrometheusApi::boundedStep(0, 600000, 1000), qint64(1000));
        const qint64 step = PrometheusApi::boundedStep(0, day, 1000);
        QVERIFY(step > 1000);
        QVERIFY(day / step + 1 <= PrometheusApi::kMaxPointsPerSeries);
        QCOMPARE(PrometheusApi::boundedStep(0, 0, 0), qint64(1));
    }

    void durations()
    {
        QCOMPARE(PrometheusApi::parseDurationMs(QStringLiteral("15s")), qint64(15000));
        QCOMPARE(PrometheusApi::parseDurationMs(QStringLiteral("1m30s")), qint64(90000));
        QCOMPARE(PrometheusApi::parseDurationMs(QStringLiteral("500ms")), qint64(500));
        QCOMPARE(PrometheusApi::parseDurationMs(QStringLiteral("1h")), qint64(3600000));
        QCOMPARE(PrometheusApi::parseDurationMs(QStringLiteral("")), qint64(-1));
        QCOMPARE(PrometheusApi::parseDurationMs(QStringLiteral("15 s")), qint64(-1));
    }

    // Sample values as Prometheus writes them; anything else is not a number.
    void sampleValuesParse()
    {
        QCOMPARE(PrometheusApi::parseValue(QStringLiteral("1")), 1.0);
        QCOMPARE(PrometheusApi::parseValue(QStringLiteral("0.125")), 0.125);
        QCOMPARE(PrometheusApi::parseValue(QStringLiteral("-3.5")), -3.5);
        QCOMPARE(PrometheusApi::parseValue(QStringLiteral("1e+06")), 1e6);
        QCOMPARE(PrometheusApi::parseValue(QStringLiteral("9007199254740991")), 9007199254740991.0);
        QVERIFY(std::isinf(PrometheusApi::parseValue(QStringLiteral("+Inf"))) && PrometheusApi::parseValue(QStringLiteral("+Inf")) > 0);
        QVERIFY(std::isinf(PrometheusApi::parseValue(QStringLiteral("-Inf"))) && PrometheusApi::parseValue(QStringLiteral("-Inf")) < 0);
        for (const char *bad : {"NaN", "", "abc", "1.5x", "1 ", " 1", "0x10", "1,5"})
            QVERIFY2(std::isnan(PrometheusApi::parseValue(QString::fromLatin1(bad))), bad);
        QVERIFY(std::isnan(PrometheusApi::parseValue(QString(80, QLatin1Char('1')))));
        QVERIFY(std::isnan(PrometheusApi::parseValue(QStringLiteral("１"))));  // a fullwidth digit
    }

    void queriesNameTheJobAndWindow()
    {
        const QMap<QString, QString> q = PrometheusAttach::queries(QStringLiteral("edge"), 60);
        for (const char *metric : {"up", "requests_per_second", "p50_seconds", "p99_seconds", "cpu_percent", "rss_bytes", "error_ratio"})
            QVERIFY2(q.contains(QLatin1String(metric)), metric);
        for (auto it = q.cbegin(); it != q.cend(); ++it) {
            QVERIFY2(it.value().contains(QLatin1String("job=\"edge\"")), qPrintable(it.value()));
            if (it.key() != QLatin1String("up") && it.key() != QLatin1String("rss_bytes"))
                QVERIFY2(it.value().contains(QLatin1String("[60s]")), qPrintable(it.value()));
        }
        QVERIFY(q.value(QStringLiteral("requests_per_second")).contains(QLatin1String("handler=\"turno\"")));
    }

    // One look asks the plain gauges of each job in one selector, and their answers
    // come back under each gauge's own figure (the exporter's names mapped).
    void aLookAsksTheGaugesOfAJobInOneSelector()
    {
        const QMap<QString, QString> q = PrometheusAttach::snapshotQueries(QStringLiteral("edge"), QStringLiteral("kv"), 8);
        QVERIFY(!q.contains(QStringLiteral("up")) && !q.contains(QStringLiteral("rss_bytes")) && !q.contains(QStringLiteral("redis_up")));
        QCOMPARE(q.value(QStringLiteral("gauges")), QStringLiteral("{__name__=~\"up|process_resident_memory_bytes\",job=\"edge\"}"));
        QVERIFY2(q.value(QStringLiteral("redis_gauges")).contains(QLatin1String("redis_connected_slave_lag_seconds")) &&
                     q.value(QStringLiteral("redis_gauges")).endsWith(QLatin1String(",job=\"kv\"}")),
                 qPrintable(q.value(QStringLiteral("redis_gauges"))));
        QVERIFY(q.value(QStringLiteral("redis_ops_per_second")).contains(QLatin1String("[8s]")));
        for (const char *metric : {"requests_per_second", "p99_seconds", "cpu_percent", "error_ratio"})
            QVERIFY2(q.contains(QLatin1String(metric)), metric);

        auto sample = [](const QString &name, const QString &node, double value) {
            turno::PromSample s;
            s.labels = {{QStringLiteral("__name__"), name}, {QStringLiteral("node"), node}};
            s.value = value;
            return s;
        };
        QMap<QString, QList<turno::PromSample>> results;
        results[QStringLiteral("gauges")] = {sample(QStringLiteral("up"), QStringLiteral("a"), 1),
                                             sample(QStringLiteral("process_resident_memory_bytes"), QStringLiteral("a"), 4096)};
        results[QStringLiteral("redis_gauges")] = {sample(QStringLiteral("redis_memory_used_bytes"), QStringLiteral("r1"), 1e6),
                                                   sample(QStringLiteral("redis_instance_info"), QStringLiteral("r1"), 1),
                                                   sample(QStringLiteral("redis_something_new"), QStringLiteral("r1"), 7)};
        PrometheusAttach::splitGauges(results);
        QVERIFY(!results.contains(QStringLiteral("gauges")) && !results.contains(QStringLiteral("redis_gauges")));
        QCOMPARE(results.value(QStringLiteral("up")).size(), 1);
        QCOMPARE(results.value(QStringLiteral("rss_bytes")).first().value, 4096.0);
        QCOMPARE(results.value(QStringLiteral("redis_memory_bytes")).first().labels.value(QStringLiteral("node")), QStringLiteral("r1"));
        QVERIFY(!results.value(QStringLiteral("redis_memory_bytes")).first().labels.contains(QStringLiteral("__name__")));
        QCOMPARE(results.value(QStringLiteral("redis_role")).size(), 1);
        QCOMPARE(results.size(), 4);  // an exporter gauge the console does not read is dropped
    }
};

QTEST_GUILESS_MAIN(TestPrometheusApi)
#include "test_prometheus_api.moc"
