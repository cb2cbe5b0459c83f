#include "capacity_run.h"

namespace turno {

namespace {
constexpr int kPollMs = 50;
}  // namespace

CapacityRun::CapacityRun(CapacityConfig config, QObject *parent) : QObject(parent), m_config(std::move(config))
{
    qRegisterMetaType<turno::CapacityStep>();
    qRegisterMetaType<turno::CapacityReport>();
    m_poll.setInterval(kPollMs);
    connect(&m_poll, &QTimer::timeout, this, &CapacityRun::deliver);
}

CapacityRun::~CapacityRun()
{
    m_stop.store(true);
    if (m_thread.joinable())
        m_thread.join();
}

Result<void> CapacityRun::start()
{
    if (m_running)
        return Error{QStringLiteral("this capacity search is already running")};
    if (const Result<void> valid = validateLoadConfig(m_config.base); !valid)
        return valid;
    if (!(m_config.sloP99Ms > 0) || !(m_config.startRate > 0) || !(m_config.growth > 1.0) || !(m_config.stepSeconds > 0) ||
        m_config.maxSteps < 1)
        return Error{QStringLiteral("capacity search needs --slo-p99-ms > 0, --start-rate > 0, --step-growth > 1, "
                                    "--step-duration > 0 and --max-steps >= 1")};
    if (m_thread.joinable())
        m_thread.join();
    m_stop.store(false);
    m_mailbox.reset();
    m_running = true;
    m_thread = std::thread([this] {
        CapacityReport report = CapacityFinder::run(
            m_config,
            [this](const CapacityStep &s) { m_mailbox.post(s); },
            &m_stop);
        m_mailbox.finish(std::move(report));
    });
    m_poll.start();
    return {};
}

void CapacityRun::deliver()
{
    std::vector<CapacityStep> steps;
    const bool done = m_mailbox.take(steps, &m_report);
    for (const CapacityStep &s : steps)
        emit stepDone(s);
    if (!done)
        return;
    m_poll.stop();
    if (m_thread.joinable())
        m_thread.join();
    m_running = false;
    emit finished(m_report);
}

void CapacityRun::stop()
{
    m_stop.store(true);
}

}  // namespace turno
