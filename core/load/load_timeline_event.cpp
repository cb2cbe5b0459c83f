#include "load_timeline_event.h"

#include <QJsonArray>

namespace turno {

IncidentEvent loadRunEvent(const LoadReport &report, const QStringList &broken, qint64 finishedAtMs)
{
    IncidentEvent e;
    e.timeMs = finishedAtMs - qint64(report.durationSeconds * 1000.0);
    e.source = QStringLiteral("load");
    e.kind = QLatin1String(EventKind::LoadRun);
    e.severity = report.duplicates ? Severity::Error : broken.isEmpty() ? Severity::Info : Severity::Warning;
    e.summary = QStringLiteral("load run on %1: %2 req/s for %3 s, p99 %4 ms, %5 errors, %6 duplicates, %7 gaps%8")
                    .arg(report.url)
                    .arg(report.requestsPerSecond, 0, 'f', 0)
                    .arg(report.durationSeconds, 0, 'f', 1)
                    .arg(report.latency.p99Ms, 0, 'f', 3)
                    .arg(report.errorTotal())
                    .arg(report.duplicates)
                    .arg(report.gaps)
                    .arg(broken.isEmpty() ? QString() : QStringLiteral(" (failed: %1)").arg(broken.join(QStringLiteral("; "))));
    QJsonObject details = report.toJson();
    details.remove(QStringLiteral("timeline"));
    details.insert(QStringLiteral("passed"), broken.isEmpty());
    details.insert(QStringLiteral("broken"), QJsonArray::fromStringList(broken));
    e.details = details;
    return e;
}

}  // namespace turno
