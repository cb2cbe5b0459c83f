// monoNs: the monotonic clock in nanoseconds, which every timeout of a loop is
// measured on (wall-clock steps must not expire or extend one).
#pragma once

#include <cstdint>
#include <ctime>

namespace turno::server {

inline uint64_t monoNs()
{
    timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return uint64_t(ts.tv_sec) * 1000000000ULL + uint64_t(ts.tv_nsec);
}

}  // namespace turno::server
