#include "incidents/incident.h"

#include <QJsonObject>

namespace turno {

QString incidentStateName(Incident::State state)
{
    return state == Incident::State::Open ? QStringLiteral("open") : QStringLiteral("closed");
}

QString formatDuration(qint64 ms)
{
    if (ms < 0)
        ms = 0;
    const qint64 s = ms / 1000;
    const qint64 h = s / 3600;
    const qint64 m = (s % 3600) / 60;
    const qint64 sec = s % 60;
    if (h > 0)
        return QStringLiteral("%1 h %2 min").arg(h).arg(m, 2, 10, QLatin1Char('0'));
    if (m > 0)
        return QStringLiteral("%1 min %2 s").arg(m).arg(sec, 2, 10, QLatin1Char('0'));
    return QStringLiteral("%1 s").arg(sec);
}

QJsonArray peakMetricsToJson(const QList<PeakMetric> &metrics)
{
    QJsonArray out;
    for (const PeakMetric &m : metrics) {
        out.append(QJsonObject{{QStringLiteral("name"), m.name},
                               {QStringLiteral("node"), m.node},
                               {QStringLiteral("value"), m.value},
                               {QStringLiteral("unit"), m.unit},
                               {QStringLiteral("time_ms"), m.timeMs}});
    }
    return out;
}

QList<PeakMetric> peakMetricsFromJson(const QJsonArray &array)
{
    QList<PeakMetric> out;
    for (const QJsonValue &v : array) {
        const QJsonObject o = v.toObject();
        PeakMetric m;
        m.name = o.value(QStringLiteral("name")).toString();
        m.node = o.value(QStringLiteral("node")).toString();
        m.value = o.value(QStringLiteral("value")).toDouble();
        m.unit = o.value(QStringLiteral("unit")).toString();
        m.timeMs = o.value(QStringLiteral("time_ms")).toInteger();
        out.append(m);
    }
    return out;
}

}  // namespace turno
