#include "uring_driver.h"

#include <cerrno>
#include <cstdlib>
#include <poll.h>
#include <sys/mman.h>
#include <sys/socket.h>

namespace turno::server {

namespace {
constexpr uint64_t kUringRecv = 1;
constexpr uint64_t kUringSend = 2;
constexpr uint64_t kUringEpoll = 3;
constexpr uint64_t kUringCancel = 4;
constexpr uint16_t kBufferGroup = 7;
constexpr size_t kMaxBufferedInput = 4u << 20;

uint64_t uringData(uint64_t kind, uint32_t gen, int fd)
{
    return (kind << 56) | (uint64_t(gen & 0xFFFFFF) << 32) | uint32_t(fd);
}
}  // namespace

UringDriver::UringDriver(int epollFd, ConnectionTable &conns, ConnectionEvents &events)
    : IoDriver(epollFd, conns, events)
{
}

UringDriver::~UringDriver()
{
    if (m_ringUp)
        io_uring_queue_exit(&m_ring);
    if (m_bufRing)
        munmap(m_bufRing, m_bufRingBytes);
    std::free(m_buffers);
}

std::unique_ptr<UringDriver> UringDriver::create(int epollFd, ConnectionTable &conns, ConnectionEvents &events)
{
    std::unique_ptr<UringDriver> d(new UringDriver(epollFd, conns, events));
    if (!d->setup())
        return nullptr;
    return d;
}

bool UringDriver::setup()
{
    io_uring_params params{};
    params.flags = IORING_SETUP_SINGLE_ISSUER | IORING_SETUP_DEFER_TASKRUN;
    if (io_uring_queue_init_params(4096, &m_ring, &params) != 0) {
        io_uring_params plain{};
        if (io_uring_queue_init_params(4096, &m_ring, &plain) != 0)
            return false;
    }
    m_ringUp = true;
    m_bufRingBytes = kBufferCount * sizeof(io_uring_buf);
    void *mem = mmap(nullptr, m_bufRingBytes, PROT_READ | PROT_WRITE, MAP_ANONYMOUS | MAP_PRIVATE, -1, 0);
    if (mem == MAP_FAILED)
        return false;
    m_bufRing = static_cast<io_uring_buf_ring *>(mem);
    m_buffers = static_cast<char *>(std::aligned_alloc(4096, size_t(kBufferCount) * kBufferSize));
    if (!m_buffers)
        return false;
    io_uring_buf_reg reg{};
    reg.ring_addr = reinterpret_cast<uint64_t>(m_bufRing);
    reg.ring_entries = kBufferCount;
    reg.bgid = kBufferGroup;
    if (io_uring_register_buf_ring(&m_ring, &reg, 0) != 0)
        return false;
    io_uring_buf_ring_init(m_bufRing);
    m_mask = unsigned(io_uring_buf_ring_mask(kBufferCount));
    for (unsigned i = 0; i < kBufferCount; ++i)
        io_uring_buf_ring_add(m_bufRing, m_buffers + size_t(i) * kBufferSize, kBufferSize, uint16_t(i), m_mask,
                              int(i));
    io_uring_buf_ring_advance(m_bufRing, int(kBufferCount));
    armEpollPoll();
    return true;
}

void UringDriver::armEpollPoll()
{
    io_uring_sqe *e = sqe();
    io_uring_prep_poll_multishot(e, m_epoll, POLLIN);
    io_uring_sqe_set_data64(e, uringData(kUringEpoll, 0, m_epoll));
}

void UringDriver::add(Connection &c)
{
    if (size_t(c.fd) >= m_io.size())
        m_io.resize(size_t(c.fd) + 64);
    armRecv(c);
}

void UringDriver::armRecv(Connection &c)
{
    io_uring_sqe *e = sqe();
    io_uring_prep_recv_multishot(e, c.fd, nullptr, 0, 0);
    e->flags |= IOSQE_BUFFER_SELECT;
    e->buf_group = kBufferGroup;
    io_uring_sqe_set_data64(e, uringData(kUringRecv, c.gen, c.fd));
    m_io[size_t(c.fd)].recvArmed = true;
}

void UringDriver::submitSend(Connection &c, ConnIo &io)
{
    io_uring_sqe *e = sqe();
    io_uring_prep_send(e, c.fd, io.sending.data() + io.sendingOffset, io.sending.size() - io.sendingOffset,
                       MSG_NOSIGNAL);
    io_uring_sqe_set_data64(e, uringData(kUringSend, c.gen, c.fd));
    io.sendInFlight = true;
}

void UringDriver::release(Connection &c)
{
    ConnIo &io = m_io[size_t(c.fd)];
    if (io.recvArmed || io.sendInFlight) {
        // Cancel before close(): the fd number may be reused by the next accept.
        io_uring_sqe *e = sqe();
        io_uring_prep_cancel_fd(e, c.fd, IORING_ASYNC_CANCEL_ALL);
        io_uring_sqe_set_data64(e, uringData(kUringCancel, 0, c.fd));
        io_uring_submit(&m_ring);
        if (io.sendInFlight)
            m_graveyard.emplace_back(uringData(kUringSend, c.gen, c.fd), std::move(io.sending));
    }
    std::string().swap(io.sending);
    io.sendingOffset = 0;
    io.sendInFlight = false;
    io.recvArmed = false;
}

void UringDriver::wait(bool noWait)
{
    bool epollReady = false;
    __kernel_timespec ts{0, (noWait || m_epollMaybeReady) ? 0 : 100'000'000};
    io_uring_cqe *cqe = nullptr;
    io_uring_submit_and_wait_timeout(&m_ring, &cqe, 1, &ts, nullptr);
    unsigned head = 0, seen = 0;
    io_uring_for_each_cqe(&m_ring, head, cqe)
    {
        onCompletion(cqe->user_data, cqe->res, cqe->flags, epollReady);
        ++seen;
    }
    io_uring_cq_advance(&m_ring, seen);
    // A level-triggered source of the epoll set left ready gets one more look.
    if (epollReady || m_epollMaybeReady)
        dispatchEpoll(0);
}

void UringDriver::onCompletion(uint64_t userData, int res, uint32_t flags, bool &epollReady)
{
    const uint64_t kind = userData >> 56;
    if (kind == kUringEpoll) {
        epollReady = true;
        if (!(flags & IORING_CQE_F_MORE))
            armEpollPoll();
        return;
    }
    if (kind == kUringCancel)
        return;
    Connection *c = m_conns.findLow24(int(uint32_t(userData)), uint32_t(userData >> 32) & 0xFFFFFF);
    if (kind == kUringRecv)
        onRecv(c, res, flags);
    else if (kind == kUringSend)
        onSend(c, userData, res);
}

void UringDriver::onRecv(Connection *c, int res, uint32_t flags)
{
    if (c && !(flags & IORING_CQE_F_MORE))
        m_io[size_t(c->fd)].recvArmed = false;
    if (res > 0 && (flags & IORING_CQE_F_BUFFER)) {
        const unsigned bid = flags >> IORING_CQE_BUFFER_SHIFT;
        if (c)
            onRecvData(*c, m_buffers + size_t(bid) * kBufferSize, size_t(res));
        giveBack(bid);
    } else if (c && res == 0) {
        m_events.peerClosed(*c);
    } else if (c && res < 0 && res != -ENOBUFS && res != -ECANCELED) {
        m_events.broken(*c);
    }
    // A multishot receive stops when buffers ran out or after an error;
    // re-arm it for a connection that is still reading.
    if (c && c->isOpen() && !m_io[size_t(c->fd)].recvArmed && res != 0 &&
        (c->state == ConnState::Open || c->state == ConnState::Lingering))
        armRecv(*c);
}

void UringDriver::onSend(Connection *c, uint64_t userData, int res)
{
    if (!c) {
        for (size_t i = 0; i < m_graveyard.size(); ++i) {
            if (m_graveyard[i].first == userData) {
                m_graveyard.erase(m_graveyard.begin() + long(i));
                break;
            }
        }
        return;
    }
    ConnIo &io = m_io[size_t(c->fd)];
    io.sendInFlight = false;
    if (res < 0) {
        m_events.broken(*c);
        return;
    }
    io.sendingOffset += size_t(res);
    if (io.sendingOffset < io.sending.size()) {
        submitSend(*c, io);  // short send: the rest goes next
        return;
    }
    io.sending.clear();
    io.sendingOffset = 0;
    if (io.sending.capacity() > 262144)
        std::string().swap(io.sending);
    // Requests held back while output was pending get their turn now.
    if (!c->in.empty() && !c->isClosing())
        m_events.received(*c, c->in.data(), c->in.size(), true);
    else
        flush(*c);
}

void UringDriver::onRecvData(Connection &c, const char *data, size_t len)
{
    if (c.isClosing())
        return;  // after our last response: discard until the peer closes
    if (c.in.empty()) {
        m_events.received(c, data, len, false);
        return;
    }
    if (c.in.size() + len > kMaxBufferedInput) {
        m_events.broken(c);  // pipelining far ahead while never reading answers
        return;
    }
    c.in.append(data, len);
    m_events.received(c, c.in.data(), c.in.size(), true);
}

void UringDriver::flush(Connection &c)
{
    ConnIo &io = m_io[size_t(c.fd)];
    if (io.sendInFlight)
        return;  // its completion sends what gathered meanwhile
    if (!c.out.empty()) {
        io.sending.swap(c.out);
        c.out.clear();
        io.sendingOffset = 0;
        submitSend(c, io);
        return;
    }
    m_events.outputDrained(c);
}

}  // namespace turno::server
