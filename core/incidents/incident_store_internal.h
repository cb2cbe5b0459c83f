// Helpers shared by IncidentStore's source files (incident_store*.cpp).
// Private to core/incidents.
#pragma once

#include <QString>

namespace turno::incidentstore {

inline constexpr int kDayMs = 24 * 60 * 60 * 1000;

// Qt binds a null QString as SQL NULL; the text columns are NOT NULL.
inline QString nonNull(const QString &s)
{
    return s.isNull() ? QStringLiteral("") : s;
}

}  // namespace turno::incidentstore
