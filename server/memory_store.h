// MemoryStore: per-process counters for a single node, shared by every event
// loop thread. Sharded so threads rarely meet on a lock.
#pragma once

#include <array>
#include <cstdint>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>

namespace turno::server {

constexpr uint64_t kMaxTurno = 9007199254740991ULL;  // 2^53 - 1, Number.MAX_SAFE_INTEGER

struct StringHash {
    using is_transparent = void;
    size_t operator()(std::string_view s) const noexcept { return std::hash<std::string_view>{}(s); }
};

class MemoryStore {
public:
    // Returns the new value, or 0 when the counter is at kMaxTurno (it does not move).
    uint64_t increment(std::string_view id);
    // Sets a counter (tests and the boundary check); returns false past kMaxTurno.
    bool set(std::string_view id, uint64_t value);

private:
    struct alignas(64) Shard {
        std::mutex mutex;
        std::unordered_map<std::string, uint64_t, StringHash, std::equal_to<>> counters;
    };
    Shard &shardFor(std::string_view id, size_t &hash);
    std::array<Shard, 64> m_shards;
};

}  // namespace turno::server
