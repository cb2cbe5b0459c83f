// HttpScraper against an in-process HTTP server: headers sent, content
// decoding, HTTP errors, timeout, body limit, format negotiation, schedule.
#include "scrape/http_scraper.h"

#include "metrics_test_util.h"

#include <QProcess>
#include <QSignalSpy>
#include <QTcpServer>
#include <QTcpSocket>
#include <QTest>
#include <QTimer>
#include <functional>

using turno::HttpScraper;
using turno::ScrapeResult;

namespace {

// Answers each request with whatever respond() returns for its path; a null
// reply means "never answer". Keeps the request headers it saw.
class TinyHttpServer : public QObject {
public:
    std::function<QByteArray(const QByteArray &path)> respond;
    QList<QByteArray> requests;
    int open = 0;
    int accepted = 0;                   // connections ever accepted
    QHash<QByteArray, int> pending;     // answers not yet written, per path
    QHash<QByteArray, int> maxPending;

    TinyHttpServer()
    {
        m_server.listen(QHostAddress::LocalHost);
        connect(&m_server, &QTcpServer::newConnection, this, [this] {
            while (QTcpSocket *s = m_server.nextPendingConnection()) {
                ++open;
                ++accepted;
                m_sockets.append(s);
                connect(s, &QTcpSocket::disconnected, this, [this, s] {
                    --open;
                    m_sockets.removeOne(s);
                    s->deleteLater();
                });
                connect(s, &QTcpSocket::readyRead, this, [this, s] { onRead(s); });
            }
        });
    }
    quint16 port() const { return m_server.serverPort(); }
    // As a server does with idle keep-alive connections.
    void closeAll()
    {
        for (QTcpSocket *s : std::as_const(m_sockets))
            s->disconnectFromHost();
    }
    QUrl url(const QByteArray &path) const { return QUrl(QStringLiteral("http://127.0.0.1:%1%2").arg(port()).arg(QString::fromLatin1(path))); }

    static QByteArray ok(const QByteArray &body, const QByteArray &contentType = "text/plain; version=0.0.4",
                         const QByteArray &extraHeaders = {})
    {
        return "HTTP/1.1 200 OK\r\nContent-Type: " + contentType + "\r\nContent-Length: " + QByteArray::number(body.size()) +
               "\r\n" + extraHeaders + "\r\n" + body;
    }

private:
    void onRead(QTcpSocket *s)
    {
        QByteArray &buf = m_buffers[s];
        buf += s->readAll();
        qsizetype end;
        while ((end = buf.indexOf("\r\n\r\n")) >= 0) {
            const QByteArray req = buf.left(end);
            buf.remove(0, end + 4);
            requests.append(req);
            const QByteArray path = req.split(' ').value(1);
            const QByteArray reply = respond(path);
            if (reply.isNull())
                continue;
            maxPending[path] = std::max(maxPending.value(path), ++pending[path]);
            // Answer from the event loop so concurrent requests can overlap.
            QTimer::singleShot(path.startsWith("/slow") ? 250 : 0, s, [this, s, reply, path] {
                --pending[path];
                s->write(reply);
                if (path.startsWith("/close"))  // the body ends with the connection
                    s->disconnectFromHost();
            });
        }
    }
    // Before m_server: its sockets still report disconnected() while it is destroyed.
    QList<QTcpSocket *> m_sockets;
    QTcpServer m_server;
    QHash<QTcpSocket *, QByteArray> m_buffers;
};

ScrapeResult once(HttpScraper &scraper, const QUrl &url)
{
    QSignalSpy spy(&scraper, &HttpScraper::scraped);
    scraper.scrapeOnce(url);
    if (!spy.wait(10000))
        qFatal("no result for %s", qPrintable(url.toString()));
    return spy.first().first().value<ScrapeResult>();
}

const QByteArray kBody = "# TYPE up_things gauge\nup_things{a=\"1\"} 3\nup_things{a=\"2\"} 4\n";

}  // namespace

class TestHttpScraper : public QObject {
    Q_OBJECT
private slots:
    void scrapesAndSendsPrometheusAccept();
    void decodesGzip();
    void httpErrorIsDown();
    void unreachableIsDown();
    void parseErrorIsDownWithLine();
    void timeout();
    void bodyLimit();
    void openMetricsByContentType();
    void negotiatesOpenMetricsByAccept_data();
    void negotiatesOpenMetricsByAccept();
    void scheduleHealthAndNoOverlap();
    void chunkedCloseDelimitedAndInterimAnswers();
    void keepAliveReusedAndStaleConnectionRetried();
};

