#include "incidents/incident_event.h"

#include <QDateTime>

namespace turno {

QString severityName(Severity severity)
{
    switch (severity) {
    case Severity::Info:
        return QStringLiteral("info");
    case Severity::Warning:
        return QStringLiteral("warning");
    case Severity::Error:
        return QStringLiteral("error");
    case Severity::Critical:
        return QStringLiteral("critical");
    }
    return QStringLiteral("info");
}

bool parseSeverity(const QString &text, Severity *severity)
{
    const QString t = text.trimmed().toLower();
    for (Severity s : {Severity::Info, Severity::Warning, Severity::Error, Severity::Critical}) {
        if (t == severityName(s)) {
            *severity = s;
            return true;
        }
    }
    return false;
}

QStringList EventKind::all()
{
    return {QString::fromLatin1(AlertFiring),     QString::fromLatin1(AlertResolved),
            QString::fromLatin1(FailoverStep),    QString::fromLatin1(ProcessStart),
            QString::fromLatin1(ProcessExit),     QString::fromLatin1(ProcessCrash),
            QString::fromLatin1(ProcessRestart),  QString::fromLatin1(FleetScale),
            QString::fromLatin1(AutoscaleDecision), QString::fromLatin1(LoadRun),
            QString::fromLatin1(OperatorAction),  QString::fromLatin1(Note),
            QString::fromLatin1(IncidentOpened),  QString::fromLatin1(IncidentClosed)};
}

QString formatEventTime(qint64 timeMs)
{
    return QDateTime::fromMSecsSinceEpoch(timeMs, Qt::UTC).toString(Qt::ISODateWithMs);
}

}  // namespace turno
