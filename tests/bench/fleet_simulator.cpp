// fleet_simulator: N turno-server look-alikes in one process, for the scale
// benchmark. Each node listens on its own free loopback port and answers
// /metrics with turno-server's families, label sets and HELP texts (a Redis-store
// node under steady load), and /readyz and /healthz as turno-server does, so a
// real Prometheus and the console's direct attach see 200 distinct nodes.
// Counters advance with time, not with scrapes: per node a request rate that
// drifts slowly (150..500 req/s, +-30 %), a few 503s, a log-normal latency
// whose median drifts, CPU seconds growing with the load, an RSS that wanders;
// so every rate and quantile the console or Prometheus computes is non-zero.
// One thread, one epoll; a scrape costs a few microseconds of formatting.
//   fleet_simulator [--nodes 200] [--ports-file FILE]
// Prints one port per line to --ports-file (written whole, then renamed) or
// stdout, then serves until SIGTERM or SIGINT.
#include "server_metrics.h"

#include <algorithm>
#include <arpa/inet.h>
#include <cctype>
#include <cerrno>
#include <cmath>
#include <csignal>
#include <cstdarg>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <memory>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <string>
#include <string_view>
#include <sys/epoll.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <unistd.h>
#include <vector>

namespace {

using turno::server::kDurationBuckets;

volatile std::sig_atomic_t g_stop = 0;

double monotonicSeconds()
{
    timespec ts{};
    ::clock_gettime(CLOCK_MONOTONIC, &ts);
    return double(ts.tv_sec) + double(ts.tv_nsec) * 1e-9;
}

double wallSeconds()
{
    timespec ts{};
    ::clock_gettime(CLOCK_REALTIME, &ts);
    return double(ts.tv_sec) + double(ts.tv_nsec) * 1e-9;
}

// A deterministic 0..1 per node and purpose: the fleet looks the same run after run.
double unit(unsigned node, unsigned salt)
{
    uint64_t x = (uint64_t(node) + 1) * 0x9E3779B97F4A7C15ull ^ (uint64_t(salt) * 0xBF58476D1CE4E5B9ull);
    x ^= x >> 31;
    x *= 0x94D049BB133111EBull;
    x ^= x >> 29;
    return double(x >> 11) / double(1ull << 53);
}

double normalCdf(double z)
{
    return 0.5 * std::erfc(-z / std::sqrt(2.0));
}

// One simulated turno-server: its load model and the counters it has exposed so far.
struct Node {
    unsigned index = 0;
    uint16_t port = 0;
    int listenFd = -1;
    std::string address;  // 127.0.0.1:PORT, as turno_build_info's node label
    double baseRps = 0, medianS = 0, sigma = 0, phase = 0;
    double baseRss = 0, startTime = 0;
    double last = 0;  // monotonic seconds of the last advance
    // Doubles so that fractions of a request carry over; exposed floored.
    double ok = 0, failed = 0, latencySum = 0, redisSum = 0, cpuSeconds = 0;
    double buckets[kDurationBuckets.size() + 1] = {};       // cumulative, le order, +Inf last
    double redisBuckets[kDurationBuckets.size() + 1] = {};
    uint64_t metricsServed = 0, readyzServed = 0, healthzServed = 0;
    int openConnections = 0;

    double rateAt(double t) const
    {
        return baseRps * (1.0 + 0.25 * std::sin(2 * M_PI * t / 300.0 + phase) + 0.05 * std::sin(2 * M_PI * t / 7.0 + 3 * phase));
    }

    // Adds the requests of [last, now] at the rate and latency of now.
    void advance(double now)
    {
        const double dt = now - last;
        last = now;
        if (dt <= 0)
            return;
        const double requests = rateAt(now) * dt;
        const double median = medianS * (1.0 + 0.3 * std::sin(2 * M_PI * now / 120.0 + phase));
        const double redisMedian = median * 0.6;
        for (size_t b = 0; b < kDurationBuckets.size(); ++b) {
            const double ln = std::log(kDurationBuckets[b]);
            buckets[b] += requests * normalCdf((ln - std::log(median)) / sigma);
            redisBuckets[b] += requests * normalCdf((ln - std::log(redisMedian)) / sigma);
        }
        buckets[kDurationBuckets.size()] += requests;
        redisBuckets[kDurationBuckets.size()] += requests;
        latencySum += requests * median * std::exp(sigma * sigma / 2);
        redisSum += requests * redisMedian * std::exp(sigma * sigma / 2);
        // 503s at 0.4/s plus 0.05 % of the load: every 3 s a rate over four 1 s scrapes spans
        // holds one, and no 1 s scrape interval holds two, so no node reaches NodeErrorRatio's
        // 1 % even between two scrapes (at its slowest, 105 req/s, 0.95 %).
        const double errors = std::min(requests, dt * 0.4 + requests * 0.0005);
        ok += requests - errors;
        failed += errors;
        // 2 % of a core idle, 40 µs of CPU per request.
        cpuSeconds += dt * 0.02 + requests * 40e-6;
    }

