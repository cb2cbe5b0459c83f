#include "load/load_thresholds.h"

namespace turno {

QStringList brokenLoadThresholds(const LoadReport &report, const LoadThresholds &t)
{
    QStringList broken;
    if (report.duplicates)
        broken << QStringLiteral("%1 duplicate turnos (never allowed)").arg(report.duplicates);
    if (!t.allowGaps && report.gaps > t.maxGaps)
        broken << QStringLiteral("%1 gaps > --max-gaps %2 (use --allow-gaps if other clients share these ids)")
                      .arg(report.gaps)
                      .arg(t.maxGaps);
    if (report.errorRate() > t.maxErrorRate)
        broken << QStringLiteral("error rate %1 > --max-error-rate %2").arg(report.errorRate()).arg(t.maxErrorRate);
    if (t.maxP99Ms && report.latency.p99Ms > *t.maxP99Ms)
        broken << QStringLiteral("p99 %1 ms > --max-p99-ms %2").arg(report.latency.p99Ms, 0, 'f', 3).arg(*t.maxP99Ms);
    return broken;
}

}  // namespace turno
