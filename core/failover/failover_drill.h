// FailoverDrill: proves the failover guarantees on a private loopback cluster.
// Per durability mode it launches the profile's cluster, puts steady load on
// the balancer with the project's load generator (every answer checked), makes
// planned switches back and forth and kill -9s the Redis primary, then reports
// duplicates, burned numbers, failed requests per switch and time to recover.
#pragma once

#include "common/result.h"
#include "fleet/cluster_profile.h"

#include <QJsonObject>
#include <QList>
#include <QObject>
#include <QString>
#include <QStringList>
#include <functional>
#include <memory>

namespace turno {

struct DrillOptions {
    QStringList modes{QStringLiteral("sync"), QStringLiteral("async")};
    int switches = 20;          // planned switches (alternating failover / failback)
    int kills = 10;             // kill -9 of whoever is the Redis primary
    int chaos = 0;              // then kill -9 of other processes in turn (turno nodes, HAProxy, replica, sentinels)
    double rate = 2000;         // requests/s through the balancer (open loop)
    int connections = 16;
    int threads = 1;
    int ids = 64;               // ids the load spreads over
    int settleMs = 1500;        // pause between faults, so their windows do not overlap
    int readyTimeoutMs = 30000; // cluster ready + pre-flight passing
};

struct DrillSwitch {
    QString kind;          // planned | kill | chaos
    QString from, to;
    bool ok = false;
    qint64 switchMs = -1;  // the controller's own total (drain -> verify)
    qint64 recoverMs = -1; // fault -> first good turno through the balancer (kills)
    quint64 failedRequests = 0;  // load errors in the fault's window
    QString message;
};

struct DrillModeResult {
    QString mode;
    bool ran = false;
    QString failure;       // why the mode could not run
    QList<DrillSwitch> events;
    quint64 requests = 0;
    quint64 ok = 0;
    quint64 failed = 0;
    quint64 duplicates = 0;
    quint64 burned = 0;    // numbers consumed but never answered (gaps, with no other writer)
    quint64 plannedRequests = 0;  // requests answered or failed during the planned phase
    quint64 plannedFailed = 0;
    double achievedRate = 0;
    int countersChecked = 0;   // ids whose stored counter was compared with the highest number answered
    int countersBelow = 0;     // ...and found below it (numbers that could be handed out again)
    QStringList counterExamples;
    QStringList duplicateExamples;

    // Medians and maxima over the events of one kind.
    double medianSwitchMs(const QString &kind) const;
    qint64 maxSwitchMs(const QString &kind) const;
    double medianRecoverMs() const;
    qint64 maxRecoverMs() const;
    double medianFailed(const QString &kind) const;
    int failures(const QString &kind) const;
    QJsonObject toJson() const;
};

class FailoverDrill : public QObject {
    Q_OBJECT
public:
    FailoverDrill(ClusterProfile profile, DrillOptions options, QObject *parent = nullptr);
    ~FailoverDrill() override;

    // Runs every mode in turn; finished() follows. Errors known at once come back here.
    Result<void> start();
    const QList<DrillModeResult> &results() const { return m_results; }
    static QString table(const QList<DrillModeResult> &results);

signals:
    void progress(const QString &line);
    void finished();

private:
    struct Mode;
    void runMode(int index);
    void nextFault();
    void plannedSwitch();
    void nextKill();
    void nextChaos();
    // After the settle time, the next fault (if this mode still runs).
    void settleThenNext();
    // Probes the balancer until the first good turno; done gets ms since t0, or -1 after 20 s.
    void probeUntilGood(qint64 t0, std::function<void(qint64)> done);
    void endMode(const QString &failure = {});

    ClusterProfile m_profile;
    DrillOptions m_options;
    QList<DrillModeResult> m_results;
    std::unique_ptr<Mode> m_mode;
    int m_index = -1;
};

}  // namespace turno
