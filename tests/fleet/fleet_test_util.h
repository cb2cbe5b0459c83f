// Helpers for the fleet integration tests: a keep-alive HTTP client that reports
// which node answered, load in background threads, and process/port checks.
#pragma once

#include "fleet/cluster_profile.h"

#include <QByteArray>
#include <QElapsedTimer>
#include <QProcess>
#include <QStringList>
#include <QFile>
#include <QMap>
#include <QString>
#include <arpa/inet.h>
#include <atomic>
#include <cerrno>
#include <csignal>
#include <mutex>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <thread>
#include <unistd.h>
#include <vector>

namespace fleettest {

struct Answer {
    int status = 0;      // 0 = no HTTP answer at all
    QByteArray node;     // X-Turno-Node set by HAProxy
    QByteArray body;
    qint64 turno = -1;
};

// One HTTP/1.1 keep-alive connection to 127.0.0.1:port; reconnects after an error.
class HttpClient {
public:
    explicit HttpClient(quint16 port) : m_port(port) {}
    ~HttpClient() { closeSocket(); }
    HttpClient(const HttpClient &) = delete;
    HttpClient &operator=(const HttpClient &) = delete;

    // Like every HTTP client, a request that finds its kept-alive connection
    // closed by the server before any answer byte (a balancer reload closes idle
    // connections) is sent again once on a fresh connection; counted in retries().
    Answer get(const QByteArray &path, int timeoutMs = 5000)
    {
        const bool reused = m_fd >= 0 && m_served > 0;
        bool answeredAnything = false;
        Answer a = attempt(path, timeoutMs, &answeredAnything);
        if (a.status == 0 && reused && !answeredAnything) {
            ++m_retries;
            a = attempt(path, timeoutMs, &answeredAnything);
        }
        return a;
    }
    int retries() const { return m_retries; }

private:
    Answer attempt(const QByteArray &path, int timeoutMs, bool *answeredAnything)
    {
        Answer a;
        if (m_fd < 0 && !connectSocket())
            return a;
        const QByteArray req = "GET " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n";
        if (::send(m_fd, req.constData(), size_t(req.size()), MSG_NOSIGNAL) != req.size()) {
            closeSocket();
            return a;
        }
        QByteArray buf;
        qsizetype headEnd = -1;
        qsizetype length = -1;
        while (true) {
            if (headEnd < 0) {
                headEnd = buf.indexOf("\r\n\r\n");
                if (headEnd >= 0) {
                    const QByteArray head = buf.left(headEnd).toLower();
                    const qsizetype cl = head.indexOf("content-length:");
                    length = cl >= 0 ? head.mid(cl + 15, head.indexOf('\r', cl) - cl - 15).trimmed().toLongLong() : 0;
                }
            }
            if (headEnd >= 0 && buf.size() >= headEnd + 4 + length)
                break;
            pollfd p{m_fd, POLLIN, 0};
            if (::poll(&p, 1, timeoutMs) <= 0) {
                closeSocket();
                return a;
            }
            char chunk[4096];
            const ssize_t n = ::recv(m_fd, chunk, sizeof chunk, 0);
            if (n <= 0) {
                closeSocket();
                return a;
            }
            buf.append(chunk, n);
            *answeredAnything = true;
        }
        const QByteArray head = buf.left(headEnd);
        a.status = head.mid(9, 3).toInt();
        const qsizetype h = head.toLower().indexOf("x-turno-node:");
        if (h >= 0)
            a.node = head.mid(h + 13, head.indexOf('\r', h) - h - 13).trimmed();
        a.body = buf.mid(headEnd + 4, length);
        const qsizetype t = a.body.indexOf("\"turno\":");
        if (t >= 0)
            a.turno = a.body.mid(t + 8).split('}').first().toLongLong();
        ++m_served;
        if (head.toLower().contains("connection: close"))
            closeSocket();
        return a;
    }

