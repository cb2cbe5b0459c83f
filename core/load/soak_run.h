// SoakRun: holds a turno-server at a share of its capacity for a long time and
// watches its process for slow leaks (RSS, descriptors) and its p99 for drift,
// one load run per window and a verdict at the end. Runs on its own thread and
// delivers the capacity steps, each window and the report as signals on the
// owner's thread, like LoadRun, so turnoctl soak and the console share it.
#pragma once

#include "capacity_run.h"  // CapacityStep as a Qt metatype
#include "common/result.h"
#include "load_config.h"
#include "soak_verdict.h"
#include "thread_mailbox.h"

#include <QJsonObject>
#include <QObject>
#include <QTimer>
#include <atomic>
#include <functional>
#include <optional>
#include <thread>
#include <vector>

namespace turno {

struct SoakConfig {
    LoadConfig base;          // target, connections, threads, ids, id prefix; rate and duration are the run's
    QString target;           // the URL as the operator wrote it, for messages and the report; empty: base.url()
    qint64 pid = 0;           // the server's process, sampled in /proc
    std::optional<double> rate;  // req/s to hold; unset: fraction x the capacity found first
    double fraction = 0.5;
    double sloP99Ms = 10;     // the capacity search's p99 SLO
    double durationS = 600;
    double intervalS = 60;    // a window: one load run and one process sample
    SoakLimits limits;

    int plannedWindows() const;
};

// What happened on the run's thread, in order: capacity steps (when searching),
// then Holding once the rate is known, then one Window per interval.
struct SoakEvent {
    enum class Kind { CapacityStep, Holding, Window };
    Kind kind = Kind::Window;
    CapacityStep step;
    double capacity = 0;  // Holding: 0 when the rate was given
    double rate = 0;
    SoakWindow window;
};

struct SoakReport {
    enum class Outcome {
        Judged,      // the windows ran (maybe not all); see verdict
        NoCapacity,  // the capacity search sustained no step
        NoAnswers,   // the server answered nothing in the first window
    };
    Outcome outcome = Outcome::Judged;
    QString error;  // for NoCapacity and NoAnswers: what to do about it
    QString url;
    qint64 pid = 0;
    double capacity = 0;
    double fraction = 0;
    double rate = 0;
    double intervalS = 0;
    double durationS = 0;
    int plannedWindows = 0;
    bool interrupted = false;
    std::vector<SoakWindow> windows;
    SoakVerdict verdict;

    QJsonObject toJson() const;
};

class SoakRun : public QObject {
    Q_OBJECT
public:
    explicit SoakRun(SoakConfig config, QObject *parent = nullptr);
    ~SoakRun() override;

    // Checks the configuration and starts; the error names the option to fix.
    Result<void> start();
    // Ends the run early (the verdict then says interrupted); finished() follows.
    void stop();
    bool isRunning() const { return m_running; }
    const SoakConfig &config() const { return m_config; }
    const SoakReport &report() const { return m_report; }

    // The whole soak on the calling thread; onEvent is called on it too. The
    // core of start(), public for callers that have no event loop.
    static SoakReport execute(const SoakConfig &config, const std::function<void(const SoakEvent &)> &onEvent,
                              const std::atomic<bool> *stop);
    static Result<void> validate(const SoakConfig &config);

signals:
    void capacityStep(const turno::CapacityStep &step);
    // The rate is known (given, or fraction x capacity): the windows start.
    void holding(double capacity, double rate);
    void windowDone(const turno::SoakWindow &window);
    void finished(const turno::SoakReport &report);

private:
    void deliver();

    SoakConfig m_config;
    SoakReport m_report;
    std::thread m_thread;
    std::atomic<bool> m_stop{false};
    bool m_running = false;
    ThreadMailbox<SoakEvent, SoakReport> m_mailbox;
    QTimer m_poll;
};

}  // namespace turno

Q_DECLARE_METATYPE(turno::SoakReport)
