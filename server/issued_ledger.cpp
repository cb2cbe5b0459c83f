#include "issued_ledger.h"

namespace turno::server {

bool IssuedLedger::isFresh(std::string_view id, uint64_t value)
{
    Shard &s = shardFor(id);
    std::lock_guard lock(s.mutex);
    auto it = s.highest.find(id);
    return it == s.highest.end() || value > it->second.highest;
}

bool IssuedLedger::farBelow(std::string_view id, uint64_t limit, uint64_t margin, uint64_t nowNs, uint64_t maxAgeNs)
{
    Shard &s = shardFor(id);
    std::lock_guard lock(s.mutex);
    auto it = s.highest.find(id);
    return it != s.highest.end() && nowNs - it->second.seenNs < maxAgeNs && it->second.highest + margin < limit;
}

void IssuedLedger::record(std::string_view id, uint64_t value, uint64_t nowNs)
{
    Shard &s = shardFor(id);
    std::lock_guard lock(s.mutex);
    auto it = s.highest.find(id);
    if (it != s.highest.end()) {
        if (value > it->second.highest)
            it->second.highest = value;
        it->second.seenNs = nowNs;
        return;
    }
    // Bounded: forget an arbitrary id to make room. Its protection is lost, so
    // the bound is generous and documented (--help of the ledger size).
    if (s.highest.size() >= m_perShardCap)
        s.highest.erase(s.highest.begin());
    s.highest.emplace(std::string(id), Shard::Entry{value, nowNs});
}

}  // namespace turno::server
