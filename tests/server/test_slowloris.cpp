// Slowloris against the real turno-server (memory store, default options): 5,000
// connections each trickling a request head a byte a second must all be closed
// by the server within 5 s of being opened, while a few normal keep-alive
// clients see no error and are not starved; with TURNO_SLOWLORIS_STRICT (the
// benchmark tests/bench/bench_slowloris.sh) their p99 must stay within 2x the baseline.
#include "server_fixture.h"
#include "turno_client.h"

#include <QTest>
#include <QThread>
#include <algorithm>
#include <arpa/inet.h>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <mutex>
#include <netinet/in.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <thread>
#include <unistd.h>
#include <vector>

using namespace turno::test;

namespace {

using Clock = std::chrono::steady_clock;

constexpr int kSlowConnections = 5000;
constexpr double kShedLimitS = 5.0;
constexpr int kNormalClients = 4;
constexpr auto kNormalPace = std::chrono::milliseconds(2);  // each normal client: one request per 2 ms
constexpr double kWindowS = 0.5;
// p99 of a quiet loopback request is ~0.1-0.3 ms; doubling that is scheduler
// noise on a 2-core machine, not a verdict. Below 1 ms the baseline counts as 1 ms.
constexpr double kP99FloorMs = 1.0;
// Without TURNO_SLOWLORIS_STRICT: a normal request that waits this long behind
// the flood means the server starves its clients (the header timeout is 5 s).
constexpr double kStarvedMs = 25.0;

double secondsSince(Clock::time_point origin, Clock::time_point t)
{
    return std::chrono::duration<double>(t - origin).count();
}

double percentile(std::vector<double> v, double q)
{
    if (v.empty())
        return 0;
    std::sort(v.begin(), v.end());
    const size_t k = std::min(v.size() - 1, size_t(q * double(v.size())));
    return v[k];
}

double median(std::vector<double> v)
{
    return percentile(std::move(v), 0.5);
}

struct Sample {
    double atS;   // since the test's origin
    double ms;    // latency
};

// Normal clients: keep-alive, paced, every answer checked.
class NormalLoad {
public:
    NormalLoad(quint16 port, Clock::time_point origin) : m_origin(origin)
    {
        for (int i = 0; i < kNormalClients; ++i)
            m_threads.emplace_back([this, port, i] { runClient(port, i); });
    }
    ~NormalLoad() { stop(); }
    void stop()
    {
        m_stop = true;
        for (auto &t : m_threads)
            if (t.joinable())
                t.join();
    }
    // p99 per window of kWindowS in [fromS, toS).
    std::vector<double> windowP99s(double fromS, double toS) const
    {
        std::lock_guard lock(m_mutex);
        std::vector<double> out;
        for (double w = fromS; w + kWindowS <= toS + 1e-9; w += kWindowS) {
            std::vector<double> v;
            for (const Sample &s : m_samples)
                if (s.atS >= w && s.atS < w + kWindowS)
                    v.push_back(s.ms);
            if (v.size() >= 100)
                out.push_back(percentile(v, 0.99));
        }
        return out;
    }
    size_t requests() const
    {
        std::lock_guard lock(m_mutex);
        return m_samples.size();
    }
    int errors() const { return m_errors; }
    std::string firstError() const
    {
        std::lock_guard lock(m_mutex);
        return m_firstError;
    }

private:
    void runClient(quint16 port, int index)
    {
        TurnoClient client(port);
        if (!client.connected()) {
            fail("normal client " + std::to_string(index) + " could not connect");
            return;
        }
        const std::string id = "normal-" + std::to_string(index);
        int64_t expected = 1;
        auto next = Clock::now();
        std::vector<Sample> local;
        while (!m_stop) {
            std::this_thread::sleep_until(next);
            next += kNormalPace;
            const auto t0 = Clock::now();
            if (next < t0)
                next = t0;  // fell behind: measure, do not burst
            std::vector<TurnoAnswer> out;
            std::string why;
            if (!client.getMany({id}, 1, out, why)) {
                fail("normal client " + std::to_string(index) + ": " + why);
                return;
            }
            const auto t1 = Clock::now();
            if (out.size() != 1 || out[0].status != 200 || out[0].turno != expected) {
                fail("normal client " + std::to_string(index) + ": unexpected answer " +
                     (out.empty() ? std::string("(none)") : out[0].body) + " for turno " + std::to_string(expected));
                return;
            }
            ++expected;
            local.push_back({secondsSince(m_origin, t0), std::chrono::duration<double, std::milli>(t1 - t0).count()});
            if (local.size() >= 256) {
                std::lock_guard lock(m_mutex);
                m_samples.insert(m_samples.end(), local.begin(), local.end());
                local.clear();
            }
        }
        std::lock_guard lock(m_mutex);
        m_samples.insert(m_samples.end(), local.begin(), local.end());
    }
    void fail(const std::string &why)
    {
        std::lock_guard lock(m_mutex);
        if (m_errors++ == 0)
            m_firstError = why;
    }