    bool connectSocket()
    {
        m_fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        sockaddr_in addr{};
        addr.sin_family = AF_INET;
        addr.sin_port = htons(m_port);
        addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        if (::connect(m_fd, reinterpret_cast<sockaddr *>(&addr), sizeof addr) != 0) {
            closeSocket();
            return false;
        }
        int one = 1;
        ::setsockopt(m_fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
        return true;
    }
    void closeSocket()
    {
        if (m_fd >= 0)
            ::close(m_fd);
        m_fd = -1;
        m_served = 0;
    }
    quint16 m_port;
    int m_fd = -1;
    int m_served = 0;   // answers received on the current connection
    int m_retries = 0;
};

// Requests from several threads until `count` are done or stop is set.
class Load {
public:
    Load(quint16 port, int threads, qint64 count, QByteArray idPrefix)
    {
        for (int t = 0; t < threads; ++t) {
            m_threads.emplace_back([this, port, count, idPrefix] {
                HttpClient c(port);
                while (!m_stop.load()) {
                    const qint64 n = m_issued.fetch_add(1);
                    if (count > 0 && n >= count)
                        break;
                    const Answer a = c.get("/turno/" + idPrefix);
                    std::lock_guard<std::mutex> lock(m_mutex);
                    m_answers.push_back(a);
                }
                m_retries.fetch_add(c.retries());
                m_running.fetch_sub(1);
            });
            m_running.fetch_add(1);
        }
    }
    ~Load() { stop(); }
    bool finished() const { return m_running.load() == 0; }
    void stop()
    {
        m_stop.store(true);
        for (std::thread &t : m_threads)
            if (t.joinable())
                t.join();
    }
    std::vector<Answer> answers()
    {
        std::lock_guard<std::mutex> lock(m_mutex);
        return m_answers;
    }
    // Requests resent because their kept-alive connection had been closed (see HttpClient::get).
    int retries() const { return m_retries.load(); }
    qint64 answered()
    {
        std::lock_guard<std::mutex> lock(m_mutex);
        return qint64(m_answers.size());
    }

private:
    std::vector<std::thread> m_threads;
    std::atomic<bool> m_stop{false};
    std::atomic<qint64> m_issued{0};
    std::atomic<int> m_running{0};
    std::atomic<int> m_retries{0};
    std::mutex m_mutex;
    std::vector<Answer> m_answers;
};

// One turnoctl run as an operator makes it: exit code, output, wall time.
struct TurnoctlRun {
    int code = -1;
    QByteArray out, err;
    qint64 ms = 0;
};

inline TurnoctlRun turnoctl(const QStringList &args, int timeoutMs = 90000)
{
    QProcess p;
    QElapsedTimer t;
    t.start();
    p.start(QString::fromLocal8Bit(qgetenv("TURNOCTL_BIN")), args);
    TurnoctlRun r;
    if (!p.waitForFinished(timeoutMs)) {
        p.kill();
        p.waitForFinished();
        r.err = "timed out";
        return r;
    }
    r.ms = t.elapsed();
    r.code = p.exitStatus() == QProcess::NormalExit ? p.exitCode() : -1;
    r.out = p.readAllStandardOutput();
    r.err = p.readAllStandardError();
    return r;
}

// Alive and not a zombie waiting to be reaped.
inline bool pidAlive(qint64 pid)
{
    if (pid <= 0 || ::kill(pid_t(pid), 0) != 0)
        return false;
    QFile stat(QStringLiteral("/proc/%1/stat").arg(pid));
    if (!stat.open(QIODevice::ReadOnly))
        return false;
    const QByteArray line = stat.readAll();
    const qsizetype close = line.lastIndexOf(')');
    return close < 0 || line.mid(close + 2, 1) != "Z";
}

inline bool portListening(quint16 port)
{
    const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(port);
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    const bool ok = ::connect(fd, reinterpret_cast<sockaddr *>(&addr), sizeof addr) == 0;
    ::close(fd);
    return ok;
}

// The shipped default profile, on free ports, running the turno-server of this build.
inline turno::Result<turno::ClusterProfile> defaultTestProfile()
{
    auto r = turno::ProfileLoader::loadFile(qEnvironmentVariable("TURNO_SOURCE_DIR") +
                                            QStringLiteral("/resources/profiles/default.json"));
    if (!r.ok())
        return r;
    turno::ClusterProfile p = r.value();
    p.balancerListen.port = 0;
    p.serverBinary = qEnvironmentVariable("TURNO_SERVER_BIN");
    return p;
}

}  // namespace fleettest
