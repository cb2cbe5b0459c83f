#include "memory_store.h"

namespace turno::server {

MemoryStore::Shard &MemoryStore::shardFor(std::string_view id, size_t &hash)
{
    hash = StringHash{}(id);
    return m_shards[(hash >> 7) % m_shards.size()];
}

uint64_t MemoryStore::increment(std::string_view id)
{
    size_t hash = 0;
    Shard &s = shardFor(id, hash);
    std::lock_guard lock(s.mutex);
    auto it = s.counters.find(id);
    if (it == s.counters.end())
        it = s.counters.emplace(std::string(id), 0).first;
    if (it->second >= kMaxTurno)
        return 0;
    return ++it->second;
}

bool MemoryStore::set(std::string_view id, uint64_t value)
{
    if (value > kMaxTurno)
        return false;
    size_t hash = 0;
    Shard &s = shardFor(id, hash);
    std::lock_guard lock(s.mutex);
    s.counters.insert_or_assign(std::string(id), value);
    return true;
}

}  // namespace turno::server