    Clock::time_point m_origin;
    std::atomic<bool> m_stop{false};
    std::atomic<int> m_errors{0};
    mutable std::mutex m_mutex;
    std::vector<Sample> m_samples;
    std::string m_firstError;
    std::vector<std::thread> m_threads;
};

// The attack: every connection sends one byte of an endless request head per
// second; it is shed when the server closes it (EOF or reset).
struct SlowConn {
    int fd = -1;
    double openedS = -1;
    double closedS = -1;
    double nextSendS = 0;
    size_t sent = 0;
    bool connected = false;
};

struct AttackResult {
    int opened = 0;
    int connectFailed = 0;
    int shed = 0;
    double firstOpenS = 0;
    double lastOpenS = 0;
    double lastShedS = 0;
    std::vector<double> shedAfterS;  // closedS - openedS, per shed connection
    std::string why;
};

AttackResult runAttack(quint16 port, Clock::time_point origin, double giveUpAfterS)
{
    static const std::string head = "GET /turno/slowloris HTTP/1.1\r\nHost: 127.0.0.1\r\nUser-Agent: slow\r\nX-Padding: " +
                                    std::string(200, 'a');
    AttackResult r;
    const int ep = ::epoll_create1(EPOLL_CLOEXEC);
    std::vector<SlowConn> conns(kSlowConnections);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    a.sin_port = htons(port);
    auto now = [origin] { return secondsSince(origin, Clock::now()); };
    auto closeAs = [&](int i, bool shed) {
        SlowConn &c = conns[size_t(i)];
        epoll_ctl(ep, EPOLL_CTL_DEL, c.fd, nullptr);
        ::close(c.fd);
        c.fd = -1;
        if (shed) {
            c.closedS = now();
            ++r.shed;
            r.lastShedS = c.closedS;
            r.shedAfterS.push_back(c.closedS - c.openedS);
        } else {
            ++r.connectFailed;
        }
    };
    // Open in bursts of 125 every 50 ms (2,500/s, so 2 s of flood and a few
    // seconds of attack to measure): a rate the listen backlog (4096) takes
    // without dropping SYNs.
    int nextOpen = 0;
    double nextBurstS = now();
    const double startS = now();
    r.firstOpenS = startS;
    epoll_event events[512];
    while (r.shed + r.connectFailed < kSlowConnections && now() - startS < giveUpAfterS) {
        if (nextOpen < kSlowConnections && now() >= nextBurstS) {
            for (int k = 0; k < 125 && nextOpen < kSlowConnections; ++k, ++nextOpen) {
                SlowConn &c = conns[size_t(nextOpen)];
                c.fd = ::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
                if (c.fd < 0) {
                    r.why = std::string("socket(): ") + std::strerror(errno);
                    return r;
                }
                c.openedS = now();
                r.lastOpenS = c.openedS;
                ++r.opened;
                if (::connect(c.fd, reinterpret_cast<sockaddr *>(&a), sizeof a) != 0 && errno != EINPROGRESS) {
                    closeAs(nextOpen, false);
                    continue;
                }
                epoll_event ev{};
                ev.events = EPOLLIN | EPOLLOUT | EPOLLRDHUP;
                ev.data.u32 = uint32_t(nextOpen);
                epoll_ctl(ep, EPOLL_CTL_ADD, c.fd, &ev);
            }
            nextBurstS += 0.05;
        }
        const int n = epoll_wait(ep, events, 512, 10);
        for (int e = 0; e < n; ++e) {
            const int i = int(events[e].data.u32);
            SlowConn &c = conns[size_t(i)];
            if (c.fd < 0)
                continue;
            if (!c.connected && (events[e].events & EPOLLOUT)) {
                int soErr = 0;
                socklen_t len = sizeof soErr;
                getsockopt(c.fd, SOL_SOCKET, SO_ERROR, &soErr, &len);
                if (soErr != 0) {
                    closeAs(i, false);
                    continue;
                }
                c.connected = true;
                c.nextSendS = now();
                epoll_event ev{};
                ev.events = EPOLLIN | EPOLLRDHUP;
                ev.data.u32 = uint32_t(i);
                epoll_ctl(ep, EPOLL_CTL_MOD, c.fd, &ev);
            }
            if (events[e].events & (EPOLLIN | EPOLLRDHUP | EPOLLHUP | EPOLLERR)) {
                char buf[1024];
                ssize_t got;
                while ((got = ::recv(c.fd, buf, sizeof buf, 0)) > 0) {
                }
                if (got == 0 || (errno != EAGAIN && errno != EINTR))
                    closeAs(i, true);
            }
        }
        // One byte per connection per second, never the blank line that ends the head.
        const double t = now();
        for (int i = 0; i < nextOpen; ++i) {
            SlowConn &c = conns[size_t(i)];
            if (c.fd < 0 || !c.connected || t < c.nextSendS)
                continue;
            const char byte = head[std::min(c.sent, head.size() - 1)];
            const ssize_t w = ::send(c.fd, &byte, 1, MSG_NOSIGNAL);
            if (w == 1) {
                ++c.sent;
                c.nextSendS = t + 1.0;
            } else if (errno != EAGAIN && errno != EINTR) {
                closeAs(i, true);  // reset by the server
            }
        }
    }
    for (SlowConn &c : conns)
        if (c.fd >= 0)
            ::close(c.fd);
    ::close(ep);
    return r;
}

}  // namespace

