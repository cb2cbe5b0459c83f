// turno-server with the memory store, as a client sees it: numbers unique and
// consecutive under 64 concurrent clients, the 2^53-1 boundary, every bad-input
// class answered with its status while the server keeps serving, Prometheus
// output accepted by promtool, and a clean SIGTERM drain.
#include "server_fixture.h"
#include "turno_client.h"

#include <QProcess>
#include <QRegularExpression>
#include <QTest>
#include <QThread>
#include <arpa/inet.h>
#include <csignal>
#include <fstream>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

using namespace turno::test;

class TestTurnoServer : public QObject {
    Q_OBJECT
private slots:
    void initTestCase();
    void cleanupTestCase();
    void concurrentClientsOneId();
    void concurrentClientsThousandIds();
    void boundaryAtMaxSafeInteger();
    void badInput_data();
    void badInput();
    void methodNotAllowedListsAllow();
    void headTakesNoNumber();
    void pipelinedAnswersInOrder();
    void tooManyConnectionsGet503();
    void silentConnectionsAreShed();
    void debugEndpointsNeedToken();
    void metricsPassPromtool();
    void sigtermDrainsAndExitsZero();
    void portInUseIsClearError();

private:
    void assertStillServing();
    QTemporaryDir m_dir;
    RunningServer m_server;
    QString m_token = QStringLiteral("test-token-0123456789abcdef");
};

void TestTurnoServer::initTestCase()
{
    QVERIFY(m_dir.isValid());
    const QString tokenFile = m_dir.filePath(QStringLiteral("token"));
    {
        std::ofstream(tokenFile.toStdString()) << m_token.toStdString() << "\n";
    }
    QFile::setPermissions(tokenFile, QFile::ReadOwner | QFile::WriteOwner);
    m_server = startTurnoServer(m_dir,
                                {QStringLiteral("--store"), QStringLiteral("memory"), QStringLiteral("--threads"),
                                 QStringLiteral("2"), QStringLiteral("--debug-token-file"), tokenFile},
                                QStringLiteral("memory"));
}

void TestTurnoServer::cleanupTestCase()
{
    m_server.process->terminate();
}

void TestTurnoServer::assertStillServing()
{
    const HttpReply r = httpGet(m_server.port, "GET /turno/alive HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n");
    QCOMPARE(r.status, 200);
    QVERIFY(m_server.process->running());
}

void TestTurnoServer::concurrentClientsOneId()
{
    std::vector<TurnoAnswer> all;
    std::string why;
    const bool ok = runConcurrentClients({m_server.port}, 64, 10000, 16, [](int, int) { return std::string("one"); }, all, why);
    QVERIFY2(ok, qPrintable(QString::fromStdString(why) + QStringLiteral("\nserver log:\n") + m_server.process->log().right(3000)));
    QCOMPARE(all.size(), size_t(640000));
    const std::string problem = checkUniqueConsecutive(all);
    QVERIFY2(problem.empty(), problem.c_str());
}

void TestTurnoServer::concurrentClientsThousandIds()
{
    std::vector<TurnoAnswer> all;
    std::string why;
    const bool ok = runConcurrentClients({m_server.port}, 64, 10000, 16,
                                         [](int c, int i) { return "k" + std::to_string((c * 7919 + i) % 1000); }, all, why);
    QVERIFY2(ok, qPrintable(QString::fromStdString(why) + QStringLiteral("\nserver log:\n") + m_server.process->log().right(3000)));
    QCOMPARE(all.size(), size_t(640000));
    const std::string problem = checkUniqueConsecutive(all);
    QVERIFY2(problem.empty(), problem.c_str());
}

