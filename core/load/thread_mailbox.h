// ThreadMailbox: how a generator thread hands its ticks and final report to the
// owner's thread (LoadRun, CapacityRun). A plain std::mutex, visible to
// ThreadSanitizer, rather than Qt's cross-thread event posting; the owner
// empties it from a timer.
#pragma once

#include <mutex>
#include <utility>
#include <vector>

namespace turno {

template <typename Tick, typename Report>
class ThreadMailbox {
public:
    void reset()
    {
        std::lock_guard<std::mutex> lock(m_mutex);
        m_ticks.clear();
        m_done = false;
    }
    void post(const Tick &tick)
    {
        std::lock_guard<std::mutex> lock(m_mutex);
        m_ticks.push_back(tick);
    }
    void finish(Report report)
    {
        std::lock_guard<std::mutex> lock(m_mutex);
        m_report = std::move(report);
        m_done = true;
    }
    // Moves what arrived into ticks; once finished, the report into *report and true.
    bool take(std::vector<Tick> &ticks, Report *report)
    {
        std::lock_guard<std::mutex> lock(m_mutex);
        ticks.swap(m_ticks);
        if (m_done)
            *report = std::move(m_report);
        return m_done;
    }

private:
    std::mutex m_mutex;
    std::vector<Tick> m_ticks;
    bool m_done = false;
    Report m_report;
};

}  // namespace turno
