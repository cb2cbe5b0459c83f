// The records a failover leaves: the pre-flight gate's checks, each step of a
// switch and the switch's report, with their JSON (turnoctl --json, status)
// and text (turnoctl, the console) forms.
#pragma once

#include <QJsonObject>
#include <QList>
#include <QString>

namespace turno {

// The steps of a switch, in the order they run. Their names (stepName) are what
// the JSON, the events and the console show.
enum class FailoverStepId { Gate, Probe, Drain, Pause, CatchUp, Promote, Gap, Fence, Activate, Verify, Sentinel };
QString stepName(FailoverStepId id);

struct FailoverCheck {
    QString name;    // balancer, replica-link, replica-offset, sentinel-quorum, ...
    bool ok = false;
    QString detail;
};

// The pre-flight gate of a planned switch: every check must pass unless forced.
struct FailoverGate {
    QString target;  // pool the switch would activate
    QList<FailoverCheck> checks;
    bool ok() const;
    QString failures() const;  // "replica-link: master_link_status:down; ..."
    QJsonObject toJson() const;
};

struct FailoverStep {
    QString name;          // gate, probe, drain, pause, catch-up, promote, gap (async), fence, activate, verify, sentinel
    qint64 startMs = 0;    // since the switch began
    qint64 durationMs = 0;
    bool ok = false;
    QString detail;
    FailoverStepId id = FailoverStepId::Gate;
};

struct FailoverReport {
    QString from;          // pool active before
    QString to;            // pool asked for
    QString trigger;       // operator, automatic: <reason>
    bool forced = false;
    bool ok = false;
    bool rolledBack = false;
    QString message;       // what happened, and on failure what to do
    qint64 startedAtMs = 0;  // wall clock, ms since the epoch
    qint64 totalMs = 0;        // drain -> verify: until clients are served by the new side
    qint64 switchMs = -1;      // (internal) totalMs once verify passed
    qint64 settledMs = 0;      // until Sentinel names the new primary too
    qint64 probeBefore = -1;  // turno of the probe id before / after (-1: none)
    qint64 probeAfter = -1;
    QString redisPrimaryBefore;
    QString redisPrimaryAfter;
    QList<FailoverStep> steps;
    QJsonObject toJson() const;
    QString toText() const;
};

}  // namespace turno
