// Incident: a period of trouble and what the operators wrote about it (summary,
// impact, root cause, action plan), kept with the events of its window.
#pragma once

#include "incidents/incident_event.h"

#include <QDate>
#include <QJsonArray>
#include <QList>
#include <QMetaType>
#include <QString>

namespace turno {

struct ActionItem {
    QString item;
    QString owner;
    QDate due;          // invalid when no date was agreed
    bool done = false;

    bool operator==(const ActionItem &other) const = default;
};

// A metric's value at the worst moment of the incident (the alert engine and the
// console fill these; reports print them).
struct PeakMetric {
    QString name;       // e.g. "cpu_percent" or an alert rule's name
    QString node;
    double value = 0;
    QString unit;       // "%", "req/s", "ms", ...
    qint64 timeMs = 0;

    bool operator==(const PeakMetric &other) const = default;
};

struct Incident {
    enum class State { Open, Closed };

    qint64 id = 0;
    QString title;
    State state = State::Open;
    Severity severity = Severity::Critical;
    qint64 openedMs = 0;
    qint64 closedMs = 0;         // 0 while open
    qint64 windowStartMs = 0;    // the timeline starts a little before opening, to show the lead-up
    QString openedBy;            // "operator" or "alert"
    QString triggerRule;         // the alert rule that opened it, if any
    QString triggerNode;
    QString summary;
    QString impact;
    QString rootCause;
    QList<ActionItem> actionItems;
    QList<PeakMetric> peakMetrics;

    bool isOpen() const { return state == State::Open; }
    // End of the window: the close time, or nowMs while open.
    qint64 windowEndMs(qint64 nowMs) const { return isOpen() ? nowMs : closedMs; }
    qint64 durationMs(qint64 nowMs) const { return windowEndMs(nowMs) - openedMs; }
};

QString incidentStateName(Incident::State state);
// "1 h 02 min", "4 min 05 s", "12 s": how reports and tables print a duration.
QString formatDuration(qint64 ms);

QJsonArray peakMetricsToJson(const QList<PeakMetric> &metrics);
QList<PeakMetric> peakMetricsFromJson(const QJsonArray &array);

}  // namespace turno

Q_DECLARE_METATYPE(turno::Incident)
