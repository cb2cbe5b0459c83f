#include "load_run.h"

#include "load_engine.h"

#include <QMetaObject>

namespace turno {

LoadRun::LoadRun(LoadConfig config, QObject *parent) : QObject(parent), m_config(std::move(config))
{
    qRegisterMetaType<turno::LoadProgress>();
    qRegisterMetaType<turno::LoadReport>();
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
    m_running = true;
    m_thread = std::thread([this] {
        LoadReport report = LoadEngine::run(
            m_config,
            [this](const LoadProgress &p) {
                QMetaObject::invokeMethod(this, [this, p] { emit progress(p); }, Qt::QueuedConnection);
            },
            &m_stop);
        QMetaObject::invokeMethod(
            this,
            [this, report = std::move(report)] {
                m_report = report;
                m_running = false;
                if (m_thread.joinable())
                    m_thread.join();
                emit finished(m_report);
            },
            Qt::QueuedConnection);
    });
    return {};
}

void LoadRun::stop()
{
    m_stop.store(true);
}

}  // namespace turno
