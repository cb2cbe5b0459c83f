#include "worker.h"

#include "id_validator.h"
#include "log.h"
#include "turno_version.h"

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <liburing.h>
#include <poll.h>
#include <sys/mman.h>
#include <cstring>
#include <ctime>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <arpa/inet.h>
#include <netdb.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <thread>
#include <unistd.h>

namespace turno::server {

namespace {

constexpr uint64_t kTagConn = 0;
constexpr uint64_t kTagListen = 1;
constexpr uint64_t kTagWake = 2;
constexpr uint64_t kTagRedis = 3;
constexpr size_t kReadChunk = 65536;
constexpr size_t kMaxPendingOutput = 1 << 20;
constexpr uint64_t kSweepNs = 100'000'000;
constexpr uint64_t kLingerNs = 2'000'000'000ULL;
// Ending or accepting a socket costs microseconds to tens of them: thousands in
// one go (a flood, or its shedding) would stall every other client of the loop
// for milliseconds, so they are taken in slices with the loop's events between.
constexpr size_t kShedBatch = 16;
constexpr int kAcceptBatch = 32;

uint64_t monoNs()
{
    timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return uint64_t(ts.tv_sec) * 1000000000ULL + uint64_t(ts.tv_nsec);
}

uint64_t tag(uint64_t kind, uint64_t value)
{
    return (kind << 32) | value;
}

const char *reasonPhrase(int status)
{
    switch (status) {
    case 200: return "OK";
    case 400: return "Bad Request";
    case 401: return "Unauthorized";
    case 404: return "Not Found";
    case 405: return "Method Not Allowed";
    case 408: return "Request Timeout";
    case 409: return "Conflict";
    case 413: return "Content Too Large";
    case 414: return "URI Too Long";
    case 431: return "Request Header Fields Too Large";
    case 500: return "Internal Server Error";
    case 501: return "Not Implemented";
    case 503: return "Service Unavailable";
    case 505: return "HTTP Version Not Supported";
    default: return "Unknown";
    }
}

void appendJsonString(std::string &o, std::string_view s)
{
    static const char hex[] = "0123456789abcdef";
    o += '"';
    for (unsigned char c : s) {
        if (c == '"' || c == '\\') {
            o += '\\';
            o += char(c);
        } else if (c < 0x20 || c >= 0x7f) {
            // Non-ASCII is escaped byte-wise so the body stays valid UTF-8 JSON
            // whatever bytes a client sent.
            o += "\\u00";
            o += hex[c >> 4];
            o += hex[c & 15];
        } else {
            o += char(c);
        }
    }
    o += '"';
}

void appendNumber(std::string &o, uint64_t v)
{
    char buf[24];
    auto [p, ec] = std::to_chars(buf, buf + sizeof buf, v);
    (void)ec;
    o.append(buf, size_t(p - buf));
}

const char kExhaustedMessage[] = "counter exhausted: the next number would pass 9007199254740991 (2^53-1)";

const char kCanned503[] =
    "HTTP/1.1 503 Service Unavailable\r\nServer: turno\r\nContent-Type: application/json\r\nContent-Length: 58\r\n"
    "Retry-After: 1\r\nConnection: close\r\n\r\n"
    "{\"error\":\"too many connections\",\"limit\":\"max-connections\"}";

}  // namespace

Worker::Worker(int index, SharedState &shared, WorkerStats &stats)
    : m_index(index), m_shared(shared), m_stats(stats)
{
    m_epoll = epoll_create1(EPOLL_CLOEXEC);
    m_wakeFd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    epoll_event ev{};
    ev.events = EPOLLIN;
    ev.data.u64 = tag(kTagWake, 0);
    epoll_ctl(m_epoll, EPOLL_CTL_ADD, m_wakeFd, &ev);
    m_readBuffer.resize(kReadChunk);
    m_logPrefix = "[" + shared.options.nodeName + " loop " + std::to_string(index) + "]";
    if (shared.options.store == StoreKind::Redis) {
        for (int i = 0; i < shared.options.redisConnectionsPerThread; ++i)
            m_links.push_back(std::make_unique<RedisLink>(m_epoll, tag(kTagRedis, uint64_t(i)), shared, stats, *this,
                                                          m_logPrefix.c_str()));
    }
    refreshDate();
}

Worker::~Worker()
{
    m_links.clear();
    for (auto &c : m_conns)
        if (c && c->open)
            ::close(c->fd);
    if (m_listen >= 0)
        ::close(m_listen);
    ::close(m_wakeFd);
    ::close(m_epoll);
}

bool Worker::listen(std::string &why)
{
    const HostPort &hp = m_shared.options.listen;
    addrinfo hints{};
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = AI_NUMERICSERV | AI_PASSIVE;
    addrinfo *res = nullptr;
    const std::string port = std::to_string(hp.port);
    const int gai = getaddrinfo(hp.host.c_str(), port.c_str(), &hints, &res);
    if (gai != 0) {
        why = "cannot resolve listen address " + hp.host + ": " + gai_strerror(gai);
        return false;
    }
    int fd = ::socket(res->ai_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    const int one = 1;
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof one);
    if (::bind(fd, res->ai_addr, res->ai_addrlen) != 0) {
        why = "cannot listen on " + hp.host + ":" + port + ": " + std::strerror(errno) +
              (errno == EADDRINUSE ? " (another process holds the port; pick another with --listen)" : "");
        ::close(fd);
        freeaddrinfo(res);
        return false;
    }
    freeaddrinfo(res);
    if (::listen(fd, 4096) != 0) {
        why = std::string("listen() failed: ") + std::strerror(errno);
        ::close(fd);
        return false;
    }
    m_listen = fd;
    epoll_event ev{};
    ev.events = EPOLLIN;
    ev.data.u64 = tag(kTagListen, 0);
    epoll_ctl(m_epoll, EPOLL_CTL_ADD, m_listen, &ev);
    return true;
}

void Worker::wake()
{
    const uint64_t one = 1;
    ssize_t n = ::write(m_wakeFd, &one, sizeof one);
    (void)n;
}

void Worker::refreshDate()
{
    const time_t now = time(nullptr);
    if (now == m_dateSecond)
        return;
    m_dateSecond = now;
    tm t;
    gmtime_r(&now, &t);
    m_dateLen = strftime(m_date, sizeof m_date, "%a, %d %b %Y %H:%M:%S GMT", &t);
}

bool Worker::ready() const
{
    if (m_shared.draining.load(std::memory_order_relaxed))
        return false;
    if (m_shared.options.store == StoreKind::Memory)
        return true;
    const uint64_t now = monoNs();
    for (const auto &l : m_links)
        if (l->readyOrRecovering(now))
            return true;
    return false;
}

void Worker::handleEpollEvents(int timeoutMs)
{
    epoll_event events[256];
    const int n = epoll_wait(m_epoll, events, 256, timeoutMs);
    m_epollMaybeReady = n == 256;
    for (int i = 0; i < n; ++i) {
        const uint64_t t = events[i].data.u64 >> 32;
        const uint32_t v = uint32_t(events[i].data.u64);
        if (t == kTagConn) {
            Conn *c = m_conns[v].get();
            if (!c->open)
                continue;
            if (events[i].events & (EPOLLIN | EPOLLHUP | EPOLLERR))
                onReadable(*c);
            if (c->open && (events[i].events & EPOLLOUT))
                onWritable(*c);
        } else if (t == kTagListen) {
            acceptAll();
        } else if (t == kTagWake) {
            uint64_t drainCount;
            ssize_t r = ::read(m_wakeFd, &drainCount, sizeof drainCount);
            (void)r;
        } else if (t == kTagRedis) {
            m_links[v]->onEpoll(events[i].events);
        }
    }
}

void Worker::run()
{
    if (m_shared.options.io == IoBackend::Uring && !setupUring()) {
        m_uring.reset();
        if (m_index == 0)
            logLine("%s io_uring is not available here; using epoll", m_logPrefix.c_str());
    }
    uint64_t lastSweep = monoNs();
    for (auto &l : m_links)
        l->tick(lastSweep);  // connect to Redis now, not at the first sweep
    for (;;) {
        if (m_uring) {
            bool epollReady = false;
            runUringIteration(epollReady, m_epollMaybeReady || m_shedNext < m_shedQueue.size());
            // The epoll set (listener, wake-up, Redis) is polled through the
            // ring; a level-triggered source left ready gets one more look.
            if (epollReady || m_epollMaybeReady)
                handleEpollEvents(0);
        } else {
            handleEpollEvents(m_shedNext < m_shedQueue.size() ? 0 : 100);
        }
        if (m_shedNext < m_shedQueue.size())
            shedSome();
        for (auto &l : m_links)
            l->afterBatch();
        for (Conn *c : m_dirty) {
            c->dirty = false;
            if (c->open)
                flush(*c);
        }
        m_dirty.clear();
        refreshDate();

        const uint64_t now = monoNs();
        const bool draining = m_shared.draining.load(std::memory_order_relaxed);
        if (draining && !m_drainSeen) {
            m_drainSeen = true;
            if (m_listen >= 0) {
                epoll_ctl(m_epoll, EPOLL_CTL_DEL, m_listen, nullptr);
                ::close(m_listen);
                m_listen = -1;
            }
            lastSweep = 0;
        }
        if (now - lastSweep >= kSweepNs) {
            if (m_uring)
                handleEpollEvents(0);
            // Taken after the accepts above, so no connection is younger than now.
            const uint64_t sweepNow = monoNs();
            lastSweep = sweepNow;
            sweep(sweepNow);
            for (auto &l : m_links)
                l->tick(sweepNow);
        }
        if (m_shared.hardStop.load(std::memory_order_relaxed))
            break;
        if (draining && m_open == 0) {
            bool busy = false;
            for (auto &l : m_links)
                busy = busy || l->outstanding() > 0;
            if (!busy)
                break;
        }
    }
    for (auto &c : m_conns)
        if (c && c->open)
            closeConn(*c);
    for (auto &l : m_links)
        l->shutdown();
}

void Worker::acceptAll()
{
    // A flood of connects is taken a slice per loop pass, with the requests of
    // the connections already open served in between.
    for (int i = 0; i < kAcceptBatch; ++i) {
        if (i + 1 == kAcceptBatch)
            m_epollMaybeReady = true;  // the listener may still be readable: look again soon
        const int fd = ::accept4(m_listen, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
        if (fd < 0) {
            if (errno == EMFILE || errno == ENFILE) {
                // Out of descriptors: stop accepting briefly instead of spinning
                // on a listen socket that stays readable.
                logLine("%s out of file descriptors (%s); pausing accept for 100 ms", m_logPrefix.c_str(),
                        std::strerror(errno));
                epoll_ctl(m_epoll, EPOLL_CTL_DEL, m_listen, nullptr);
                m_listenPaused = true;
                m_listenPausedUntilNs = monoNs() + 100'000'000;
            }
            return;
        }
        if (m_shared.connections.load(std::memory_order_relaxed) >= m_shared.options.maxConnections) {
            ssize_t w = ::send(fd, kCanned503, sizeof kCanned503 - 1, MSG_NOSIGNAL | MSG_DONTWAIT);
            (void)w;
            ::close(fd);
            WorkerStats::add(m_stats.connectionsRejected);
            m_stats.countRequest(Handler::Other, 503, 2, 0);
            continue;
        }
        const int one = 1;
        setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
        if (size_t(fd) >= m_conns.size())
            m_conns.resize(size_t(fd) + 64);
        if (!m_conns[size_t(fd)])
            m_conns[size_t(fd)] = std::make_unique<Conn>();
        Conn &c = *m_conns[size_t(fd)];
        const uint32_t gen = c.gen;
        c = Conn();
        c.gen = gen;
        c.fd = fd;
        c.open = true;
        c.acceptedNs = c.lastActivityNs = monoNs();
        if (m_uring) {
            armRecv(c);
        } else {
            epoll_event ev{};
            ev.events = EPOLLIN;
            ev.data.u64 = tag(kTagConn, uint64_t(fd));
            epoll_ctl(m_epoll, EPOLL_CTL_ADD, fd, &ev);
            c.epollMask = EPOLLIN;
        }
        ++m_open;
        m_shared.connections.fetch_add(1, std::memory_order_relaxed);
        m_stats.openConnections.fetch_add(1, std::memory_order_relaxed);
    }
}

void Worker::onReadable(Conn &c)
{
    if (c.lingering) {
        ssize_t n = ::recv(c.fd, m_readBuffer.data(), kReadChunk, 0);
        if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR))
            closeConn(c);
        return;
    }
    if (c.in.empty()) {
        const ssize_t n = ::recv(c.fd, m_readBuffer.data(), kReadChunk, 0);
        if (n > 0) {
            process(c, m_readBuffer.data(), size_t(n), false);
            return;
        }
        if (n < 0 && (errno == EAGAIN || errno == EINTR))
            return;
        if (n < 0) {
            closeConn(c);
            return;
        }
    } else {
        const size_t old = c.in.size();
        c.in.resize(old + kReadChunk);
        const ssize_t n = ::recv(c.fd, c.in.data() + old, kReadChunk, 0);
        c.in.resize(old + size_t(n > 0 ? n : 0));
        if (n > 0) {
            process(c, c.in.data(), c.in.size(), true);
            return;
        }
        if (n < 0 && (errno == EAGAIN || errno == EINTR))
            return;
        if (n < 0) {
            closeConn(c);
            return;
        }
    }
    onEof(c);
}

