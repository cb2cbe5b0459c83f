#include "io_driver.h"

#include <sys/epoll.h>

namespace turno::server {

void IoDriver::dispatchEpoll(int timeoutMs)
{
    epoll_event events[256];
    const int n = epoll_wait(m_epoll, events, 256, timeoutMs);
    m_epollMaybeReady = n == 256;
    for (int i = 0; i < n; ++i) {
        const EpollTag kind = EpollTag(events[i].data.u64 >> 32);
        const uint32_t value = uint32_t(events[i].data.u64);
        if (kind == EpollTag::Conn) {
            Connection &c = m_conns.at(int(value));
            if (c.isOpen())
                connectionReady(c, events[i].events);
        } else {
            m_events.controlReady(kind, value, events[i].events);
        }
    }
}

}  // namespace turno::server
