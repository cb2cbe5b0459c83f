#include "unexpected_input_probe.h"

#include "http_response_parser.h"
#include "turno_answer_check.h"

#include <QJsonArray>
#include <QTextStream>
#include <algorithm>
#include <arpa/inet.h>
#include <cerrno>
#include <chrono>
#include <netinet/in.h>
#include <poll.h>
#include <random>
#include <sys/socket.h>
#include <thread>
#include <unistd.h>

namespace turno {

namespace {

constexpr int kAnswerTimeoutMs = 3000;

class Socket {
public:
    explicit Socket(const LoadConfig &t)
    {
        m_fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        sockaddr_in a{};
        a.sin_family = AF_INET;
        a.sin_port = htons(t.port);
        ::inet_pton(AF_INET, t.host.c_str(), &a.sin_addr);
        if (m_fd >= 0 && ::connect(m_fd, reinterpret_cast<sockaddr *>(&a), sizeof a) != 0) {
            ::close(m_fd);
            m_fd = -1;
        }
    }
    ~Socket()
    {
        if (m_fd >= 0)
            ::close(m_fd);
    }
    Socket(const Socket &) = delete;
    Socket &operator=(const Socket &) = delete;
    bool ok() const { return m_fd >= 0; }
    // False once the peer stopped taking bytes (it may have answered already).
    bool send(const std::string &bytes)
    {
        size_t off = 0;
        while (off < bytes.size()) {
            pollfd p{m_fd, POLLOUT, 0};
            if (::poll(&p, 1, kAnswerTimeoutMs) <= 0)
                return false;
            const ssize_t n = ::send(m_fd, bytes.data() + off, bytes.size() - off, MSG_NOSIGNAL);
            if (n <= 0)
                return false;
            off += size_t(n);
        }
        return true;
    }
    // Reads until `answers` responses are complete, the peer closes, or the timeout.
    std::vector<HttpResponseFrame> readAnswers(int answers, std::vector<std::string> *bodies, bool *closed)
    {
        std::vector<HttpResponseFrame> out;
        std::string buf;
        std::string decoded;
        const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(kAnswerTimeoutMs);
        bool peerClosed = false;
        for (;;) {
            while (!buf.empty()) {
                HttpResponseFrame f = HttpResponseParser::parse(buf.data(), buf.size(), peerClosed, &decoded);
                if (f.state != HttpResponseFrame::State::Complete) {
                    if (f.state == HttpResponseFrame::State::Invalid) {
                        out.push_back(f);
                        buf.clear();
                    }
                    break;
                }
                bodies->push_back(std::string(f.body));
                out.push_back(f);
                buf.erase(0, f.totalLength);
            }
            if (int(out.size()) >= answers || peerClosed)
                break;
            const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now()).count();
            if (left <= 0)
                break;
            pollfd p{m_fd, POLLIN, 0};
            if (::poll(&p, 1, int(left)) <= 0)
                break;
            char chunk[16384];
            const ssize_t n = ::recv(m_fd, chunk, sizeof chunk, 0);
            if (n <= 0) {
                peerClosed = true;
                continue;
            }
            buf.append(chunk, size_t(n));
        }
        *closed = peerClosed;
        return out;
    }

private:
    int m_fd = -1;
};

std::string get(const LoadConfig &t, const std::string &target, const std::string &version = "HTTP/1.1",
                const std::string &extraHeaders = "")
{
    return "GET " + target + " " + version + "\r\nHost: " + t.hostHeader + "\r\n" + extraHeaders + "\r\n";
}

bool healthy(const LoadConfig &t, const std::string &id)
{
    Socket s(t);
    if (!s.ok() || !s.send(get(t, t.pathPrefix + id)))
        return false;
    std::vector<std::string> bodies;
    bool closed = false;
    const auto frames = s.readAnswers(1, &bodies, &closed);
    if (frames.size() != 1 || frames[0].status != 200)
        return false;
    return TurnoAnswerCheck::check(bodies[0], id, TurnoAnswerCheck::canonicalPrefix(id)).verdict == AnswerVerdict::Ok;
}

}  // namespace

const std::vector<int> &UnexpectedInputProbe::documentedStatuses()
{
    static const std::vector<int> codes{200, 400, 404, 405, 409, 414, 431, 501, 503};
    return codes;
}