void Worker::onEof(Conn &c)
{
    // The client will send nothing more; answer what is queued, then close.
    c.in.clear();
    c.closing = true;
    if (outputIdle(c)) {
        closeConn(c);
        return;
    }
    setMask(c, c.out.size() > c.outOffset ? uint32_t(EPOLLOUT) : 0u);
}

bool Worker::outputIdle(const Conn &c)
{
    return c.slots.empty() && c.out.size() == c.outOffset && !c.sendInFlight;
}

void Worker::process(Conn &c, const char *data, size_t len, bool fromConnBuffer)
{
    const uint64_t now = monoNs();
    size_t off = 0;
    while (off < len && !c.closing) {
        if (c.out.size() - c.outOffset > kMaxPendingOutput)
            break;  // the client is not reading; stop until it drains
        const ParseResult r = parseHttpRequest(data + off, len - off, m_limits);
        if (r.state == ParseState::Incomplete)
            break;
        m_handler = Handler::Other;
        if (r.state == ParseState::Error) {
            // The framing cannot be trusted after a parse error: answer and close.
            respondJsonError(c, r.errorStatus, r.errorReason, false, false, {}, 2, now);
            c.closing = true;
            off = len;
            break;
        }
        const uint64_t start = monoNs();
        ++c.served;
        handle(c, r.request, start);
        off += r.consumed;
        c.headStartNs = 0;
    }
    const size_t rest = len - off;
    if (c.closing) {
        c.in.clear();
    } else if (fromConnBuffer) {
        c.in.erase(0, off);
    } else if (rest > 0) {
        c.in.assign(data + off, rest);
    }
    if (!c.in.empty() && c.headStartNs == 0)
        c.headStartNs = now;
    c.lastActivityNs = now;
    flush(c);
}

