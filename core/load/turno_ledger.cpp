#include "turno_ledger.h"

#include <algorithm>

namespace turno {

TurnoLedger::TurnoLedger(size_t idCount) : m_ids(std::max<size_t>(idCount, 1)) {}

uint64_t *TurnoLedger::chunkFor(IdState &s, uint64_t key)
{
    auto it = s.chunks.find(key);
    if (it == s.chunks.end())
        it = s.chunks.emplace(key, std::make_unique<uint64_t[]>(kChunkWords)).first;
    s.lastKey = key;
    s.lastChunk = it->second.get();
    return s.lastChunk;
}

bool TurnoLedger::has(const IdState &s, uint64_t turno) const
{
    const auto it = s.chunks.find(turno >> kChunkBits);
    if (it == s.chunks.end())
        return false;
    const uint64_t bit = turno & ((uint64_t(1) << kChunkBits) - 1);
    return (it->second[bit >> 6] >> (bit & 63)) & 1;
}

uint64_t TurnoLedger::mergeFrom(const TurnoLedger &other, std::vector<TurnoExample> *examples, size_t maxExamples)
{
    uint64_t duplicates = 0;
    const size_t n = std::min(m_ids.size(), other.m_ids.size());
    for (size_t id = 0; id < n; ++id) {
        IdState &mine = m_ids[id];
        const IdState &theirs = other.m_ids[id];
        // Sorted keys so the listed examples are the lowest numbers, run after run.
        std::vector<uint64_t> keys;
        keys.reserve(theirs.chunks.size());
        for (const auto &kv : theirs.chunks)
            keys.push_back(kv.first);
        std::sort(keys.begin(), keys.end());
        for (uint64_t key : keys) {
            const uint64_t *src = theirs.chunks.at(key).get();
            uint64_t *dst = chunkFor(mine, key);
            for (size_t w = 0; w < kChunkWords; ++w) {
                const uint64_t both = dst[w] & src[w];
                if (both) {
                    duplicates += uint64_t(__builtin_popcountll(both));
                    for (uint64_t bits = both; bits && examples && examples->size() < maxExamples; bits &= bits - 1) {
                        const uint64_t turno = (key << kChunkBits) + w * 64 + uint64_t(__builtin_ctzll(bits));
                        examples->push_back({uint32_t(id), turno});
                    }
                }
                mine.distinct += uint64_t(__builtin_popcountll(src[w] & ~dst[w]));
                dst[w] |= src[w];
            }
        }
        if (theirs.distinct) {
            mine.min = std::min(mine.min, theirs.min);
            mine.max = std::max(mine.max, theirs.max);
        }
    }
    return duplicates;
}

uint64_t TurnoLedger::gaps(bool fromOne, std::vector<TurnoExample> *examples, size_t maxExamples) const
{
    uint64_t total = 0;
    for (size_t id = 0; id < m_ids.size(); ++id) {
        const IdState &s = m_ids[id];
        if (!s.distinct)
            continue;
        const uint64_t low = fromOne ? 1 : s.min;
        const uint64_t span = s.max >= low ? s.max - low + 1 : 0;
        // Turno 0 is refused by the answer check before it reaches a ledger, so
        // every recorded number lies inside [low, max].
        if (span <= s.distinct)
            continue;
        total += span - s.distinct;
        // Examples only: a bounded walk from the low end.
        uint64_t walked = 0;
        for (uint64_t t = low; t <= s.max && examples && examples->size() < maxExamples && walked < 1000000; ++t, ++walked) {
            if (!has(s, t))
                examples->push_back({uint32_t(id), t});
        }
    }
    return total;
}

}  // namespace turno
