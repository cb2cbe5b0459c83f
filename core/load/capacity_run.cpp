#include "capacity_run.h"

#include <QMetaObject>

namespace turno {

CapacityRun::CapacityRun(CapacityConfig config, QObject *parent) : QObject(parent), m_config(std::move(config))
{
    qRegisterMetaType<turno::CapacityStep>();
    qRegisterMetaType<turno::CapacityReport>();
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
    m_running = true;
    m_thread = std::thread([this] {
        CapacityReport report = CapacityFinder::run(
            m_config,
            [this](const CapacityStep &s) {
                QMetaObject::invokeMethod(this, [this, s] { emit stepDone(s); }, Qt::QueuedConnection);
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

void CapacityRun::stop()
{
    m_stop.store(true);
}

}  // namespace turno
