#include "epoll_driver.h"

#include <cerrno>
#include <sys/epoll.h>
#include <sys/socket.h>

namespace turno::server {

namespace {
constexpr size_t kReadChunk = 65536;
}

EpollDriver::EpollDriver(int epollFd, ConnectionTable &conns, ConnectionEvents &events)
    : IoDriver(epollFd, conns, events)
{
    m_readBuffer.resize(kReadChunk);
}

void EpollDriver::wait(bool noWait)
{
    dispatchEpoll(noWait ? 0 : 100);
}

void EpollDriver::add(Connection &c)
{
    if (size_t(c.fd) >= m_masks.size())
        m_masks.resize(size_t(c.fd) + 64);
    epoll_event ev{};
    ev.events = EPOLLIN;
    ev.data.u64 = epollData(EpollTag::Conn, uint64_t(c.fd));
    epoll_ctl(m_epoll, EPOLL_CTL_ADD, c.fd, &ev);
    m_masks[size_t(c.fd)] = EPOLLIN;
}

void EpollDriver::want(Connection &c, Interest interest)
{
    const uint32_t mask = interest == Interest::Read ? uint32_t(EPOLLIN)
                          : interest == Interest::Write ? uint32_t(EPOLLOUT)
                                                        : 0u;
    uint32_t &current = m_masks[size_t(c.fd)];
    if (current == mask)
        return;
    epoll_event ev{};
    ev.events = mask;
    ev.data.u64 = epollData(EpollTag::Conn, uint64_t(c.fd));
    epoll_ctl(m_epoll, EPOLL_CTL_MOD, c.fd, &ev);
    current = mask;
}

void EpollDriver::connectionReady(Connection &c, uint32_t events)
{
    if (events & (EPOLLIN | EPOLLHUP | EPOLLERR))
        onReadable(c);
    if (c.isOpen() && (events & EPOLLOUT))
        onWritable(c);
}

void EpollDriver::onReadable(Connection &c)
{
    if (c.state == ConnState::Lingering) {
        ssize_t n = ::recv(c.fd, m_readBuffer.data(), kReadChunk, 0);
        if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR))
            m_events.broken(c);
        return;
    }
    ssize_t n;
    if (c.in.empty()) {
        n = ::recv(c.fd, m_readBuffer.data(), kReadChunk, 0);
        if (n > 0) {
            m_events.received(c, m_readBuffer.data(), size_t(n), false);
            return;
        }
    } else {
        // A partial request waits in c.in: read straight behind it.
        const size_t old = c.in.size();
        c.in.resize(old + kReadChunk);
        n = ::recv(c.fd, c.in.data() + old, kReadChunk, 0);
        c.in.resize(old + size_t(n > 0 ? n : 0));
        if (n > 0) {
            m_events.received(c, c.in.data(), c.in.size(), true);
            return;
        }
    }
    if (n < 0 && (errno == EAGAIN || errno == EINTR))
        return;
    if (n < 0) {
        m_events.broken(c);
        return;
    }
    m_events.peerClosed(c);
}

void EpollDriver::onWritable(Connection &c)
{
    flush(c);
    // Requests held back while output was pending get their turn now.
    if (c.isOpen() && c.out.size() == c.outOffset && !c.in.empty() && !c.isClosing())
        m_events.received(c, c.in.data(), c.in.size(), true);
}

void EpollDriver::flush(Connection &c)
{
    if (c.out.size() > c.outOffset) {
        const ssize_t n = ::send(c.fd, c.out.data() + c.outOffset, c.out.size() - c.outOffset, MSG_NOSIGNAL);
        if (n < 0 && errno != EAGAIN && errno != EINTR) {
            m_events.broken(c);
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
        want(c, Interest::Write);
        return;
    }
    m_events.outputDrained(c);
}

}  // namespace turno::server
