// ConnectionTable: a loop's connections indexed by descriptor; a generation
// per slot tells an answer for a closed connection from one for its successor.
#pragma once

#include "connection.h"

#include <memory>
#include <vector>

namespace turno::server {

class ConnectionTable {
public:
    // A fresh Open connection for a just-accepted descriptor (its slot reused).
    Connection &adopt(int fd, uint64_t nowNs);
    // The open connection on `fd` if it is still generation `gen`.
    Connection *find(int fd, uint32_t gen)
    {
        Connection *c = slot(fd);
        return (c && c->isOpen() && c->gen == gen) ? c : nullptr;
    }
    // The open connection on `fd` whose generation's low 24 bits are `gen24`
    // (io_uring's user data has room for no more).
    Connection *findLow24(int fd, uint32_t gen24)
    {
        Connection *c = slot(fd);
        return (c && c->isOpen() && (c->gen & 0xFFFFFF) == gen24) ? c : nullptr;
    }
    Connection &at(int fd) { return *m_conns[size_t(fd)]; }

    template <typename F>
    void forEachOpen(F &&f)
    {
        for (auto &ptr : m_conns)
            if (ptr && ptr->isOpen())
                f(*ptr);
    }

private:
    Connection *slot(int fd) { return (fd >= 0 && size_t(fd) < m_conns.size()) ? m_conns[size_t(fd)].get() : nullptr; }

    std::vector<std::unique_ptr<Connection>> m_conns;  // indexed by fd
};

}  // namespace turno::server
