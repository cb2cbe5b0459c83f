// CapacityRun: the Qt face of CapacityFinder. Runs it on its own thread and
// delivers each step and the final report as queued signals, for the GUI's
// capacity chart and anything else that wants to watch a search live.
#pragma once

#include "capacity_finder.h"
#include "common/result.h"

#include <QObject>
#include <atomic>
#include <thread>

namespace turno {

class CapacityRun : public QObject {
    Q_OBJECT
public:
    explicit CapacityRun(CapacityConfig config, QObject *parent = nullptr);
    ~CapacityRun() override;

    Result<void> start();
    void stop();
    bool isRunning() const { return m_running; }
    const CapacityReport &report() const { return m_report; }

signals:
    void stepDone(const turno::CapacityStep &step);
    void finished(const turno::CapacityReport &report);

private:
    CapacityConfig m_config;
    CapacityReport m_report;
    std::thread m_thread;
    std::atomic<bool> m_stop{false};
    bool m_running = false;
};

}  // namespace turno

Q_DECLARE_METATYPE(turno::CapacityStep)
Q_DECLARE_METATYPE(turno::CapacityReport)