    double rss(double now) const { return std::floor(baseRss * (1.0 + 0.04 * std::sin(2 * M_PI * now / 600.0 + phase))); }
};

Node makeNode(unsigned i, double now, double wall)
{
    Node n;
    n.index = i;
    n.baseRps = 150 + 350 * unit(i, 1);
    n.medianS = 80e-6 + 520e-6 * unit(i, 3);
    n.sigma = 0.6 + 0.4 * unit(i, 4);
    n.phase = 2 * M_PI * unit(i, 5);
    n.baseRss = 5.5e6 + 3e6 * unit(i, 6);
    // Up for 1 h to 3 days already: counters start where such a node's would be.
    const double uptime = 3600 + (3 * 86400 - 3600) * unit(i, 7);
    n.startTime = std::floor((wall - uptime) * 100) / 100;
    n.last = now - uptime;
    n.advance(now);
    return n;
}

void appendf(std::string &out, const char *format, ...) __attribute__((format(printf, 2, 3)));
void appendf(std::string &out, const char *format, ...)
{
    char buf[512];
    va_list args;
    va_start(args, format);
    const int n = std::vsnprintf(buf, sizeof buf, format, args);
    va_end(args);
    if (n > 0)
        out.append(buf, size_t(std::min(n, int(sizeof buf) - 1)));
}

void histogram(std::string &out, const char *name, const char *help, const double *cumulative, double sum)
{
    appendf(out, "# HELP %s %s\n# TYPE %s histogram\n", name, help, name);
    const uint64_t count = uint64_t(cumulative[kDurationBuckets.size()]);
    appendf(out, "%s_count %llu\n%s_sum %.9g\n", name, static_cast<unsigned long long>(count), name, sum);
    for (size_t b = 0; b < kDurationBuckets.size(); ++b)
        appendf(out, "%s_bucket{le=\"%g\"} %llu\n", name, kDurationBuckets[b],
                static_cast<unsigned long long>(std::min<uint64_t>(count, uint64_t(cumulative[b]))));
    appendf(out, "%s_bucket{le=\"+Inf\"} %llu\n", name, static_cast<unsigned long long>(count));
}

// The body turno-server's ServerMetrics::render() would give for this node now.
std::string metricsBody(Node &n, double now)
{
    n.advance(now);
    std::string out;
    out.reserve(6144);
    using ull = unsigned long long;
    out += "# HELP turno_http_requests_total HTTP requests answered, by handler (turno, metrics, healthz, readyz, debug, "
           "other), status code and method.\n# TYPE turno_http_requests_total counter\n";
    appendf(out, "turno_http_requests_total{code=\"200\",handler=\"turno\",method=\"GET\"} %llu\n", ull(n.ok));
    appendf(out, "turno_http_requests_total{code=\"503\",handler=\"turno\",method=\"GET\"} %llu\n", ull(n.failed));
    appendf(out, "turno_http_requests_total{code=\"200\",handler=\"metrics\",method=\"GET\"} %llu\n", ull(n.metricsServed));
    if (n.readyzServed)
        appendf(out, "turno_http_requests_total{code=\"200\",handler=\"readyz\",method=\"GET\"} %llu\n", ull(n.readyzServed));
    if (n.healthzServed)
        appendf(out, "turno_http_requests_total{code=\"200\",handler=\"healthz\",method=\"GET\"} %llu\n", ull(n.healthzServed));
    appendf(out, "# HELP turno_numbers_issued_total Numbers handed out in a 200 response.\n"
                 "# TYPE turno_numbers_issued_total counter\nturno_numbers_issued_total %llu\n", ull(n.ok));
    // A few in ten thousand: clients gone before their answer.
    appendf(out, "# HELP turno_numbers_burned_total Numbers taken from a counter but never handed out (client gone, "
                 "WAIT timeout, link lost after sending); never reissued.\n"
                 "# TYPE turno_numbers_burned_total counter\nturno_numbers_burned_total %llu\n", ull(n.ok * 2e-4));
    out += "# HELP turno_store_errors_total Store failures by kind; each answered 503.\n# TYPE turno_store_errors_total counter\n";
    appendf(out, "turno_store_errors_total{kind=\"rollback\"} 0\nturno_store_errors_total{kind=\"reply_error\"} 0\n"
                 "turno_store_errors_total{kind=\"noreplicas\"} 0\nturno_store_errors_total{kind=\"wait_timeout\"} 0\n"
                 "turno_store_errors_total{kind=\"readonly\"} 0\nturno_store_errors_total{kind=\"timeout\"} %llu\n"
                 "turno_store_errors_total{kind=\"unavailable\"} %llu\n",
            ull(n.failed * 0.25), ull(n.failed) - ull(n.failed * 0.25));
    out += "# HELP turno_http_connections_rejected_total Connections refused with 503 because --max-connections was "
           "reached.\n# TYPE turno_http_connections_rejected_total counter\nturno_http_connections_rejected_total 0\n";
    appendf(out, "# HELP process_cpu_seconds_total Total user and system CPU time spent in seconds.\n"
                 "# TYPE process_cpu_seconds_total counter\nprocess_cpu_seconds_total %.2f\n", n.cpuSeconds);
    appendf(out, "# HELP turno_http_requests_in_flight Requests received and not yet answered.\n"
                 "# TYPE turno_http_requests_in_flight gauge\nturno_http_requests_in_flight %d\n",
            int(n.rateAt(now) * n.medianS + 0.5));
    appendf(out, "# HELP turno_http_connections_open Client connections currently open.\n"
                 "# TYPE turno_http_connections_open gauge\nturno_http_connections_open %d\n", 16 + n.openConnections);
    out += "# HELP turno_redis_links_up Redis connections currently established (0 with the memory store).\n"
           "# TYPE turno_redis_links_up gauge\nturno_redis_links_up 1\n";
    appendf(out, "# HELP turno_build_info Build and configuration of this turno-server; value is always 1.\n"
                 "# TYPE turno_build_info gauge\n"
                 "turno_build_info{durability=\"async\",node=\"%s\",store=\"redis\",version=\"0.1.0\"} 1\n", n.address.c_str());
    appendf(out, "# HELP process_resident_memory_bytes Resident memory size in bytes.\n"
                 "# TYPE process_resident_memory_bytes gauge\nprocess_resident_memory_bytes %.0f\n", n.rss(now));
    appendf(out, "# HELP process_virtual_memory_bytes Virtual memory size in bytes.\n"
                 "# TYPE process_virtual_memory_bytes gauge\nprocess_virtual_memory_bytes %.0f\n", 84385792.0 + n.baseRss);
    appendf(out, "# HELP process_open_fds Number of open file descriptors.\n"
                 "# TYPE process_open_fds gauge\nprocess_open_fds %d\n", 26 + n.openConnections);
    out += "# HELP process_max_fds Maximum number of open file descriptors.\n# TYPE process_max_fds gauge\nprocess_max_fds 20000\n";
    appendf(out, "# HELP process_start_time_seconds Start time of the process since unix epoch in seconds.\n"
                 "# TYPE process_start_time_seconds gauge\nprocess_start_time_seconds %.2f\n", n.startTime);
    histogram(out, "turno_http_request_duration_seconds",
              "GET /turno/ID requests: time from a complete request head to its response being queued for writing.",
              n.buckets, n.latencySum);
    histogram(out, "turno_redis_roundtrip_seconds", "Round trip of a counter increment to Redis (EVALSHA sent to reply received).",
              n.redisBuckets, n.redisSum);
    return out;
}

struct Connection {
    int fd = -1;
    Node *node = nullptr;
    std::string in, out;
    size_t sent = 0;
    bool closeAfter = false;
    bool watchingOut = false;  // EPOLLOUT asked for: an answer did not fit the socket
};

// What an epoll event is about: a node's listening socket or one connection.
struct Watch {
    Node *listening = nullptr;
    Connection *connection = nullptr;
};

bool hasToken(std::string_view head, std::string_view header, std::string_view token)
{
    auto lower = [](std::string_view s) {
        std::string r(s);
        for (char &c : r)
            c = char(std::tolower(static_cast<unsigned char>(c)));
        return r;
    };
    const std::string h = lower(head);
    const size_t at = h.find("\r\n" + std::string(header) + ":");
    if (at == std::string::npos)
        return false;
    const size_t end = h.find("\r\n", at + 2);
    return h.substr(at, end - at).find(token) != std::string::npos;
}

// Answers every complete request in c.in; false when the connection is to be closed now.
bool serve(Connection &c)
{
    size_t end;
    while ((end = c.in.find("\r\n\r\n")) != std::string::npos) {
        const std::string_view head(c.in.data(), end + 2);
        const size_t sp1 = head.find(' '), sp2 = head.find(' ', sp1 + 1);
        if (sp1 == std::string_view::npos || sp2 == std::string_view::npos)
            return false;
        const std::string_view method = head.substr(0, sp1), path = head.substr(sp1 + 1, sp2 - sp1 - 1);
        const bool http10 = head.substr(sp2 + 1, 8) == "HTTP/1.0";
        c.closeAfter = http10 ? !hasToken(head, "connection", "keep-alive") : hasToken(head, "connection", "close");
        const char *connectionHeader = c.closeAfter ? "Connection: close\r\n" : "";
        std::string body;
        const char *type = "application/json";
        int status = 200;
        if (method != "GET" && method != "HEAD") {
            status = 405;
            body = "{\"error\":\"method not allowed; use GET\"}";
        } else if (path == "/metrics") {
            ++c.node->metricsServed;
            body = metricsBody(*c.node, monotonicSeconds());
            type = "text/plain; version=0.0.4; charset=utf-8";
        } else if (path == "/readyz") {
            ++c.node->readyzServed;
            body = "{\"status\":\"ready\"}";
        } else if (path == "/healthz") {
            ++c.node->healthzServed;
            body = "{\"status\":\"ok\"}";
        } else {
            status = 404;
            body = "{\"error\":\"not found\"}";
        }
        char head_out[256];
        const char *reason = status == 200 ? "OK" : status == 404 ? "Not Found" : "Method Not Allowed";
        const int n = std::snprintf(head_out, sizeof head_out,
                                    "HTTP/1.1 %d %s\r\nServer: turno\r\nContent-Type: %s\r\nContent-Length: %zu\r\n%s\r\n",
                                    status, reason, type, body.size(), connectionHeader);
        c.out.append(head_out, size_t(n));
        if (method != "HEAD")
            c.out += body;
        c.in.erase(0, end + 4);
        if (c.closeAfter)
            break;
    }
    return c.in.size() < 64 * 1024;
}

// Writes what is pending; false on a write error.
bool flush(Connection &c)
{
    while (c.sent < c.out.size()) {
        const ssize_t w = ::send(c.fd, c.out.data() + c.sent, c.out.size() - c.sent, MSG_NOSIGNAL);
        if (w < 0)
            return errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR;
        c.sent += size_t(w);
    }
    c.out.clear();
    c.sent = 0;
    return true;
}

int listenLoopback(uint16_t &port)
{
    const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return -1;
    const int one = 1;
    ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    a.sin_port = 0;
    socklen_t len = sizeof a;
    if (::bind(fd, reinterpret_cast<sockaddr *>(&a), sizeof a) != 0 || ::listen(fd, 128) != 0 ||
        ::getsockname(fd, reinterpret_cast<sockaddr *>(&a), &len) != 0) {
        ::close(fd);
        return -1;
    }
    port = ntohs(a.sin_port);
    return fd;
}

}  // namespace

