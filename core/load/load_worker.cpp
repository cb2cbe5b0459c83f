#include "load_worker.h"

#include "http_response_parser.h"
#include "turno_answer_check.h"

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <ctime>
#include <fcntl.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

namespace turno {

namespace {

uint64_t monoNs()
{
    timespec ts{};
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return uint64_t(ts.tv_sec) * 1'000'000'000ULL + uint64_t(ts.tv_nsec);
}

constexpr uint64_t kPublishEveryNs = 100'000'000ULL;  // 10 hand-overs per progress second
constexpr uint64_t kTimeoutScanNs = 50'000'000ULL;
constexpr uint64_t kReconnectDelayNs = 100'000'000ULL;

}  // namespace

void LoadCounters::add(const LoadCounters &o)
{
    sent += o.sent;
    answers += o.answers;
    ok += o.ok;
    duplicates += o.duplicates;
    reconnects += o.reconnects;
    for (size_t k = 0; k < errors.size(); ++k)
        errors[k] += o.errors[k];
}

LoadWorker::LoadWorker(const LoadPlan &plan, int firstConnection, int connectionCount, uint64_t budget, uint64_t seed)
    : m_plan(plan), m_first(firstConnection), m_connections(size_t(connectionCount)), m_budget(budget),
      m_rng(seed | 1), m_ledger(plan.ids.size())
{
    if (plan.rate > 0)
        m_intervalNs = uint64_t(1e9 * double(plan.totalConnections) / plan.rate);
}

LoadWorker::~LoadWorker()
{
    for (uint32_t c = 0; c < m_connections.size(); ++c)
        closeConnection(c);
    if (m_epoll >= 0)
        ::close(m_epoll);
}

uint32_t LoadWorker::pickId()
{
    const size_t n = m_plan.ids.size();
    if (n == 1)
        return 0;
    // xorshift64*: a few cycles, good enough to spread requests over ids.
    m_rng ^= m_rng >> 12;
    m_rng ^= m_rng << 25;
    m_rng ^= m_rng >> 27;
    const uint64_t r = m_rng * 2685821657736338717ULL;
    if (m_plan.zipfCdf.empty())
        return uint32_t(((r >> 32) * uint64_t(n)) >> 32);  // n < 2^32: a multiply instead of a division
    const double u = double(r >> 11) * (1.0 / 9007199254740992.0) * m_plan.zipfCdf.back();
    const auto it = std::upper_bound(m_plan.zipfCdf.begin(), m_plan.zipfCdf.end(), u);
    return uint32_t(std::min<size_t>(size_t(it - m_plan.zipfCdf.begin()), n - 1));
}

void LoadWorker::countError(LoadErrorKind kind)
{
    ++m_counters.errors[size_t(kind)];
    ++m_intervalCounters.errors[size_t(kind)];
}

bool LoadWorker::mayIssue(uint64_t now) const
{
    if (now >= m_plan.endNs || m_plan.stopped())
        return false;
    return m_budget == 0 || m_counters.sent < m_budget;
}

int LoadWorker::inFlight() const
{
    int n = 0;
    for (const Connection &c : m_connections)
        if (c.state == ConnState::Sending || c.state == ConnState::Awaiting)
            ++n;
    return n;
}

void LoadWorker::armTimer(uint32_t c, uint64_t atNs)
{
    m_connections[c].timerNs = atNs;
    m_timers.push_back({atNs, c});
    std::push_heap(m_timers.begin(), m_timers.end(), std::greater<Timer>());
}

void LoadWorker::openConnection(uint32_t c, uint64_t now)
{
    Connection &conn = m_connections[c];
    conn.fd = ::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (conn.fd < 0) {
        countError(LoadErrorKind::Connect);
        reconnectLater(c, now);
        return;
    }
    const int one = 1;
    ::setsockopt(conn.fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    conn.length = 0;
    conn.state = ConnState::Connecting;
    conn.connectNs = now;
    ++conn.generation;
    const int rc = ::connect(conn.fd, reinterpret_cast<const sockaddr *>(&m_plan.address), sizeof m_plan.address);
    if (rc < 0 && errno != EINPROGRESS) {
        countError(LoadErrorKind::Connect);
        closeConnection(c);
        reconnectLater(c, now);
        return;
    }
    epoll_event ev{};
    ev.events = EPOLLIN | EPOLLOUT;
    ev.data.u64 = c;
    ::epoll_ctl(m_epoll, EPOLL_CTL_ADD, conn.fd, &ev);
    conn.wantWrite = true;
}

void LoadWorker::closeConnection(uint32_t c)
{
    Connection &conn = m_connections[c];
    if (conn.fd >= 0) {
        ::close(conn.fd);  // also removes it from the epoll set
        conn.fd = -1;
    }
    conn.state = ConnState::Closed;
    conn.length = 0;
    conn.wantWrite = false;
}

void LoadWorker::reconnectLater(uint32_t c, uint64_t now)
{
    Connection &conn = m_connections[c];
    conn.sendWhenConnected = true;
    armTimer(c, now + kReconnectDelayNs);
}

void LoadWorker::setWantWrite(uint32_t c, bool want)
{
    Connection &conn = m_connections[c];
    if (conn.wantWrite == want || conn.fd < 0)
        return;
    epoll_event ev{};
    ev.events = EPOLLIN | (want ? EPOLLOUT : 0u);
    ev.data.u64 = c;
    ::epoll_ctl(m_epoll, EPOLL_CTL_MOD, conn.fd, &ev);
    conn.wantWrite = want;
}

void LoadWorker::onConnected(uint32_t c, uint64_t now)
{
    Connection &conn = m_connections[c];
    int err = 0;
    socklen_t len = sizeof err;
    ::getsockopt(conn.fd, SOL_SOCKET, SO_ERROR, &err, &len);
    if (err != 0) {
        countError(LoadErrorKind::Connect);
        closeConnection(c);
        reconnectLater(c, now);
        return;
    }
    conn.state = ConnState::Idle;
    setWantWrite(c, false);
    if (conn.sendWhenConnected) {
        conn.sendWhenConnected = false;
        if (mayIssue(now))
            startRequest(c, now);
    }
}

void LoadWorker::startRequest(uint32_t c, uint64_t now)
{
    Connection &conn = m_connections[c];
    if (conn.state == ConnState::Closed) {
        // The request stays due; it goes out once the connection is up, and
        // in open loop its latency still counts from when it was due.
        conn.sendWhenConnected = true;
        openConnection(c, now);
        return;
    }
    if (conn.state == ConnState::Connecting) {
        conn.sendWhenConnected = true;
        return;
    }
    if (m_intervalNs && conn.intendedNs > now) {
        armTimer(c, conn.intendedNs);  // connected early: wait until the request is due
        return;
    }
    conn.idIndex = pickId();
    conn.written = 0;
    conn.sentNs = now;
    if (m_intervalNs == 0)
        conn.intendedNs = now;
    ++m_counters.sent;
    ++m_intervalCounters.sent;
    conn.state = ConnState::Sending;
    writeRequest(c, now);
}

void LoadWorker::writeRequest(uint32_t c, uint64_t now)
{
    Connection &conn = m_connections[c];
    const std::string &req = m_plan.requests[conn.idIndex];
    while (conn.written < req.size()) {
        const ssize_t n = ::send(conn.fd, req.data() + conn.written, req.size() - conn.written, MSG_NOSIGNAL);
        if (n > 0) {
            conn.written += size_t(n);
            continue;
        }
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
            setWantWrite(c, true);
            return;
        }
        if (n < 0 && errno == EINTR)
            continue;
        countError(LoadErrorKind::Io);
        closeConnection(c);
        scheduleNext(c, now);
        return;
    }
    setWantWrite(c, false);
    conn.state = ConnState::Awaiting;
}

void LoadWorker::onWritable(uint32_t c, uint64_t now)
{
    Connection &conn = m_connections[c];
    if (conn.state == ConnState::Connecting)
        onConnected(c, now);
    else if (conn.state == ConnState::Sending)
        writeRequest(c, now);
    else
        setWantWrite(c, false);
}

void LoadWorker::onReadable(uint32_t c, uint64_t now)
{
    Connection &conn = m_connections[c];
    if (conn.state == ConnState::Connecting) {
        // Level-triggered: any answer bytes are reported again on the next wait.
        onConnected(c, now);
        return;
    }
    const ssize_t n = ::recv(conn.fd, conn.buffer + conn.length, kBufferSize - conn.length, 0);
    if (n < 0) {
        if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)
            return;
        const bool busy = conn.state == ConnState::Awaiting || conn.state == ConnState::Sending;
        if (busy)
            countError(LoadErrorKind::Io);
        closeConnection(c);
        if (busy)
            scheduleNext(c, now);
        else
            conn.sendWhenConnected = false;
        return;
    }
    const bool peerClosed = n == 0;
    conn.length += size_t(n);
    if (conn.state != ConnState::Awaiting && conn.state != ConnState::Sending) {
        // Bytes nobody asked for, or the server closing an idle keep-alive connection.
        if (!peerClosed)
            countError(LoadErrorKind::Http);
        closeConnection(c);
        ++m_counters.reconnects;
        if (mayIssue(now) && m_intervalNs == 0)
            startRequest(c, now);
        return;
    }
    const HttpResponseFrame f = HttpResponseParser::parse(conn.buffer, conn.length, peerClosed, &m_scratch);
    if (f.state == HttpResponseFrame::State::Complete) {
        if (f.totalLength != conn.length) {
            // We never pipeline, so anything after the answer is a protocol error.
            countError(LoadErrorKind::Http);
            finishAnswer(c, f.status, f.body.data(), f.body.size(), true, now);
            return;
        }
        finishAnswer(c, f.status, f.body.data(), f.body.size(), f.closeAfter || peerClosed, now);
        return;
    }
    if (f.state == HttpResponseFrame::State::Invalid || conn.length == kBufferSize) {
        countError(LoadErrorKind::Http);
        closeConnection(c);
        scheduleNext(c, now);
        return;
    }
    if (peerClosed) {
        countError(LoadErrorKind::Io);
        closeConnection(c);
        scheduleNext(c, now);
    }
}