void TestTurnoServer::boundaryAtMaxSafeInteger()
{
    const QByteArray auth = "Authorization: Bearer " + m_token.toLatin1() + "\r\n";
    HttpReply set = httpGet(m_server.port, "GET /debug/set?id=edge&value=9007199254740989 HTTP/1.1\r\nHost: t\r\n" + auth +
                                               "Connection: close\r\n\r\n");
    QCOMPARE(set.status, 200);
    HttpReply a = httpGet(m_server.port, "GET /turno/edge HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n");
    QCOMPARE(a.status, 200);
    QCOMPARE(a.body, QByteArray("{\"id\":\"edge\",\"turno\":9007199254740990}"));
    HttpReply b = httpGet(m_server.port, "GET /turno/edge HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n");
    QCOMPARE(b.status, 200);
    QCOMPARE(b.body, QByteArray("{\"id\":\"edge\",\"turno\":9007199254740991}"));
    for (int i = 0; i < 3; ++i) {
        HttpReply c = httpGet(m_server.port, "GET /turno/edge HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n");
        QCOMPARE(c.status, 409);
        QVERIFY(c.body.contains("counter exhausted"));
        QVERIFY(c.headers.contains("Content-Type: application/json"));
    }
    // Past the limit cannot be set either.
    HttpReply over = httpGet(m_server.port, "GET /debug/set?id=edge&value=9007199254740992 HTTP/1.1\r\nHost: t\r\n" +
                                                auth + "Connection: close\r\n\r\n");
    QCOMPARE(over.status, 400);
}

void TestTurnoServer::badInput_data()
{
    QTest::addColumn<QByteArray>("request");
    QTest::addColumn<int>("status");
    QTest::newRow("request line > 8 KiB") << "GET /turno/" + QByteArray(9000, 'a') + " HTTP/1.1\r\nHost: t\r\n\r\n" << 414;
    QTest::newRow("headers > 16 KiB") << "GET /turno/a HTTP/1.1\r\nHost: t\r\nX-Big: " + QByteArray(17000, 'b') + "\r\n\r\n"
                                      << 431;
    QByteArray many = "GET /turno/a HTTP/1.1\r\nHost: t\r\n";
    for (int i = 0; i < 120; ++i)
        many += "X-" + QByteArray::number(i) + ": v\r\n";
    QTest::newRow("more than 100 headers") << many + "\r\n" << 431;
    QTest::newRow("malformed request line") << QByteArray("GARBAGE\r\n\r\n") << 400;
    QTest::newRow("binary junk") << QByteArray("\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03\r\n\r\n", 16) << 400;
    QTest::newRow("missing host") << QByteArray("GET /turno/a HTTP/1.1\r\n\r\n") << 400;
    QTest::newRow("empty id") << QByteArray("GET /turno/ HTTP/1.1\r\nHost: t\r\n\r\n") << 400;
    QTest::newRow("id too long") << "GET /turno/" + QByteArray(65, 'x') + " HTTP/1.1\r\nHost: t\r\n\r\n" << 400;
    QTest::newRow("forbidden char") << QByteArray("GET /turno/a$b HTTP/1.1\r\nHost: t\r\n\r\n") << 400;
    QTest::newRow("percent-encoded") << QByteArray("GET /turno/%41 HTTP/1.1\r\nHost: t\r\n\r\n") << 400;
    QTest::newRow("invalid utf-8") << QByteArray("GET /turno/\xff\xfe HTTP/1.1\r\nHost: t\r\n\r\n") << 400;
    QTest::newRow("unknown path") << QByteArray("GET /nothing HTTP/1.1\r\nHost: t\r\n\r\n") << 404;
    QTest::newRow("wrong method") << QByteArray("DELETE /turno/a HTTP/1.1\r\nHost: t\r\n\r\n") << 405;
    QTest::newRow("http/2 preface") << QByteArray("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n") << 505;
    QTest::newRow("chunked body") << QByteArray("POST /turno/a HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n")
                                  << 501;
    QTest::newRow("body too large") << QByteArray("GET /turno/a HTTP/1.1\r\nHost: t\r\nContent-Length: 999999\r\n\r\n") << 413;
    QTest::newRow("http/1.0 works") << QByteArray("GET /turno/ten HTTP/1.0\r\n\r\n") << 200;
}

void TestTurnoServer::badInput()
{
    QFETCH(QByteArray, request);
    QFETCH(int, status);
    const HttpReply r = httpGet(m_server.port, request);
    QCOMPARE(r.status, status);
    QVERIFY2(r.headers.contains("Content-Type: application/json"), r.headers.constData());
    if (status != 200)
        QVERIFY2(r.body.startsWith("{\"error\":"), r.body.constData());
    assertStillServing();
}

void TestTurnoServer::methodNotAllowedListsAllow()
{
    const HttpReply r = httpGet(m_server.port, "POST /turno/a HTTP/1.1\r\nHost: t\r\nContent-Length: 0\r\n\r\n");
    QCOMPARE(r.status, 405);
    QVERIFY(r.headers.contains("Allow: GET, HEAD"));
}