std::string &Worker::emitTarget(Conn &c)
{
    if (c.slots.empty())
        return c.out;
    c.slots.push_back(Slot{true, {}});
    return c.slots.back().bytes;
}

void Worker::buildResponse(std::string &o, int status, std::string_view contentType, std::string_view body,
                           bool keepAlive, bool headOnly, std::string_view extraHeaders)
{
    o += "HTTP/1.1 ";
    appendNumber(o, uint64_t(status));
    o += ' ';
    o += reasonPhrase(status);
    o += "\r\nServer: turno\r\nDate: ";
    o.append(m_date, m_dateLen);
    o += "\r\nContent-Type: ";
    o += contentType;
    o += "\r\nContent-Length: ";
    appendNumber(o, body.size());
    o += "\r\n";
    o += extraHeaders;
    if (!keepAlive)
        o += "Connection: close\r\n";
    o += "\r\n";
    if (!headOnly)
        o += body;
}

std::string Worker::jsonError(int status, std::string_view message)
{
    std::string body = "{\"error\":";
    appendJsonString(body, message);
    body += ",\"status\":";
    appendNumber(body, uint64_t(status));
    body += '}';
    return body;
}

void Worker::respond(Conn &c, int status, std::string_view contentType, std::string_view body, bool keepAlive,
                     bool headOnly, std::string_view extraHeaders, int methodIndex, uint64_t startNs)
{
    buildResponse(emitTarget(c), status, contentType, body, keepAlive, headOnly, extraHeaders);
    if (!keepAlive)
        c.closing = true;
    m_stats.countRequest(m_handler, status, methodIndex, monoNs() - startNs);
}

void Worker::respondJsonError(Conn &c, int status, std::string_view message, bool keepAlive, bool headOnly,
                              std::string_view extraHeaders, int methodIndex, uint64_t startNs)
{
    respond(c, status, "application/json", jsonError(status, message), keepAlive, headOnly, extraHeaders, methodIndex,
            startNs);
}