void LoadWorker::finishAnswer(uint32_t c, int status, const char *body, size_t bodyLength, bool closeAfter, uint64_t now)
{
    Connection &conn = m_connections[c];
    const uint64_t latency = now - (m_intervalNs ? conn.intendedNs : conn.sentNs);
    m_total.record(latency);
    m_interval.record(latency);
    ++m_counters.answers;
    ++m_intervalCounters.answers;
    if (status >= 0 && status < int(m_statuses.size()))
        ++m_statuses[size_t(status)];
    if (status != 200) {
        countError(LoadErrorKind::Status);
    } else {
        const uint32_t id = conn.idIndex;
        const AnswerCheck a = TurnoAnswerCheck::check(std::string_view(body, bodyLength), m_plan.ids[id], m_plan.prefixes[id]);
        switch (a.verdict) {
        case AnswerVerdict::Ok:
            ++m_counters.ok;
            ++m_intervalCounters.ok;
            if (m_plan.answerObserver)
                m_plan.answerObserver(id, a.turno, now);
            if (!m_ledger.record(id, a.turno)) {
                ++m_counters.duplicates;
                ++m_intervalCounters.duplicates;
                if (m_duplicateExamples.size() < m_plan.maxExamples)
                    m_duplicateExamples.push_back({id, a.turno});
            }
            break;
        case AnswerVerdict::BadJson: countError(LoadErrorKind::Json); break;
        case AnswerVerdict::WrongId: countError(LoadErrorKind::WrongId); break;
        case AnswerVerdict::BadTurno: countError(LoadErrorKind::Turno); break;
        }
    }
    conn.length = 0;
    if (closeAfter) {
        closeConnection(c);
        ++m_counters.reconnects;
    } else {
        conn.state = ConnState::Idle;
    }
    scheduleNext(c, now);
}