std::vector<UnexpectedCase> UnexpectedInputProbe::cases(const LoadConfig &t, const std::string &p, const std::string &nearLimitId)
{
    const std::string base = t.pathPrefix;
    std::vector<UnexpectedCase> v;
    auto add = [&](std::string name, std::string what, std::string request, std::vector<int> allowed) {
        UnexpectedCase c;
        c.name = std::move(name);
        c.what = std::move(what);
        c.pieces = {std::move(request)};
        c.allowed = std::move(allowed);
        v.push_back(std::move(c));
    };
    const std::string id64 = p + std::string(64 - p.size(), 'a');
    add("id_64_chars", "longest valid id (64 characters)", get(t, base + id64), {200});
    add("id_65_chars", "id one character too long", get(t, base + id64 + "a"), {400});
    add("id_empty", "empty id", get(t, base), {400, 404});
    add("id_forbidden_chars", "id with ! * ' ( ) characters", get(t, base + p + "!*'()"), {400});
    add("id_with_slash", "id containing a slash", get(t, base + p + "/x"), {400, 404});
    add("id_percent_valid", "percent-encoded letters (%41%42)", get(t, base + p + "%41%42"), {200, 400});
    add("id_percent_junk", "percent-encoded NUL, 0xFF, slash and a dangling %", get(t, base + p + "%00%FF%2F%"), {400, 404});
    add("id_invalid_utf8", "raw invalid UTF-8 bytes in the id", get(t, base + p + "\xff\xfe\xc0\xaf"), {400});
    add("id_nul_byte", "a NUL byte in the request line", get(t, base + p + std::string(1, '\0') + "x"), {400});
    add("id_near_limit_number", "id that looks like 2^53-1", get(t, base + "9007199254740991"), {200});
    add("id_past_limit_number", "id that looks like 2^53+1", get(t, base + "9007199254740993"), {200});
    add("request_line_9k", "request line over 8 KiB", get(t, base + std::string(9000, 'a')), {414, 400});
    add("header_20k", "one 20 KiB header", get(t, base + p + "h", "HTTP/1.1", "X-Junk: " + std::string(20000, 'j') + "\r\n"),
        {431});
    {
        std::string many;
        for (int i = 0; i < 150; ++i)
            many += "X-H" + std::to_string(i) + ": v\r\n";
        add("headers_150", "150 headers", get(t, base + p + "h", "HTTP/1.1", many), {431});
    }
    add("method_post", "POST", "POST " + base + p + " HTTP/1.1\r\nHost: " + t.hostHeader + "\r\nContent-Length: 0\r\n\r\n", {405});
    add("method_delete", "DELETE", "DELETE " + base + p + " HTTP/1.1\r\nHost: " + t.hostHeader + "\r\n\r\n", {405});
    add("method_put", "PUT", "PUT " + base + p + " HTTP/1.1\r\nHost: " + t.hostHeader + "\r\nContent-Length: 0\r\n\r\n", {405});
    add("method_unknown", "made-up method BREW", "BREW " + base + p + " HTTP/1.1\r\nHost: " + t.hostHeader + "\r\n\r\n",
        {400, 405, 501});
    add("http_1_0", "HTTP/1.0 request", get(t, base + p + "-10", "HTTP/1.0"), {200});
    add("no_host_header", "HTTP/1.1 without Host", "GET " + base + p + "-nh HTTP/1.1\r\n\r\n", {200, 400});
    add("transfer_encoding", "GET with Transfer-Encoding: chunked",
        "GET " + base + p + "-te HTTP/1.1\r\nHost: " + t.hostHeader + "\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n", {501, 400});
    add("unknown_path", "a path outside /turno/", get(t, "/nope"), {404});
    add("garbage", "bytes that are not HTTP", std::string("\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03\r\n\r\n", 15), {400});
    {
        UnexpectedCase c;
        c.name = "slow_sender";
        c.what = "a valid request sent one byte every 25 ms";
        const std::string req = get(t, base + p + "-slow");
        for (char ch : req)
            c.pieces.emplace_back(1, ch);
        c.pauseMs = 25;
        c.allowed = {200};
        v.push_back(std::move(c));
    }
    {
        UnexpectedCase c;
        c.name = "pipelined_burst";
        c.what = "32 pipelined requests for one id in one write";
        std::string burst;
        for (int i = 0; i < 32; ++i)
            burst += get(t, base + p + "-pipe");
        c.pieces = {burst};
        c.expectedAnswers = 32;
        c.allowed = {200};
        c.consecutiveId = p + "-pipe";
        v.push_back(std::move(c));
    }
    if (!nearLimitId.empty()) {
        UnexpectedCase c;
        c.name = "counter_at_limit";
        c.what = "4 requests for " + nearLimitId + ", whose counter is near 2^53-1";
        std::string burst;
        for (int i = 0; i < 4; ++i)
            burst += get(t, base + nearLimitId);
        c.pieces = {burst};
        c.expectedAnswers = 4;
        c.allowed = {200, 409};
        c.limitId = nearLimitId;
        v.push_back(std::move(c));
    }
    return v;
}

