#include "runtime/counter_watch.h"

#include "load/load_report.h"
#include "models/counters_model.h"
#include "runtime/fleet_monitor.h"
#include "redis/redis_counters.h"

#include <QDateTime>
#include <QPointer>
#include <algorithm>

namespace turno {

CounterWatch::CounterWatch(FleetMonitor *monitor, QObject *parent)
    : QObject(parent), m_monitor(monitor), m_model(new CountersModel(this)), m_reader(new RedisCounters(this))
{
    connect(m_monitor, &FleetMonitor::sampled, this, &CounterWatch::refresh);
    // A new cluster (or fleet) has other counters.
    connect(m_monitor, &FleetMonitor::stopped, m_model, &CountersModel::clear);
}

void CounterWatch::setIssuedFrom(const LoadReport &report)
{
    QHash<QString, qint64> issued;
    for (const TurnoFinding &f : report.highestIssued)
        issued.insert(QString::fromStdString(f.id), qint64(f.turno));
    m_model->setIssued(issued);
    refresh();
}

void CounterWatch::refresh()
{
    if (m_inFlight)
        return;
    const Result<RedisEndpoint> primary = m_monitor->redisPrimary();
    if (!primary.ok()) {
        if (m_lastError != primary.error()) {
            m_lastError = primary.error();
            emit readFailed(m_lastError);
        }
        return;
    }
    RedisCounterQuery q;
    q.host = primary->host;
    q.port = primary->port;
    q.password = primary->password;
    q.topN = m_topN;
    q.alsoIds = m_model->issued().keys();
    q.timeoutMs = std::max(200, std::min(2000, m_monitor->scrapeIntervalMs()));
    m_inFlight = true;
    QPointer<CounterWatch> self(this);
    m_reader->read(q, [self](Result<QList<CounterValue>> r) {
        if (!self)
            return;
        self->m_inFlight = false;
        if (!r.ok()) {
            self->m_lastError = r.error();
            emit self->readFailed(r.error());
            return;
        }
        self->m_lastError.clear();
        self->m_model->setValues(r.value(), QDateTime::currentMSecsSinceEpoch());
        emit self->updated();
    });
}

}  // namespace turno
