// Real peers: scrapes a real prometheus-node-exporter, HAProxy's Prometheus
// endpoint and redis-server, and checks the numbers against what Prometheus
// itself, promtool and redis-cli make of the same bytes or the same instant.
#include "metrics/metric_math.h"
#include "metrics/prom_text_parser.h"
#include "metrics_test_util.h"
#include "redis/redis_info.h"
#include "scrape/http_connection.h"
#include "scrape/http_scraper.h"
#include "scrape/redis_info_scraper.h"

#include <QDateTime>
#include <QDir>
#include <QElapsedTimer>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QRegularExpression>
#include <QSignalSpy>
#include <QTcpServer>
#include <QTest>
#include <QUrlQuery>
#include <cmath>

using turno::HttpScraper;
using turno::MetricMath;
using turno::PromTextParser;
using turno::RedisInfo;
using turno::RedisInfoScraper;
using turno::ScrapeResult;
using turno::test::ChildProcess;

namespace {

struct Run {
    int exitCode = -1;
    QByteArray out;
    QByteArray err;
};

Run run(const QString &program, const QStringList &args, const QByteArray &input = {})
{
    QProcess p;
    p.start(program, args);
    if (!p.waitForStarted(10000))
        return {};
    p.write(input);
    p.closeWriteChannel();
    if (!p.waitForFinished(30000)) {
        p.kill();
        p.waitForFinished();
        return {};
    }
    return Run{p.exitStatus() == QProcess::NormalExit ? p.exitCode() : -1, p.readAllStandardOutput(), p.readAllStandardError()};
}

// Never skip: a missing peer is a broken set-up and fails the test.
QString requireProgram(const QString &name)
{
    const QString p = turno::test::findProgram(name);
    if (p.isEmpty())
        qFatal("%s is not installed; run scripts/setup.sh (integration tests never skip)", qPrintable(name));
    return p;
}

ScrapeResult scrapeOnce(const QUrl &url)
{
    HttpScraper scraper;
    QSignalSpy spy(&scraper, &HttpScraper::scraped);
    scraper.scrapeOnce(url);
    if (!spy.wait(10000))
        qFatal("no scrape result from %s", qPrintable(url.toString()));
    return spy.first().first().value<ScrapeResult>();
}

turno::RedisScrapeResult redisScrape(RedisInfoScraper &scraper, int target)
{
    QSignalSpy spy(&scraper, &RedisInfoScraper::scraped);
    scraper.scrapeNow(target);
    if (!spy.wait(10000))
        qFatal("no Redis scrape result");
    return spy.first().first().value<turno::RedisScrapeResult>();
}

// The exposition as served (httpGet decodes a chunked body), or empty unless 200.
QByteArray rawMetrics(quint16 port, const QByteArray &path = "/metrics")
{
    const auto reply = turno::test::httpGet(port, "GET " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n");
    return reply.status == 200 ? reply.body : QByteArray();
}

// promtool check metrics: exit 0 clean, 3 lint findings only; 1 means it could not parse.
bool promtoolAccepts(const QByteArray &body, QByteArray *why = nullptr)
{
    const Run r = run(requireProgram(QStringLiteral("promtool")), {QStringLiteral("check"), QStringLiteral("metrics")}, body);
    if (why)
        *why = r.out + r.err;
    return r.exitCode == 0 || r.exitCode == 3;
}

// GET whose connection stays open both ways until the answer is in. Go's
// net/http cancels the request context as soon as it reads EOF from the
// client, so a client that half-closes after its request (test_support's
// httpGet does) has Prometheus answer "query was canceled" (503) or, when the
// cancellation surfaces wrapped, 422, depending on how far the query got.
turno::test::HttpReply keptOpenGet(quint16 port, const QByteArray &pathAndQuery)
{
    turno::HttpConnection connection(QStringLiteral("127.0.0.1"), port);
    turno::test::HttpReply reply;
    bool done = false;
    connection.get(pathAndQuery, "application/json", 0,
                   [&](turno::Result<turno::HttpConnection::Response> r, turno::HttpConnection::Failure) {
                       done = true;
                       if (r.ok()) {
                           reply.status = r.value().status;
                           reply.body = r.value().body;
                       } else {
                           reply.body = r.error().toUtf8();
                       }
                   });
    QElapsedTimer t;
    t.start();
    while (!done && t.elapsed() < 10000)
        QTest::qWait(5);
    if (!done)
        connection.abort();
    return reply;
}

double promValue(const QString &s)
{
    if (s == QLatin1String("NaN"))
        return std::nan("");
    if (s == QLatin1String("+Inf"))
        return HUGE_VAL;
    if (s == QLatin1String("-Inf"))
        return -HUGE_VAL;
    return s.toDouble();
}

}  // namespace

class TestMetricsRealPeers : public QObject {
    Q_OBJECT
private slots:
    void initTestCase();
    void nodeExporterScrapedStrictAndPromtoolAgree();
    void promtoolAndStrictCheckerAgreeOnBrokenInput();
    void prometheusServerReadsTheSameValues();
    void promqlEngineAgreesOnRateAndQuantile();
    void haproxyEndpointAndErrorRatio();
    void redisInfoMatchesRedisCli();
    void redisAuthFailuresAreExplained();
    void redisReplicationAndRestart();
    void redisTimeoutAndRefused();
    void turnoctlDumpsLiveExporter();
    void turnoServerMetrics();

private:
    QTemporaryDir m_dir;
    ChildProcess m_nodeExporter;
    quint16 m_nodePort = 0;
};

void TestMetricsRealPeers::initTestCase()
{
    QVERIFY(m_dir.isValid());
    m_nodePort = turno::test::freePort();
    QString why;
    QVERIFY2(m_nodeExporter.start(requireProgram(QStringLiteral("prometheus-node-exporter")),
                                  {QStringLiteral("--web.listen-address=127.0.0.1:%1").arg(m_nodePort)},
                                  m_dir.filePath(QStringLiteral("node_exporter.log")), {}, &why),
             qPrintable(why));
    QVERIFY2(m_nodeExporter.waitForPort(m_nodePort), qPrintable(m_nodeExporter.log()));
}

void TestMetricsRealPeers::nodeExporterScrapedStrictAndPromtoolAgree()
{
    const QUrl url(QStringLiteral("http://127.0.0.1:%1/metrics").arg(m_nodePort));
    const ScrapeResult r = scrapeOnce(url);
    QVERIFY2(r.up, qPrintable(r.error));
    QVERIFY(r.error.isEmpty());
    QVERIFY(r.durationSeconds > 0);
    QVERIFY(r.scrape->families().size() > 100);
    QVERIFY(r.scrape->value("node_exporter_build_info").has_value());
    QVERIFY(r.scrape->value("process_cpu_seconds_total").has_value());
    QCOMPARE(r.scrape->family("node_cpu_seconds_total")->type, turno::MetricType::Counter);

    // node_exporter compresses when asked; Qt asked, decoded, and we parsed it.
    const auto gz = turno::test::httpGet(m_nodePort, "GET /metrics HTTP/1.1\r\nHost: x\r\nAccept-Encoding: gzip\r\nConnection: close\r\n\r\n");
    QVERIFY(gz.headers.toLower().contains("content-encoding: gzip"));

    const QByteArray body = rawMetrics(m_nodePort);
    QVERIFY(!body.isEmpty());
    PromTextParser::Options strict;
    strict.strict = true;
    const auto checked = PromTextParser(strict).parse(QByteArrayView(body));
    QVERIFY2(checked.ok(), qPrintable(checked.error()));
    QByteArray why;
    QVERIFY2(promtoolAccepts(body, &why), why.constData());
}

void TestMetricsRealPeers::promtoolAndStrictCheckerAgreeOnBrokenInput()
{
    const QByteArray body = rawMetrics(m_nodePort);
    QVERIFY(!body.isEmpty());
    const int firstSample = body.indexOf("\ngo_goroutines ") + 1;
    QVERIFY(firstSample > 0);
    struct Mutation {
        const char *name;
        QByteArray text;
    };
    QByteArray noValue = body;
    noValue.insert(firstSample, "broken_metric_without_value\n");
    QByteArray badEscape = body;
    badEscape.insert(firstSample, "esc{a=\"\\q\"} 1\n");
    QByteArray dupType = body;
    dupType.insert(firstSample, "# TYPE go_goroutines gauge\n");
    QByteArray badType = body;
    badType.insert(firstSample, "# TYPE zz gauges\n");
    QByteArray badTimestamp = body;
    badTimestamp.insert(firstSample, "ts 1 1.5\n");
    QByteArray unterminated = body;
    unterminated.insert(firstSample, "u{a=\"b} 1\n");
    QByteArray dupLabel = body;
    dupLabel.insert(firstSample, "dl{a=\"1\",a=\"2\"} 1\n");
    const Mutation mutations[] = {{"no value", noValue},       {"bad escape", badEscape},
                                  {"second TYPE", dupType},    {"unknown type", badType},
                                  {"bad timestamp", badTimestamp}, {"unterminated", unterminated},
                                  {"duplicate label", dupLabel}, {"unchanged", body}};
    PromTextParser::Options strict;
    strict.strict = true;
    for (const Mutation &m : mutations) {
        QByteArray why;
        const bool promtool = promtoolAccepts(m.text, &why);
        const auto ours = PromTextParser(strict).parse(QByteArrayView(m.text));
        QVERIFY2(promtool == ours.ok(), qPrintable(QStringLiteral("%1: promtool %2 (%3), turno %4 (%5)")
                                                      .arg(QLatin1String(m.name))
                                                      .arg(promtool ? QStringLiteral("accepts") : QStringLiteral("refuses"))
                                                      .arg(QString::fromUtf8(why.left(200)))
                                                      .arg(ours.ok() ? QStringLiteral("accepts") : QStringLiteral("refuses"))
                                                      .arg(ours.ok() ? QString() : ours.error())));
    }
}

void TestMetricsRealPeers::prometheusServerReadsTheSameValues()
{
    // A real Prometheus scrapes a static copy of the exporter's output; every
    // value it stored must equal what we parsed from the same bytes.
    const QByteArray body = rawMetrics(m_nodePort);
    QVERIFY(!body.isEmpty());
    const QString www = m_dir.filePath(QStringLiteral("www"));
    QVERIFY(QDir().mkpath(www));
    QFile f(www + QStringLiteral("/metrics.txt"));
    QVERIFY(f.open(QIODevice::WriteOnly));
    f.write(body);
    f.close();
    const quint16 httpPort = turno::test::freePort();
    ChildProcess http;
    QString why;
    QVERIFY2(http.start(requireProgram(QStringLiteral("python3")),
                        {QStringLiteral("-m"), QStringLiteral("http.server"), QString::number(httpPort), QStringLiteral("--bind"),
                         QStringLiteral("127.0.0.1"), QStringLiteral("--directory"), www},
                        m_dir.filePath(QStringLiteral("http.log")), {}, &why),
             qPrintable(why));
    QVERIFY(http.waitForPort(httpPort));

    const quint16 promPort = turno::test::freePort();
    const QString cfg = m_dir.filePath(QStringLiteral("prometheus.yml"));
    QFile c(cfg);
    QVERIFY(c.open(QIODevice::WriteOnly));
    c.write(QStringLiteral("global:\n  scrape_interval: 1s\nscrape_configs:\n  - job_name: fixture\n    metrics_path: /metrics.txt\n"
                           "    static_configs:\n      - targets: ['127.0.0.1:%1']\n")
                .arg(httpPort)
                .toUtf8());
    c.close();
    ChildProcess prom;
    QVERIFY2(prom.start(requireProgram(QStringLiteral("prometheus")),
                        {QStringLiteral("--config.file=") + cfg, QStringLiteral("--storage.tsdb.path=") + m_dir.filePath(QStringLiteral("tsdb")),
                         QStringLiteral("--web.listen-address=127.0.0.1:%1").arg(promPort)},
                        m_dir.filePath(QStringLiteral("prometheus.log")), {}, &why),
             qPrintable(why));
    QVERIFY2(prom.waitForPort(promPort, 30000), qPrintable(prom.log()));

    // Ask only our own Prometheus, and only once it can answer: a port taken
    // by another process between freePort() and Prometheus's bind would
    // otherwise answer for it, and a Prometheus still starting answers 503.
    auto api = [promPort](const QByteArray &pathAndQuery) { return keptOpenGet(promPort, pathAndQuery); };
    auto explain = [&prom](const QString &what, const turno::test::HttpReply &reply) {
        return QStringLiteral("%1. Last answer: HTTP %2\n%3\nPrometheus log:\n%4")
            .arg(what)
            .arg(reply.status)
            .arg(QString::fromUtf8(reply.body.left(2000)), prom.log().right(3000));
    };
    turno::test::HttpReply reply;
    QElapsedTimer waited;
    waited.start();
    while (waited.elapsed() < 60000 && prom.running()) {
        reply = api("/-/ready");
        if (reply.status == 200)
            break;
        QTest::qWait(200);
    }
    QVERIFY2(prom.running(), qPrintable(explain(QStringLiteral("Prometheus exited"), reply)));
    QVERIFY2(reply.status == 200, qPrintable(explain(QStringLiteral("Prometheus not ready after 60 s"), reply)));
    reply = api("/api/v1/status/flags");
    const QString tsdbPath =
        QJsonDocument::fromJson(reply.body).object().value(QStringLiteral("data")).toObject().value(QStringLiteral("storage.tsdb.path")).toString();
    QVERIFY2(tsdbPath == m_dir.filePath(QStringLiteral("tsdb")),
             qPrintable(explain(QStringLiteral("port %1 is answered by another Prometheus (tsdb %2)").arg(promPort).arg(tsdbPath), reply)));

    // Wait for a scrape that succeeded and was stored, then evaluate at its
    // own timestamp: the query is inside the TSDB's range by construction,
    // whatever the clock did in between (the default evaluation time is
    // "now", which a slow or stepped clock moves away from the samples).
    QString lastScrape;
    QString scrapeError;
    waited.restart();
    while (waited.elapsed() < 30000) {
        reply = api("/api/v1/targets?state=active");
        const QJsonArray targets = QJsonDocument::fromJson(reply.body).object().value(QStringLiteral("data")).toObject()
                                       .value(QStringLiteral("activeTargets")).toArray();
        for (const QJsonValue &t : targets) {
            const QJsonObject o = t.toObject();
            scrapeError = o.value(QStringLiteral("lastError")).toString();
            if (o.value(QStringLiteral("health")).toString() == QLatin1String("up"))
                lastScrape = o.value(QStringLiteral("lastScrape")).toString();
        }
        if (!lastScrape.isEmpty())
            break;
        QTest::qWait(200);
    }
    QVERIFY2(!lastScrape.isEmpty(),
             qPrintable(explain(QStringLiteral("Prometheus never scraped the fixture (last error: %1)").arg(scrapeError), reply)));
    // RFC 3339 with nanoseconds; Qt reads milliseconds.
    QString millis = lastScrape;
    millis.replace(QRegularExpression(QStringLiteral("(\\.\\d{3})\\d*")), QStringLiteral("\\1"));
    const QDateTime scrapedAt = QDateTime::fromString(millis, Qt::ISODateWithMs);
    QVERIFY2(scrapedAt.isValid(), qPrintable(lastScrape));
    // The target's lastScrape is when the scrape began; its samples carry that
    // timestamp to the millisecond, so one second later they are all in range.
    const QByteArray at = QByteArray::number(double(scrapedAt.toMSecsSinceEpoch() + 1000) / 1000.0, 'f', 3);
    const QByteArray query = QUrl::toPercentEncoding(QStringLiteral("{job=\"fixture\"}"));
    QJsonArray result;
    waited.restart();
    // A scrape marked up is stored at once; the loop only covers a head append
    // still committing when /targets answered.
    while (result.size() <= 100 && waited.elapsed() < 10000) {
        reply = api("/api/v1/query?query=" + query + "&time=" + at);
        QVERIFY2(reply.status == 200, qPrintable(explain(QStringLiteral("query at %1 refused").arg(QString::fromLatin1(at)), reply)));
        result = QJsonDocument::fromJson(reply.body).object().value(QStringLiteral("data")).toObject().value(QStringLiteral("result")).toArray();
        if (result.size() <= 100)
            QTest::qWait(200);
    }
    QVERIFY2(result.size() > 100, qPrintable(explain(QStringLiteral("Prometheus has not stored the scrape"), reply)));

    const auto ours = PromTextParser().parse(QByteArrayView(body));
    QVERIFY2(ours.ok(), qPrintable(ours.error()));
    QHash<QString, double> theirs;
    for (const QJsonValue &v : result) {
        const QJsonObject m = v.toObject().value(QStringLiteral("metric")).toObject();
        const QString name = m.value(QStringLiteral("__name__")).toString();
        if (name == QLatin1String("up") || name.startsWith(QLatin1String("scrape_")))
            continue;
        QStringList labels;
        for (auto it = m.begin(); it != m.end(); ++it) {
            if (it.key() != QLatin1String("__name__") && it.key() != QLatin1String("job") && it.key() != QLatin1String("instance"))
                labels << it.key() + QLatin1Char('=') + it.value().toString();
        }
        labels.sort();
        theirs.insert(name + QLatin1Char('{') + labels.join(QLatin1Char(',')) + QLatin1Char('}'),
                      promValue(v.toObject().value(QStringLiteral("value")).toArray().at(1).toString()));
    }
    QCOMPARE(qsizetype(ours->samples().size()), theirs.size());
    int compared = 0;
    for (const auto &s : ours->samples()) {
        QStringList labels;
        // Prometheus treats an empty label value as no label at all.
        for (const auto &l : ours->labels(s)) {
            if (l.value.size > 0)
                labels << ours->string(l.name) + QLatin1Char('=') + ours->string(l.value);
        }
        labels.sort();
        const QString key = ours->string(s.name) + QLatin1Char('{') + labels.join(QLatin1Char(',')) + QLatin1Char('}');
        QVERIFY2(theirs.contains(key), qPrintable(QStringLiteral("Prometheus has no series %1").arg(key)));
        const double t = theirs.value(key);
        QVERIFY2((std::isnan(t) && std::isnan(s.value)) || t == s.value,
                 qPrintable(QStringLiteral("%1: Prometheus %2, turno %3").arg(key).arg(t, 0, 'g', 17).arg(s.value, 0, 'g', 17)));
        ++compared;
    }
    qInfo("compared %d series with a real Prometheus", compared);
}

void TestMetricsRealPeers::promqlEngineAgreesOnRateAndQuantile()
{
    // promtool's rule unit tests run the real PromQL engine; the expected
    // values below are ours, so a pass means Prometheus computed the same.
    const QList<double> counter{0, 10, 20, 5, 15, 25, 30, 31, 2, 40};  // one reset to 5, one to 2
    QList<MetricMath::Point> pts;
    QStringList values;
    for (int i = 0; i < counter.size(); ++i) {
        pts.append({i * 10000LL, counter[i]});
        values << QString::number(counter[i]);
    }
    const std::span<const MetricMath::Point> span(pts.constData(), size_t(pts.size()));
    struct Eval {
        int at;
        int range;
    };
    const Eval evals[] = {{60, 60}, {65, 60}, {90, 30}, {45, 20}, {90, 90}, {83, 47}};
    QString tests;
    for (const Eval &e : evals) {
        const auto rate = MetricMath::rate(span, e.at * 1000LL, e.range * 1000LL);
        const auto inc = MetricMath::increase(span, e.at * 1000LL, e.range * 1000LL);
        QVERIFY(rate && inc);
        tests += QStringLiteral("      - expr: rate(c[%1s])\n        eval_time: %2s\n        exp_samples:\n          - labels: '{job=\"a\"}'\n            value: %3\n")
                     .arg(e.range).arg(e.at).arg(*rate, 0, 'g', 17);
        tests += QStringLiteral("      - expr: increase(c[%1s])\n        eval_time: %2s\n        exp_samples:\n          - labels: '{job=\"a\"}'\n            value: %3\n")
                     .arg(e.range).arg(e.at).arg(*inc, 0, 'g', 17);
    }
    const std::vector<MetricMath::Bucket> buckets{{0.1, 3}, {0.5, 7}, {1, 8}, {2.5, 6}, {HUGE_VAL, 12}};  // 6 < 8: not monotonic
    for (double q : {0.1, 0.25, 0.5, 0.66, 0.9, 0.99}) {
        const double v = MetricMath::histogramQuantile(q, buckets);
        tests += QStringLiteral("      - expr: histogram_quantile(%1, h_bucket)\n        eval_time: 0s\n        exp_samples:\n          - labels: '{job=\"a\"}'\n            value: %2\n")
                     .arg(q).arg(v, 0, 'g', 17);
    }
    QString series = QStringLiteral("      - series: 'c{job=\"a\"}'\n        values: '%1'\n").arg(values.join(QLatin1Char(' ')));
    for (const auto &b : buckets)
        series += QStringLiteral("      - series: 'h_bucket{job=\"a\",le=\"%1\"}'\n        values: '%2'\n")
                      .arg(std::isinf(b.upperBound) ? QStringLiteral("+Inf") : QString::number(b.upperBound))
                      .arg(b.count);
    const QString file = m_dir.filePath(QStringLiteral("promql_test.yml"));
    QFile f(file);
    QVERIFY(f.open(QIODevice::WriteOnly));
    f.write(QStringLiteral("evaluation_interval: 10s\ntests:\n  - interval: 10s\n    input_series:\n%1    promql_expr_test:\n%2")
                .arg(series, tests)
                .toUtf8());
    f.close();
    const Run r = run(requireProgram(QStringLiteral("promtool")), {QStringLiteral("test"), QStringLiteral("rules"), file});
    QVERIFY2(r.exitCode == 0, (r.out + r.err).constData());
}

void TestMetricsRealPeers::haproxyEndpointAndErrorRatio()
{
    const quint16 statsPort = turno::test::freePort();
    const quint16 fePort = turno::test::freePort();
    const QString cfg = m_dir.filePath(QStringLiteral("haproxy.cfg"));
    QFile c(cfg);
    QVERIFY(c.open(QIODevice::WriteOnly));
    c.write(QStringLiteral("global\n  nbthread 1\ndefaults\n  mode http\n  timeout connect 1s\n  timeout client 5s\n  timeout server 5s\n"
                           "frontend stats\n  bind 127.0.0.1:%1\n  http-request use-service prometheus-exporter if { path /metrics }\n"
                           "frontend fe\n  bind 127.0.0.1:%2\n  http-request return status 500 if { path /fail }\n  default_backend be\n"
                           "backend be\n  server s1 127.0.0.1:%3\n")
                .arg(statsPort)
                .arg(fePort)
                .arg(m_nodePort)
                .toUtf8());
    c.close();
    ChildProcess haproxy;
    QString why;
    QVERIFY2(haproxy.start(requireProgram(QStringLiteral("haproxy")), {QStringLiteral("-db"), QStringLiteral("-f"), cfg},
                           m_dir.filePath(QStringLiteral("haproxy.log")), {}, &why),
             qPrintable(why));
    QVERIFY2(haproxy.waitForPort(statsPort), qPrintable(haproxy.log()));
    QVERIFY(haproxy.waitForPort(fePort));

    const QUrl url(QStringLiteral("http://127.0.0.1:%1/metrics").arg(statsPort));
    const ScrapeResult before = scrapeOnce(url);
    QVERIFY2(before.up, qPrintable(before.error));
    QCOMPARE(*before.scrape->value("haproxy_process_nbthread"), 1.0);
    QVERIFY(before.scrape->value("haproxy_frontend_http_responses_total", {{"proxy", "fe"}, {"code", "5xx"}}).has_value());

    for (int i = 0; i < 3; ++i)
        QCOMPARE(turno::test::httpGet(fePort, "GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n").status, 200);
    QCOMPARE(turno::test::httpGet(fePort, "GET /fail HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n").status, 500);

    const ScrapeResult after = scrapeOnce(url);
    QVERIFY2(after.up, qPrintable(after.error));
    const auto ratio = MetricMath::errorRatio(*before.scrape, *after.scrape, "haproxy_frontend_http_responses_total", "code",
                                              {{"proxy", "fe"}});
    QVERIFY(ratio.has_value());
    QCOMPARE(*ratio, 0.25);

    const QByteArray body = rawMetrics(statsPort);
    PromTextParser::Options strict;
    strict.strict = true;
    const auto checked = PromTextParser(strict).parse(QByteArrayView(body));
    QVERIFY2(checked.ok(), qPrintable(checked.error()));
    QByteArray promtoolWhy;
    QVERIFY2(promtoolAccepts(body, &promtoolWhy), promtoolWhy.constData());
}

void TestMetricsRealPeers::redisInfoMatchesRedisCli()
{
    const quint16 port = turno::test::freePort();
    ChildProcess redis;
    QString why;
    QVERIFY2(redis.start(requireProgram(QStringLiteral("redis-server")),
                         {QStringLiteral("--port"), QString::number(port), QStringLiteral("--bind"), QStringLiteral("127.0.0.1"),
                          QStringLiteral("--save"), QString(), QStringLiteral("--appendonly"), QStringLiteral("no"),
                          QStringLiteral("--requirepass"), QStringLiteral("s3cret"), QStringLiteral("--dir"), m_dir.path()},
                         m_dir.filePath(QStringLiteral("redis.log")), {}, &why),
             qPrintable(why));
    QVERIFY2(redis.waitForPort(port), qPrintable(redis.log()));
    const QString cli = requireProgram(QStringLiteral("redis-cli"));
    const QStringList auth{QStringLiteral("-p"), QString::number(port), QStringLiteral("-a"), QStringLiteral("s3cret"),
                           QStringLiteral("--no-auth-warning")};
    for (int i = 0; i < 5; ++i)
        QCOMPARE(run(cli, auth + QStringList{QStringLiteral("SET"), QStringLiteral("k%1").arg(i), QStringLiteral("v")}).exitCode, 0);
    QCOMPARE(run(cli, auth + QStringList{QStringLiteral("-n"), QStringLiteral("3"), QStringLiteral("SET"), QStringLiteral("x"), QStringLiteral("1")}).exitCode, 0);

    RedisInfoScraper scraper;
    const int t = scraper.addTarget({QStringLiteral("primary"), QStringLiteral("127.0.0.1"), port, QString(), QStringLiteral("s3cret")});
    const auto ours = redisScrape(scraper, t);
    const Run cliInfo = run(cli, auth + QStringList{QStringLiteral("INFO")});
    QCOMPARE(cliInfo.exitCode, 0);
    QVERIFY2(ours.up, qPrintable(ours.error));
    const auto theirs = RedisInfo::parse(QByteArrayView(cliInfo.out));
    QVERIFY2(theirs.ok(), qPrintable(theirs.error()));
    const RedisInfo &a = *ours.info;
    const RedisInfo &b = theirs.value();
    QCOMPARE(a.runId(), b.runId());
    QCOMPARE(a.version(), b.version());
    QCOMPARE(a.role(), QStringLiteral("master"));
    QCOMPARE(a.role(), b.role());
    QCOMPARE(a.integer(QStringLiteral("tcp_port")), qint64(port));
    QCOMPARE(a.integer(QStringLiteral("process_id")), qint64(redis.pid()));
    QCOMPARE(a.keyspace().size(), 2);
    QCOMPARE(a.keyspace()[0].db, 0);
    QCOMPARE(a.keyspace()[0].keys, qint64(5));
    QCOMPARE(a.keyspace()[1].db, 3);
    QCOMPARE(a.totalKeys(), b.totalKeys());
    QCOMPARE(a.connectedReplicas(), b.connectedReplicas());
    // redis-cli asked a moment later: counters can only have grown.
    QVERIFY(a.totalCommands() > 0 && a.totalCommands() <= b.totalCommands());
    QVERIFY(a.usedCpuSys() + a.usedCpuUser() <= b.usedCpuSys() + b.usedCpuUser());
    QVERIFY(a.usedMemoryBytes() > 0);
    QVERIFY(a.connectedClients() >= 1);
    QCOMPARE(a.errorStats().value(QStringLiteral("NOAUTH")), b.errorStats().value(QStringLiteral("NOAUTH")));

    // The next scrape reuses the connection: one more client would show up otherwise.
    const auto second = redisScrape(scraper, t);
    QVERIFY(second.up);
    QCOMPARE(second.info->runId(), a.runId());
    QVERIFY(!RedisInfo::restartedBetween(a, *second.info));
    QVERIFY(second.info->totalCommands() > a.totalCommands());
    const auto cpu = RedisInfo::cpuPercent(a, *second.info, 1.0);
    QVERIFY(cpu.has_value() && *cpu >= 0);
    QCOMPARE(scraper.health(t).up, true);
    QCOMPARE(scraper.health(t).scrapes, qint64(2));

    // On its schedule: results keep coming while the test's event loop runs.
    RedisInfoScraper::Options fast;
    fast.intervalMs = 50;
    RedisInfoScraper scheduled(fast);
    scheduled.addTarget({QStringLiteral("primary"), QStringLiteral("127.0.0.1"), port, QString(), QStringLiteral("s3cret")});
    QSignalSpy spy(&scheduled, &RedisInfoScraper::scraped);
    scheduled.start();
    QTRY_VERIFY_WITH_TIMEOUT(spy.count() >= 4, 10000);
    scheduled.stop();
    for (const auto &args : spy)
        QVERIFY(args.first().value<turno::RedisScrapeResult>().up);
    QVERIFY(scheduled.health(0).scrapes >= 4);
}

void TestMetricsRealPeers::redisAuthFailuresAreExplained()
{
    const quint16 port = turno::test::freePort();
    ChildProcess redis;
    QString why;
    QVERIFY2(redis.start(requireProgram(QStringLiteral("redis-server")),
                         {QStringLiteral("--port"), QString::number(port), QStringLiteral("--bind"), QStringLiteral("127.0.0.1"),
                          QStringLiteral("--save"), QString(), QStringLiteral("--requirepass"), QStringLiteral("s3cret"),
                          QStringLiteral("--dir"), m_dir.path()},
                         m_dir.filePath(QStringLiteral("redis_auth.log")), {}, &why),
             qPrintable(why));
    QVERIFY(redis.waitForPort(port));
    RedisInfoScraper scraper;
    const int wrong = scraper.addTarget({QStringLiteral("wrong"), QStringLiteral("127.0.0.1"), port, QString(), QStringLiteral("nope")});
    const int none = scraper.addTarget({QStringLiteral("none"), QStringLiteral("127.0.0.1"), port, QString(), QString()});
    const int byName = scraper.addTarget({QStringLiteral("by name"), QStringLiteral("localhost"), port, QStringLiteral("default"), QStringLiteral("s3cret")});
    const auto w = redisScrape(scraper, wrong);
    QVERIFY(!w.up);
    QVERIFY2(w.error.contains(QLatin1String("refused AUTH")) && w.error.contains(QString::number(port)), qPrintable(w.error));
    const auto n = redisScrape(scraper, none);
    QVERIFY(!n.up);
    QVERIFY2(n.error.contains(QLatin1String("needs a password")), qPrintable(n.error));
    // Redis 6 ACL form (AUTH user pass) and a host name resolved off-thread.
    const auto ok = redisScrape(scraper, byName);
    QVERIFY2(ok.up, qPrintable(ok.error));
    QCOMPARE(scraper.health(wrong).failures, qint64(1));
    QCOMPARE(scraper.health(wrong).lastError, w.error);
}

void TestMetricsRealPeers::redisReplicationAndRestart()
{
    const quint16 primaryPort = turno::test::freePort();
    const quint16 replicaPort = turno::test::freePort();
    const QString server = requireProgram(QStringLiteral("redis-server"));
    auto primaryArgs = [&] {
        return QStringList{QStringLiteral("--port"), QString::number(primaryPort), QStringLiteral("--bind"), QStringLiteral("127.0.0.1"),
                           QStringLiteral("--save"), QString(), QStringLiteral("--dir"), m_dir.path()};
    };
    auto primary = std::make_unique<ChildProcess>();
    QString why;
    QVERIFY2(primary->start(server, primaryArgs(), m_dir.filePath(QStringLiteral("primary.log")), {}, &why), qPrintable(why));
    QVERIFY(primary->waitForPort(primaryPort));
    ChildProcess replica;
    QVERIFY2(replica.start(server,
                           {QStringLiteral("--port"), QString::number(replicaPort), QStringLiteral("--bind"), QStringLiteral("127.0.0.1"),
                            QStringLiteral("--save"), QString(), QStringLiteral("--dir"), m_dir.path(), QStringLiteral("--dbfilename"),
                            QStringLiteral("replica.rdb"), QStringLiteral("--replicaof"), QStringLiteral("127.0.0.1"), QString::number(primaryPort)},
                           m_dir.filePath(QStringLiteral("replica.log")), {}, &why),
             qPrintable(why));
    QVERIFY(replica.waitForPort(replicaPort));

    RedisInfoScraper scraper;
    const int p = scraper.addTarget({QStringLiteral("primary"), QStringLiteral("127.0.0.1"), primaryPort, {}, {}});
    const int r = scraper.addTarget({QStringLiteral("replica"), QStringLiteral("127.0.0.1"), replicaPort, {}, {}});
    turno::RedisScrapeResult onPrimary;
    QTRY_VERIFY_WITH_TIMEOUT((onPrimary = redisScrape(scraper, p), onPrimary.up && onPrimary.info->replicas().size() == 1 &&
                                                                      onPrimary.info->replicas()[0].state == QLatin1String("online")),
                             15000);
    const auto &rep = onPrimary.info->replicas()[0];
    QCOMPARE(rep.index, 0);
    QCOMPARE(rep.ip, QStringLiteral("127.0.0.1"));
    QCOMPARE(rep.port, int(replicaPort));
    QCOMPARE(onPrimary.info->connectedReplicas(), 1);
    turno::RedisScrapeResult onReplica;
    QTRY_VERIFY_WITH_TIMEOUT((onReplica = redisScrape(scraper, r), onReplica.up && onReplica.info->masterLinkStatus() == QLatin1String("up")), 15000);
    QCOMPARE(onReplica.info->role(), QStringLiteral("slave"));
    QCOMPARE(onReplica.info->masterPort(), int(primaryPort));
    QVERIFY(onReplica.info->slaveReplOffset() >= 0);

    // Restart the primary on the same port: the scraper reconnects and the run_id tells.
    primary.reset();
    const auto down = redisScrape(scraper, p);
    QVERIFY(!down.up);
    QVERIFY2(!down.error.isEmpty(), "a down scrape says why");
    primary = std::make_unique<ChildProcess>();
    QVERIFY2(primary->start(server, primaryArgs(), m_dir.filePath(QStringLiteral("primary2.log")), {}, &why), qPrintable(why));
    QVERIFY(primary->waitForPort(primaryPort));
    turno::RedisScrapeResult again;
    QTRY_VERIFY_WITH_TIMEOUT((again = redisScrape(scraper, p), again.up), 10000);
    QVERIFY(again.info->runId() != onPrimary.info->runId());
    QVERIFY(RedisInfo::restartedBetween(*onPrimary.info, *again.info));
}

void TestMetricsRealPeers::redisTimeoutAndRefused()
{
    // A listener that accepts and never answers.
    QTcpServer silent;
    QVERIFY(silent.listen(QHostAddress::LocalHost));
    RedisInfoScraper::Options o;
    o.timeoutMs = 300;
    RedisInfoScraper scraper(o);
    const int s = scraper.addTarget({QStringLiteral("silent"), QStringLiteral("127.0.0.1"), silent.serverPort(), {}, {}});
    const auto timedOut = redisScrape(scraper, s);
    QVERIFY(!timedOut.up);
    QVERIFY2(timedOut.error.contains(QLatin1String("did not answer INFO within 300 ms")), qPrintable(timedOut.error));
    // The scrape ended on time without blocking the loop: a second one runs too.
    QVERIFY(!redisScrape(scraper, s).up);
    QCOMPARE(scraper.health(s).failures, qint64(2));

    const quint16 closed = turno::test::freePort();
    const int refused = scraper.addTarget({QStringLiteral("refused"), QStringLiteral("127.0.0.1"), closed, {}, {}});
    const auto r = redisScrape(scraper, refused);
    QVERIFY(!r.up);
    QVERIFY2(r.error.contains(QStringLiteral("127.0.0.1:%1").arg(closed)), qPrintable(r.error));
}

void TestMetricsRealPeers::turnoctlDumpsLiveExporter()
{
    const Run r = run(turno::test::envPath("TURNOCTL_BIN"),
                      {QStringLiteral("metrics"), QStringLiteral("dump"), QStringLiteral("http://127.0.0.1:%1/metrics").arg(m_nodePort)});
    QVERIFY2(r.exitCode == 0, r.err.constData());
    // node_exporter does not offer OpenMetrics: it answers 0.0.4 to our Accept.
    QVERIFY2(r.out.startsWith("# format: prometheus (Content-Type: text/plain; version=0.0.4; charset=utf-8)\n"), r.out.left(200).constData());
    QVERIFY(r.out.contains("node_exporter_build_info (gauge, 1 sample): "));
    QVERIFY(r.out.contains("node_cpu_seconds_total (counter, "));
    QVERIFY(r.out.contains("  go_goroutines "));
}

void TestMetricsRealPeers::turnoServerMetrics()
{
    const quint16 port = turno::test::freePort();
    ChildProcess server;
    QString why;
    QVERIFY2(server.start(turno::test::envPath("TURNO_SERVER_BIN"),
                          {QStringLiteral("--listen"), QStringLiteral("127.0.0.1:%1").arg(port), QStringLiteral("--threads"), QStringLiteral("1")},
                          m_dir.filePath(QStringLiteral("turno-server.log")), {}, &why),
             qPrintable(why));
    QVERIFY2(server.waitForPort(port), qPrintable(server.log()));
    const QUrl url(QStringLiteral("http://127.0.0.1:%1/metrics").arg(port));
    const ScrapeResult before = scrapeOnce(url);
    QVERIFY2(before.up, qPrintable(before.error));
    for (int i = 0; i < 6; ++i)
        QCOMPARE(turno::test::httpGet(port, "GET /turno/metrics-test HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n").status, 200);
    QCOMPARE(turno::test::httpGet(port, "GET /turno/bad%20id HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n").status, 400);
    const ScrapeResult after = scrapeOnce(url);
    QVERIFY2(after.up, qPrintable(after.error));

    QCOMPARE(*after.scrape->value("turno_numbers_issued_total") - *before.scrape->value("turno_numbers_issued_total"), 6.0);
    const auto ok200 = [](const ScrapeResult &r, std::string_view handler) {
        return r.scrape->value("turno_http_requests_total", {{"code", "200"}, {"handler", handler}}).value_or(0);
    };
    // The six numbers, and the first scrape itself under its own handler once it was answered.
    QCOMPARE(ok200(after, "turno") - ok200(before, "turno"), 6.0);
    QCOMPARE(ok200(after, "metrics") - ok200(before, "metrics"), 1.0);
    // 400s are the client's fault: not server errors.
    const auto ratio = MetricMath::errorRatio(*before.scrape, *after.scrape, "turno_http_requests_total");
    QVERIFY(ratio.has_value());
    QCOMPARE(*ratio, 0.0);
    const double p99 = MetricMath::histogramQuantile(
        0.99, MetricMath::histogramBuckets(*after.scrape, "turno_http_request_duration_seconds"));
    QVERIFY2(std::isfinite(p99) && p99 > 0, qPrintable(QString::number(p99)));
    QVERIFY(MetricMath::cpuPercent(*before.scrape, before.timestampMs, *after.scrape, after.timestampMs + 1).has_value());

    const QByteArray body = rawMetrics(port);
    PromTextParser::Options strict;
    strict.strict = true;
    const auto checked = PromTextParser(strict).parse(QByteArrayView(body));
    QVERIFY2(checked.ok(), qPrintable(checked.error()));
    QByteArray promtoolWhy;
    QVERIFY2(promtoolAccepts(body, &promtoolWhy), promtoolWhy.constData());
}

QTEST_GUILESS_MAIN(TestMetricsRealPeers)
#include "test_metrics_real_peers.moc"