void TestTurnoServer::headTakesNoNumber()
{
    const QByteArray get = "GET /turno/headcheck HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n";
    QCOMPARE(httpGet(m_server.port, get).body, QByteArray("{\"id\":\"headcheck\",\"turno\":1}"));
    const QByteArray raw = rawExchange(m_server.port, "HEAD /turno/headcheck HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n");
    QVERIFY(raw.startsWith("HTTP/1.1 200"));
    QVERIFY(raw.endsWith("\r\n\r\n"));
    QCOMPARE(httpGet(m_server.port, get).body, QByteArray("{\"id\":\"headcheck\",\"turno\":2}"));
}

void TestTurnoServer::pipelinedAnswersInOrder()
{
    QByteArray req;
    for (int i = 0; i < 50; ++i)
        req += "GET /turno/pipe" + QByteArray::number(i % 5) + " HTTP/1.1\r\nHost: t\r\n\r\n";
    req += "GET /nothing HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n";
    const QByteArray all = rawExchange(m_server.port, req);
    const QList<QByteArray> parts = all.split('\n');
    QList<QByteArray> bodies;
    for (const QByteArray &l : parts)
        if (l.startsWith('{'))
            bodies << l;
    QCOMPARE(bodies.size(), 51);
    for (int i = 0; i < 50; ++i) {
        const QByteArray expect = "\"id\":\"pipe" + QByteArray::number(i % 5) + "\",\"turno\":" + QByteArray::number(i / 5 + 1) + "}";
        QVERIFY2(bodies[i].contains(expect), bodies[i].constData());
    }
    QVERIFY(bodies[50].contains("not found"));
}

void TestTurnoServer::tooManyConnectionsGet503()
{
    QTemporaryDir dir;
    RunningServer s = startTurnoServer(dir, {QStringLiteral("--max-connections"), QStringLiteral("2"),
                                             QStringLiteral("--threads"), QStringLiteral("1")},
                                       QStringLiteral("limited"));
    // Hold two connections that have each been served (the fixture's readiness
    // probe may still be counted for a moment, so a refused one is retried).
    auto openServed = [&s](std::unique_ptr<TurnoClient> &client) {
        for (int attempt = 0; attempt < 50; ++attempt) {
            client = std::make_unique<TurnoClient>(s.port);
            std::vector<TurnoAnswer> out;
            std::string why;
            if (client->getMany({"x"}, 1, out, why) && out.back().status == 200)
                return true;
            QThread::msleep(20);
        }
        return false;
    };
    std::unique_ptr<TurnoClient> a, b;
    QVERIFY(openServed(a));
    QVERIFY(openServed(b));
    const HttpReply third = httpGet(s.port, "GET /turno/x HTTP/1.1\r\nHost: t\r\n\r\n");
    QCOMPARE(third.status, 503);
    QVERIFY(third.body.contains("too many connections"));
    std::vector<TurnoAnswer> out;
    std::string why;
    QVERIFY(a->getMany({"x"}, 1, out, why));
    QCOMPARE(out.back().status, 200);
    QCOMPARE(out.back().turno, int64_t(3));
}

void TestTurnoServer::silentConnectionsAreShed()
{
    // A slowloris client: sends part of a head and stops. The server answers
    // 408 and closes after --header-timeout-ms (500 ms here), while serving others.
    QTemporaryDir dir;
    RunningServer s = startTurnoServer(dir, {QStringLiteral("--header-timeout-ms"), QStringLiteral("500")},
                                       QStringLiteral("slowloris"));
    int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    a.sin_port = htons(s.port);
    QCOMPARE(::connect(fd, reinterpret_cast<sockaddr *>(&a), sizeof a), 0);
    const char partial[] = "GET /turno/slow HTTP/1.1\r\nHost: t\r\nX-A: ";
    QVERIFY(::send(fd, partial, sizeof partial - 1, 0) > 0);
    QCOMPARE(httpGet(s.port, "GET /turno/other HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n").status, 200);
    char buf[4096];
    QByteArray got;
    for (int i = 0; i < 50; ++i) {
        timeval tv{0, 100000};
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
        const ssize_t n = ::recv(fd, buf, sizeof buf, 0);
        if (n == 0)
            break;
        if (n > 0)
            got.append(buf, n);
    }
    ::close(fd);
    QVERIFY2(got.startsWith("HTTP/1.1 408"), got.constData());
}