void TestHttpScraper::scrapesAndSendsPrometheusAccept()
{
    TinyHttpServer server;
    server.respond = [](const QByteArray &) { return TinyHttpServer::ok(kBody); };
    HttpScraper scraper;
    const ScrapeResult r = once(scraper, server.url("/metrics"));
    QVERIFY2(r.up, qPrintable(r.error));
    QCOMPARE(r.target, -1);
    QCOMPARE(r.scrape->samples().size(), size_t(2));
    QCOMPARE(*r.scrape->value("up_things", {{"a", "2"}}), 4.0);
    QCOMPARE(r.bodyBytes, qint64(kBody.size()));
    QVERIFY(r.timestampMs > 0);
    QCOMPARE(server.requests.size(), 1);
    const QByteArray req = server.requests.first().toLower();
    // OpenMetrics first, Prometheus text 0.0.4 next, as Prometheus asks.
    QVERIFY2(req.contains("\r\naccept: application/openmetrics-text;version=1.0.0,text/plain;version=0.0.4;q=0.5,*/*;q=0.1\r\n"),
             req.constData());
    QVERIFY(!r.openMetrics);
    QCOMPARE(r.contentType, QByteArray("text/plain; version=0.0.4"));
    QByteArray encodings;
    for (const QByteArray &line : req.split('\n')) {
        if (line.startsWith("accept-encoding:"))
            encodings = line;
    }
    QVERIFY2(encodings.contains("gzip"), req.constData());
}

void TestHttpScraper::decodesGzip()
{
    QProcess gzip;
    gzip.start(QStringLiteral("gzip"), {QStringLiteral("-c")});
    QVERIFY2(gzip.waitForStarted(), "gzip is needed to make a compressed body");
    gzip.write(kBody);
    gzip.closeWriteChannel();
    QVERIFY(gzip.waitForFinished());
    const QByteArray compressed = gzip.readAllStandardOutput();
    QVERIFY(compressed.startsWith("\x1f\x8b"));
    TinyHttpServer server;
    server.respond = [compressed](const QByteArray &) {
        return TinyHttpServer::ok(compressed, "text/plain; version=0.0.4", "Content-Encoding: gzip\r\n");
    };
    HttpScraper scraper;
    const ScrapeResult r = once(scraper, server.url("/metrics"));
    QVERIFY2(r.up, qPrintable(r.error));
    QCOMPARE(*r.scrape->value("up_things", {{"a", "1"}}), 3.0);
    QCOMPARE(r.bodyBytes, qint64(kBody.size()));
}

void TestHttpScraper::httpErrorIsDown()
{
    TinyHttpServer server;
    server.respond = [](const QByteArray &) { return QByteArray("HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n"); };
    HttpScraper scraper;
    const ScrapeResult r = once(scraper, server.url("/nope"));
    QVERIFY(!r.up);
    QVERIFY(!r.scrape);
    QVERIFY2(r.error.contains(QLatin1String("answered HTTP 404 Not Found (expected 200)")), qPrintable(r.error));
}

void TestHttpScraper::unreachableIsDown()
{
    quint16 port;
    {
        QTcpServer probe;
        probe.listen(QHostAddress::LocalHost);
        port = probe.serverPort();
    }
    HttpScraper scraper;
    const ScrapeResult r = once(scraper, QUrl(QStringLiteral("http://127.0.0.1:%1/metrics").arg(port)));
    QVERIFY(!r.up);
    QVERIFY2(r.error.startsWith(QStringLiteral("cannot scrape http://127.0.0.1:%1/metrics: ").arg(port)), qPrintable(r.error));
}

void TestHttpScraper::parseErrorIsDownWithLine()
{
    TinyHttpServer server;
    server.respond = [](const QByteArray &) { return TinyHttpServer::ok("a 1\nb two\n"); };
    HttpScraper scraper;
    const ScrapeResult r = once(scraper, server.url("/metrics"));
    QVERIFY(!r.up);
    QVERIFY2(r.error.endsWith(QLatin1String("/metrics: 2:3: invalid sample value 'two' (expected a number, NaN, +Inf or -Inf)")),
             qPrintable(r.error));
}

void TestHttpScraper::timeout()
{
    TinyHttpServer server;
    server.respond = [](const QByteArray &) { return QByteArray(); };
    HttpScraper::Options o;
    o.timeoutMs = 200;
    HttpScraper scraper(o);
    const ScrapeResult r = once(scraper, server.url("/metrics"));
    QVERIFY(!r.up);
    QVERIFY2(r.error.contains(QLatin1String("timed out after 200 ms")), qPrintable(r.error));
}

