#include "latency_histogram.h"

#include <algorithm>
#include <cmath>

namespace turno {

LatencyHistogram::LatencyHistogram() : m_counts(bucketCount(), 0) {}

void LatencyHistogram::merge(const LatencyHistogram &other)
{
    for (size_t i = 0; i < m_counts.size(); ++i)
        m_counts[i] += other.m_counts[i];
    m_total += other.m_total;
    m_sum += other.m_sum;
    m_min = std::min(m_min, other.m_min);
    m_max = std::max(m_max, other.m_max);
}

void LatencyHistogram::reset()
{
    std::fill(m_counts.begin(), m_counts.end(), 0);
    m_total = 0;
    m_sum = 0;
    m_min = UINT64_MAX;
    m_max = 0;
}

uint64_t LatencyHistogram::lowestOf(size_t index)
{
    const size_t sub = size_t(1) << kSubBits;
    if (index < sub)
        return index;
    const int shift = int(index >> kSubBits) - 1;
    return (uint64_t(sub) + (index & (sub - 1))) << shift;
}

uint64_t LatencyHistogram::widthOf(size_t index)
{
    if (index < (size_t(1) << kSubBits))
        return 1;
    return uint64_t(1) << (int(index >> kSubBits) - 1);
}

uint64_t LatencyHistogram::valueAtPercentile(double p) const
{
    if (m_total == 0)
        return 0;
    p = std::clamp(p, 0.0, 100.0);
    uint64_t rank = uint64_t(std::ceil(p / 100.0 * double(m_total)));
    rank = std::clamp<uint64_t>(rank, 1, m_total);
    uint64_t seen = 0;
    for (size_t i = 0; i < m_counts.size(); ++i) {
        seen += m_counts[i];
        if (seen >= rank) {
            const uint64_t mid = lowestOf(i) + widthOf(i) / 2;
            return std::clamp(mid, m_min, m_max);
        }
    }
    return m_max;
}

}  // namespace turno
