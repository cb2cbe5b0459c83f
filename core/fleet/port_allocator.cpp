#include "fleet/port_allocator.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

namespace turno {

quint16 PortAllocator::tryBind(quint16 port)
{
    const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return 0;
    // Like the servers that will bind it (they all set SO_REUSEADDR): a port
    // with only TIME_WAIT connections left from a stopped cluster is free.
    const int one = 1;
    ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    a.sin_port = htons(port);
    quint16 got = 0;
    if (::bind(fd, reinterpret_cast<sockaddr *>(&a), sizeof a) == 0) {
        socklen_t len = sizeof a;
        ::getsockname(fd, reinterpret_cast<sockaddr *>(&a), &len);
        got = ntohs(a.sin_port);
    }
    ::close(fd);
    return got;
}

void PortAllocator::reset(const QString &onConflict, const QString &sourceFile)
{
    m_reserved.clear();
    m_onConflict = onConflict;
    m_sourceFile = sourceFile;
}

void PortAllocator::release(quint16 port)
{
    m_reserved.removeOne(port);
}

Result<quint16> PortAllocator::allocate(const QString &what, quint16 wanted, const QString &profileKey)
{
    auto reserve = [this](quint16 p) -> Result<quint16> {
        m_reserved << p;
        return p;
    };
    if (wanted == 0) {
        for (int attempt = 0; attempt < 50; ++attempt) {
            const quint16 p = tryBind(0);
            if (p != 0 && !m_reserved.contains(p))
                return reserve(p);
        }
        return Error{QStringLiteral("no free loopback port for %1").arg(what)};
    }
    quint16 p = wanted;
    for (int attempt = 0; attempt < 200 && p != 0; ++attempt, ++p) {
        if (!m_reserved.contains(p) && tryBind(p) == p)
            return reserve(p);
        if (m_onConflict != QLatin1String("next"))
            return Error{QStringLiteral("port 127.0.0.1:%1 for %2 is in use. Stop whatever listens there (ss -ltnp "
                                        "'sport = :%1' shows it), change %3 in %4, or set ports.onConflict to \"next\" "
                                        "to take the next free port")
                             .arg(p).arg(what, profileKey, m_sourceFile.isEmpty() ? QStringLiteral("the profile") : m_sourceFile)};
    }
    return Error{QStringLiteral("no free port from %1 upwards for %2").arg(wanted).arg(what)};
}

}  // namespace turno