UnexpectedOutcome UnexpectedInputProbe::runCase(const LoadConfig &t, const UnexpectedCase &c, const std::string &healthId)
{
    UnexpectedOutcome o;
    o.name = c.name;
    o.what = c.what;
    o.allowed = c.allowed;
    {
        Socket s(t);
        if (!s.ok()) {
            o.note = QStringLiteral("could not connect to %1:%2").arg(QString::fromStdString(t.host)).arg(t.port);
            return o;
        }
        bool sentAll = true;
        for (size_t i = 0; i < c.pieces.size() && sentAll; ++i) {
            if (i > 0 && c.pauseMs > 0)
                std::this_thread::sleep_for(std::chrono::milliseconds(c.pauseMs));
            sentAll = s.send(c.pieces[i]);
        }
        std::vector<std::string> bodies;
        bool closed = false;
        const auto frames = s.readAnswers(c.expectedAnswers, &bodies, &closed);
        QStringList notes;
        bool ok = !frames.empty();
        if (frames.empty())
            notes << (closed ? QStringLiteral("closed without an answer") : QStringLiteral("no answer within 3 s"));
        size_t bodyIndex = 0;
        uint64_t previous = 0;
        bool exhausted = false;
        for (const HttpResponseFrame &f : frames) {
            if (f.state == HttpResponseFrame::State::Invalid) {
                o.statuses.push_back(0);
                notes << QStringLiteral("unparseable answer (%1)").arg(QLatin1String(f.why));
                ok = false;
                continue;
            }
            o.statuses.push_back(f.status);
            const std::string &body = bodies[bodyIndex++];
            if (std::find(c.allowed.begin(), c.allowed.end(), f.status) == c.allowed.end()) {
                ok = false;
                const bool documented = std::find(documentedStatuses().begin(), documentedStatuses().end(), f.status) !=
                                        documentedStatuses().end();
                notes << QStringLiteral("status %1 %2").arg(f.status).arg(documented ? QStringLiteral("is documented but not for this input")
                                                                                    : QStringLiteral("is not a documented turno status"));
            }
            if (!TurnoAnswerCheck::isJsonObject(body)) {
                ok = false;
                notes << QStringLiteral("status %1 body is not a JSON object").arg(f.status);
            }
            if (!c.limitId.empty()) {
                if (f.status == 409) {
                    exhausted = true;
                } else if (f.status == 200) {
                    const AnswerCheck a = TurnoAnswerCheck::checkSlow(body, c.limitId);
                    if (a.verdict != AnswerVerdict::Ok) {
                        ok = false;
                        notes << QStringLiteral("200 with turno %1: not a number up to 2^53-1").arg(a.turno);
                    } else if (exhausted) {
                        ok = false;
                        notes << QStringLiteral("turno %1 handed out after a 409").arg(a.turno);
                    }
                }
            }
            if (!c.consecutiveId.empty() && f.status == 200) {
                const AnswerCheck a = TurnoAnswerCheck::checkSlow(body, c.consecutiveId);
                const uint64_t turno = a.turno;
                if (a.verdict != AnswerVerdict::Ok) {
                    ok = false;
                    notes << QStringLiteral("answer is not a turno for %1").arg(QString::fromStdString(c.consecutiveId));
                } else if (previous && turno != previous + 1) {
                    ok = false;
                    notes << QStringLiteral("turno %1 after %2 (not consecutive)").arg(turno).arg(previous);
                }
                previous = turno;
            }
        }
        if (!c.limitId.empty() && !exhausted && !frames.empty()) {
            ok = false;
            notes << QStringLiteral("no 409 after %1 requests: is the counter of %2 really near 2^53-1?")
                         .arg(c.expectedAnswers)
                         .arg(QString::fromStdString(c.limitId));
        }
        if (int(frames.size()) < c.expectedAnswers && !frames.empty()) {
            ok = false;
            notes << QStringLiteral("%1 of %2 answers").arg(frames.size()).arg(c.expectedAnswers);
        }
        if (!sentAll && frames.empty())
            notes << QStringLiteral("server stopped reading the request");
        o.passed = ok;
        o.note = notes.join(QStringLiteral("; "));
    }
    o.serving = healthy(t, healthId);
    if (!o.serving) {
        o.passed = false;
        o.note += (o.note.isEmpty() ? QString() : QStringLiteral("; ")) + QStringLiteral("server not serving afterwards");
    }
    return o;
}

