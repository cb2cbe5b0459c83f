// SharedState: what every event loop of one turno-server process shares: the
// options, the stores, metrics, the drain flags and where Redis is right now.
#pragma once

#include "issued_ledger.h"
#include "memory_store.h"
#include "options.h"
#include "server_metrics.h"

#include <atomic>
#include <cstdint>
#include <mutex>
#include <string>

namespace turno::server {

// The current Redis primary; Sentinel moves it, the loops follow.
class RedisTarget {
public:
    // followedAtNs != 0: learnt from a replica naming its primary (a demoted primary
    // after a failover), ahead of Sentinel; Sentinel's older view must not undo it at once.
    void set(const std::string &host, uint16_t port, uint64_t followedAtNs = 0)
    {
        std::lock_guard lock(m_mutex);
        if (host == m_host && port == m_port)
            return;
        m_host = host;
        m_port = port;
        m_followedAtNs = followedAtNs;
        m_generation.fetch_add(1, std::memory_order_release);
    }
    uint64_t followedAtNs() const
    {
        std::lock_guard lock(m_mutex);
        return m_followedAtNs;
    }
    uint64_t generation() const { return m_generation.load(std::memory_order_acquire); }
    bool get(std::string &host, uint16_t &port) const
    {
        std::lock_guard lock(m_mutex);
        host = m_host;
        port = m_port;
        return !m_host.empty();
    }

private:
    mutable std::mutex m_mutex;
    std::string m_host;
    uint16_t m_port = 0;
    uint64_t m_followedAtNs = 0;
    std::atomic<uint64_t> m_generation{0};
};

struct SharedState {
    explicit SharedState(const ServerOptions &o) : options(o) {}
    const ServerOptions &options;
    MemoryStore memory;
    IssuedLedger ledger;
    ServerMetrics *metrics = nullptr;
    RedisTarget redisTarget;
    std::string debugToken;
    std::atomic<bool> draining{false};
    std::atomic<bool> hardStop{false};
    std::atomic<int64_t> connections{0};
};

}  // namespace turno::server
