#include "redis_link.h"

#include "log.h"

#include <hiredis/async.h>
#include <hiredis/hiredis.h>

#include <algorithm>
#include <cstring>
#include <sys/epoll.h>
#include <time.h>

namespace turno::server {

namespace {
// Requests parked per link while it reconnects; beyond, they get their 503 at once.
constexpr size_t kMaxParked = 65536;
}  // namespace


namespace {

// Refuses to move a counter past 2^53-1 (Number.MAX_SAFE_INTEGER) atomically:
// the check and the INCR run as one script. A non-integer value errors out.
const char kIncrScript[] =
    "local v = redis.call('GET', KEYS[1])\n"
    "if v and tonumber(v) == nil then return redis.error_reply('WRONGTYPE counter is not an integer') end\n"
    "if v and tonumber(v) >= 9007199254740991 then return redis.error_reply('EXHAUSTED counter exhausted') end\n"
    "return redis.call('INCR', KEYS[1])\n";

// The fast path's bound: 2^32 increments cannot happen within a second (one
// Redis instance does about 10^6 operations a second), so a counter this
// node saw that far below the limit that recently cannot reach it before a
// plain INCR (no script) lands.
constexpr uint64_t kFastPathMargin = 1ULL << 32;
constexpr uint64_t kFastPathMaxAgeNs = 1'000'000'000ULL;

uint64_t monoNs()
{
    timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return uint64_t(ts.tv_sec) * 1000000000ULL + uint64_t(ts.tv_nsec);
}

bool startsWith(const char *s, size_t len, const char *prefix)
{
    const size_t n = std::strlen(prefix);
    return len >= n && std::memcmp(s, prefix, n) == 0;
}

}  // namespace

RedisLink::RedisLink(int epollFd, uint64_t epollTag, SharedState &shared, WorkerStats &stats, IncrementSink &sink,
                     const char *logPrefix)
    : m_epollFd(epollFd), m_epollTag(epollTag), m_shared(shared), m_stats(stats), m_sink(sink), m_log(logPrefix)
{
}

RedisLink::~RedisLink()
{
    shutdown();
}

void RedisLink::shutdown()
{
    if (m_ac) {
        m_failKind = StoreError::Unavailable;
        redisAsyncContext *ac = m_ac;
        m_ac = nullptr;
        redisAsyncFree(ac);  // runs every pending callback with a null reply
        m_fd = -1;
    }
    failAll(StoreError::Unavailable);
    while (!m_parked.empty()) {
        PendingIncrement p = std::move(m_parked.front());
        m_parked.pop_front();
        m_sink.completeIncrement(p, IncrementOutcome::Failed, 0, StoreError::Unavailable, p.burned);
    }
}

bool RedisLink::syncMode() const
{
    switch (m_shared.options.durability) {
    case Durability::Sync: return true;
    case Durability::Async: return false;
    case Durability::Auto: return m_replicas > 0;
    }
    return false;
}

void RedisLink::connect(uint64_t nowNs)
{
    m_targetGeneration = m_shared.redisTarget.generation();
    if (!m_shared.redisTarget.get(m_targetHost, m_targetPort)) {
        m_nextConnectNs = nowNs + 100'000'000;  // Sentinel has not named a primary yet
        return;
    }
    redisAsyncContext *ac = redisAsyncConnect(m_targetHost.c_str(), m_targetPort);
    if (!ac || ac->err) {
        if (!m_loggedDown)
            logLine("%s cannot connect to Redis at %s:%u: %s", m_log.c_str(), m_targetHost.c_str(), m_targetPort,
                    ac ? ac->errstr : "out of memory");
        m_loggedDown = true;
        if (ac)
            redisAsyncFree(ac);
        m_nextConnectNs = nowNs + m_backoffNs;
        m_backoffNs = std::min<uint64_t>(m_backoffNs * 2, 2'000'000'000ULL);
        return;
    }
    m_ac = ac;
    m_fd = ac->c.fd;
    m_connected = false;
    m_ready = false;
    m_isReplica = false;
    m_wantRead = m_wantWrite = false;
    m_registered = 0;
    m_connectStartNs = nowNs;
    m_failKind = StoreError::Unavailable;
    ac->data = this;
    ac->ev.data = this;
    ac->ev.addRead = adapterAddRead;
    ac->ev.delRead = adapterDelRead;
    ac->ev.addWrite = adapterAddWrite;
    ac->ev.delWrite = adapterDelWrite;
    ac->ev.cleanup = adapterCleanup;
    redisAsyncSetConnectCallback(ac, onConnect);
    redisAsyncSetDisconnectCallback(ac, onDisconnect);

    // Queued now, sent the moment the socket connects, ahead of any increment.
    const uint64_t timeout = uint64_t(m_shared.options.redisTimeoutMs) * 1'000'000ULL;
    if (!m_shared.options.redisPassword.empty()) {
        if (m_shared.options.redisUser.empty()) {
            const char *argv[] = {"AUTH", m_shared.options.redisPassword.c_str()};
            const size_t lens[] = {4, m_shared.options.redisPassword.size()};
            sendCommand(onAuth, timeout, 2, argv, lens);
        } else {
            const char *argv[] = {"AUTH", m_shared.options.redisUser.c_str(), m_shared.options.redisPassword.c_str()};
            const size_t lens[] = {4, m_shared.options.redisUser.size(), m_shared.options.redisPassword.size()};
            sendCommand(onAuth, timeout, 3, argv, lens);
        }
    }
    {
        const char *argv[] = {"ROLE"};
        const size_t lens[] = {4};
        sendCommand(onRole, timeout, 1, argv, lens);
        m_lastRoleNs = nowNs;
    }
    {
        const char *argv[] = {"SCRIPT", "LOAD", kIncrScript};
        const size_t lens[] = {6, 4, sizeof(kIncrScript) - 1};
        sendCommand(onScriptLoaded, timeout, 3, argv, lens);
    }
    updateEpoll();
}

void RedisLink::sendCommand(void (*cb)(redisAsyncContext *, void *, void *), uint64_t extraTimeoutNs, int argc,
                            const char **argv, const size_t *lens)
{
    if (redisAsyncCommandArgv(m_ac, cb, this, argc, argv, lens) == REDIS_OK)
        m_deadlines.push_back(monoNs() + extraTimeoutNs);
}

void RedisLink::failOrPark(PendingIncrement p, StoreError why, bool burned)
{
    p.burned = p.burned || burned;
    const uint64_t window = uint64_t(m_shared.options.retryWindowMs) * 1'000'000ULL;
    const uint64_t now = monoNs();
    if (p.retryUntilNs == 0)
        p.retryUntilNs = now + window;
    if (window == 0 || now >= p.retryUntilNs || m_parked.size() >= kMaxParked ||
        m_shared.hardStop.load(std::memory_order_relaxed)) {
        m_sink.completeIncrement(p, IncrementOutcome::Failed, 0, why, p.burned);
        return;
    }
    m_parked.push_back(std::move(p));
}

void RedisLink::resubmitParked()
{
    std::deque<PendingIncrement> parked;
    parked.swap(m_parked);
    for (PendingIncrement &p : parked)
        submit(std::move(p));
}

void RedisLink::expireParked(uint64_t nowNs)
{
    while (!m_parked.empty() && (nowNs >= m_parked.front().retryUntilNs || m_shared.hardStop.load(std::memory_order_relaxed))) {
        PendingIncrement p = std::move(m_parked.front());
        m_parked.pop_front();
        m_sink.completeIncrement(p, IncrementOutcome::Failed, 0, StoreError::Unavailable, p.burned);
    }
}

void RedisLink::submit(PendingIncrement p)
{
    if (!m_ready || m_resetRequested) {
        failOrPark(std::move(p), StoreError::Unavailable, false);
        return;
    }
    char key[160];
    const std::string &prefix = m_shared.options.keyPrefix;
    const size_t keyLen = std::min(prefix.size(), sizeof(key) - 70);
    std::memcpy(key, prefix.data(), keyLen);
    std::memcpy(key + keyLen, p.id.data(), p.id.size());
    p.sync = syncMode();
    const uint64_t timeout = uint64_t(m_shared.options.redisTimeoutMs) * 1'000'000ULL;
    // A hot id far from the limit takes a plain INCR, much cheaper for Redis
    // than the script; anything else (new ids, ids near the limit) the script.
    int rc;
    if (m_shared.ledger.farBelow(p.id, 9007199254740991ULL, kFastPathMargin, monoNs(), kFastPathMaxAgeNs)) {
        const char *argv[] = {"INCR", key};
        const size_t lens[] = {4, keyLen + p.id.size()};
        rc = redisAsyncCommandArgv(m_ac, onIncrementReply, this, 2, argv, lens);
    } else {
        const char *argv[] = {"EVALSHA", m_sha.c_str(), "1", key};
        const size_t lens[] = {7, m_sha.size(), 1, keyLen + p.id.size()};
        rc = redisAsyncCommandArgv(m_ac, onIncrementReply, this, 4, argv, lens);
    }
    if (rc != REDIS_OK) {
        failOrPark(std::move(p), StoreError::Unavailable, false);
        return;
    }
    const uint64_t now = monoNs();
    m_deadlines.push_back(now + timeout);
    if (p.sync)
        ++m_incrSinceWait;
    p.startNs = p.startNs ? p.startNs : now;
    m_pending.push_back(std::move(p));
}

void RedisLink::afterBatch()
{
    if (!m_ac)
        return;
    if (m_incrSinceWait > 0 && m_ready) {
        const std::string n = std::to_string(m_shared.options.waitReplicas);
        const std::string t = std::to_string(m_shared.options.waitTimeoutMs);
        const char *argv[] = {"WAIT", n.c_str(), t.c_str()};
        const size_t lens[] = {4, n.size(), t.size()};
        sendCommand(onWaitReply, uint64_t(m_shared.options.redisTimeoutMs + m_shared.options.waitTimeoutMs) * 1'000'000ULL,
                    3, argv, lens);
        m_incrSinceWait = 0;
    }
    // Write the whole batch now rather than waiting one more epoll round for EPOLLOUT.
    if (m_wantWrite && m_connected)
        redisAsyncHandleWrite(m_ac);
    if (m_resetRequested)
        dropConnection(m_failKind);
    else
        updateEpoll();
}

void RedisLink::onEpoll(uint32_t events)
{
    if (!m_ac)
        return;
    if (events & (EPOLLIN | EPOLLERR | EPOLLHUP))
        redisAsyncHandleRead(m_ac);
    if (m_ac && (events & EPOLLOUT))
        redisAsyncHandleWrite(m_ac);
    if (m_ac && m_resetRequested)
        dropConnection(m_failKind);
    else if (m_ac)
        updateEpoll();
}

void RedisLink::updateEpoll()
{
    if (!m_ac || m_fd < 0)
        return;
    // While connecting, EPOLLOUT is how the kernel says connect() finished.
    const uint32_t want = (m_wantRead ? uint32_t(EPOLLIN) : 0u) | (m_wantWrite ? uint32_t(EPOLLOUT) : 0u);
    if (want == m_registered)
        return;
    epoll_event ev{};
    ev.events = want;
    ev.data.u64 = m_epollTag;
    if (m_registered == 0)
        epoll_ctl(m_epollFd, EPOLL_CTL_ADD, m_fd, &ev);
    else if (want == 0)
        epoll_ctl(m_epollFd, EPOLL_CTL_DEL, m_fd, nullptr);
    else
        epoll_ctl(m_epollFd, EPOLL_CTL_MOD, m_fd, &ev);
    m_registered = want;
}

void RedisLink::tick(uint64_t nowNs)
{
    expireParked(nowNs);
    if (m_ac && m_targetGeneration != m_shared.redisTarget.generation()) {
        retarget();
        return;
    }
    if (!m_ac) {
        // A new primary was named while waiting out the reconnect backoff: go there now
        // (the backoff was for the old address, which is gone).
        if (m_targetGeneration != m_shared.redisTarget.generation()) {
            m_backoffNs = 50'000'000;
            m_nextConnectNs = 0;
        }
        if (nowNs >= m_nextConnectNs && !m_shared.hardStop.load(std::memory_order_relaxed))
            connect(nowNs);
        return;
    }
    const uint64_t timeout = uint64_t(m_shared.options.redisTimeoutMs) * 1'000'000ULL;
    if (!m_connected && nowNs > m_connectStartNs && nowNs - m_connectStartNs > timeout) {
        logLine("%s Redis at %s:%u did not accept the connection within %d ms", m_log.c_str(), m_targetHost.c_str(),
                m_targetPort, m_shared.options.redisTimeoutMs);
        dropConnection(StoreError::Timeout);
        return;
    }
    if (!m_deadlines.empty() && nowNs > m_deadlines.front()) {
        logLine("%s Redis at %s:%u did not answer within %d ms; reconnecting", m_log.c_str(), m_targetHost.c_str(),
                m_targetPort, m_shared.options.redisTimeoutMs);
        dropConnection(StoreError::Timeout);
        return;
    }
    // Auto durability follows the replica count; re-ask now and then.
    if (m_ready && m_shared.options.durability == Durability::Auto && nowNs > m_lastRoleNs + 2'000'000'000ULL) {
        const char *argv[] = {"ROLE"};
        const size_t lens[] = {4};
        sendCommand(onRole, timeout, 1, argv, lens);
        m_lastRoleNs = nowNs;
        afterBatch();
    }
}

void RedisLink::retarget()
{
    std::string host;
    uint16_t port = 0;
    m_shared.redisTarget.get(host, port);
    logLine("%s Redis primary is now %s:%u; reconnecting", m_log.c_str(), host.c_str(), port);
    if (m_ac)
        dropConnection(StoreError::Unavailable);
    m_backoffNs = 50'000'000;
    m_nextConnectNs = 0;
    connect(monoNs());
}

void RedisLink::dropConnection(StoreError why)
{
    m_resetRequested = false;
    m_failKind = why;
    if (m_ac) {
        redisAsyncContext *ac = m_ac;
        m_ac = nullptr;
        redisAsyncFree(ac);  // pending callbacks see a null reply and use m_failKind
        m_fd = -1;
        m_registered = 0;
    }
    failAll(why);
    m_nextConnectNs = monoNs() + m_backoffNs;
    m_backoffNs = std::min<uint64_t>(m_backoffNs * 2, 2'000'000'000ULL);
}

bool RedisLink::readyOrRecovering(uint64_t nowNs) const
{
    if (m_ready)
        return true;
    const uint64_t window = uint64_t(m_shared.options.retryWindowMs) * 1'000'000ULL;
    return window > 0 && m_downSinceNs != 0 && nowNs - m_downSinceNs < window;
}

void RedisLink::failAll(StoreError why)
{
    if (m_ready)
        m_downSinceNs = monoNs();
    // Anything still queued here had its command sent: it may have run, so its
    // number counts as burned, never as free to reissue.
    // Parked for a retry: they get a fresh increment; this one stays burned either way.
    std::deque<PendingIncrement> pending;
    pending.swap(m_pending);
    std::vector<std::pair<PendingIncrement, uint64_t>> awaiting;
    awaiting.swap(m_awaitingWait);
    for (PendingIncrement &p : pending)
        failOrPark(std::move(p), why, true);
    for (auto &[p, v] : awaiting)
        failOrPark(std::move(p), why, true);
    m_deadlines.clear();
    m_incrSinceWait = 0;
    if (m_ready || m_connected) {
        if (m_connected)
            m_stats.redisLinksUp.fetch_sub(1, std::memory_order_relaxed);
    }
    m_ready = false;
    m_connected = false;
}

void RedisLink::finishIncrement(const PendingIncrement &p, uint64_t value)
{
    // A value at or below one already handed out means Redis lost writes
    // (e.g. an unsynchronised replica was promoted): refuse, never duplicate.
    if (!m_shared.ledger.isFresh(p.id, value)) {
        logLine("%s ALARM: Redis returned %llu for id '%s', not above a number this server already issued; "
                "refusing (data tier rolled back?)",
                m_log.c_str(), static_cast<unsigned long long>(value), p.id.c_str());
        m_sink.completeIncrement(p, IncrementOutcome::Failed, 0, StoreError::Rollback, true);
        return;
    }
    m_shared.ledger.record(p.id, value, monoNs());
    m_sink.completeIncrement(p, IncrementOutcome::Issued, value, StoreError::Count, false);
}

void RedisLink::onIncrementReply(redisAsyncContext *ac, void *r, void *priv)
{
    auto *self = static_cast<RedisLink *>(priv);
    (void)ac;
    if (!self->m_deadlines.empty())
        self->m_deadlines.pop_front();
    if (self->m_pending.empty())
        return;  // failAll already answered it
    PendingIncrement p = std::move(self->m_pending.front());
    self->m_pending.pop_front();
    auto *reply = static_cast<redisReply *>(r);
    if (!reply) {
        self->m_sink.completeIncrement(p, IncrementOutcome::Failed, 0, self->m_failKind, true);
        return;
    }
    self->m_stats.observeRedis(monoNs() - p.startNs);
    if (reply->type == REDIS_REPLY_INTEGER && reply->integer > 9007199254740991LL) {
        // Only possible if something outside turno wrote the key past the limit.
        logLine("%s Redis counter for id '%s' is past 9007199254740991; refusing", self->m_log.c_str(), p.id.c_str());
        self->m_sink.completeIncrement(p, IncrementOutcome::Exhausted, 0, StoreError::Count, false);
        return;
    }
    if (reply->type == REDIS_REPLY_INTEGER && reply->integer > 0) {
        const uint64_t v = uint64_t(reply->integer);
        if (p.sync)
            self->m_awaitingWait.emplace_back(std::move(p), v);
        else
            self->finishIncrement(p, v);
        return;
    }
    if (reply->type == REDIS_REPLY_ERROR) {
        const char *s = reply->str;
        const size_t len = reply->len;
        if (startsWith(s, len, "EXHAUSTED")) {
            self->m_sink.completeIncrement(p, IncrementOutcome::Exhausted, 0, StoreError::Count, false);
            return;
        }
        StoreError kind = StoreError::Reply;
        if (startsWith(s, len, "READONLY")) {
            kind = StoreError::Readonly;
            if (!self->m_isReplica)
                logLine("%s Redis at %s:%u is a replica now (READONLY); following the primary",
                        self->m_log.c_str(), self->m_targetHost.c_str(), self->m_targetPort);
            self->m_isReplica = true;
            self->m_resetRequested = true;
        } else if (startsWith(s, len, "ERR value is not an integer")) {
            kind = StoreError::Reply;  // a key that is not a counter: nothing was consumed
        } else if (startsWith(s, len, "NOREPLICAS")) {
            kind = StoreError::NoReplicas;
        } else if (startsWith(s, len, "NOSCRIPT")) {
            self->m_resetRequested = true;  // reconnecting loads the script again
        } else {
            logLine("%s Redis error for id '%s': %.*s", self->m_log.c_str(), p.id.c_str(), int(len), s);
        }
        // The script failed before INCR ran, so no number was consumed. A replica (the primary
        // moved) or a primary without its replica (mid-failover) is worth another try.
        if (kind == StoreError::Readonly || kind == StoreError::NoReplicas)
            self->failOrPark(std::move(p), kind, false);
        else
            self->m_sink.completeIncrement(p, IncrementOutcome::Failed, 0, kind, false);
        return;
    }
    self->m_sink.completeIncrement(p, IncrementOutcome::Failed, 0, StoreError::Reply, false);
}

void RedisLink::onWaitReply(redisAsyncContext *, void *r, void *priv)
{
    auto *self = static_cast<RedisLink *>(priv);
    if (!self->m_deadlines.empty())
        self->m_deadlines.pop_front();
    auto *reply = static_cast<redisReply *>(r);
    std::vector<std::pair<PendingIncrement, uint64_t>> batch;
    batch.swap(self->m_awaitingWait);
    const bool confirmed =
        reply && reply->type == REDIS_REPLY_INTEGER && reply->integer >= self->m_shared.options.waitReplicas;
    for (auto &[p, v] : batch) {
        if (confirmed)
            self->finishIncrement(p, v);
        else
            self->m_sink.completeIncrement(p, IncrementOutcome::Failed, 0,
                                           reply ? StoreError::WaitTimeout : self->m_failKind, true);
    }
}

void RedisLink::onScriptLoaded(redisAsyncContext *, void *r, void *priv)
{
    auto *self = static_cast<RedisLink *>(priv);
    if (!self->m_deadlines.empty())
        self->m_deadlines.pop_front();
    auto *reply = static_cast<redisReply *>(r);
    if (!reply)
        return;
    if (reply->type != REDIS_REPLY_STRING) {
        logLine("%s SCRIPT LOAD failed on %s:%u: %s", self->m_log.c_str(), self->m_targetHost.c_str(),
                self->m_targetPort, reply->type == REDIS_REPLY_ERROR ? reply->str : "unexpected reply");
        self->m_resetRequested = true;
        return;
    }
    self->m_sha.assign(reply->str, reply->len);
    self->m_ready = true;
    self->m_downSinceNs = 0;
    self->resubmitParked();
    self->m_backoffNs = 50'000'000;
    if (self->m_loggedDown)
        logLine("%s Redis at %s:%u is reachable again", self->m_log.c_str(), self->m_targetHost.c_str(),
                self->m_targetPort);
    self->m_loggedDown = false;
}

void RedisLink::onAuth(redisAsyncContext *, void *r, void *priv)
{
    auto *self = static_cast<RedisLink *>(priv);
    if (!self->m_deadlines.empty())
        self->m_deadlines.pop_front();
    auto *reply = static_cast<redisReply *>(r);
    if (reply && reply->type == REDIS_REPLY_ERROR) {
        if (!self->m_loggedDown)
            logLine("%s Redis at %s:%u refused AUTH: %s (check TURNO_REDIS_PASSWORD or --redis-password-file)",
                    self->m_log.c_str(), self->m_targetHost.c_str(), self->m_targetPort, reply->str);
        self->m_loggedDown = true;
        self->m_resetRequested = true;
    }
}

void RedisLink::onRole(redisAsyncContext *, void *r, void *priv)
{
    auto *self = static_cast<RedisLink *>(priv);
    if (!self->m_deadlines.empty())
        self->m_deadlines.pop_front();
    auto *reply = static_cast<redisReply *>(r);
    if (!reply || reply->type != REDIS_REPLY_ARRAY || reply->elements < 1)
        return;
    const redisReply *role = reply->element[0];
    if (role->type == REDIS_REPLY_STRING && std::strcmp(role->str, "master") == 0) {
        self->m_isReplica = false;
        int replicas = 0;
        if (reply->elements >= 3 && reply->element[2]->type == REDIS_REPLY_ARRAY)
            replicas = int(reply->element[2]->elements);
        self->m_replicas = replicas;
    } else {
        // Connected to a replica (a demoted primary, after a failover): it names its primary,
        // which is where the writes go now. Every link follows; Sentinel confirms later.
        self->m_isReplica = true;
        if (reply->elements >= 3 && reply->element[1]->type == REDIS_REPLY_STRING &&
            reply->element[2]->type == REDIS_REPLY_INTEGER && reply->element[2]->integer > 0 &&
            reply->element[2]->integer < 65536) {
            const std::string host(reply->element[1]->str, reply->element[1]->len);
            const auto port = uint16_t(reply->element[2]->integer);
            if (host != self->m_targetHost || port != self->m_targetPort) {
                logLine("%s Redis at %s:%u is a replica of %s:%u; following it there", self->m_log.c_str(),
                        self->m_targetHost.c_str(), self->m_targetPort, host.c_str(), port);
                self->m_shared.redisTarget.set(host, port, monoNs());
                return;
            }
        }
        logLine("%s Redis at %s:%u is a replica, not a primary; writes will fail until the primary is found",
                self->m_log.c_str(), self->m_targetHost.c_str(), self->m_targetPort);
    }
}

void RedisLink::onConnect(const redisAsyncContext *ac, int status)
{
    auto *self = static_cast<RedisLink *>(ac->data);
    if (status != REDIS_OK) {
        if (!self->m_loggedDown)
            logLine("%s cannot connect to Redis at %s:%u: %s", self->m_log.c_str(), self->m_targetHost.c_str(),
                    self->m_targetPort, ac->errstr);
        self->m_loggedDown = true;
        // hiredis frees the context after this callback; no disconnect callback follows.
        self->m_ac = nullptr;
        self->m_fd = -1;
        self->m_registered = 0;
        self->failAll(StoreError::Unavailable);
        self->m_nextConnectNs = monoNs() + self->m_backoffNs;
        self->m_backoffNs = std::min<uint64_t>(self->m_backoffNs * 2, 2'000'000'000ULL);
        return;
    }
    self->m_connected = true;
    self->m_stats.redisLinksUp.fetch_add(1, std::memory_order_relaxed);
}

void RedisLink::onDisconnect(const redisAsyncContext *ac, int status)
{
    auto *self = static_cast<RedisLink *>(ac->data);
    if (status != REDIS_OK && !self->m_loggedDown) {
        logLine("%s lost Redis at %s:%u: %s", self->m_log.c_str(), self->m_targetHost.c_str(), self->m_targetPort,
                ac->errstr);
        self->m_loggedDown = true;
    }
    self->m_ac = nullptr;
    self->m_fd = -1;
    self->m_registered = 0;
    self->failAll(self->m_failKind);
    if (self->m_nextConnectNs < monoNs())
        self->m_nextConnectNs = monoNs() + self->m_backoffNs;
}

void RedisLink::adapterAddRead(void *p)
{
    static_cast<RedisLink *>(p)->m_wantRead = true;
}
void RedisLink::adapterDelRead(void *p)
{
    static_cast<RedisLink *>(p)->m_wantRead = false;
}
void RedisLink::adapterAddWrite(void *p)
{
    static_cast<RedisLink *>(p)->m_wantWrite = true;
}
void RedisLink::adapterDelWrite(void *p)
{
    static_cast<RedisLink *>(p)->m_wantWrite = false;
}
void RedisLink::adapterCleanup(void *p)
{
    auto *self = static_cast<RedisLink *>(p);
    if (self->m_fd >= 0 && self->m_registered)
        epoll_ctl(self->m_epollFd, EPOLL_CTL_DEL, self->m_fd, nullptr);
    self->m_registered = 0;
    self->m_wantRead = self->m_wantWrite = false;
}

}  // namespace turno::server
