#include "connection_table.h"

namespace turno::server {

Connection &ConnectionTable::adopt(int fd, uint64_t nowNs)
{
    if (size_t(fd) >= m_conns.size())
        m_conns.resize(size_t(fd) + 64);
    if (!m_conns[size_t(fd)])
        m_conns[size_t(fd)] = std::make_unique<Connection>();
    Connection &c = *m_conns[size_t(fd)];
    const uint32_t gen = c.gen;
    c = Connection();
    c.gen = gen;
    c.fd = fd;
    c.state = ConnState::Open;
    c.acceptedNs = c.lastActivityNs = nowNs;
    return c;
}

}  // namespace turno::server