void Worker::handle(Conn &c, const HttpRequest &req, uint64_t startNs)
{
    const int methodIndex = req.method == HttpMethod::Get ? 0 : req.method == HttpMethod::Head ? 1 : 2;
    const bool headOnly = req.method == HttpMethod::Head;
    bool keepAlive = req.keepAlive && !m_shared.draining.load(std::memory_order_relaxed) &&
                     c.served < uint32_t(m_shared.options.maxRequestsPerConnection);
    std::string_view extra = (keepAlive && req.http10) ? std::string_view("Connection: keep-alive\r\n") : std::string_view();

    std::string_view target = req.target;
    if (target.rfind("http://", 0) == 0 || target.rfind("https://", 0) == 0) {
        // absolute-form (RFC 9112 3.2.2): route on its path.
        const size_t slash = target.find('/', target.find("//") + 2);
        target = slash == std::string_view::npos ? std::string_view("/") : target.substr(slash);
    }
    if (target.empty() || target.front() != '/') {
        respondJsonError(c, 400, "request target must be a path starting with /", keepAlive, headOnly, extra,
                         methodIndex, startNs);
        return;
    }
    const size_t q = target.find('?');
    const std::string_view path = target.substr(0, q);
    const std::string_view query = q == std::string_view::npos ? std::string_view() : target.substr(q + 1);
    const bool getOrHead = req.method != HttpMethod::Other;

    if (path.size() >= 7 && std::memcmp(path.data(), "/turno/", 7) == 0) {
        m_handler = Handler::Turno;
        if (!getOrHead) {
            respondJsonError(c, 405, "method not allowed; use GET", keepAlive, false, "Allow: GET, HEAD\r\n",
                             methodIndex, startNs);
            return;
        }
        const std::string_view id = path.substr(7);
        const IdCheck check = validateId(id);
        if (!check.ok) {
            respondJsonError(c, 400, "invalid id: " + check.problem, keepAlive, headOnly, extra, methodIndex, startNs);
            return;
        }
        if (headOnly) {
            // HEAD is safe (RFC 9110 9.3.2): it validates the id but takes no number.
            respond(c, 200, "application/json", {}, keepAlive, true, extra, methodIndex, startNs);
            return;
        }
        if (m_shared.options.store == StoreKind::Memory) {
            const uint64_t v = m_shared.memory.increment(id);
            if (v == 0) {
                respondJsonError(c, 409, kExhaustedMessage, keepAlive, false, extra, methodIndex, startNs);
                return;
            }
            char body[128];
            char *p = body;
            std::memcpy(p, "{\"id\":\"", 7);
            p += 7;
            std::memcpy(p, id.data(), id.size());
            p += id.size();
            std::memcpy(p, "\",\"turno\":", 10);
            p += 10;
            p = std::to_chars(p, body + sizeof body, v).ptr;
            *p++ = '}';
            WorkerStats::add(m_stats.issued);
            respond(c, 200, "application/json", std::string_view(body, size_t(p - body)), keepAlive, false, extra,
                    methodIndex, startNs);
            return;
        }
        RedisLink *link = nullptr;
        for (size_t i = 0; i < m_links.size() && !link; ++i) {
            RedisLink *l = m_links[(m_nextLink + i) % m_links.size()].get();
            if (l->ready())
                link = l;
        }
        // With a retry window the request waits on a link for Redis to come back (a failover).
        if (!link && m_shared.options.retryWindowMs > 0 && !m_links.empty())
            link = m_links[m_nextLink % m_links.size()].get();
        m_nextLink = (m_nextLink + 1) % m_links.size();
        if (!link) {
            WorkerStats::add(m_stats.storeErrors[size_t(StoreError::Unavailable)]);
            respondJsonError(c, 503, "store unavailable: Redis is not reachable", keepAlive, false,
                             "Retry-After: 1\r\n", methodIndex, startNs);
            return;
        }
        PendingIncrement p;
        p.connFd = c.fd;
        p.connGen = c.gen;
        p.seq = c.headSeq + c.slots.size();
        p.startNs = startNs;
        p.keepAlive = keepAlive;
        p.http10 = req.http10;
        p.methodIndex = uint8_t(methodIndex);
        p.id.assign(id);
        c.slots.push_back(Slot{});
        if (!keepAlive)
            c.closing = true;
        m_stats.inFlight.fetch_add(1, std::memory_order_relaxed);
        link->submit(std::move(p));
        return;
    }
    if (path == "/metrics" || path == "/healthz" || path == "/readyz") {
        m_handler = path == "/metrics" ? Handler::Metrics : path == "/healthz" ? Handler::Healthz : Handler::Readyz;
        if (!getOrHead) {
            respondJsonError(c, 405, "method not allowed; use GET", keepAlive, false, "Allow: GET, HEAD\r\n",
                             methodIndex, startNs);
            return;
        }
        if (path == "/metrics") {
            const std::string text = m_shared.metrics->render();
            respond(c, 200, "text/plain; version=0.0.4; charset=utf-8", text, keepAlive, headOnly, extra, methodIndex,
                    startNs);
        } else if (path == "/healthz") {
            respond(c, 200, "application/json", "{\"status\":\"ok\"}", keepAlive, headOnly, extra, methodIndex, startNs);
        } else if (ready()) {
            respond(c, 200, "application/json", "{\"status\":\"ready\"}", keepAlive, headOnly, extra, methodIndex,
                    startNs);
        } else {
            const bool draining = m_shared.draining.load(std::memory_order_relaxed);
            respond(c, 503, "application/json",
                    draining ? "{\"status\":\"draining\"}" : "{\"status\":\"store unreachable\"}", keepAlive, headOnly,
                    "Retry-After: 1\r\n", methodIndex, startNs);
        }
        return;
    }
    if (path.rfind("/debug/", 0) == 0) {
        m_handler = Handler::Debug;
        serveDebug(c, req, path, query, methodIndex, startNs);
        return;
    }
    std::string shown(path.substr(0, 200));
    respondJsonError(c, 404, "not found: " + shown + " (try /turno/ID)", keepAlive, headOnly, extra, methodIndex,
                     startNs);
}

