// ConnectionEvents: what an IoDriver reports to the loop that owns the
// connections (the Worker): bytes in, the peer's end, a failed socket, output out.
#pragma once

#include "connection.h"

#include <cstddef>
#include <cstdint>

namespace turno::server {

// What an entry of the loop's epoll set is; the low 32 bits of its data say which one.
enum class EpollTag : uint64_t { Conn = 0, Listen = 1, Wake = 2, Redis = 3 };

inline uint64_t epollData(EpollTag kind, uint64_t value)
{
    return (uint64_t(kind) << 32) | value;
}

class ConnectionEvents {
public:
    // Bytes arrived. `inBuffer`: `data` is `c.in` itself (appended to in place);
    // otherwise it is the driver's buffer, valid only during the call.
    virtual void received(Connection &c, const char *data, size_t len, bool inBuffer) = 0;
    // The peer will send nothing more.
    virtual void peerClosed(Connection &c) = 0;
    // The socket failed (or a client far ahead of its answers): close it now.
    virtual void broken(Connection &c) = 0;
    // Everything queued on `c` has been handed to the kernel.
    virtual void outputDrained(Connection &c) = 0;
    // An entry of the epoll set other than a connection is ready.
    virtual void controlReady(EpollTag kind, uint32_t value, uint32_t events) = 0;

protected:
    ~ConnectionEvents() = default;
};

}  // namespace turno::server
