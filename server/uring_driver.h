// UringDriver: the io_uring backend. Receives are multishot into a ring of
// provided buffers, so data arriving on any connection costs no syscall of
// ours; sends queued during a pass go out with the next io_uring_enter, which
// also collects every completion. The epoll set (listener, wake-up, Redis) is
// polled through the ring.
#pragma once

#include "io_driver.h"

#include <liburing.h>

#include <memory>
#include <string>
#include <utility>
#include <vector>

namespace turno::server {

class UringDriver final : public IoDriver {
public:
    // nullptr when io_uring (or a feature it needs) is not available here.
    // Called on the loop's own thread: the ring is single-issuer.
    static std::unique_ptr<UringDriver> create(int epollFd, ConnectionTable &conns, ConnectionEvents &events);
    ~UringDriver() override;

    void wait(bool noWait) override;
    void pollPending() override { dispatchEpoll(0); }
    void add(Connection &c) override;
    void flush(Connection &c) override;
    void want(Connection &, Interest) override {}
    bool sending(const Connection &c) const override { return m_io[size_t(c.fd)].sendInFlight; }
    bool receiving(const Connection &c) const override { return m_io[size_t(c.fd)].recvArmed; }
    void release(Connection &c) override;

private:
    static constexpr unsigned kBufferCount = 256;
    static constexpr unsigned kBufferSize = 8192;

    // What the kernel holds of one connection.
    struct ConnIo {
        // Bytes handed to the kernel, which must stay put until the send
        // completes, while new responses gather in the connection's `out`.
        std::string sending;
        size_t sendingOffset = 0;
        bool sendInFlight = false;
        bool recvArmed = false;
    };

    UringDriver(int epollFd, ConnectionTable &conns, ConnectionEvents &events);
    bool setup();
    // Called per request: kept in the class body so they inline.
    io_uring_sqe *sqe()
    {
        io_uring_sqe *e = io_uring_get_sqe(&m_ring);
        if (!e) {
            io_uring_submit(&m_ring);
            e = io_uring_get_sqe(&m_ring);
        }
        return e;
    }
    void giveBack(unsigned bid)
    {
        io_uring_buf_ring_add(m_bufRing, m_buffers + size_t(bid) * kBufferSize, kBufferSize, uint16_t(bid), m_mask, 0);
        io_uring_buf_ring_advance(m_bufRing, 1);
    }
    void armEpollPoll();
    void armRecv(Connection &c);
    void submitSend(Connection &c, ConnIo &io);
    void onCompletion(uint64_t userData, int res, uint32_t flags, bool &epollReady);
    void onRecv(Connection *c, int res, uint32_t flags);
    void onSend(Connection *c, uint64_t userData, int res);
    void onRecvData(Connection &c, const char *data, size_t len);
    void connectionReady(Connection &, uint32_t) override {}

    io_uring m_ring{};
    bool m_ringUp = false;
    io_uring_buf_ring *m_bufRing = nullptr;
    size_t m_bufRingBytes = 0;
    char *m_buffers = nullptr;
    unsigned m_mask = 0;
    std::vector<ConnIo> m_io;  // by fd
    // Send buffers of closed connections, kept until the kernel is done with them.
    std::vector<std::pair<uint64_t, std::string>> m_graveyard;
};

}  // namespace turno::server