void Worker::serveDebug(Conn &c, const HttpRequest &req, std::string_view path, std::string_view query,
                        int methodIndex, uint64_t startNs)
{
    const bool keepAlive = req.keepAlive && !c.closing;
    if (m_shared.debugToken.empty()) {
        respondJsonError(c, 404, "not found: debug endpoints are off (start with --debug-token-file)", keepAlive,
                         false, {}, methodIndex, startNs);
        return;
    }
    const std::string expected = "Bearer " + m_shared.debugToken;
    if (req.authorization.size() != expected.size() ||
        std::memcmp(req.authorization.data(), expected.data(), expected.size()) != 0) {
        respondJsonError(c, 401, "debug endpoint needs 'Authorization: Bearer TOKEN'", keepAlive, false,
                         "WWW-Authenticate: Bearer realm=\"turno-debug\"\r\n", methodIndex, startNs);
        return;
    }
    if (path == "/debug/burn-cpu") {
        // Busy-loops a thread for a while so CPU alerts can be exercised for real.
        int ms = 5000;
        if (query.rfind("ms=", 0) == 0) {
            int v = 0;
            auto [p, ec] = std::from_chars(query.data() + 3, query.data() + query.size(), v);
            if (ec == std::errc() && v > 0 && v <= 120000)
                ms = v;
            (void)p;
        }
        std::thread([ms] {
            const uint64_t until = monoNs() + uint64_t(ms) * 1'000'000ULL;
            volatile uint64_t x = 0;
            while (monoNs() < until)
                for (int i = 0; i < 10000; ++i)
                    x = x + uint64_t(i);
        }).detach();
        respond(c, 200, "application/json", "{\"status\":\"burning\"}", keepAlive, false, {}, methodIndex, startNs);
        return;
    }
    if (path == "/debug/set") {
        // Sets a memory-store counter (boundary tests, drills). Redis counters
        // are set with Redis's own tools.
        std::string_view id, value;
        for (std::string_view rest = query; !rest.empty();) {
            const size_t amp = rest.find('&');
            const std::string_view kv = rest.substr(0, amp);
            if (kv.rfind("id=", 0) == 0)
                id = kv.substr(3);
            else if (kv.rfind("value=", 0) == 0)
                value = kv.substr(6);
            rest = amp == std::string_view::npos ? std::string_view() : rest.substr(amp + 1);
        }
        uint64_t v = 0;
        auto [p, ec] = std::from_chars(value.data(), value.data() + value.size(), v);
        if (m_shared.options.store != StoreKind::Memory || !validateId(id).ok || ec != std::errc() ||
            p != value.data() + value.size() || !m_shared.memory.set(id, v)) {
            respondJsonError(c, 400, "use /debug/set?id=ID&value=N (memory store, N <= 9007199254740991)", keepAlive,
                             false, {}, methodIndex, startNs);
            return;
        }
        respond(c, 200, "application/json", "{\"status\":\"set\"}", keepAlive, false, {}, methodIndex, startNs);
        return;
    }
    respondJsonError(c, 404, "unknown debug endpoint", keepAlive, false, {}, methodIndex, startNs);
}

void Worker::completeIncrement(const PendingIncrement &p, IncrementOutcome outcome, uint64_t value, StoreError error,
                               bool burned)
{
    m_stats.inFlight.fetch_sub(1, std::memory_order_relaxed);
    Conn *c = connFor(p.connFd, p.connGen);
    if (!c) {
        // The client left before its answer: a number taken is a number burned.
        if (burned || outcome == IncrementOutcome::Issued)
            WorkerStats::add(m_stats.burned);
        if (outcome == IncrementOutcome::Failed)
            WorkerStats::add(m_stats.storeErrors[size_t(error)]);
        return;
    }
    const size_t idx = size_t(p.seq - c->headSeq);
    if (idx >= c->slots.size())
        return;
    std::string &o = c->slots[idx].bytes;
    const std::string_view extra =
        (p.keepAlive && p.http10) ? std::string_view("Connection: keep-alive\r\n") : std::string_view();
    int status = 200;
    if (outcome == IncrementOutcome::Issued) {
        std::string body = "{\"id\":\"";
        body += p.id;
        body += "\",\"turno\":";
        appendNumber(body, value);
        body += '}';
        WorkerStats::add(m_stats.issued);
        buildResponse(o, 200, "application/json", body, p.keepAlive, false, extra);
    } else if (outcome == IncrementOutcome::Exhausted) {
        status = 409;
        buildResponse(o, status, "application/json", jsonError(status, kExhaustedMessage), p.keepAlive, false, extra);
    } else {
        status = 503;
        WorkerStats::add(m_stats.storeErrors[size_t(error)]);
        if (burned)
            WorkerStats::add(m_stats.burned);
        const std::string msg = error == StoreError::Rollback
                                    ? std::string("store rolled back: Redis returned a number this server already "
                                                  "issued; refusing")
                                    : std::string("store unavailable: ") + storeErrorName(error);
        buildResponse(o, status, "application/json", jsonError(status, msg), p.keepAlive, false, "Retry-After: 1\r\n");
    }
    m_stats.countRequest(Handler::Turno, status, p.methodIndex, monoNs() - p.startNs);
    c->slots[idx].ready = true;
    while (!c->slots.empty() && c->slots.front().ready) {
        c->out += c->slots.front().bytes;
        c->slots.pop_front();
        ++c->headSeq;
    }
    if (!c->dirty) {
        c->dirty = true;
        m_dirty.push_back(c);
    }
}

