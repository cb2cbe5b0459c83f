// TurnoAnswerCheck and HttpResponseParser: the per-answer checks of the load
// generator, fed crafted answers.
#include "load/http_response_parser.h"
#include "load/turno_answer_check.h"

#include <QTest>

using namespace turno;

namespace {
AnswerCheck check(const std::string &body, const std::string &id = "abc")
{
    return TurnoAnswerCheck::check(body, id, TurnoAnswerCheck::canonicalPrefix(id));
}
}  // namespace

Q_DECLARE_METATYPE(turno::AnswerVerdict)

class TestAnswerCheck : public QObject {
    Q_OBJECT
private slots:
    void verdicts_data()
    {
        QTest::addColumn<QByteArray>("body");
        QTest::addColumn<AnswerVerdict>("verdict");
        QTest::addColumn<qulonglong>("turno");
        QTest::newRow("canonical") << QByteArray(R"({"id":"abc","turno":42})") << AnswerVerdict::Ok << 42ULL;
        QTest::newRow("trailing newline") << QByteArray("{\"id\":\"abc\",\"turno\":7}\n") << AnswerVerdict::Ok << 7ULL;
        QTest::newRow("spaces and key order") << QByteArray(R"( { "turno" : 9 , "id" : "abc" } )") << AnswerVerdict::Ok << 9ULL;
        QTest::newRow("escaped id") << QByteArray(R"({"id":"\u0061bc","turno":3})") << AnswerVerdict::Ok << 3ULL;
        QTest::newRow("extra member") << QByteArray(R"({"id":"abc","turno":3,"node":"n1"})") << AnswerVerdict::Ok << 3ULL;
        QTest::newRow("max safe") << QByteArray(R"({"id":"abc","turno":9007199254740991})") << AnswerVerdict::Ok << 9007199254740991ULL;
        QTest::newRow("past max safe") << QByteArray(R"({"id":"abc","turno":9007199254740992})") << AnswerVerdict::BadTurno << 9007199254740992ULL;
        QTest::newRow("zero") << QByteArray(R"({"id":"abc","turno":0})") << AnswerVerdict::BadTurno << 0ULL;
        QTest::newRow("negative") << QByteArray(R"({"id":"abc","turno":-1})") << AnswerVerdict::BadTurno << 0ULL;
        QTest::newRow("fraction") << QByteArray(R"({"id":"abc","turno":1.5})") << AnswerVerdict::BadTurno << 0ULL;
        QTest::newRow("exponent") << QByteArray(R"({"id":"abc","turno":1e3})") << AnswerVerdict::BadTurno << 0ULL;
        QTest::newRow("wrong id") << QByteArray(R"({"id":"abd","turno":5})") << AnswerVerdict::WrongId << 5ULL;
        QTest::newRow("id prefix only") << QByteArray(R"({"id":"ab","turno":5})") << AnswerVerdict::WrongId << 5ULL;
        QTest::newRow("turno as string") << QByteArray(R"({"id":"abc","turno":"5"})") << AnswerVerdict::BadJson << 0ULL;
        QTest::newRow("id as number") << QByteArray(R"({"id":1,"turno":5})") << AnswerVerdict::BadJson << 0ULL;
        QTest::newRow("missing turno") << QByteArray(R"({"id":"abc"})") << AnswerVerdict::BadJson << 0ULL;
        QTest::newRow("truncated") << QByteArray(R"({"id":"abc","turno":)") << AnswerVerdict::BadJson << 0ULL;
        QTest::newRow("trailing garbage") << QByteArray(R"({"id":"abc","turno":5}x)") << AnswerVerdict::BadJson << 0ULL;
        QTest::newRow("two objects") << QByteArray(R"({"id":"abc","turno":5}{})") << AnswerVerdict::BadJson << 0ULL;
        QTest::newRow("duplicate key") << QByteArray(R"({"id":"abc","turno":5,"turno":6})") << AnswerVerdict::BadJson << 0ULL;
        QTest::newRow("array") << QByteArray(R"([{"id":"abc","turno":5}])") << AnswerVerdict::BadJson << 0ULL;
        QTest::newRow("empty") << QByteArray("") << AnswerVerdict::BadJson << 0ULL;
        QTest::newRow("leading zero") << QByteArray(R"({"id":"abc","turno":05})") << AnswerVerdict::BadJson << 0ULL;
        QTest::newRow("control char in string") << QByteArray("{\"id\":\"a\tbc\",\"turno\":5}") << AnswerVerdict::BadJson << 0ULL;
    }
    void verdicts()
    {
        QFETCH(QByteArray, body);
        QFETCH(AnswerVerdict, verdict);
        QFETCH(qulonglong, turno);
        const AnswerCheck a = check(body.toStdString());
        QCOMPARE(int(a.verdict), int(verdict));
        if (verdict == AnswerVerdict::Ok || turno)
            QCOMPARE(qulonglong(a.turno), turno);
    }

