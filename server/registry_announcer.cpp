#include "registry_announcer.h"

#include "log.h"

#include <hiredis/hiredis.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <unistd.h>

namespace turno::server {

namespace {

std::string jsonString(const std::string &s)
{
    std::string out = "\"";
    for (const char ch : s) {
        const auto c = static_cast<unsigned char>(ch);
        if (c == '"' || c == '\\') {
            out += '\\';
            out += ch;
        } else if (c < 0x20) {
            char buf[8];
            std::snprintf(buf, sizeof buf, "\\u%04x", c);
            out += buf;
        } else {
            out += ch;
        }
    }
    return out + "\"";
}

timeval toTimeval(int ms)
{
    return timeval{ms / 1000, (ms % 1000) * 1000};
}

}  // namespace

std::string RegistryAnnouncer::key(const std::string &cluster, const std::string &node)
{
    return "turno:registry:" + cluster + ":" + node;
}

std::string RegistryAnnouncer::value(const ServerOptions &o, long long pid)
{
    const std::string address = o.advertise.host + ":" + std::to_string(o.advertise.port);
    return "{\"name\":" + jsonString(o.nodeName) + ",\"pool\":" + jsonString(o.pool) +
           ",\"address\":" + jsonString(address) + ",\"pid\":" + std::to_string(pid) +
           ",\"cluster\":" + jsonString(o.announceCluster) + "}";
}

RegistryAnnouncer::RegistryAnnouncer(const ServerOptions &options, const RedisTarget &target)
    : m_options(options), m_target(target), m_key(key(options.announceCluster, options.nodeName)),
      m_value(value(options, static_cast<long long>(::getpid()))),
      // Three beats per TTL: one lost or slow beat never lets a live node's key expire.
      m_intervalMs(std::max(100, options.announceTtlMs / 3))
{
}

RegistryAnnouncer::~RegistryAnnouncer()
{
    {
        std::lock_guard lock(m_mutex);
        m_stop = true;
    }
    m_wake.notify_all();
    if (m_thread.joinable())
        m_thread.join();
    disconnect();
}

void RegistryAnnouncer::start()
{
    logLine("registry: announcing %s (pool %s) at %s:%u in cluster '%s' (key %s, TTL %d ms)", m_options.nodeName.c_str(),
            m_options.pool.c_str(), m_options.advertise.host.c_str(), m_options.advertise.port,
            m_options.announceCluster.c_str(), m_key.c_str(), m_options.announceTtlMs);
    m_thread = std::thread([this] { run(); });
}

void RegistryAnnouncer::withdraw()
{
    {
        std::lock_guard lock(m_mutex);
        if (m_stop)
            return;
        m_stop = true;
    }
    m_wake.notify_all();
    if (m_thread.joinable())
        m_thread.join();
    removeKey();
    disconnect();
}

void RegistryAnnouncer::run()
{
    std::unique_lock lock(m_mutex);
    while (!m_stop) {
        lock.unlock();
        beat();
        lock.lock();
        m_wake.wait_for(lock, std::chrono::milliseconds(m_intervalMs), [this] { return m_stop; });
    }
}

bool RegistryAnnouncer::connect(std::string &why)
{
    std::string host;
    uint16_t port = 0;
    const uint64_t generation = m_target.generation();
    if (!m_target.get(host, port)) {
        why = "no Redis primary known yet (Sentinel has not answered)";
        return false;
    }
    if (m_ctx && generation == m_generation)
        return true;
    disconnect();  // first connection, or the primary moved
    const int timeoutMs = std::clamp(m_options.redisTimeoutMs, 100, m_intervalMs);
    const timeval tv = toTimeval(timeoutMs);
    m_address = host + ":" + std::to_string(port);
    m_ctx = redisConnectWithTimeout(host.c_str(), port, tv);
    if (!m_ctx || m_ctx->err) {
        why = "cannot reach Redis at " + m_address + ": " + (m_ctx ? m_ctx->errstr : "out of memory");
        disconnect();
        return false;
    }
    redisSetTimeout(m_ctx, tv);
    if (!m_options.redisPassword.empty()) {
        auto *r = static_cast<redisReply *>(
            m_options.redisUser.empty()
                ? redisCommand(m_ctx, "AUTH %b", m_options.redisPassword.data(), m_options.redisPassword.size())
                : redisCommand(m_ctx, "AUTH %b %b", m_options.redisUser.data(), m_options.redisUser.size(),
                               m_options.redisPassword.data(), m_options.redisPassword.size()));
        const bool ok = r && r->type != REDIS_REPLY_ERROR;
        if (!ok)
            why = "Redis at " + m_address + " refused AUTH: " + (r ? std::string(r->str, r->len) : m_ctx->errstr) +
                  " (check TURNO_REDIS_PASSWORD or --redis-password-file)";
        if (r)
            freeReplyObject(r);
        if (!ok) {
            disconnect();
            return false;
        }
    }
    m_generation = generation;
    return true;
}

void RegistryAnnouncer::disconnect()
{
    if (m_ctx)
        redisFree(m_ctx);
    m_ctx = nullptr;
}

bool RegistryAnnouncer::beat()
{
    std::string why;
    if (!connect(why)) {
        report(why);
        return false;
    }
    auto *r = static_cast<redisReply *>(redisCommand(m_ctx, "SET %b %b PX %d", m_key.data(), m_key.size(),
                                                     m_value.data(), m_value.size(), m_options.announceTtlMs));
    if (!r) {
        why = "registry write to Redis at " + m_address + " failed: " + m_ctx->errstr;
        disconnect();
    } else if (r->type == REDIS_REPLY_ERROR) {
        // READONLY: a replica (the primary moved and Sentinel has not said so
        // yet); NOREPLICAS: the primary refuses writes without its replica.
        why = "registry write refused by Redis at " + m_address + ": " + std::string(r->str, r->len);
        disconnect();
    }
    if (r)
        freeReplyObject(r);
    report(why);
    return why.empty();
}

void RegistryAnnouncer::removeKey()
{
    std::string why;
    if (!connect(why)) {
        logLine("registry: could not delete %s (%s); it expires within %d ms", m_key.c_str(), why.c_str(),
                m_options.announceTtlMs);
        return;
    }
    auto *r = static_cast<redisReply *>(redisCommand(m_ctx, "DEL %b", m_key.data(), m_key.size()));
    if (!r || r->type == REDIS_REPLY_ERROR)
        logLine("registry: could not delete %s (%s); it expires within %d ms", m_key.c_str(),
                r ? std::string(r->str, r->len).c_str() : m_ctx->errstr, m_options.announceTtlMs);
    else
        logLine("registry: %s withdrawn", m_key.c_str());
    if (r)
        freeReplyObject(r);
}

void RegistryAnnouncer::report(const std::string &why)
{
    if (why.empty()) {
        if (!m_lastProblem.empty() || m_address != m_announcedAt)
            logLine("registry: %s announced in Redis at %s", m_key.c_str(), m_address.c_str());
        m_announcedAt = m_address;
        m_lastProblem.clear();
        return;
    }
    if (why != m_lastProblem)
        logLine("registry: %s (retrying every %d ms)", why.c_str(), m_intervalMs);
    m_lastProblem = why;
}

}  // namespace turno::server