void LoadWorker::scheduleNext(uint32_t c, uint64_t now)
{
    Connection &conn = m_connections[c];
    if (conn.state == ConnState::Sending || conn.state == ConnState::Awaiting)
        conn.state = ConnState::Idle;
    if (!mayIssue(now))
        return;
    if (m_intervalNs == 0) {
        startRequest(c, now);
        return;
    }
    ++conn.sequence;
    const uint64_t offset = uint64_t(double(m_first + int(c)) * 1e9 / m_plan.rate);
    conn.intendedNs = m_plan.startNs + offset + conn.sequence * m_intervalNs;
    if (conn.intendedNs <= now)
        startRequest(c, now);
    else
        armTimer(c, conn.intendedNs);
}

void LoadWorker::checkTimeouts(uint64_t now)
{
    for (uint32_t c = 0; c < m_connections.size(); ++c) {
        Connection &conn = m_connections[c];
        if ((conn.state == ConnState::Awaiting || conn.state == ConnState::Sending) && now - conn.sentNs > m_plan.timeoutNs) {
            countError(LoadErrorKind::Timeout);
            closeConnection(c);
            scheduleNext(c, now);
        } else if (conn.state == ConnState::Connecting && now - conn.connectNs > m_plan.timeoutNs) {
            countError(LoadErrorKind::Connect);
            closeConnection(c);
            reconnectLater(c, now);
        }
    }
}