void TestTurnoServer::debugEndpointsNeedToken()
{
    QCOMPARE(httpGet(m_server.port, "GET /debug/set?id=a&value=5 HTTP/1.1\r\nHost: t\r\n\r\n").status, 401);
    QCOMPARE(httpGet(m_server.port, "GET /debug/set?id=a&value=5 HTTP/1.1\r\nHost: t\r\nAuthorization: Bearer wrong\r\n\r\n")
                 .status,
             401);
}

void TestTurnoServer::metricsPassPromtool()
{
    const HttpReply r = httpGet(m_server.port, "GET /metrics HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n");
    QCOMPARE(r.status, 200);
    QVERIFY(r.headers.contains("text/plain; version=0.0.4"));
    for (const char *name : {"turno_http_requests_total{code=\"200\",handler=\"turno\",method=\"GET\"}", "turno_http_request_duration_seconds_bucket",
                             "turno_numbers_issued_total", "turno_numbers_burned_total", "turno_store_errors_total",
                             "turno_redis_roundtrip_seconds", "turno_http_requests_in_flight", "turno_http_connections_open",
                             "process_cpu_seconds_total", "process_resident_memory_bytes", "process_open_fds",
                             "process_start_time_seconds", "turno_build_info"})
        QVERIFY2(r.body.contains(name), name);
    // The 640k + 640k requests above are all counted.
    const QRegularExpression issued(QStringLiteral("turno_numbers_issued_total (\\d+)"));
    const auto m = issued.match(QString::fromUtf8(r.body));
    QVERIFY(m.hasMatch());
    QVERIFY(m.captured(1).toLongLong() >= 1280000);

    const QString promtool = findProgram(QStringLiteral("promtool"));
    QVERIFY2(!promtool.isEmpty(), "promtool is missing: run scripts/setup.sh (Debian package prometheus)");
    QProcess p;
    p.start(promtool, {QStringLiteral("check"), QStringLiteral("metrics")});
    QVERIFY(p.waitForStarted());
    p.write(r.body);
    p.closeWriteChannel();
    QVERIFY(p.waitForFinished(30000));
    QVERIFY2(p.exitCode() == 0, p.readAllStandardOutput() + p.readAllStandardError());
}

void TestTurnoServer::sigtermDrainsAndExitsZero()
{
    QTemporaryDir dir;
    RunningServer s = startTurnoServer(dir, {QStringLiteral("--drain-timeout-ms"), QStringLiteral("3000")},
                                       QStringLiteral("drain"));
    TurnoClient idle(s.port);
    std::vector<TurnoAnswer> out;
    std::string why;
    QVERIFY(idle.getMany({"d"}, 1, out, why));
    ::kill(s.process->pid(), SIGTERM);
    QCOMPARE(s.process->waitExit(5000), 0);
    QVERIFY2(s.process->log().contains(QStringLiteral("SIGTERM received: draining")), qPrintable(s.process->log()));
    QVERIFY(s.process->log().contains(QStringLiteral("drained in")));
    // The port is free again.
    QCOMPARE(httpGet(s.port, "GET /healthz HTTP/1.1\r\nHost: t\r\n\r\n", 500).status, 0);
}

void TestTurnoServer::portInUseIsClearError()
{
    // A port held by another program (a plain socket; two turno-servers may
    // share a port on purpose through SO_REUSEPORT).
    int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    a.sin_port = 0;
    QCOMPARE(::bind(fd, reinterpret_cast<sockaddr *>(&a), sizeof a), 0);
    socklen_t len = sizeof a;
    ::getsockname(fd, reinterpret_cast<sockaddr *>(&a), &len);
    ::listen(fd, 1);
    ChildProcess q;
    QVERIFY(q.start(envPath("TURNO_SERVER_BIN"),
                    {QStringLiteral("--listen"), QStringLiteral("127.0.0.1:%1").arg(ntohs(a.sin_port))},
                    m_dir.filePath(QStringLiteral("inuse2.log"))));
    QCOMPARE(q.waitExit(5000), 3);
    ::close(fd);
    QVERIFY2(q.log().contains(QStringLiteral("Address already in use")), qPrintable(q.log()));
}

QTEST_GUILESS_MAIN(TestTurnoServer)
#include "test_turno_server.moc"
