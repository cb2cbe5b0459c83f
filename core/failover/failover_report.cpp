#include "failover/failover_report.h"

#include <QDateTime>
#include <QJsonArray>
#include <QStringList>

namespace turno {

QString stepName(FailoverStepId id)
{
    switch (id) {
    case FailoverStepId::Gate: return QStringLiteral("gate");
    case FailoverStepId::Probe: return QStringLiteral("probe");
    case FailoverStepId::Drain: return QStringLiteral("drain");
    case FailoverStepId::Pause: return QStringLiteral("pause");
    case FailoverStepId::CatchUp: return QStringLiteral("catch-up");
    case FailoverStepId::Promote: return QStringLiteral("promote");
    case FailoverStepId::Gap: return QStringLiteral("gap");
    case FailoverStepId::Fence: return QStringLiteral("fence");
    case FailoverStepId::Activate: return QStringLiteral("activate");
    case FailoverStepId::Verify: return QStringLiteral("verify");
    case FailoverStepId::Sentinel: return QStringLiteral("sentinel");
    }
    return {};
}

bool FailoverGate::ok() const
{
    for (const FailoverCheck &c : checks)
        if (!c.ok)
            return false;
    return !checks.isEmpty();
}

QString FailoverGate::failures() const
{
    QStringList out;
    for (const FailoverCheck &c : checks)
        if (!c.ok)
            out << c.name + QStringLiteral(": ") + c.detail;
    return out.join(QStringLiteral("; "));
}

QJsonObject FailoverGate::toJson() const
{
    QJsonArray list;
    for (const FailoverCheck &c : checks)
        list << QJsonObject{{QStringLiteral("check"), c.name}, {QStringLiteral("ok"), c.ok}, {QStringLiteral("detail"), c.detail}};
    return QJsonObject{{QStringLiteral("target"), target}, {QStringLiteral("ok"), ok()}, {QStringLiteral("checks"), list}};
}

QJsonObject FailoverReport::toJson() const
{
    QJsonArray list;
    for (const FailoverStep &s : steps)
        list << QJsonObject{{QStringLiteral("step"), s.name},
                            {QStringLiteral("startMs"), s.startMs},
                            {QStringLiteral("durationMs"), s.durationMs},
                            {QStringLiteral("ok"), s.ok},
                            {QStringLiteral("detail"), s.detail}};
    return QJsonObject{{QStringLiteral("from"), from},
                       {QStringLiteral("to"), to},
                       {QStringLiteral("trigger"), trigger},
                       {QStringLiteral("forced"), forced},
                       {QStringLiteral("ok"), ok},
                       {QStringLiteral("rolledBack"), rolledBack},
                       {QStringLiteral("message"), message},
                       {QStringLiteral("startedAt"), QDateTime::fromMSecsSinceEpoch(startedAtMs, Qt::UTC).toString(Qt::ISODateWithMs)},
                       {QStringLiteral("totalMs"), totalMs},
                       {QStringLiteral("settledMs"), settledMs},
                       {QStringLiteral("probeBefore"), probeBefore},
                       {QStringLiteral("probeAfter"), probeAfter},
                       {QStringLiteral("redisPrimaryBefore"), redisPrimaryBefore},
                       {QStringLiteral("redisPrimaryAfter"), redisPrimaryAfter},
                       {QStringLiteral("steps"), list}};
}

QString FailoverReport::toText() const
{
    QString t = QStringLiteral("%1 -> %2 (%3%4): %5 in %6 ms\n")
                    .arg(from, to, trigger, forced ? QStringLiteral(", forced") : QString(),
                         ok ? QStringLiteral("done") : rolledBack ? QStringLiteral("rolled back") : QStringLiteral("FAILED"))
                    .arg(totalMs);
    for (const FailoverStep &s : steps)
        t += QStringLiteral("  %1 %2 +%3 ms  %4 ms  %5\n")
                 .arg(s.ok ? QStringLiteral("ok  ") : QStringLiteral("FAIL"), s.name.leftJustified(9))
                 .arg(s.startMs, 5).arg(s.durationMs, 5).arg(s.detail);
    if (!redisPrimaryAfter.isEmpty())
        t += QStringLiteral("  redis primary: %1 -> %2\n").arg(redisPrimaryBefore, redisPrimaryAfter);
    if (probeBefore >= 0 || probeAfter >= 0)
        t += QStringLiteral("  probe turno: %1 before, %2 after\n").arg(probeBefore).arg(probeAfter);
    if (!message.isEmpty())
        t += QStringLiteral("  ") + message + QLatin1Char('\n');
    return t;
}

}  // namespace turno
