#include "sentinel_watcher.h"

#include "log.h"

#include <hiredis/hiredis.h>

#include <cerrno>
#include <cstring>
#include <poll.h>
#include <ctime>

namespace turno::server {

namespace {

uint64_t monoNs()
{
    timespec ts{};
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return uint64_t(ts.tv_sec) * 1'000'000'000ULL + uint64_t(ts.tv_nsec);
}

redisContext *connectSentinel(const HostPort &s, std::string &why)
{
    const timeval tv{0, 500000};
    redisContext *c = redisConnectWithTimeout(s.host.c_str(), s.port, tv);
    if (!c || c->err) {
        why = c ? c->errstr : "out of memory";
        if (c)
            redisFree(c);
        return nullptr;
    }
    redisSetTimeout(c, tv);
    return c;
}

}  // namespace

SentinelWatcher::SentinelWatcher(const ServerOptions &options, RedisTarget &target, std::function<void()> onChange)
    : m_options(options), m_target(target), m_onChange(std::move(onChange))
{
}

SentinelWatcher::~SentinelWatcher()
{
    stop();
}

bool SentinelWatcher::query(const HostPort &sentinel, std::string &host, uint16_t &port, std::string &why)
{
    redisContext *c = connectSentinel(sentinel, why);
    if (!c)
        return false;
    auto *r = static_cast<redisReply *>(
        redisCommand(c, "SENTINEL get-master-addr-by-name %s", m_options.masterName.c_str()));
    bool ok = false;
    if (!r) {
        why = c->errstr;
    } else if (r->type == REDIS_REPLY_ARRAY && r->elements == 2 && r->element[0]->type == REDIS_REPLY_STRING &&
               r->element[1]->type == REDIS_REPLY_STRING) {
        host.assign(r->element[0]->str, r->element[0]->len);
        port = uint16_t(std::atoi(r->element[1]->str));
        ok = port != 0;
    } else if (r->type == REDIS_REPLY_NIL) {
        why = "sentinel does not know master '" + m_options.masterName + "'";
    } else {
        why = r->type == REDIS_REPLY_ERROR ? std::string(r->str) : std::string("unexpected reply");
    }
    if (r)
        freeReplyObject(r);
    redisFree(c);
    return ok;
}

void SentinelWatcher::publish(const std::string &host, uint16_t port)
{
    std::string oldHost;
    uint16_t oldPort = 0;
    m_target.get(oldHost, oldPort);
    if (oldHost == host && oldPort == port)
        return;
    logLine("Sentinel: primary of '%s' is %s:%u", m_options.masterName.c_str(), host.c_str(), port);
    m_target.set(host, port);
    if (m_onChange)
        m_onChange();
}

bool SentinelWatcher::resolveOnce()
{
    std::string lastWhy;
    for (const HostPort &s : m_options.sentinels) {
        std::string host, why;
        uint16_t port = 0;
        if (query(s, host, port, why)) {
            // The links followed a demoted primary to its new one; Sentinel names it a moment
            // later. Until then (bounded) its unchanged, older answer does not undo that.
            const uint64_t followed = m_target.followedAtNs();
            const bool sameAnswer = host == m_lastHost && port == m_lastPort;
            m_lastHost = host;
            m_lastPort = port;
            if (sameAnswer && followed != 0 && monoNs() - followed < kFollowGraceNs)
                return true;
            publish(host, port);
            return true;
        }
        lastWhy = s.host + ":" + std::to_string(s.port) + ": " + why;
    }
    logLine("Sentinel: no sentinel named a primary for '%s' (last: %s); retrying", m_options.masterName.c_str(),
            lastWhy.c_str());
    return false;
}

void SentinelWatcher::start()
{
    m_thread = std::thread([this] { run(); });
}

void SentinelWatcher::stop()
{
    m_stop.store(true);
    if (m_thread.joinable())
        m_thread.join();
}

void SentinelWatcher::run()
{
    size_t next = 0;
    while (!m_stop.load()) {
        const HostPort &s = m_options.sentinels[next % m_options.sentinels.size()];
        ++next;
        std::string why;
        redisContext *c = connectSentinel(s, why);
        if (!c) {
            resolveOnce();
            for (int i = 0; i < 5 && !m_stop.load(); ++i)
                ::poll(nullptr, 0, 100);
            continue;
        }
        auto *r = static_cast<redisReply *>(redisCommand(c, "SUBSCRIBE +switch-master"));
        if (r)
            freeReplyObject(r);
        if (!r) {
            redisFree(c);
            continue;
        }
        // Subscribed. Also re-ask every second: a message can be missed while
        // (re)connecting, and a poll is cheap.
        resolveOnce();
        int sinceQueryMs = 0;
        while (!m_stop.load()) {
            pollfd p{c->fd, POLLIN, 0};
            const int pr = ::poll(&p, 1, 100);
            sinceQueryMs += 100;
            if (pr > 0) {
                if (redisBufferRead(c) != REDIS_OK)
                    break;
                void *reply = nullptr;
                bool broken = false;
                while (redisGetReplyFromReader(c, &reply) == REDIS_OK && reply) {
                    auto *m = static_cast<redisReply *>(reply);
                    // ["message", "+switch-master", "<name> <oldip> <oldport> <newip> <newport>"]
                    if (m->type == REDIS_REPLY_ARRAY && m->elements == 3 && m->element[2]->type == REDIS_REPLY_STRING) {
                        char name[256], oldIp[64], newIp[64];
                        unsigned oldPort = 0, newPort = 0;
                        if (std::sscanf(m->element[2]->str, "%255s %63s %u %63s %u", name, oldIp, &oldPort, newIp,
                                        &newPort) == 5 &&
                            m_options.masterName == name) {
                            logLine("Sentinel: +switch-master %s %s:%u -> %s:%u", name, oldIp, oldPort, newIp,
                                    newPort);
                            m_lastHost = newIp;
                            m_lastPort = uint16_t(newPort);
                            publish(newIp, uint16_t(newPort));
                        }
                    }
                    freeReplyObject(reply);
                    reply = nullptr;
                }
                if (c->err)
                    broken = true;
                if (broken)
                    break;
            } else if (pr < 0 && errno != EINTR) {
                break;
            }
            if (sinceQueryMs >= 1000) {
                sinceQueryMs = 0;
                resolveOnce();
            }
        }
        redisFree(c);
    }
}

}  // namespace turno::server