void TestHttpScraper::bodyLimit()
{
    TinyHttpServer server;
    const QByteArray big = QByteArray("x 1\n").repeated(100);
    server.respond = [big](const QByteArray &) { return TinyHttpServer::ok(big); };
    HttpScraper::Options o;
    o.parser.maxBodyBytes = 100;
    HttpScraper scraper(o);
    const ScrapeResult r = once(scraper, server.url("/metrics"));
    QVERIFY(!r.up);
    QVERIFY2(r.error.contains(QLatin1String("over the limit of 100 bytes")), qPrintable(r.error));
}

void TestHttpScraper::openMetricsByContentType()
{
    TinyHttpServer server;
    const QByteArray om = "# TYPE c counter\nc_total 5 # {trace=\"x\"} 1\n# EOF\n";
    server.respond = [om](const QByteArray &path) {
        return TinyHttpServer::ok(om, path == "/om" ? "application/openmetrics-text; version=1.0.0; charset=utf-8" : "text/plain");
    };
    HttpScraper scraper;
    const ScrapeResult r = once(scraper, server.url("/om"));
    QVERIFY2(r.up, qPrintable(r.error));
    QCOMPARE(*r.scrape->value("c_total"), 5.0);
    QCOMPARE(r.scrape->family("c")->type, turno::MetricType::Counter);
    // The same bytes labelled as Prometheus text are refused (exemplars are not 0.0.4).
    QVERIFY(!once(scraper, server.url("/plain")).up);
}

void TestHttpScraper::negotiatesOpenMetricsByAccept_data()
{
    QTest::addColumn<bool>("qtNetwork");
    QTest::newRow("HttpConnection") << false;
    QTest::newRow("QNetworkAccessManager") << true;
}

// A target that speaks both formats picks one from the Accept header, as
// client_golang's promhttp does; both answers give the same series.
void TestHttpScraper::negotiatesOpenMetricsByAccept()
{
    QFETCH(bool, qtNetwork);
    const QByteArray prom = turno::test::metricsFixture(QStringLiteral("turno_server_sample.prom"));
    const QByteArray om = turno::test::metricsFixture(QStringLiteral("turno_server_sample.om"));
    TinyHttpServer server;
    server.respond = [&](const QByteArray &) {
        const QByteArray req = server.requests.last().toLower();
        const qsizetype at = req.indexOf("\r\naccept: ");
        const QByteArray accept = req.mid(at + 10, req.indexOf("\r\n", at + 2) - at - 10);
        if (accept.startsWith("application/openmetrics-text"))
            return TinyHttpServer::ok(om, "application/openmetrics-text; version=1.0.0; charset=utf-8");
        return TinyHttpServer::ok(prom, "text/plain; version=0.0.4; charset=utf-8");
    };
    HttpScraper::Options o;
    o.qtNetworkForHttp = qtNetwork;
    HttpScraper negotiating(o);
    const ScrapeResult a = once(negotiating, server.url("/metrics"));
    QVERIFY2(a.up, qPrintable(a.error));
    QVERIFY(a.openMetrics);
    QVERIFY(a.contentType.startsWith("application/openmetrics-text"));
    o.accept = HttpScraper::kAcceptPrometheus;
    HttpScraper plain(o);
    const ScrapeResult b = once(plain, server.url("/metrics"));
    QVERIFY2(b.up, qPrintable(b.error));
    QVERIFY(!b.openMetrics);
    QCOMPARE(a.scrape->samples().size(), b.scrape->samples().size());
    QVERIFY(a.scrape->samples().size() > 20);
    for (size_t i = 0; i < a.scrape->samples().size(); ++i) {
        const auto &x = a.scrape->samples()[i];
        const auto &y = b.scrape->samples()[i];
        QCOMPARE(a.scrape->seriesKey(x), b.scrape->seriesKey(y));
        QCOMPARE(x.value, y.value);
        QCOMPARE(x.timestampMs, y.timestampMs);
    }
    QCOMPARE(*a.scrape->value("turno_http_requests_total", {{"code", "200"}, {"handler", "turno"}}), 181234.0);
    QCOMPARE(a.scrape->family("turno_http_requests")->type, turno::MetricType::Counter);
    QCOMPARE(b.scrape->family("turno_http_requests_total")->type, turno::MetricType::Counter);
}

