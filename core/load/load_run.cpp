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
    {
        std::lock_guard<std::mutex> lock(m_mailboxMutex);
        m_mailbox.clear();
        m_mailboxDone = false;
    }
    m_running = true;
    m_thread = std::thread([this] {
        LoadReport report = LoadEngine::run(
            m_config,
            [this](const LoadProgress &p) {
                std::lock_guard<std::mutex> lock(m_mailboxMutex);
                m_mailbox.push_back(p);
            },
            &m_stop);
        std::lock_guard<std::mutex> lock(m_mailboxMutex);
        m_mailboxReport = std::move(report);
        m_mailboxDone = true;
    });
    m_poll.start();
    return {};
}

void LoadRun::deliver()
{
    std::vector<LoadProgress> ticks;
    bool done = false;
    {
        std::lock_guard<std::mutex> lock(m_mailboxMutex);
        ticks.swap(m_mailbox);
        done = m_mailboxDone;
        if (done)
            m_report = std::move(m_mailboxReport);
    }
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
