// The hand-written request parser against the grammar: every limit and every
// malformed class maps to its documented status, and pipelined input splits right.
#include "http_request_parser.h"
#include "id_validator.h"

#include <QTest>
#include <string>

using namespace turno::server;

class TestHttpRequestParser : public QObject {
    Q_OBJECT
private slots:
    void statuses_data();
    void statuses();
    void incompleteUntilHeadEnds();
    void pipelinedRequestsSplit();
    void bodyIsSkipped();
    void connectionSemantics();
    void idValidation_data();
    void idValidation();
};

static ParseResult parse(const std::string &s)
{
    return parseHttpRequest(s.data(), s.size(), ParserLimits{});
}

void TestHttpRequestParser::statuses_data()
{
    QTest::addColumn<QByteArray>("input");
    QTest::addColumn<int>("status");  // 0 = complete
    const std::string longTarget(9000, 'a');
    std::string manyHeaders = "GET / HTTP/1.1\r\nHost: x\r\n";
    for (int i = 0; i < 101; ++i)
        manyHeaders += "X-H" + std::to_string(i) + ": v\r\n";
    manyHeaders += "\r\n";
    const std::string bigHeader = "GET / HTTP/1.1\r\nHost: x\r\nX-Big: " + std::string(17000, 'b') + "\r\n\r\n";

    QTest::newRow("plain get") << QByteArray("GET /turno/a HTTP/1.1\r\nHost: x\r\n\r\n") << 0;
    QTest::newRow("bare LF accepted") << QByteArray("GET /turno/a HTTP/1.1\nHost: x\n\n") << 0;
    QTest::newRow("http/1.0 without host") << QByteArray("GET / HTTP/1.0\r\n\r\n") << 0;
    QTest::newRow("uri too long") << QByteArray(("GET /" + longTarget + " HTTP/1.1\r\nHost: x\r\n\r\n").c_str()) << 414;
    QTest::newRow("uri too long, unterminated") << QByteArray(("GET /" + longTarget).c_str()) << 414;
    QTest::newRow("too many headers") << QByteArray(manyHeaders.c_str()) << 431;
    QTest::newRow("header section too big") << QByteArray(bigHeader.c_str()) << 431;
    QTest::newRow("no method") << QByteArray(" / HTTP/1.1\r\nHost: x\r\n\r\n") << 400;
    QTest::newRow("double space") << QByteArray("GET  / HTTP/1.1\r\nHost: x\r\n\r\n") << 400;
    QTest::newRow("bad version") << QByteArray("GET / HTTX/1.1\r\nHost: x\r\n\r\n") << 400;
    QTest::newRow("http/2 version") << QByteArray("GET / HTTP/2.0\r\nHost: x\r\n\r\n") << 505;
    QTest::newRow("missing host") << QByteArray("GET / HTTP/1.1\r\n\r\n") << 400;
    QTest::newRow("two hosts") << QByteArray("GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n") << 400;
    QTest::newRow("space before colon") << QByteArray("GET / HTTP/1.1\r\nHost : x\r\n\r\n") << 400;
    QTest::newRow("obs-fold") << QByteArray("GET / HTTP/1.1\r\nHost: x\r\n  folded\r\n\r\n") << 400;
    QTest::newRow("control char in value") << QByteArray("GET / HTTP/1.1\r\nHost: x\x01y\r\n\r\n") << 400;
    QTest::newRow("control char in target") << QByteArray("GET /a\x7f HTTP/1.1\r\nHost: x\r\n\r\n") << 400;
    QTest::newRow("bad content-length") << QByteArray("GET / HTTP/1.1\r\nHost: x\r\nContent-Length: 1x\r\n\r\n") << 400;
    QTest::newRow("conflicting content-length")
        << QByteArray("GET / HTTP/1.1\r\nHost: x\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\nab") << 400;
    QTest::newRow("chunked") << QByteArray("POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n") << 501;
    QTest::newRow("body too large") << QByteArray("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 70000\r\n\r\n") << 413;
}

void TestHttpRequestParser::statuses()
{
    QFETCH(QByteArray, input);
    QFETCH(int, status);
    const ParseResult r = parse(input.toStdString());
    if (status == 0) {
        QCOMPARE(int(r.state), int(ParseState::Complete));
        QCOMPARE(r.consumed, size_t(input.size()));
    } else {
        QCOMPARE(int(r.state), int(ParseState::Error));
        QCOMPARE(r.errorStatus, status);
        QVERIFY(std::string(r.errorReason).size() > 5);
    }
}

