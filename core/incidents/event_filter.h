// EventFilter: which events a timeline shows (severity, node, kind, text, time
// range). The store turns it into SQL; matches() applies it to a live event.
#pragma once

#include "incidents/incident_event.h"

#include <QStringList>
#include <limits>

namespace turno {

struct EventFilter {
    Severity minSeverity = Severity::Info;
    QStringList nodes;   // empty: every node
    QStringList kinds;   // empty: every kind; "process" also matches "process.exit"
    QString text;        // substring of summary, node, source, kind or details; ASCII case-insensitive
    qint64 fromMs = std::numeric_limits<qint64>::min();  // inclusive
    qint64 toMs = std::numeric_limits<qint64>::max();    // inclusive

    bool matches(const IncidentEvent &event) const;
    bool operator==(const EventFilter &other) const = default;
};

// The fields a text filter searches, each on its own, the same in SQL and in
// matches(); details as compact JSON, the way the store keeps them.
QStringList eventSearchFields(const IncidentEvent &event);

}  // namespace turno
