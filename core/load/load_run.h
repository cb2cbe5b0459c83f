// LoadRun: the Qt face of one load test. Runs LoadEngine on its own thread and
// delivers progress (once a second) and the final report as signals on the
// owner's thread, so the GUI and turnoctl share one core call and the
// generator never touches Qt.
#pragma once

#include "common/result.h"
#include "load_config.h"
#include "load_report.h"
#include "thread_mailbox.h"

#include <QObject>
#include <QTimer>
#include <atomic>
#include <mutex>
#include <thread>
#include <vector>

namespace turno {

class LoadRun : public QObject {
    Q_OBJECT
public:
    explicit LoadRun(LoadConfig config, QObject *parent = nullptr);
    ~LoadRun() override;

    // Validates the configuration and starts; the error names the flag to fix.
    Result<void> start();
    // Ends the run early; finished() still follows with what was measured.
    void stop();
    bool isRunning() const { return m_running; }
    const LoadConfig &config() const { return m_config; }
    const LoadReport &report() const { return m_report; }

signals:
    void progress(const turno::LoadProgress &progress);
    void finished(const turno::LoadReport &report);

private:
    void deliver();

    LoadConfig m_config;
    LoadReport m_report;
    std::thread m_thread;
    std::atomic<bool> m_stop{false};
    bool m_running = false;
    // Ticks and the report from the engine thread; m_poll empties it here.
    ThreadMailbox<LoadProgress, LoadReport> m_mailbox;
    QTimer m_poll;
};

}  // namespace turno
