#include "worker.h"

#include "epoll_driver.h"
#include "log.h"
#include "mono_clock.h"
#include "uring_driver.h"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

namespace turno::server {

namespace {

constexpr size_t kMaxPendingOutput = 1 << 20;
constexpr uint64_t kSweepNs = 100'000'000;
constexpr uint64_t kLingerNs = 2'000'000'000ULL;
// Ending or accepting a socket costs microseconds to tens of them: thousands in
// one go (a flood, or its shedding) would stall every other client of the loop
// for milliseconds, so they are taken in slices with the loop's events between.
constexpr size_t kShedBatch = 16;
constexpr int kAcceptBatch = 32;
constexpr int kMethodOther = 2;  // turno_http_requests_total's method index for neither GET nor HEAD

const char kCanned503[] =
    "HTTP/1.1 503 Service Unavailable\r\nServer: turno\r\nContent-Type: application/json\r\nContent-Length: 58\r\n"
    "Retry-After: 1\r\nConnection: close\r\n\r\n"
    "{\"error\":\"too many connections\",\"limit\":\"max-connections\"}";

std::string logPrefixFor(const SharedState &shared, int index)
{
    return "[" + shared.options.nodeName + " loop " + std::to_string(index) + "]";
}

}  // namespace

Worker::Worker(int index, SharedState &shared, WorkerStats &stats)
    : m_index(index), m_shared(shared), m_stats(stats), m_epoll(epoll_create1(EPOLL_CLOEXEC)),
      m_wakeFd(eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC)), m_logPrefix(logPrefixFor(shared, index)),
      m_links(shared.options.store == StoreKind::Redis ? shared.options.redisConnectionsPerThread : 0, m_epoll, shared,
              stats, *this, m_logPrefix.c_str()),
      m_router(shared, stats, m_builder, m_links)
{
    epoll_event ev{};
    ev.events = EPOLLIN;
    ev.data.u64 = epollData(EpollTag::Wake, 0);
    epoll_ctl(m_epoll, EPOLL_CTL_ADD, m_wakeFd, &ev);
}

Worker::~Worker()
{
    m_links.clear();
    m_conns.forEachOpen([](Connection &c) { ::close(c.fd); });
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
    ev.data.u64 = epollData(EpollTag::Listen, 0);
    epoll_ctl(m_epoll, EPOLL_CTL_ADD, m_listen, &ev);
    return true;
}

void Worker::wake()
{
    const uint64_t one = 1;
    ssize_t n = ::write(m_wakeFd, &one, sizeof one);
    (void)n;
}

void Worker::controlReady(EpollTag kind, uint32_t value, uint32_t events)
{
    if (kind == EpollTag::Listen) {
        acceptAll();
    } else if (kind == EpollTag::Wake) {
        uint64_t drainCount;
        ssize_t r = ::read(m_wakeFd, &drainCount, sizeof drainCount);
        (void)r;
    } else if (kind == EpollTag::Redis) {
        m_links.onEpoll(value, events);
    }
}

void Worker::startIo()
{
    if (m_shared.options.io == IoBackend::Uring)
        m_io = UringDriver::create(m_epoll, m_conns, *this);
    if (!m_io) {
        if (m_shared.options.io == IoBackend::Uring && m_index == 0)
            logLine("%s io_uring is not available here; using epoll", m_logPrefix.c_str());
        m_io = std::make_unique<EpollDriver>(m_epoll, m_conns, *this);
    }
}

void Worker::run()
{
    startIo();
    uint64_t lastSweep = monoNs();
    m_links.tick(lastSweep);  // connect to Redis now, not at the first sweep
    do {
        m_io->wait(shedPending());
        afterEvents();
    } while (housekeeping(lastSweep));
    m_conns.forEachOpen([this](Connection &c) { closeConn(c); });
    m_links.shutdown();
}

void Worker::afterEvents()
{
    if (shedPending())
        shedSome();
    m_links.afterBatch();
    for (Connection *c : m_dirty)
        if (c->isOpen())
            m_io->flush(*c);
    m_dirty.clear();
    ++m_flushPass;
    m_builder.refreshDate();
}

bool Worker::housekeeping(uint64_t &lastSweep)
{
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
        m_io->pollPending();
        // Taken after the accepts above, so no connection is younger than now.
        const uint64_t sweepNow = monoNs();
        lastSweep = sweepNow;
        sweep(sweepNow);
        m_links.tick(sweepNow);
    }
    if (m_shared.hardStop.load(std::memory_order_relaxed))
        return false;
    return !(draining && m_open == 0 && !m_links.busy());
}

