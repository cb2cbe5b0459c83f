// CapacityRun: the Qt face of CapacityFinder. Runs it on its own thread and
// delivers each step and the final report as signals on the owner's thread,
// for the GUI's capacity chart and anything else that watches a search live.
#pragma once

#include "capacity_finder.h"
#include "thread_mailbox.h"
#include "common/result.h"

#include <QObject>
#include <QTimer>
#include <atomic>
#include <mutex>
#include <thread>
#include <vector>

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
    void deliver();

    CapacityConfig m_config;
    CapacityReport m_report;
    std::thread m_thread;
    std::atomic<bool> m_stop{false};
    bool m_running = false;
    // Steps and the report from the search thread; m_poll empties it here.
    ThreadMailbox<CapacityStep, CapacityReport> m_mailbox;
    QTimer m_poll;
};

}  // namespace turno

Q_DECLARE_METATYPE(turno::CapacityStep)
Q_DECLARE_METATYPE(turno::CapacityReport)