Worker::Conn *Worker::connFor(int fd, uint32_t gen)
{
    if (fd < 0 || size_t(fd) >= m_conns.size())
        return nullptr;
    Conn *c = m_conns[size_t(fd)].get();
    if (!c || !c->open || c->gen != gen)
        return nullptr;
    return c;
}

// ---- io_uring backend -------------------------------------------------------
// Receives are multishot into a ring of provided buffers, so data arriving on
// any connection costs no syscall of ours; sends queued during an iteration go
// out with the next io_uring_enter, which also collects every completion.

namespace {
constexpr uint64_t kUringRecv = 1;
constexpr uint64_t kUringSend = 2;
constexpr uint64_t kUringEpoll = 3;
constexpr uint64_t kUringCancel = 4;
constexpr uint16_t kBufferGroup = 7;
constexpr unsigned kBufferCount = 256;
constexpr unsigned kBufferSize = 8192;
constexpr size_t kMaxBufferedInput = 4u << 20;

uint64_t uringData(uint64_t kind, uint32_t gen, int fd)
{
    return (kind << 56) | (uint64_t(gen & 0xFFFFFF) << 32) | uint32_t(fd);
}
}  // namespace

struct Worker::Uring {
    io_uring ring{};
    bool ringUp = false;
    io_uring_buf_ring *bufRing = nullptr;
    size_t bufRingBytes = 0;
    char *buffers = nullptr;
    unsigned mask = 0;
    // Send buffers of closed connections, kept until the kernel is done with them.
    std::vector<std::pair<uint64_t, std::string>> graveyard;

    ~Uring()
    {
        if (ringUp)
            io_uring_queue_exit(&ring);
        if (bufRing)
            munmap(bufRing, bufRingBytes);
        std::free(buffers);
    }
    io_uring_sqe *sqe()
    {
        io_uring_sqe *e = io_uring_get_sqe(&ring);
        if (!e) {
            io_uring_submit(&ring);
            e = io_uring_get_sqe(&ring);
        }
        return e;
    }
    void giveBack(unsigned bid)
    {
        io_uring_buf_ring_add(bufRing, buffers + size_t(bid) * kBufferSize, kBufferSize, uint16_t(bid), mask, 0);
        io_uring_buf_ring_advance(bufRing, 1);
    }
};

bool Worker::setupUring()
{
    auto u = std::make_unique<Uring>();
    io_uring_params params{};
    params.flags = IORING_SETUP_SINGLE_ISSUER | IORING_SETUP_DEFER_TASKRUN;
    if (io_uring_queue_init_params(4096, &u->ring, &params) != 0) {
        io_uring_params plain{};
        if (io_uring_queue_init_params(4096, &u->ring, &plain) != 0)
            return false;
    }
    u->ringUp = true;
    u->bufRingBytes = kBufferCount * sizeof(io_uring_buf);
    void *mem = mmap(nullptr, u->bufRingBytes, PROT_READ | PROT_WRITE, MAP_ANONYMOUS | MAP_PRIVATE, -1, 0);
    if (mem == MAP_FAILED)
        return false;
    u->bufRing = static_cast<io_uring_buf_ring *>(mem);
    u->buffers = static_cast<char *>(std::aligned_alloc(4096, size_t(kBufferCount) * kBufferSize));
    if (!u->buffers)
        return false;
    io_uring_buf_reg reg{};
    reg.ring_addr = reinterpret_cast<uint64_t>(u->bufRing);
    reg.ring_entries = kBufferCount;
    reg.bgid = kBufferGroup;
    if (io_uring_register_buf_ring(&u->ring, &reg, 0) != 0)
        return false;
    io_uring_buf_ring_init(u->bufRing);
    u->mask = unsigned(io_uring_buf_ring_mask(kBufferCount));
    for (unsigned i = 0; i < kBufferCount; ++i)
        io_uring_buf_ring_add(u->bufRing, u->buffers + size_t(i) * kBufferSize, kBufferSize, uint16_t(i), u->mask,
                              int(i));
    io_uring_buf_ring_advance(u->bufRing, int(kBufferCount));
    io_uring_sqe *e = u->sqe();
    io_uring_prep_poll_multishot(e, m_epoll, POLLIN);
    io_uring_sqe_set_data64(e, uringData(kUringEpoll, 0, m_epoll));
    m_uring = std::move(u);
    return true;
}

void Worker::armRecv(Conn &c)
{
    io_uring_sqe *e = m_uring->sqe();
    io_uring_prep_recv_multishot(e, c.fd, nullptr, 0, 0);
    e->flags |= IOSQE_BUFFER_SELECT;
    e->buf_group = kBufferGroup;
    io_uring_sqe_set_data64(e, uringData(kUringRecv, c.gen, c.fd));
    c.recvArmed = true;
}

void Worker::submitSend(Conn &c)
{
    io_uring_sqe *e = m_uring->sqe();
    io_uring_prep_send(e, c.fd, c.sending.data() + c.sendingOffset, c.sending.size() - c.sendingOffset, MSG_NOSIGNAL);
    io_uring_sqe_set_data64(e, uringData(kUringSend, c.gen, c.fd));
    c.sendInFlight = true;
}

void Worker::cancelUringOps(Conn &c)
{
    // Cancel before close(): the fd number may be reused by the next accept.
    io_uring_sqe *e = m_uring->sqe();
    io_uring_prep_cancel_fd(e, c.fd, IORING_ASYNC_CANCEL_ALL);
    io_uring_sqe_set_data64(e, uringData(kUringCancel, 0, c.fd));
    io_uring_submit(&m_uring->ring);
    if (c.sendInFlight)
        m_uring->graveyard.emplace_back(uringData(kUringSend, c.gen, c.fd), std::move(c.sending));
}

