// IncidentEvent: one thing that happened in the fleet (alert transition,
// failover step, process exit, scale decision, load run, operator note...).
#pragma once

#include <QJsonObject>
#include <QMetaType>
#include <QString>
#include <QStringList>

namespace turno {

// Ordered: a filter keeps events at or above a minimum severity.
enum class Severity : int { Info = 0, Warning = 1, Error = 2, Critical = 3 };

QString severityName(Severity severity);
// Accepts info|warning|error|critical (any case); false when unknown.
bool parseSeverity(const QString &text, Severity *severity);

// The kinds of event the producers record. Kinds are dotted so a filter on
// "process" matches every process.* kind.
namespace EventKind {
inline constexpr char AlertFiring[] = "alert.firing";
inline constexpr char AlertResolved[] = "alert.resolved";
inline constexpr char FailoverStep[] = "failover.step";
inline constexpr char ProcessStart[] = "process.start";
inline constexpr char ProcessExit[] = "process.exit";
inline constexpr char ProcessCrash[] = "process.crash";
inline constexpr char ProcessRestart[] = "process.restart";
inline constexpr char FleetScale[] = "fleet.scale";
inline constexpr char AutoscaleDecision[] = "autoscale.decision";
inline constexpr char LoadRun[] = "load.run";
inline constexpr char OperatorAction[] = "operator.action";
inline constexpr char Note[] = "note";
inline constexpr char IncidentOpened[] = "incident.opened";
inline constexpr char IncidentClosed[] = "incident.closed";
QStringList all();
}  // namespace EventKind

struct IncidentEvent {
    qint64 id = 0;          // assigned by the store on commit; 0 until then
    qint64 timeMs = 0;      // UTC, ms since the epoch; 0 means "now" when recorded
    QString source;         // who recorded it: alerts, fleet, failover, load, operator, ...
    QString node;           // empty when it concerns the whole fleet
    QString kind;           // one of EventKind, or another dotted tag
    Severity severity = Severity::Info;
    QString summary;        // one line for a person
    QJsonObject details;    // structured context, stored as JSON

    bool operator==(const IncidentEvent &other) const = default;
};

// "2026-11-23T14:30:00.123Z": the one way events print their time.
QString formatEventTime(qint64 timeMs);

}  // namespace turno

Q_DECLARE_METATYPE(turno::IncidentEvent)