void LoadWorker::publish()
{
    std::lock_guard<std::mutex> lock(m_publishMutex);
    m_published.merge(m_interval);
    m_publishedCounters.add(m_intervalCounters);
    m_interval.reset();
    m_intervalCounters = LoadCounters{};
}

void LoadWorker::takeInterval(LatencyHistogram *histogram, LoadCounters *counters)
{
    std::lock_guard<std::mutex> lock(m_publishMutex);
    histogram->merge(m_published);
    counters->add(m_publishedCounters);
    m_published.reset();
    m_publishedCounters = LoadCounters{};
}

void LoadWorker::run()
{
    m_epoll = ::epoll_create1(EPOLL_CLOEXEC);
    if (m_epoll < 0) {
        countError(LoadErrorKind::Connect);
        m_finishedNs = monoNs();
        return;
    }
    uint64_t now = monoNs();
    for (uint32_t c = 0; c < m_connections.size(); ++c) {
        Connection &conn = m_connections[c];
        if (m_intervalNs == 0) {
            // Connect during the lead; everyone starts sending at startNs, so
            // the measured window is the same for every thread.
            openConnection(c, now);
            armTimer(c, m_plan.startNs);
        } else {
            // Spread the first requests evenly so the rate is constant from the start.
            conn.intendedNs = m_plan.startNs + uint64_t(double(m_first + int(c)) * 1e9 / m_plan.rate);
            openConnection(c, now);
            armTimer(c, conn.intendedNs);
        }
    }

    std::vector<epoll_event> events(std::max<size_t>(m_connections.size(), 16));
    uint64_t nextPublish = now + kPublishEveryNs;
    uint64_t nextScan = now + kTimeoutScanNs;
    const uint64_t hardEnd = m_plan.endNs + m_plan.drainNs;
    for (;;) {
        now = monoNs();
        const bool issuing = mayIssue(now);
        if (!issuing) {
            const int busy = inFlight();
            if (busy == 0 || now >= hardEnd || m_plan.stopped()) {
                m_unanswered = uint64_t(busy);
                break;
            }
        }
        uint64_t wakeAt = std::min({nextPublish, nextScan, issuing ? m_plan.endNs : hardEnd});
        if (!m_timers.empty())
            wakeAt = std::min(wakeAt, m_timers.front().atNs);
        const uint64_t waitNs = wakeAt > now ? wakeAt - now : 0;
        timespec ts{time_t(waitNs / 1'000'000'000ULL), long(waitNs % 1'000'000'000ULL)};
        const int n = ::epoll_pwait2(m_epoll, events.data(), int(events.size()), &ts, nullptr);
        now = monoNs();
        for (int i = 0; i < n; ++i) {
            const uint32_t c = uint32_t(events[size_t(i)].data.u64);
            const uint32_t ev = events[size_t(i)].events;
            if (m_connections[c].fd < 0)
                continue;
            const uint32_t generation = m_connections[c].generation;
            if (ev & (EPOLLIN | EPOLLERR | EPOLLHUP))
                onReadable(c, now);
            // The read may have closed and reopened the socket: this event is not the new one's.
            if ((ev & EPOLLOUT) && m_connections[c].fd >= 0 && m_connections[c].generation == generation)
                onWritable(c, now);
        }
        while (!m_timers.empty() && m_timers.front().atNs <= now) {
            std::pop_heap(m_timers.begin(), m_timers.end(), std::greater<Timer>());
            const Timer t = m_timers.back();
            m_timers.pop_back();
            Connection &conn = m_connections[t.connection];
            if (conn.timerNs != t.atNs)
                continue;  // superseded
            conn.timerNs = 0;
            if (conn.state == ConnState::Closed) {
                if (mayIssue(now))
                    startRequest(t.connection, now);
            } else if (conn.state == ConnState::Idle || conn.state == ConnState::Connecting) {
                if (mayIssue(now))
                    startRequest(t.connection, now);
            }
        }
        if (now >= nextScan) {
            checkTimeouts(now);
            nextScan = now + kTimeoutScanNs;
        }
        if (now >= nextPublish) {
            publish();
            nextPublish = now + kPublishEveryNs;
        }
    }
    publish();
    m_finishedNs = monoNs();
}

}  // namespace turno
