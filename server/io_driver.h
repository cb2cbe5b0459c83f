// IoDriver: how a loop moves its connections' bytes: it waits for events,
// receives and sends, and reports to ConnectionEvents. EpollDriver and
// UringDriver are the two backends (--io); the Worker sees only this.
#pragma once

#include "connection_events.h"
#include "connection_table.h"

#include <cstdint>

namespace turno::server {

class IoDriver {
public:
    enum class Interest : uint8_t { None, Read, Write };

    IoDriver(int epollFd, ConnectionTable &conns, ConnectionEvents &events)
        : m_epoll(epollFd), m_conns(conns), m_events(events)
    {
    }
    virtual ~IoDriver() = default;
    IoDriver(const IoDriver &) = delete;
    IoDriver &operator=(const IoDriver &) = delete;

    // One pass of the loop: waits up to 100 ms (not at all with `noWait`) and
    // dispatches every event that came.
    virtual void wait(bool noWait) = 0;
    // Dispatches what the epoll set has ready now, where wait() may not have looked.
    virtual void pollPending() = 0;
    // Starts receiving on a just-accepted connection.
    virtual void add(Connection &c) = 0;
    // Hands `c.out` to the kernel; reports outputDrained once nothing is left.
    virtual void flush(Connection &c) = 0;
    // What readiness of `c` the loop waits for (a backend that does not poll ignores it).
    virtual void want(Connection &c, Interest interest) = 0;
    // A send of `c` is still with the kernel.
    virtual bool sending(const Connection &c) const = 0;
    // Bytes from the peer can still arrive on `c`.
    virtual bool receiving(const Connection &c) const = 0;
    // Called just before `c`'s descriptor is closed.
    virtual void release(Connection &c) = 0;

    // A source of the epoll set may still be ready (a slice of accepts was taken).
    void lookAgain() { m_epollMaybeReady = true; }

protected:
    void dispatchEpoll(int timeoutMs);
    // A connection registered in the epoll set is ready (EpollDriver only).
    virtual void connectionReady(Connection &c, uint32_t events) = 0;

    int m_epoll;
    ConnectionTable &m_conns;
    ConnectionEvents &m_events;
    bool m_epollMaybeReady = false;
};

}  // namespace turno::server
