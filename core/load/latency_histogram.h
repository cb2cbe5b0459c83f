// LatencyHistogram: HdrHistogram-style log-linear buckets over nanoseconds, so
// percentiles from a microsecond to minutes stay within 0.4% of the true value.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace turno {

class LatencyHistogram {
public:
    // 128 linear sub-buckets per power of two: a bucket is at most 1/128 of its
    // lower bound wide, and reporting its midpoint halves that error again.
    static constexpr int kSubBits = 7;
    // 2^40 ns is about 18 minutes; longer latencies are clamped into the top bucket.
    static constexpr int kMaxBits = 40;
    static constexpr uint64_t kMaxValue = (uint64_t(1) << kMaxBits) - 1;

    LatencyHistogram();

    void record(uint64_t ns)
    {
        ++m_counts[indexOf(ns)];
        ++m_total;
        m_sum += double(ns);
        if (ns < m_min)
            m_min = ns;
        if (ns > m_max)
            m_max = ns;
    }
    void merge(const LatencyHistogram &other);
    void reset();

    uint64_t count() const { return m_total; }
    uint64_t min() const { return m_total ? m_min : 0; }
    uint64_t max() const { return m_max; }
    double mean() const { return m_total ? m_sum / double(m_total) : 0.0; }
    // p in [0, 100]; the value below which p% of the recorded values fall.
    uint64_t valueAtPercentile(double p) const;

    static size_t bucketCount() { return size_t(kMaxBits - kSubBits + 1) << kSubBits; }
    static size_t indexOf(uint64_t v)
    {
        if (v > kMaxValue)
            v = kMaxValue;
        if (v < (uint64_t(1) << kSubBits))
            return size_t(v);
        const int msb = 63 - __builtin_clzll(v);
        const int shift = msb - kSubBits;
        return (size_t(shift + 1) << kSubBits) + size_t((v >> shift) - (uint64_t(1) << kSubBits));
    }
    static uint64_t lowestOf(size_t index);
    static uint64_t widthOf(size_t index);

private:
    std::vector<uint64_t> m_counts;
    uint64_t m_total = 0;
    double m_sum = 0;  // only for the mean; exact counts live in the buckets
    uint64_t m_min = UINT64_MAX;
    uint64_t m_max = 0;
};

}  // namespace turno