void TestHttpRequestParser::incompleteUntilHeadEnds()
{
    const std::string full = "GET /turno/abc HTTP/1.1\r\nHost: x\r\nUser-Agent: t\r\n\r\n";
    for (size_t n = 0; n < full.size(); ++n) {
        const ParseResult r = parseHttpRequest(full.data(), n, ParserLimits{});
        QVERIFY2(r.state == ParseState::Incomplete, qPrintable(QString("prefix of %1 bytes").arg(n)));
    }
    const ParseResult r = parse(full);
    QCOMPARE(int(r.state), int(ParseState::Complete));
    QCOMPARE(r.request.target, std::string_view("/turno/abc"));
    QCOMPARE(int(r.request.method), int(HttpMethod::Get));
}

void TestHttpRequestParser::pipelinedRequestsSplit()
{
    std::string s;
    for (int i = 0; i < 16; ++i)
        s += "GET /turno/id" + std::to_string(i) + " HTTP/1.1\r\nHost: x\r\n\r\n";
    size_t off = 0;
    for (int i = 0; i < 16; ++i) {
        const ParseResult r = parseHttpRequest(s.data() + off, s.size() - off, ParserLimits{});
        QCOMPARE(int(r.state), int(ParseState::Complete));
        QCOMPARE(std::string(r.request.target), "/turno/id" + std::to_string(i));
        off += r.consumed;
    }
    QCOMPARE(off, s.size());
}

void TestHttpRequestParser::bodyIsSkipped()
{
    const std::string s = "GET /turno/a HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nhelloGET /turno/b HTTP/1.1\r\nHost: x\r\n\r\n";
    const ParseResult r = parse(s);
    QCOMPARE(int(r.state), int(ParseState::Complete));
    QCOMPARE(s.substr(r.consumed, 3), std::string("GET"));
    const ParseResult partial = parseHttpRequest(s.data(), 50, ParserLimits{});
    QCOMPARE(int(partial.state), int(ParseState::Incomplete));
}

void TestHttpRequestParser::connectionSemantics()
{
    QVERIFY(parse("GET / HTTP/1.1\r\nHost: x\r\n\r\n").request.keepAlive);
    QVERIFY(!parse("GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n").request.keepAlive);
    QVERIFY(!parse("GET / HTTP/1.1\r\nHost: x\r\nConnection: Upgrade, CLOSE\r\n\r\n").request.keepAlive);
    QVERIFY(!parse("GET / HTTP/1.0\r\n\r\n").request.keepAlive);
    QVERIFY(parse("GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n").request.keepAlive);
    QCOMPARE(int(parse("HEAD / HTTP/1.1\r\nHost: x\r\n\r\n").request.method), int(HttpMethod::Head));
    QCOMPARE(int(parse("DELETE / HTTP/1.1\r\nHost: x\r\n\r\n").request.method), int(HttpMethod::Other));
    QCOMPARE(parse("GET / HTTP/1.1\r\nHost: x\r\nauthorization: Bearer t\r\n\r\n").request.authorization,
             std::string_view("Bearer t"));
}

void TestHttpRequestParser::idValidation_data()
{
    QTest::addColumn<QByteArray>("id");
    QTest::addColumn<bool>("ok");
    QTest::newRow("simple") << QByteArray("abc") << true;
    QTest::newRow("all classes") << QByteArray("A-z_0.9~") << true;
    QTest::newRow("64 chars") << QByteArray(64, 'x') << true;
    QTest::newRow("65 chars") << QByteArray(65, 'x') << false;
    QTest::newRow("empty") << QByteArray("") << false;
    QTest::newRow("slash") << QByteArray("a/b") << false;
    QTest::newRow("percent") << QByteArray("a%20b") << false;
    QTest::newRow("utf8") << QByteArray("caf\xc3\xa9") << false;
    QTest::newRow("quote") << QByteArray("a\"b") << false;
}

void TestHttpRequestParser::idValidation()
{
    QFETCH(QByteArray, id);
    QFETCH(bool, ok);
    const IdCheck c = validateId(std::string_view(id.constData(), size_t(id.size())));
    QCOMPARE(c.ok, ok);
    QCOMPARE(c.problem.empty(), ok);
}

QTEST_GUILESS_MAIN(TestHttpRequestParser)
#include "test_http_request_parser.moc"
