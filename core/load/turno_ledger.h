// TurnoLedger: which turno numbers each id was handed, as sparse bitmaps. Each
// worker thread owns one (no locks on the hot path); they are merged once at the end.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

namespace turno {

struct TurnoExample {
    uint32_t idIndex = 0;
    uint64_t turno = 0;
};

class TurnoLedger {
public:
    explicit TurnoLedger(size_t idCount = 1);

    // Marks (id, turno) as handed out; false when it already was: a duplicate.
    bool record(uint32_t idIndex, uint64_t turno)
    {
        IdState &s = m_ids[idIndex];
        const uint64_t key = turno >> kChunkBits;
        uint64_t *chunk = key == s.lastKey ? s.lastChunk : chunkFor(s, key);
        const uint64_t bit = turno & ((uint64_t(1) << kChunkBits) - 1);
        uint64_t &word = chunk[bit >> 6];
        const uint64_t mask = uint64_t(1) << (bit & 63);
        if (word & mask)
            return false;
        word |= mask;
        ++s.distinct;
        if (turno < s.min)
            s.min = turno;
        if (turno > s.max)
            s.max = turno;
        return true;
    }

    // Folds other into this ledger. Numbers both hold were handed out twice
    // (on different threads): counted, and the first maxExamples listed.
    uint64_t mergeFrom(const TurnoLedger &other, std::vector<TurnoExample> *examples, size_t maxExamples);

    // Numbers missing between each id's lowest and highest (from 1 when fromOne:
    // the ids are fresh, so the first answer must have been 1). The first
    // maxExamples missing numbers are listed.
    uint64_t gaps(bool fromOne, std::vector<TurnoExample> *examples, size_t maxExamples) const;

    size_t idCount() const { return m_ids.size(); }
    uint64_t distinct(uint32_t idIndex) const { return m_ids[idIndex].distinct; }
    uint64_t lowest(uint32_t idIndex) const { return m_ids[idIndex].distinct ? m_ids[idIndex].min : 0; }
    uint64_t highest(uint32_t idIndex) const { return m_ids[idIndex].max; }

private:
    // 8192 numbers (1 KiB) per chunk: dense ranges cost one bit per number,
    // sparse ids stay small.
    static constexpr int kChunkBits = 13;
    static constexpr size_t kChunkWords = (size_t(1) << kChunkBits) / 64;

    struct IdState {
        std::unordered_map<uint64_t, std::unique_ptr<uint64_t[]>> chunks;
        uint64_t lastKey = UINT64_MAX;
        uint64_t *lastChunk = nullptr;
        uint64_t distinct = 0;
        uint64_t min = UINT64_MAX;
        uint64_t max = 0;
    };

    uint64_t *chunkFor(IdState &s, uint64_t key);
    bool has(const IdState &s, uint64_t turno) const;

    std::vector<IdState> m_ids;
};

}  // namespace turno