void Worker::acceptAll()
{
    // A flood of connects is taken a slice per loop pass, with the requests of
    // the connections already open served in between.
    for (int i = 0; i < kAcceptBatch; ++i) {
        if (i + 1 == kAcceptBatch)
            m_io->lookAgain();  // the listener may still be readable: look again soon
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
            m_stats.countRequest(Handler::Other, 503, kMethodOther, 0);
            continue;
        }
        const int one = 1;
        setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
        m_io->add(m_conns.adopt(fd, monoNs()));
        ++m_open;
        m_shared.connections.fetch_add(1, std::memory_order_relaxed);
        m_stats.openConnections.fetch_add(1, std::memory_order_relaxed);
    }
}

void Worker::peerClosed(Connection &c)
{
    // The client will send nothing more; answer what is queued, then close.
    c.in.clear();
    c.markClosing();
    if (outputIdle(c)) {
        closeConn(c);
        return;
    }
    m_io->want(c, c.out.size() > c.outOffset ? IoDriver::Interest::Write : IoDriver::Interest::None);
}

bool Worker::outputIdle(const Connection &c) const
{
    return c.slots.empty() && c.out.size() == c.outOffset && !m_io->sending(c);
}

void Worker::received(Connection &c, const char *data, size_t len, bool inBuffer)
{
    const uint64_t now = monoNs();
    size_t off = 0;
    while (off < len && !c.isClosing()) {
        if (c.out.size() - c.outOffset > kMaxPendingOutput)
            break;  // the client is not reading; stop until it drains
        const ParseResult r = parseHttpRequest(data + off, len - off, m_limits);
        if (r.state == ParseState::Incomplete)
            break;
        if (r.state == ParseState::Error) {
            // The framing cannot be trusted after a parse error: answer and close.
            replyError(c, r.errorStatus, r.errorReason, now);
            off = len;
            break;
        }
        const uint64_t start = monoNs();
        ++c.served;
        m_router.route(c, r.request, start);
        off += r.consumed;
        c.headStartNs = 0;
    }
    const size_t rest = len - off;
    if (c.isClosing()) {
        c.in.clear();
    } else if (inBuffer) {
        c.in.erase(0, off);
    } else if (rest > 0) {
        c.in.assign(data + off, rest);
    }
    if (!c.in.empty() && c.headStartNs == 0)
        c.headStartNs = now;
    c.lastActivityNs = now;
    m_io->flush(c);
}

void Worker::replyError(Connection &c, int status, std::string_view message, uint64_t startNs)
{
    Reply(c, m_builder, m_stats, kMethodOther, startNs, false, false, {}).error(status, message);
}

void Worker::completeIncrement(const PendingIncrement &p, IncrementOutcome outcome, uint64_t value, StoreError error,
                               bool burned)
{
    m_stats.inFlight.fetch_sub(1, std::memory_order_relaxed);
    Connection *c = m_conns.find(p.connFd, p.connGen);
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
    m_router.writeIncrementReply(c->slots[idx].bytes, p, outcome, value, error, burned);
    c->slots[idx].ready = true;
    while (!c->slots.empty() && c->slots.front().ready) {
        c->out += c->slots.front().bytes;
        c->slots.pop_front();
        ++c->headSeq;
    }
    if (c->flushPass != m_flushPass) {
        c->flushPass = m_flushPass;
        m_dirty.push_back(c);
    }
}

void Worker::outputDrained(Connection &c)
{
    if (c.isClosing()) {
        if (c.slots.empty())
            startLinger(c);
        else
            m_io->want(c, IoDriver::Interest::None);  // wait for Redis answers before closing
        return;
    }
    m_io->want(c, IoDriver::Interest::Read);
}

void Worker::startLinger(Connection &c)
{
    if (c.state == ConnState::Lingering)
        return;
    if (!m_io->receiving(c)) {
        closeConn(c);  // nothing more can arrive: the peer already closed
        return;
    }
    // Half-close and drain what the client still sends, so the kernel does not
    // answer its late bytes with an RST that could destroy our last response.
    ::shutdown(c.fd, SHUT_WR);
    c.state = ConnState::Lingering;
    c.lingerSinceNs = monoNs();
    m_io->want(c, IoDriver::Interest::Read);
}

void Worker::closeConn(Connection &c)
{
    if (!c.isOpen())
        return;
    m_io->release(c);
    ::close(c.fd);
    c.state = ConnState::Closed;
    ++c.gen;
    std::string().swap(c.in);
    std::string().swap(c.out);
    c.outOffset = 0;
    c.slots.clear();
    c.flushPass = 0;
    --m_open;
    m_shared.connections.fetch_sub(1, std::memory_order_relaxed);
    m_stats.openConnections.fetch_sub(1, std::memory_order_relaxed);
}