class TestSlowloris : public QObject {
    Q_OBJECT
private slots:
    void slowConnectionsAreShedWhileNormalClientsKeepTheirLatency();
};

void TestSlowloris::slowConnectionsAreShedWhileNormalClientsKeepTheirLatency()
{
    // 5,000 sockets here and 5,000 in the server (which inherits this limit).
    rlimit lim{};
    QCOMPARE(getrlimit(RLIMIT_NOFILE, &lim), 0);
    if (lim.rlim_cur < lim.rlim_max) {
        lim.rlim_cur = lim.rlim_max;
        QCOMPARE(setrlimit(RLIMIT_NOFILE, &lim), 0);
    }
    if (lim.rlim_cur < rlim_t(kSlowConnections + 500))
        QSKIP(qPrintable(QStringLiteral("RLIMIT_NOFILE hard limit %1 is below the %2 descriptors this test needs")
                             .arg(qulonglong(lim.rlim_max))
                             .arg(kSlowConnections + 500)));

    QTemporaryDir dir;
    RunningServer s = startTurnoServer(dir, {QStringLiteral("--store"), QStringLiteral("memory")}, QStringLiteral("slowloris"));
    const Clock::time_point origin = Clock::now();
    NormalLoad normal(s.port, origin);

    // Baseline: 0.5 s to settle, then 3 s of windows before the attack and 2.5 s
    // after it, so a machine that got busier meanwhile weighs on both sides.
    QThread::msleep(3500);
    const double beforeEndS = secondsSince(origin, Clock::now());
    const AttackResult attack = runAttack(s.port, origin, 15.0);
    const double attackEndS = secondsSince(origin, Clock::now());
    QThread::msleep(2500);
    normal.stop();
    QVERIFY2(attack.why.empty(), attack.why.c_str());

    std::vector<double> baseline = normal.windowP99s(0.5, beforeEndS);
    const std::vector<double> after = normal.windowP99s(attackEndS, attackEndS + 2.5);
    baseline.insert(baseline.end(), after.begin(), after.end());
    QVERIFY2(baseline.size() >= 8, "too few baseline windows: normal clients are not running");
    const std::vector<double> underAttack = normal.windowP99s(attack.firstOpenS, attackEndS);
    const double baselineP99 = median(baseline);
    const double attackP99 = median(underAttack);
    const double limit = 2.0 * std::max(baselineP99, kP99FloorMs);
    const double worstShed = attack.shedAfterS.empty() ? 0 : *std::max_element(attack.shedAfterS.begin(), attack.shedAfterS.end());
    QStringList base, under;
    for (double v : baseline)
        base << QString::number(v, 'f', 3);
    for (double v : underAttack)
        under << QString::number(v, 'f', 3);
    qInfo("normal clients: %d x one request per %lld ms, %zu requests, %d errors", kNormalClients,
          qlonglong(kNormalPace.count()), normal.requests(), normal.errors());
    qInfo("baseline p99 per %.1f s window, before and after (ms): %s -> median %.3f ms", kWindowS, qPrintable(base.join(QLatin1Char(' '))),
          baselineP99);
    qInfo("under attack p99 per window (ms): %s -> median %.3f ms (limit 2 x max(baseline, %.1f ms floor) = %.3f ms)",
          qPrintable(under.join(QLatin1Char(' '))), attackP99, kP99FloorMs, limit);
    qInfo("slow connections: %d opened in %.2f s, %d shed, %d failed to connect; shed after median %.2f s, max %.2f s; "
          "all gone %.2f s after the first was opened",
          attack.opened, attack.lastOpenS - attack.firstOpenS, attack.shed, attack.connectFailed, median(attack.shedAfterS),
          worstShed, attack.lastShedS - attack.firstOpenS);
    const QString log = s.process->log();
    for (const QString &line : log.split(QLatin1Char('\n')))
        if (line.contains(QLatin1String("shed-high-water")))
            qInfo("server: %s", qPrintable(line));

    QCOMPARE(attack.opened, kSlowConnections);
    QCOMPARE(attack.connectFailed, 0);
    QCOMPARE(attack.shed, kSlowConnections);
    QVERIFY2(worstShed <= kShedLimitS,
             qPrintable(QStringLiteral("a slow connection lived %1 s (limit %2 s)").arg(worstShed).arg(kShedLimitS)));
    QVERIFY2(normal.errors() == 0, normal.firstError().c_str());
    QVERIFY2(underAttack.size() >= 4, "the attack ended too quickly to measure the normal clients during it");
    // The 2x bar is a latency figure on a shared 2-core machine: it is checked
    // where figures belong, by tests/bench/bench_slowloris.sh (which sets
    // TURNO_SLOWLORIS_STRICT and runs quiet, several times). Here, under CI's
    // sanitizers and whatever else runs, the normal clients must not be starved.
    if (qEnvironmentVariableIsSet("TURNO_SLOWLORIS_STRICT")) {
        QVERIFY2(attackP99 <= limit, qPrintable(QStringLiteral("normal p99 under attack %1 ms > %2 ms").arg(attackP99).arg(limit)));
    } else {
        qInfo("p99 under attack: %.2f x the baseline, %.2f x max(baseline, %.1f ms floor) (the 2x bar is checked by "
              "tests/bench/bench_slowloris.sh)",
              attackP99 / std::max(baselineP99, 1e-3), attackP99 / std::max(baselineP99, kP99FloorMs), kP99FloorMs);
        QVERIFY2(attackP99 <= kStarvedMs,
                 qPrintable(QStringLiteral("normal p99 under attack %1 ms > %2 ms: the flood starves normal clients").arg(attackP99).arg(kStarvedMs)));
    }
    QVERIFY(s.process->running());
}

QTEST_GUILESS_MAIN(TestSlowloris)
#include "test_slowloris.moc"