UnexpectedReport UnexpectedInputProbe::run(const LoadConfig &t, const std::string &nearLimitId)
{
    std::mt19937_64 rng(uint64_t(std::chrono::system_clock::now().time_since_epoch().count()));
    std::string prefix = "odd-";
    for (int i = 0; i < 8; ++i)
        prefix.push_back("abcdefghijklmnopqrstuvwxyz"[rng() % 26]);
    UnexpectedReport r;
    const std::string healthId = prefix + "-health";
    for (const UnexpectedCase &c : cases(t, prefix, nearLimitId))
        r.outcomes.push_back(runCase(t, c, healthId));
    r.passed = r.failures() == 0;
    return r;
}

int UnexpectedReport::failures() const
{
    return int(std::count_if(outcomes.begin(), outcomes.end(), [](const UnexpectedOutcome &o) { return !o.passed; }));
}

namespace {
QString joinCodes(const std::vector<int> &codes)
{
    QStringList l;
    for (int c : codes)
        l << QString::number(c);
    return l.join(QLatin1Char('|'));
}
}  // namespace

QJsonObject UnexpectedReport::toJson() const
{
    QJsonArray a;
    for (const UnexpectedOutcome &o : outcomes) {
        QJsonArray st;
        for (int s : o.statuses)
            st.append(s);
        QJsonArray al;
        for (int s : o.allowed)
            al.append(s);
        a.append(QJsonObject{{QStringLiteral("case"), QString::fromStdString(o.name)},
                             {QStringLiteral("what"), QString::fromStdString(o.what)},
                             {QStringLiteral("statuses"), st},
                             {QStringLiteral("allowed"), al},
                             {QStringLiteral("serving_after"), o.serving},
                             {QStringLiteral("passed"), o.passed},
                             {QStringLiteral("note"), o.note}});
    }
    return QJsonObject{{QStringLiteral("passed"), passed}, {QStringLiteral("failures"), failures()}, {QStringLiteral("cases"), a}};
}

QString UnexpectedReport::toCsv() const
{
    QString out;
    QTextStream s(&out);
    s << "case,statuses,allowed,serving_after,passed,note\n";
    for (const UnexpectedOutcome &o : outcomes) {
        QString note = o.note;
        note.replace(QLatin1Char('"'), QStringLiteral("\"\""));
        s << QString::fromStdString(o.name) << ',' << joinCodes(o.statuses) << ',' << joinCodes(o.allowed) << ','
          << (o.serving ? "yes" : "no") << ',' << (o.passed ? "yes" : "no") << ",\"" << note << "\"\n";
    }
    return out;
}

QString UnexpectedReport::toText() const
{
    QString out;
    QTextStream s(&out);
    for (const UnexpectedOutcome &o : outcomes) {
        const QString statuses = o.statuses.empty() ? QStringLiteral("-") : joinCodes(o.statuses);
        s << (o.passed ? "pass  " : "FAIL  ") << QString::fromStdString(o.name).leftJustified(22)
          << QStringLiteral("got %1").arg(statuses.size() > 24 ? statuses.left(21) + QStringLiteral("...") : statuses).leftJustified(30)
          << QStringLiteral("allowed %1").arg(joinCodes(o.allowed)).leftJustified(20) << QString::fromStdString(o.what);
        if (!o.note.isEmpty())
            s << "  [" << o.note << ']';
        s << '\n';
    }
    s << (passed ? "unexpected input: all " : "unexpected input: ") << (passed ? QString::number(outcomes.size()) + QStringLiteral(" cases passed")
                                                                           : QString::number(failures()) + QStringLiteral(" of ") + QString::number(outcomes.size()) + QStringLiteral(" cases failed"))
      << '\n';
    return out;
}

}  // namespace turno
