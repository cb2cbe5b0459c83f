// IssuedLedger: the highest number this process has handed out per id, in
// bounded memory. If Redis ever answers a number at or below it (a rolled-back
// primary after failover), the server refuses instead of issuing a duplicate.
#pragma once

#include "memory_store.h"

#include <array>
#include <cstdint>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>

namespace turno::server {

class IssuedLedger {
public:
    explicit IssuedLedger(size_t maxIds = 262144) : m_perShardCap(maxIds / 64 + 1) {}
    // True when value is above everything issued for id so far (or id unknown).
    bool isFresh(std::string_view id, uint64_t value);
    void record(std::string_view id, uint64_t value, uint64_t nowNs);
    // True when this node saw id within maxAgeNs at a value at least margin
    // below limit: then no writer can bring the counter to the limit before a
    // plain INCR lands, so the limit check can be skipped (see RedisLink).
    bool farBelow(std::string_view id, uint64_t limit, uint64_t margin, uint64_t nowNs, uint64_t maxAgeNs);

private:
    struct alignas(64) Shard {
        std::mutex mutex;
        struct Entry {
            uint64_t highest = 0;
            uint64_t seenNs = 0;
        };
        std::unordered_map<std::string, Entry, StringHash, std::equal_to<>> highest;
    };
    Shard &shardFor(std::string_view id) { return m_shards[(StringHash{}(id) >> 9) % m_shards.size()]; }
    std::array<Shard, 64> m_shards;
    size_t m_perShardCap;
};

}  // namespace turno::server
