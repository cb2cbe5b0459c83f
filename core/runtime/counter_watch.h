// CounterWatch: keeps the Counters table current. At every monitor sample it
// reads the counters from the current Redis primary (RedisCounters, one read
// in flight at a time) into a CountersModel, and takes the issued side of the
// issued-vs-stored check from load test reports.
#pragma once

#include "common/result.h"

#include <QHash>
#include <QObject>
#include <QString>

namespace turno {

class CountersModel;
class FleetMonitor;
class RedisCounters;
struct LoadReport;

class CounterWatch : public QObject {
    Q_OBJECT
public:
    explicit CounterWatch(FleetMonitor *monitor, QObject *parent = nullptr);

    CountersModel *model() const { return m_model; }
    void setTopN(int n) { m_topN = n; }
    int topN() const { return m_topN; }
    // The highest number the run was handed per id becomes the "issued" column;
    // those ids are read on every refresh even when outside the top N.
    void setIssuedFrom(const LoadReport &report);
    // Reads now unless a read is in flight.
    void refresh();
    QString lastError() const { return m_lastError; }

signals:
    void updated();
    void readFailed(const QString &message);

private:
    FleetMonitor *m_monitor;
    CountersModel *m_model;
    RedisCounters *m_reader;
    int m_topN = 50;
    bool m_inFlight = false;
    QString m_lastError;
};

}  // namespace turno