    void errorBodiesAreJsonObjects()
    {
        QVERIFY(TurnoAnswerCheck::isJsonObject(R"({"error":"bad id","status":400})"));
        QVERIFY(!TurnoAnswerCheck::isJsonObject("<html>400 Bad Request</html>"));
        QVERIFY(!TurnoAnswerCheck::isJsonObject(""));
    }

    void contentLengthFraming()
    {
        const std::string r = "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\ncontent-length: 5\r\n\r\nhelloHTTP/1.1";
        const HttpResponseFrame f = HttpResponseParser::parse(r.data(), r.size(), false, nullptr);
        QCOMPARE(int(f.state), int(HttpResponseFrame::State::Complete));
        QCOMPARE(f.status, 200);
        QCOMPARE(QByteArray(f.body.data(), int(f.body.size())), QByteArray("hello"));
        QCOMPARE(f.totalLength, r.size() - 8);
        QVERIFY(!f.closeAfter);
        // Every strict prefix is incomplete, never invalid.
        for (size_t n = 0; n < f.totalLength; ++n)
            QCOMPARE(int(HttpResponseParser::parse(r.data(), n, false, nullptr).state), int(HttpResponseFrame::State::Incomplete));
    }

    void chunkedFraming()
    {
        const std::string r = "HTTP/1.1 503 Service Unavailable\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n"
                              "4\r\n{\"a\"\r\n3;ext=1\r\n:1}\r\n0\r\n\r\n";
        std::string decoded;
        const HttpResponseFrame f = HttpResponseParser::parse(r.data(), r.size(), false, &decoded);
        QCOMPARE(int(f.state), int(HttpResponseFrame::State::Complete));
        QCOMPARE(f.status, 503);
        QCOMPARE(QByteArray(f.body.data(), int(f.body.size())), QByteArray("{\"a\":1}"));
        QCOMPARE(f.totalLength, r.size());
        QVERIFY(f.closeAfter);
        const std::string bad = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n";
        QCOMPARE(int(HttpResponseParser::parse(bad.data(), bad.size(), false, &decoded).state), int(HttpResponseFrame::State::Invalid));
    }

    void http10AndUntilClose()
    {
        const std::string r = "HTTP/1.0 200 OK\r\n\r\n{\"id\":\"x\",\"turno\":1}";
        QCOMPARE(int(HttpResponseParser::parse(r.data(), r.size(), false, nullptr).state), int(HttpResponseFrame::State::Incomplete));
        const HttpResponseFrame f = HttpResponseParser::parse(r.data(), r.size(), true, nullptr);
        QCOMPARE(int(f.state), int(HttpResponseFrame::State::Complete));
        QVERIFY(f.closeAfter);
        QCOMPARE(f.body.size(), size_t(20));
    }

    void invalidResponses()
    {
        for (const std::string &r : {std::string("SSH-2.0-OpenSSH_9.2\r\n\r\n"), std::string("HTTP/1.1 2x0 OK\r\n\r\n"),
                                    std::string("HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n"),
                                    std::string("HTTP/1.1 200 OK\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n")}) {
            QCOMPARE(int(HttpResponseParser::parse(r.data(), r.size(), false, nullptr).state), int(HttpResponseFrame::State::Invalid));
        }
    }
};

QTEST_GUILESS_MAIN(TestAnswerCheck)
#include "test_answer_check.moc"