void Worker::runUringIteration(bool &epollReady, bool poll)
{
    __kernel_timespec ts{0, poll ? 0 : 100'000'000};
    io_uring_cqe *cqe = nullptr;
    io_uring_submit_and_wait_timeout(&m_uring->ring, &cqe, 1, &ts, nullptr);
    unsigned head = 0, seen = 0;
    io_uring_for_each_cqe(&m_uring->ring, head, cqe)
    {
        onUringCompletion(cqe->user_data, cqe->res, cqe->flags, epollReady);
        ++seen;
    }
    io_uring_cq_advance(&m_uring->ring, seen);
}

void Worker::onUringCompletion(uint64_t userData, int res, uint32_t flags, bool &epollReady)
{
    const uint64_t kind = userData >> 56;
    if (kind == kUringEpoll) {
        epollReady = true;
        if (!(flags & IORING_CQE_F_MORE)) {
            io_uring_sqe *e = m_uring->sqe();
            io_uring_prep_poll_multishot(e, m_epoll, POLLIN);
            io_uring_sqe_set_data64(e, uringData(kUringEpoll, 0, m_epoll));
        }
        return;
    }
    if (kind == kUringCancel)
        return;
    const int fd = int(uint32_t(userData));
    const uint32_t gen = uint32_t(userData >> 32) & 0xFFFFFF;
    Conn *c = (fd >= 0 && size_t(fd) < m_conns.size()) ? m_conns[size_t(fd)].get() : nullptr;
    if (c && (!c->open || (c->gen & 0xFFFFFF) != gen))
        c = nullptr;

    if (kind == kUringRecv) {
        const bool more = flags & IORING_CQE_F_MORE;
        if (c && !more)
            c->recvArmed = false;
        if (res > 0 && (flags & IORING_CQE_F_BUFFER)) {
            const unsigned bid = flags >> IORING_CQE_BUFFER_SHIFT;
            if (c)
                onRecvData(*c, m_uring->buffers + size_t(bid) * kBufferSize, size_t(res));
            m_uring->giveBack(bid);
        } else if (c && res == 0) {
            onEof(*c);
        } else if (c && res < 0 && res != -ENOBUFS && res != -ECANCELED) {
            closeConn(*c);
        }
        // A multishot receive stops when buffers ran out or after an error;
        // re-arm it for a connection that is still reading.
        if (c && c->open && !c->recvArmed && res != 0 && !(c->closing && !c->lingering))
            armRecv(*c);
        return;
    }
    if (kind == kUringSend) {
        if (!c) {
            auto &g = m_uring->graveyard;
            for (size_t i = 0; i < g.size(); ++i) {
                if (g[i].first == userData) {
                    g.erase(g.begin() + long(i));
                    break;
                }
            }
            return;
        }
        c->sendInFlight = false;
        if (res < 0) {
            closeConn(*c);
            return;
        }
        c->sendingOffset += size_t(res);
        if (c->sendingOffset < c->sending.size()) {
            submitSend(*c);  // short send: the rest goes next
            return;
        }
        c->sending.clear();
        c->sendingOffset = 0;
        if (c->sending.capacity() > 262144)
            std::string().swap(c->sending);
        // Requests held back while output was pending get their turn now.
        if (!c->in.empty() && !c->closing)
            process(*c, c->in.data(), c->in.size(), true);
        else
            flush(*c);
    }
}

void Worker::onRecvData(Conn &c, const char *data, size_t len)
{
    if (c.lingering || c.closing)
        return;  // after our last response: discard until the peer closes
    if (c.in.empty()) {
        process(c, data, len, false);
        return;
    }
    if (c.in.size() + len > kMaxBufferedInput) {
        closeConn(c);  // pipelining far ahead while never reading answers
        return;
    }
    c.in.append(data, len);
    process(c, c.in.data(), c.in.size(), true);
}

void Worker::onWritable(Conn &c)
{
    flush(c);
    if (c.open && c.out.size() == c.outOffset && !c.in.empty() && !c.closing)
        process(c, c.in.data(), c.in.size(), true);
}

void Worker::flush(Conn &c)
{
    if (m_uring) {
        if (c.sendInFlight)
            return;  // its completion sends what gathered meanwhile
        if (!c.out.empty()) {
            c.sending.swap(c.out);
            c.out.clear();
            c.sendingOffset = 0;
            submitSend(c);
            return;
        }
        afterOutputDrained(c);
        return;
    }
    if (c.out.size() > c.outOffset) {
        const ssize_t n = ::send(c.fd, c.out.data() + c.outOffset, c.out.size() - c.outOffset, MSG_NOSIGNAL);
        if (n < 0 && errno != EAGAIN && errno != EINTR) {
            closeConn(c);
            return;
        }
        if (n > 0)
            c.outOffset += size_t(n);
        if (c.outOffset == c.out.size()) {
            c.out.clear();
            c.outOffset = 0;
            if (c.out.capacity() > 262144)
                std::string().swap(c.out);
        }
    }
    if (c.out.size() > c.outOffset) {
        setMask(c, EPOLLOUT);
        return;
    }
    afterOutputDrained(c);
}

void Worker::afterOutputDrained(Conn &c)
{
    if (c.closing) {
        if (c.slots.empty())
            startLinger(c);
        else
            setMask(c, 0);  // wait for Redis answers before closing
        return;
    }
    setMask(c, EPOLLIN);
}

void Worker::setMask(Conn &c, uint32_t mask)
{
    if (m_uring || c.epollMask == mask)
        return;
    epoll_event ev{};
    ev.events = mask;
    ev.data.u64 = tag(kTagConn, uint64_t(c.fd));
    epoll_ctl(m_epoll, EPOLL_CTL_MOD, c.fd, &ev);
    c.epollMask = mask;
}

