// ProcSample: what /proc says about one process at one moment (CPU ticks, RSS,
// open descriptors), read by soak runs and anything else that watches a PID.
#pragma once

#include "common/result.h"

#include <QtGlobal>

namespace turno {

struct ProcSample {
    qint64 cpuTicks = 0;  // utime + stime, in clock ticks (ticksPerSecond())
    qint64 rssKiB = 0;    // VmRSS
    int fds = 0;          // entries of /proc/PID/fd

    // An error says which file could not be read and why: the process is gone,
    // or it belongs to another user.
    static Result<ProcSample> read(qint64 pid);
    static long ticksPerSecond();
};

}  // namespace turno
