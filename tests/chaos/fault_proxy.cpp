#include "fault_proxy.h"

#include <arpa/inet.h>
#include <cerrno>
#include <cstring>
#include <deque>
#include <fcntl.h>
#include <memory>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <random>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>
#include <vector>

namespace turno::test {

namespace {

uint64_t nowNs()
{
    timespec ts{};
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return uint64_t(ts.tv_sec) * 1'000'000'000ULL + uint64_t(ts.tv_nsec);
}

void setNonBlocking(int fd)
{
    ::fcntl(fd, F_SETFL, ::fcntl(fd, F_GETFL) | O_NONBLOCK);
    int one = 1;
    ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
}

bool toAddress(const std::string &host, uint16_t port, sockaddr_in *out)
{
    std::memset(out, 0, sizeof *out);
    out->sin_family = AF_INET;
    out->sin_port = htons(port);
    return ::inet_pton(AF_INET, host.c_str(), &out->sin_addr) == 1;
}

// Resets (RST) rather than closes: what a toxiproxy reset_peer does.
void resetClose(int fd)
{
    if (fd < 0)
        return;
    linger l{1, 0};
    ::setsockopt(fd, SOL_SOCKET, SO_LINGER, &l, sizeof l);
    ::close(fd);
}

struct Chunk {
    uint64_t releaseNs = 0;
    std::string data;
    size_t offset = 0;
};

// One direction of a proxied connection: bytes read from `from`, queued with
// their release time, written to `to` in order.
struct Flow {
    std::deque<Chunk> queue;
    size_t queuedBytes = 0;
    uint64_t lastReleaseNs = 0;
    bool eof = false;       // `from` has closed its side
    bool shutDown = false;  // and that reached `to`
};

struct Pair {
    int client = -1;
    int upstream = -1;
    bool connected = false;
    uint64_t connectDeadlineNs = 0;
    Flow up;    // client -> upstream
    Flow down;  // upstream -> client
    bool dead = false;
};

constexpr size_t kMaxQueued = 1 << 20;  // stop reading a side while this much waits

}  // namespace

FaultProxy::~FaultProxy()
{
    stop();
}

bool FaultProxy::start(const std::string &listenHost, uint16_t listenPort, const std::string &upstreamHost,
                       uint16_t upstreamPort, std::string *why)
{
    sockaddr_in addr{};
    sockaddr_in upstream{};
    if (!toAddress(listenHost, listenPort, &addr) || !toAddress(upstreamHost, upstreamPort, &upstream)) {
        *why = "fault proxy: listen and upstream hosts must be IPv4 literals";
        return false;
    }
    m_listenFd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    int one = 1;
    ::setsockopt(m_listenFd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    if (::bind(m_listenFd, reinterpret_cast<sockaddr *>(&addr), sizeof addr) != 0 || ::listen(m_listenFd, 128) != 0) {
        *why = "fault proxy: cannot listen on " + listenHost + ":" + std::to_string(listenPort) + ": " +
               std::strerror(errno);
        ::close(m_listenFd);
        m_listenFd = -1;
        return false;
    }
    socklen_t len = sizeof addr;
    ::getsockname(m_listenFd, reinterpret_cast<sockaddr *>(&addr), &len);
    m_port = ntohs(addr.sin_port);
    setNonBlocking(m_listenFd);
    m_wakeFd = ::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    m_upstreamHost = upstreamHost;
    m_upstreamPort = upstreamPort;
    m_stop = false;
    m_thread = std::thread([this] { loop(); });
    return true;
}

void FaultProxy::stop()
{
    if (!m_thread.joinable())
        return;
    m_stop = true;
    const uint64_t one = 1;
    (void)!::write(m_wakeFd, &one, sizeof one);
    m_thread.join();
    ::close(m_listenFd);
    ::close(m_wakeFd);
    m_listenFd = m_wakeFd = -1;
}

void FaultProxy::setToxics(const Toxics &toxics)
{
    std::lock_guard<std::mutex> lock(m_toxicsMutex);
    m_toxics = toxics;
}

void FaultProxy::loop()
{
    std::vector<std::unique_ptr<Pair>> pairs;
    std::mt19937_64 rng{nowNs()};
    std::uniform_real_distribution<double> unit(0.0, 1.0);
    sockaddr_in upstreamAddr{};
    toAddress(m_upstreamHost, m_upstreamPort, &upstreamAddr);
    char buffer[16384];

    auto closePair = [](Pair &p, bool reset) {
        if (reset) {
            resetClose(p.client);
            resetClose(p.upstream);
        } else {
            if (p.client >= 0)
                ::close(p.client);
            if (p.upstream >= 0)
                ::close(p.upstream);
        }
        p.client = p.upstream = -1;
        p.dead = true;
    };

    // Reads what `from` has and queues it for `to` with the toxics' timing.
    // False: the connection is to be reset.
    auto readInto = [&](int from, Flow &flow) -> bool {
        const ssize_t n = ::read(from, buffer, sizeof buffer);
        if (n == 0) {
            flow.eof = true;
            return true;
        }
        if (n < 0)
            return errno == EAGAIN || errno == EINTR ? true : false;
        Toxics t;
        {
            std::lock_guard<std::mutex> lock(m_toxicsMutex);
            t = m_toxics;
        }
        const uint64_t now = nowNs();
        if (t.resetRate > 0 && unit(rng) < t.resetRate) {
            ++m_resets;
            return false;
        }
        uint64_t delayNs = uint64_t(t.latencyMs) * 1'000'000ULL;
        if (t.jitterMs > 0)
            delayNs += uint64_t(unit(rng) * t.jitterMs * 1e6);
        if (delayNs)
            ++m_delayed;
        if (t.lossRate > 0 && unit(rng) < t.lossRate) {
            delayNs += uint64_t(t.lossHoldMs) * 1'000'000ULL;
            ++m_lost;
        }
        // In order, as TCP delivers: a chunk never overtakes the one before.
        const uint64_t release = std::max(now + delayNs, flow.lastReleaseNs);
        flow.lastReleaseNs = release;
        flow.queue.push_back(Chunk{release, std::string(buffer, size_t(n)), 0});
        flow.queuedBytes += size_t(n);
        return true;
    };

    // Writes every released chunk it can. False: the peer is gone.
    auto flush = [](int to, Flow &flow, uint64_t now) -> bool {
        while (!flow.queue.empty() && flow.queue.front().releaseNs <= now) {
            Chunk &c = flow.queue.front();
            const ssize_t n = ::send(to, c.data.data() + c.offset, c.data.size() - c.offset, MSG_NOSIGNAL);
            if (n < 0)
                return errno == EAGAIN || errno == EINTR;
            c.offset += size_t(n);
            flow.queuedBytes -= size_t(n);
            if (c.offset < c.data.size())
                return true;
            flow.queue.pop_front();
        }
        if (flow.queue.empty() && flow.eof && !flow.shutDown) {
            ::shutdown(to, SHUT_WR);
            flow.shutDown = true;
        }
        return true;
    };

    std::vector<pollfd> fds;
    while (!m_stop) {
        const uint64_t now = nowNs();
        uint64_t nextNs = now + 100'000'000ULL;
        fds.clear();
        fds.push_back({m_wakeFd, POLLIN, 0});
        fds.push_back({m_listenFd, POLLIN, 0});
        for (auto &p : pairs) {
            if (!p->connected) {
                fds.push_back({p->upstream, POLLOUT, 0});
                nextNs = std::min(nextNs, p->connectDeadlineNs);
                continue;
            }
            short cev = 0, uev = 0;
            if (!p->up.eof && p->up.queuedBytes < kMaxQueued)
                cev |= POLLIN;
            if (!p->down.eof && p->down.queuedBytes < kMaxQueued)
                uev |= POLLIN;
            for (Flow *f : {&p->up, &p->down}) {
                if (f->queue.empty())
                    continue;
                if (f->queue.front().releaseNs <= now)
                    (f == &p->up ? uev : cev) |= POLLOUT;
                else
                    nextNs = std::min(nextNs, f->queue.front().releaseNs);
            }
            fds.push_back({p->client, cev, 0});
            fds.push_back({p->upstream, uev, 0});
        }
        const int timeoutMs = int((nextNs > now ? nextNs - now : 0) / 1'000'000ULL) + 1;
        ::poll(fds.data(), nfds_t(fds.size()), timeoutMs);
        if (m_stop)
            break;
        if (fds[0].revents) {
            uint64_t v;
            (void)!::read(m_wakeFd, &v, sizeof v);
        }
        // Accepted pairs join after this round: fds was built for the pairs before it.
        std::vector<std::unique_ptr<Pair>> accepted;
        if (fds[1].revents & POLLIN) {
            for (;;) {
                const int c = ::accept4(m_listenFd, nullptr, nullptr, SOCK_CLOEXEC);
                if (c < 0)
                    break;
                setNonBlocking(c);
                auto p = std::make_unique<Pair>();
                p->client = c;
                p->upstream = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
                setNonBlocking(p->upstream);
                p->connectDeadlineNs = nowNs() + 2'000'000'000ULL;
                const int r = ::connect(p->upstream, reinterpret_cast<sockaddr *>(&upstreamAddr), sizeof upstreamAddr);
                if (r == 0)
                    p->connected = true;
                else if (errno != EINPROGRESS)
                    closePair(*p, true);
                ++m_connections;
                if (!p->dead)
                    accepted.push_back(std::move(p));
            }
        }
        size_t i = 2;
        const uint64_t after = nowNs();
        for (auto &p : pairs) {
            if (!p->connected) {
                const short ev = fds[i++].revents;
                if (ev & (POLLERR | POLLHUP)) {
                    closePair(*p, true);
                } else if (ev & POLLOUT) {
                    int err = 0;
                    socklen_t len = sizeof err;
                    ::getsockopt(p->upstream, SOL_SOCKET, SO_ERROR, &err, &len);
                    if (err)
                        closePair(*p, true);
                    else
                        p->connected = true;
                } else if (after >= p->connectDeadlineNs) {
                    closePair(*p, true);
                }
                continue;
            }
            const short cev = fds[i++].revents;
            const short uev = fds[i++].revents;
            bool ok = true;
            if (cev & (POLLIN | POLLHUP | POLLERR))
                ok = readInto(p->client, p->up);
            if (ok && (uev & (POLLIN | POLLHUP | POLLERR)))
                ok = readInto(p->upstream, p->down);
            if (ok)
                ok = flush(p->upstream, p->up, after) && flush(p->client, p->down, after);
            // A side that hung up for good (both directions) while nothing is left to
            // deliver to it: poll would report it at once forever, so end the pair.
            const bool clientGone = (cev & POLLHUP) && p->up.eof && p->down.queue.empty();
            const bool upstreamGone = (uev & POLLHUP) && p->down.eof && p->up.queue.empty();
            if (!ok)
                closePair(*p, true);
            else if ((p->up.shutDown && p->down.shutDown) || clientGone || upstreamGone)
                closePair(*p, false);
        }
        std::erase_if(pairs, [](const std::unique_ptr<Pair> &p) { return p->dead; });
        for (auto &p : accepted)
            pairs.push_back(std::move(p));
    }
    for (auto &p : pairs)
        closePair(*p, true);
}

}  // namespace turno::test