void Worker::resumeListening(uint64_t now)
{
    if (m_listenPaused && now >= m_listenPausedUntilNs && m_listen >= 0) {
        epoll_event ev{};
        ev.events = EPOLLIN;
        ev.data.u64 = epollData(EpollTag::Listen, 0);
        epoll_ctl(m_epoll, EPOLL_CTL_ADD, m_listen, &ev);
        m_listenPaused = false;
    }
}

void Worker::updatePressure(uint64_t now)
{
    // Slowloris: thousands of connections each trickling a request head would
    // hold their descriptors for the whole header timeout. Past the high-water
    // mark, heads get the short limit, and keep it for a header timeout after the
    // count drops, so the connections opened during the flood are shed too.
    const ServerOptions &o = m_shared.options;
    const int64_t openNow = m_shared.connections.load(std::memory_order_relaxed);
    if (openNow >= o.shedHighWater)
        m_pressureUntilNs = now + uint64_t(o.headerTimeoutMs) * 1'000'000ULL;
    const bool pressure = now < m_pressureUntilNs;
    if (pressure != m_underPressure) {
        m_underPressure = pressure;
        if (m_index == 0)
            logLine(pressure ? "%s %lld connections open (--shed-high-water %d): closing request heads slower than %d ms"
                             : "%s pressure over (%lld connections open, --shed-high-water %d): header timeout %d ms again",
                    m_logPrefix.c_str(), (long long)openNow, o.shedHighWater,
                    pressure ? o.shedHeaderTimeoutMs : o.headerTimeoutMs);
    }
}

void Worker::sweep(uint64_t now)
{
    // Ages never wrap: a timestamp taken after `now` counts as age zero.
    auto age = [now](uint64_t since) { return now > since ? now - since : 0; };
    resumeListening(now);
    updatePressure(now);
    const bool draining = m_shared.draining.load(std::memory_order_relaxed);
    const ServerOptions &o = m_shared.options;
    const uint64_t headerTimeout = uint64_t(o.headerTimeoutMs) * 1'000'000ULL;
    const uint64_t idleTimeout = uint64_t(o.idleTimeoutMs) * 1'000'000ULL;
    const bool pressure = m_underPressure;
    const uint64_t headLimit =
        pressure ? std::min<uint64_t>(headerTimeout, uint64_t(o.shedHeaderTimeoutMs) * 1000000ULL) : headerTimeout;
    m_shedQueue.clear();
    m_shedNext = 0;
    m_conns.forEachOpen([&](Connection &c) {
        if (c.isEnding()) {
            if (age(c.lingerSinceNs) > kLingerNs)
                closeConn(c);
            return;
        }
        if (!outputIdle(c))
            return;
        if (!c.in.empty()) {
            if (pressure && age(c.headStartNs) > headLimit) {
                // Shed: no 408 and no linger, the descriptor is what is scarce.
                m_shedQueue.emplace_back(c.fd, c.gen);
            } else if (age(c.headStartNs) > headerTimeout) {
                replyError(c, 408, "request head not received in time", now);
                m_io->flush(c);
            }
        } else if (pressure && c.served == 0 && age(c.acceptedNs) > headLimit) {
            m_shedQueue.emplace_back(c.fd, c.gen);  // connected and never sent a request
        } else if (c.served == 0 && age(c.acceptedNs) > headerTimeout) {
            closeConn(c);  // connected and never sent a request
        } else if (draining || age(c.lastActivityNs) > idleTimeout) {
            closeConn(c);
        }
    });
}

void Worker::shedSome()
{
    const size_t end = std::min(m_shedQueue.size(), m_shedNext + kShedBatch);
    for (; m_shedNext < end; ++m_shedNext) {
        const auto [fd, gen] = m_shedQueue[m_shedNext];
        Connection *c = m_conns.find(fd, gen);
        // Still stuck in a head (or in its first request) as the sweep saw it.
        if (!c || c->isEnding() || !outputIdle(*c) || (c->in.empty() && c->served > 0))
            continue;
        m_stats.countRequest(Handler::Other, 408, kMethodOther, 0);
        if (!m_io->receiving(*c)) {
            closeConn(*c);
            continue;
        }
        // shutdown() rather than close(): the peer sees the end at once, and the
        // EOF it raises here ends the armed receive, so the close that follows
        // needs no io_uring cancel (a walk of every pending request, per socket).
        ::shutdown(c->fd, SHUT_RDWR);
        c->state = ConnState::Shed;
        c->in.clear();
        c->lingerSinceNs = monoNs();
    }
    if (m_shedNext == m_shedQueue.size()) {
        m_shedQueue.clear();
        m_shedNext = 0;
    }
}

}  // namespace turno::server