void TestHttpScraper::scheduleHealthAndNoOverlap()
{
    TinyHttpServer server;
    server.respond = [](const QByteArray &path) {
        return path == "/down" ? QByteArray("HTTP/1.1 500 Internal Server Error\r\nContent-Length: 0\r\n\r\n")
                               : TinyHttpServer::ok(kBody);
    };
    HttpScraper::Options o;
    o.intervalMs = 50;
    o.timeoutMs = 1000;
    o.jitterMs = 10;
    HttpScraper scraper(o);
    QCOMPARE(scraper.options().intervalMs, 50);
    const int fast = scraper.addTarget({QStringLiteral("fast"), server.url("/fast")});
    const int slow = scraper.addTarget({QStringLiteral("slow"), server.url("/slow")});
    const int down = scraper.addTarget({QStringLiteral("down"), server.url("/down")});
    QCOMPARE(scraper.targetCount(), 3);
    QHash<int, int> results;
    connect(&scraper, &HttpScraper::scraped, this, [&](const ScrapeResult &r) { results[r.target]++; });
    scraper.start();
    QVERIFY(scraper.running());
    QTRY_VERIFY_WITH_TIMEOUT(results.value(fast) >= 5 && results.value(slow) >= 3 && results.value(down) >= 3, 20000);
    scraper.stop();
    QVERIFY(!scraper.running());
    // The slow target answers after 250 ms with a 50 ms interval: its scrapes
    // never overlapped, so the server never had two of them waiting at once.
    QCOMPARE(server.maxPending.value("/slow"), 1);

    const auto h = scraper.health(fast);
    QVERIFY(h.up);
    QVERIFY(h.lastError.isEmpty());
    QCOMPARE(h.samples, qint64(2));
    QVERIFY(h.scrapes >= 5);
    QCOMPARE(h.failures, qint64(0));
    const auto d = scraper.health(down);
    QVERIFY(!d.up);
    QVERIFY(d.failures >= 3 && d.failures == d.scrapes);
    QVERIFY2(d.lastError.contains(QLatin1String("HTTP 500")), qPrintable(d.lastError));
    QVERIFY(scraper.health(slow).lastDurationSeconds > 0);
}

void TestHttpScraper::chunkedCloseDelimitedAndInterimAnswers()
{
    // The framings a /metrics endpoint may use besides Content-Length.
    TinyHttpServer server;
    server.respond = [](const QByteArray &path) -> QByteArray {
        if (path == "/chunked")  // three chunks, an extension, a trailer
            return "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nTransfer-Encoding: chunked\r\n\r\n"
                   "10;ext=1\r\n" + kBody.left(16) + "\r\n" + QByteArray::number(kBody.size() - 20, 16) + "\r\n" +
                   kBody.mid(16, kBody.size() - 20) + "\r\n4\r\n" + kBody.right(4) + "\r\n0\r\nX-Trailer: t\r\n\r\n";
        if (path == "/close10")  // HTTP/1.0, no length: the body ends when the server closes
            return "HTTP/1.0 200 OK\r\nContent-Type: text/plain\r\n\r\n" + kBody;
        if (path == "/continue")
            return "HTTP/1.1 100 Continue\r\n\r\n" + TinyHttpServer::ok(kBody);
        if (path == "/badchunk")
            return QByteArray("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nabc\r\n0\r\n\r\n");
        return QByteArray("HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n");
    };
    HttpScraper scraper;
    for (const char *path : {"/chunked", "/close10", "/continue"}) {
        const ScrapeResult r = once(scraper, server.url(path));
        QVERIFY2(r.up, qPrintable(QLatin1String(path) + QLatin1String(": ") + r.error));
        QCOMPARE(r.bodyBytes, qint64(kBody.size()));
        QCOMPARE(*r.scrape->value("up_things", {{"a", "2"}}), 4.0);
    }
    const ScrapeResult bad = once(scraper, server.url("/badchunk"));
    QVERIFY(!bad.up);
    QVERIFY2(bad.error.contains(QLatin1String("bad chunk size")), qPrintable(bad.error));
}

void TestHttpScraper::keepAliveReusedAndStaleConnectionRetried()
{
    TinyHttpServer server;
    server.respond = [](const QByteArray &) { return TinyHttpServer::ok(kBody); };
    HttpScraper::Options o;
    o.intervalMs = 30;
    o.jitterMs = 0;
    HttpScraper scraper(o);
    scraper.addTarget({QStringLiteral("t"), server.url("/metrics")});
    int ok = 0;
    int failed = 0;
    connect(&scraper, &HttpScraper::scraped, this, [&](const ScrapeResult &r) { r.up ? ++ok : ++failed; });
    scraper.start();
    QTRY_VERIFY_WITH_TIMEOUT(ok >= 5, 10000);
    // Scrape after scrape on one connection.
    QCOMPARE(server.accepted, 1);
    // The server drops the idle connection: the next scrape finds it closed
    // and goes out again on a new one instead of failing.
    server.closeAll();
    const int before = ok;
    QTRY_VERIFY_WITH_TIMEOUT(ok >= before + 5, 10000);
    scraper.stop();
    QCOMPARE(failed, 0);
    QCOMPARE(server.accepted, 2);
}

QTEST_GUILESS_MAIN(TestHttpScraper)
#include "test_http_scraper.moc"
