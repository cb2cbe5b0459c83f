#include "scrape/balancer_log_receiver.h"

#include <QSocketNotifier>
#include <QTimer>
#include <algorithm>
#include <arpa/inet.h>
#include <cerrno>
#include <cmath>
#include <cstring>
#include <fcntl.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

namespace turno {

namespace {

// A non-negative decimal of at most 9 digits; false for anything else.
bool parseNumber(QByteArrayView s, int *out)
{
    if (s.isEmpty() || s.size() > 9)
        return false;
    int v = 0;
    for (const char c : s) {
        if (c < '0' || c > '9')
            return false;
        v = v * 10 + (c - '0');
    }
    *out = v;
    return true;
}

}  // namespace

BalancerLogReceiver::BalancerLogReceiver(QObject *parent) : QObject(parent), m_counts(size_t(kMaxMs) + 1, 0) {}

BalancerLogReceiver::~BalancerLogReceiver()
{
    if (m_fd >= 0)
        ::close(m_fd);
}

Result<quint16> BalancerLogReceiver::bind(quint16 port)
{
    if (m_fd >= 0)
        return m_port;
    const int fd = ::socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return Error{QStringLiteral("cannot open a UDP socket for HAProxy's log: %1").arg(QString::fromLocal8Bit(std::strerror(errno)))};
    // Bursts of a few thousand lines between two reads must not be dropped by the kernel.
    const int buffer = 1 << 20;
    ::setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &buffer, sizeof buffer);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    addr.sin_port = htons(port);
    socklen_t len = sizeof addr;
    if (::bind(fd, reinterpret_cast<sockaddr *>(&addr), sizeof addr) != 0 ||
        ::getsockname(fd, reinterpret_cast<sockaddr *>(&addr), &len) != 0) {
        const QString why = QString::fromLocal8Bit(std::strerror(errno));
        ::close(fd);
        return Error{port ? QStringLiteral("cannot bind UDP 127.0.0.1:%1 for HAProxy's log: %2").arg(port).arg(why)
                          : QStringLiteral("cannot bind a UDP port on 127.0.0.1 for HAProxy's log: %1").arg(why)};
    }
    m_fd = fd;
    m_port = ntohs(addr.sin_port);
    m_buffers.assign(size_t(kChunk) * kLineMax, 0);
    m_notifier = new QSocketNotifier(qintptr(fd), QSocketNotifier::Read, this);
    connect(m_notifier, &QSocketNotifier::activated, this, &BalancerLogReceiver::onReadable);
    m_rearm = new QTimer(this);
    m_rearm->setSingleShot(true);
    m_rearm->setInterval(kCoalesceMs);
    connect(m_rearm, &QTimer::timeout, m_notifier, [this] { m_notifier->setEnabled(true); });
    return m_port;
}

void BalancerLogReceiver::onReadable()
{
    readBatch();
    // One wake-up per request would cost more than the request's line: let them queue a little.
    m_notifier->setEnabled(false);
    m_rearm->start();
}

void BalancerLogReceiver::readBatch()
{
    // HAProxy's lines are short (len 256 in haproxy.cfg); a longer datagram is cut and counted as garbage.
    mmsghdr msgs[kChunk];
    iovec iov[kChunk];
    for (int read = 0; read < kBatch;) {
        for (int i = 0; i < kChunk; ++i) {
            iov[i] = {m_buffers.data() + size_t(i) * kLineMax, size_t(kLineMax)};
            msgs[i] = {};
            msgs[i].msg_hdr.msg_iov = &iov[i];
            msgs[i].msg_hdr.msg_iovlen = 1;
        }
        const int n = ::recvmmsg(m_fd, msgs, kChunk, MSG_DONTWAIT, nullptr);
        if (n <= 0)
            return;  // EAGAIN: drained; other errors: nothing to read now either
        for (int i = 0; i < n; ++i) {
            if (msgs[i].msg_hdr.msg_flags & MSG_TRUNC) {
                ++m_linesTotal;
                ++m_garbage;
                continue;
            }
            addLine(QByteArrayView(m_buffers.data() + size_t(i) * kLineMax, qsizetype(msgs[i].msg_len)));
        }
        read += n;
        if (n < kChunk)
            return;
    }
}

bool BalancerLogReceiver::parseLine(QByteArrayView line, int *status, int *activeMs)
{
    while (!line.isEmpty() && (line.back() == '\n' || line.back() == '\r' || line.back() == '\0'))
        line.chop(1);
    // Raw format sends the line alone; a syslog header (another "format") ends before our tag.
    const QByteArrayView tag("turno ");
    const qsizetype at = line.indexOf(tag);
    if (at < 0 || (at > 0 && line[at - 1] != ' '))
        return false;
    line = line.sliced(at + tag.size());
    const qsizetype space = line.indexOf(' ');
    if (space < 0)
        return false;
    int st = 0, ta = 0;
    if (!parseNumber(line.first(space), &st) || st < 100 || st > 999)
        return false;
    // %Ta is -1 when the request was aborted before an answer: no latency, still an answer code.
    const QByteArrayView t = line.sliced(space + 1);
    if (t == QByteArrayView("-1"))
        ta = -1;
    else if (!parseNumber(t, &ta))
        return false;
    *status = st;
    *activeMs = ta;
    return true;
}

void BalancerLogReceiver::addLine(QByteArrayView line)
{
    ++m_linesTotal;
    int status = 0, ms = 0;
    if (!parseLine(line, &status, &ms)) {
        ++m_garbage;
        return;
    }
    ++m_requests;
    if (status >= 500 && status <= 599)
        ++m_5xx;
    if (ms >= 0)
        ++m_counts[size_t(std::min(ms, kMaxMs))];
}

double BalancerLogReceiver::percentileMs(double p) const
{
    quint64 total = 0;
    for (const quint32 c : m_counts)
        total += c;
    if (total == 0)
        return BalancerLogWindow::kUnknown;
    const quint64 rank = std::clamp<quint64>(quint64(std::ceil(p / 100.0 * double(total))), 1, total);
    quint64 seen = 0;
    for (size_t i = 0; i < m_counts.size(); ++i) {
        seen += m_counts[i];
        if (seen >= rank)
            return double(i);
    }
    return double(kMaxMs);
}

BalancerLogWindow BalancerLogReceiver::roll(qint64 nowMs)
{
    // Lines already queued belong to the window that ends now.
    if (m_fd >= 0)
        readBatch();
    BalancerLogWindow w;
    w.timestampMs = nowMs;
    w.windowMs = m_openedMs > 0 && nowMs > m_openedMs ? nowMs - m_openedMs : 0;
    w.requests = m_requests;
    w.responses5xx = m_5xx;
    w.p50Ms = percentileMs(50);
    w.p99Ms = percentileMs(99);
    w.garbageTotal = m_garbage;
    std::fill(m_counts.begin(), m_counts.end(), 0);
    m_requests = m_5xx = 0;
    m_openedMs = nowMs;
    m_last = w;
    emit rolled(w);
    return w;
}

}  // namespace turno
