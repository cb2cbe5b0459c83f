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

Connection *ConnectionTable::find(int fd, uint32_t gen)
{
    if (fd < 0 || size_t(fd) >= m_conns.size())
        return nullptr;
    Connection *c = m_conns[size_t(fd)].get();
    if (!c || !c->isOpen() || c->gen != gen)
        return nullptr;
    return c;
}

Connection *ConnectionTable::findLow24(int fd, uint32_t gen24)
{
    if (fd < 0 || size_t(fd) >= m_conns.size())
        return nullptr;
    Connection *c = m_conns[size_t(fd)].get();
    if (!c || !c->isOpen() || (c->gen & 0xFFFFFF) != gen24)
        return nullptr;
    return c;
}

}  // namespace turno::server
