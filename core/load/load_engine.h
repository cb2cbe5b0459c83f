// LoadEngine: runs one load test to completion on its own worker threads and
// reports progress once a second through a plain callback. Blocking and
// Qt-free; LoadRun wraps it for the GUI, turnoctl and the capacity finder.
#pragma once

#include "load_config.h"
#include "load_report.h"

#include <atomic>
#include <functional>

namespace turno {

class LoadEngine {
public:
    using ProgressCallback = std::function<void(const LoadProgress &)>;

    // Runs config (already validated) until its duration or request count is
    // reached, or stop becomes true. Progress is called from this thread.
    static LoadReport run(const LoadConfig &config, const ProgressCallback &progress = {},
                          const std::atomic<bool> *stop = nullptr);
};

}  // namespace turno