void Worker::startLinger(Conn &c)
{
    if (c.lingering)
        return;
    // Half-close and drain what the client still sends, so the kernel does not
    // answer its late bytes with an RST that could destroy our last response.
    if (m_uring && !c.recvArmed) {
        closeConn(c);  // nothing more can arrive: the peer already closed
        return;
    }
    ::shutdown(c.fd, SHUT_WR);
    c.lingering = true;
    c.lingerSinceNs = monoNs();
    setMask(c, EPOLLIN);
}

void Worker::closeConn(Conn &c)
{
    if (!c.open)
        return;
    if (m_uring && (c.recvArmed || c.sendInFlight))
        cancelUringOps(c);
    ::close(c.fd);
    c.open = false;
    ++c.gen;
    std::string().swap(c.in);
    std::string().swap(c.out);
    c.outOffset = 0;
    c.slots.clear();
    c.dirty = false;
    std::string().swap(c.sending);
    c.sendingOffset = 0;
    c.sendInFlight = false;
    c.recvArmed = false;
    --m_open;
    m_shared.connections.fetch_sub(1, std::memory_order_relaxed);
    m_stats.openConnections.fetch_sub(1, std::memory_order_relaxed);
}

void Worker::sweep(uint64_t now)
{
    // Ages never wrap: a timestamp taken after `now` counts as age zero.
    auto age = [now](uint64_t since) { return now > since ? now - since : 0; };
    if (m_listenPaused && now >= m_listenPausedUntilNs && m_listen >= 0) {
        epoll_event ev{};
        ev.events = EPOLLIN;
        ev.data.u64 = tag(kTagListen, 0);
        epoll_ctl(m_epoll, EPOLL_CTL_ADD, m_listen, &ev);
        m_listenPaused = false;
    }
    const bool draining = m_shared.draining.load(std::memory_order_relaxed);
    const ServerOptions &o = m_shared.options;
    const uint64_t headerTimeout = uint64_t(o.headerTimeoutMs) * 1'000'000ULL;
    const uint64_t idleTimeout = uint64_t(o.idleTimeoutMs) * 1'000'000ULL;
    // Slowloris: thousands of connections each trickling a request head would
    // hold their descriptors for the whole header timeout. Past the high-water
    // mark, heads get the short limit, and keep it for a header timeout after the
    // count drops, so the connections opened during the flood are shed too.
    const int64_t openNow = m_shared.connections.load(std::memory_order_relaxed);
    if (openNow >= o.shedHighWater)
        m_pressureUntilNs = now + headerTimeout;
    const bool pressure = now < m_pressureUntilNs;
    if (pressure != m_underPressure) {
        m_underPressure = pressure;
        if (m_index == 0)
            logLine(pressure ? "%s %lld connections open (--shed-high-water %d): closing request heads slower than %d ms"
                             : "%s pressure over (%lld connections open, --shed-high-water %d): header timeout %d ms again",
                    m_logPrefix.c_str(), (long long)openNow, o.shedHighWater,
                    pressure ? o.shedHeaderTimeoutMs : o.headerTimeoutMs);
    }
    const uint64_t headLimit =
        pressure ? std::min<uint64_t>(headerTimeout, uint64_t(o.shedHeaderTimeoutMs) * 1000000ULL) : headerTimeout;
    m_shedQueue.clear();
    m_shedNext = 0;
    for (auto &ptr : m_conns) {
        if (!ptr || !ptr->open)
            continue;
        Conn &c = *ptr;
        if (c.lingering || c.shed) {
            if (age(c.lingerSinceNs) > kLingerNs)
                closeConn(c);
            continue;
        }
        const bool idle = outputIdle(c);
        if (!idle)
            continue;
        if (!c.in.empty()) {
            if (pressure && age(c.headStartNs) > headLimit) {
                // Shed: no 408 and no linger, the descriptor is what is scarce.
                m_shedQueue.emplace_back(c.fd, c.gen);
            } else if (age(c.headStartNs) > headerTimeout) {
                m_handler = Handler::Other;
                respondJsonError(c, 408, "request head not received in time", false, false, {}, 2, now);
                flush(c);
            }
        } else if (pressure && c.served == 0 && age(c.acceptedNs) > headLimit) {
            m_shedQueue.emplace_back(c.fd, c.gen);  // connected and never sent a request
        } else if (c.served == 0 && age(c.acceptedNs) > headerTimeout) {
            closeConn(c);  // connected and never sent a request
        } else if (draining || age(c.lastActivityNs) > idleTimeout) {
            closeConn(c);
        }
    }
}

void Worker::shedSome()
{
    const size_t end = std::min(m_shedQueue.size(), m_shedNext + kShedBatch);
    for (; m_shedNext < end; ++m_shedNext) {
        const auto [fd, gen] = m_shedQueue[m_shedNext];
        Conn *c = connFor(fd, gen);
        // Still stuck in a head (or in its first request) as the sweep saw it.
        if (!c || c->lingering || c->shed || !outputIdle(*c) || (c->in.empty() && c->served > 0))
            continue;
        m_stats.countRequest(Handler::Other, 408, 2, 0);
        if (m_uring && !c->recvArmed) {
            closeConn(*c);
            continue;
        }
        // shutdown() rather than close(): the peer sees the end at once, and the
        // EOF it raises here ends the armed receive, so the close that follows
        // needs no io_uring cancel (a walk of every pending request, per socket).
        ::shutdown(c->fd, SHUT_RDWR);
        c->shed = true;
        c->closing = true;
        c->in.clear();
        c->lingerSinceNs = monoNs();
    }
    if (m_shedNext == m_shedQueue.size()) {
        m_shedQueue.clear();
        m_shedNext = 0;
    }
}

}  // namespace turno::server
