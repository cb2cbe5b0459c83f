#include "load_run.h"

#include "load_engine.h"

namespace turno {

namespace {
// Progress comes once a second; a 50 ms poll delays it by at most that.
constexpr int kPollMs = 50;
}  // namespace

LoadRun::LoadRun(LoadConfig config, QObject *parent) : QObject(parent), m_config(std::move(config))
{
    qRegisterMetaType<turno::LoadProgress>();
    qRegisterMetaType<turno::LoadReport>();
    m_poll.setInterval(kPollMs);
    connect(&m_poll, &QTimer::timeout, this, &LoadRun::deliver);
}

LoadRun::~LoadRun()
{
    m_stop.store(true);
    if (m_thread.joinable())
        m_thread.join();
}

Result<void> LoadRun::start()
{
    if (m_running)
        return Error{QStringLiteral("this load run is already running")};
    const Result<void> valid = validateLoadConfig(m_config);
    if (!valid)
        return valid;
    if (m_thread.joinable())
        m_thread.join();
    m_stop.store(false);
    m_mailbox.reset();
    m_running = true;
    m_thread = std::thread([this] {
        LoadReport report = LoadEngine::run(
            m_config,
            [this](const LoadProgress &p) { m_mailbox.post(p); },
            &m_stop);
        m_mailbox.finish(std::move(report));
    });
    m_poll.start();
    return {};
}

void LoadRun::deliver()
{
    std::vector<LoadProgress> ticks;
    const bool done = m_mailbox.take(ticks, &m_report);
    for (const LoadProgress &p : ticks)
        emit progress(p);
    if (!done)
        return;
    m_poll.stop();
    if (m_thread.joinable())
        m_thread.join();
    m_running = false;
    emit finished(m_report);
}

void LoadRun::stop()
{
    m_stop.store(true);
}

}  // namespace turno