int main(int argc, char **argv)
{
    int nodes = 200;
    std::string portsFile;
    for (int i = 1; i < argc; ++i) {
        const std::string_view a(argv[i]);
        if (a == "--nodes" && i + 1 < argc) {
            nodes = std::atoi(argv[++i]);
        } else if (a == "--ports-file" && i + 1 < argc) {
            portsFile = argv[++i];
        } else {
            std::fprintf(stderr, "usage: fleet_simulator [--nodes N (default 200)] [--ports-file FILE]\n");
            return 2;
        }
    }
    if (nodes < 1 || nodes > 5000) {
        std::fprintf(stderr, "fleet_simulator: --nodes takes 1..5000, got %d\n", nodes);
        return 2;
    }
    // Started by a benchmark script: gone with it, never an orphan holding 200 ports.
    ::prctl(PR_SET_PDEATHSIG, SIGTERM);
    std::signal(SIGTERM, [](int) { g_stop = 1; });
    std::signal(SIGINT, [](int) { g_stop = 1; });
    std::signal(SIGPIPE, SIG_IGN);

    const int ep = ::epoll_create1(EPOLL_CLOEXEC);
    const double now = monotonicSeconds(), wall = wallSeconds();
    std::vector<std::unique_ptr<Node>> fleet;
    std::vector<std::unique_ptr<Watch>> listenWatches;
    std::string ports;
    for (int i = 0; i < nodes; ++i) {
        auto n = std::make_unique<Node>(makeNode(unsigned(i), now, wall));
        n->listenFd = listenLoopback(n->port);
        if (n->listenFd < 0) {
            std::fprintf(stderr, "fleet_simulator: cannot listen on a loopback port for node %d: %s\n", i + 1, std::strerror(errno));
            return 1;
        }
        n->address = "127.0.0.1:" + std::to_string(n->port);
        auto w = std::make_unique<Watch>();
        w->listening = n.get();
        epoll_event ev{};
        ev.events = EPOLLIN;
        ev.data.ptr = w.get();
        ::epoll_ctl(ep, EPOLL_CTL_ADD, n->listenFd, &ev);
        ports += std::to_string(n->port) + "\n";
        listenWatches.push_back(std::move(w));
        fleet.push_back(std::move(n));
    }
    if (portsFile.empty()) {
        std::fputs(ports.c_str(), stdout);
        std::fflush(stdout);
    } else {
        const std::string tmp = portsFile + ".tmp";
        FILE *f = std::fopen(tmp.c_str(), "w");
        if (!f || std::fputs(ports.c_str(), f) < 0 || std::fclose(f) != 0 || std::rename(tmp.c_str(), portsFile.c_str()) != 0) {
            std::fprintf(stderr, "fleet_simulator: cannot write %s: %s\n", portsFile.c_str(), std::strerror(errno));
            return 1;
        }
    }

    auto closeConnection = [ep](Watch *w) {
        Connection *c = w->connection;
        ::epoll_ctl(ep, EPOLL_CTL_DEL, c->fd, nullptr);
        ::close(c->fd);
        --c->node->openConnections;
        delete c;
        delete w;
    };
    epoll_event events[256];
    char buf[16384];
    while (!g_stop) {
        const int ready = ::epoll_wait(ep, events, 256, 500);
        for (int e = 0; e < ready; ++e) {
            auto *w = static_cast<Watch *>(events[e].data.ptr);
            if (w->listening) {
                for (;;) {
                    const int fd = ::accept4(w->listening->listenFd, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
                    if (fd < 0)
                        break;
                    const int one = 1;
                    ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
                    auto *cw = new Watch;
                    cw->connection = new Connection;
                    cw->connection->fd = fd;
                    cw->connection->node = w->listening;
                    ++w->listening->openConnections;
                    epoll_event ev{};
                    ev.events = EPOLLIN | EPOLLRDHUP;
                    ev.data.ptr = cw;
                    ::epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev);
                }
                continue;
            }
            Connection &c = *w->connection;
            bool keep = true;
            if (events[e].events & EPOLLIN) {
                for (;;) {
                    const ssize_t r = ::recv(c.fd, buf, sizeof buf, 0);
                    if (r > 0) {
                        c.in.append(buf, size_t(r));
                        continue;
                    }
                    if (r == 0 || (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR))
                        keep = false;
                    break;
                }
                if (!c.in.empty() && !c.closeAfter)
                    keep = serve(c) && keep;
            }
            if (!flush(c))
                keep = false;
            const bool pending = !c.out.empty();
            if (!pending && c.closeAfter)
                keep = false;
            if ((events[e].events & (EPOLLHUP | EPOLLERR)) && !pending)
                keep = false;
            if (!keep) {
                closeConnection(w);
                continue;
            }
            if (pending != c.watchingOut) {
                c.watchingOut = pending;
                epoll_event ev{};
                ev.events = EPOLLIN | EPOLLRDHUP | (pending ? EPOLLOUT : 0u);
                ev.data.ptr = w;
                ::epoll_ctl(ep, EPOLL_CTL_MOD, c.fd, &ev);
            }
        }
    }
    return 0;
}
