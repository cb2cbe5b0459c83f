#include "incidents/fleet_window_chart.h"

#include "incidents/incident_event.h"

#include <algorithm>
#include <cmath>

namespace turno {

namespace {

QString fmt(double v)
{
    return QString::number(v, 'g', 6);
}

QString coord(double v)
{
    return QString::number(v, 'f', 1);
}

}  // namespace

QString FleetWindowChart::name(Metric metric)
{
    switch (metric) {
    case Metric::RequestsPerSecond: return QStringLiteral("fleet req/s");
    case Metric::P99Ms: return QStringLiteral("fleet p99 latency (slowest node)");
    case Metric::ErrorPercent: return QStringLiteral("fleet 5xx share (worst node)");
    case Metric::CpuPercent: return QStringLiteral("fleet CPU (all processes, 100 % = one core)");
    }
    return {};
}

QString FleetWindowChart::unit(Metric metric)
{
    switch (metric) {
    case Metric::RequestsPerSecond: return QStringLiteral("req/s");
    case Metric::P99Ms: return QStringLiteral("ms");
    case Metric::ErrorPercent:
    case Metric::CpuPercent: return QStringLiteral("%");
    }
    return {};
}

double FleetWindowChart::value(const FleetSample &s, Metric metric)
{
    switch (metric) {
    case Metric::RequestsPerSecond: return s.requestsPerSecond;
    case Metric::P99Ms: return s.p99Ms;
    case Metric::ErrorPercent: return s.errorRatio * 100.0;
    case Metric::CpuPercent: return s.cpuPercent;
    }
    return FleetSample::kUnknown;
}

QList<FleetWindowChart::Point> FleetWindowChart::points(const QList<FleetSample> &samples, Metric metric)
{
    QList<Point> known;
    for (const FleetSample &s : samples) {
        const double v = value(s, metric);
        if (std::isfinite(v))
            known.append(Point{s.timeMs, v});
    }
    if (known.size() <= kMaxPoints)
        return known;
    // Group maxima: a short spike (the reason for the report) survives decimation.
    const qsizetype group = (known.size() + kMaxPoints - 1) / kMaxPoints;
    QList<Point> out;
    for (qsizetype i = 0; i < known.size(); i += group) {
        const auto end = known.begin() + std::min(known.size(), i + group);
        out.append(*std::max_element(known.begin() + i, end,
                                     [](const Point &a, const Point &b) { return a.value < b.value; }));
    }
    return out;
}

FleetWindowChart::Summary FleetWindowChart::summary(const QList<FleetSample> &samples, Metric metric)
{
    Summary out;
    QList<double> values;
    for (const FleetSample &s : samples) {
        const double v = value(s, metric);
        if (!std::isfinite(v))
            continue;
        if (values.isEmpty() || v > out.max) {
            out.max = v;
            out.maxTimeMs = s.timeMs;
        }
        values.append(v);
    }
    out.count = int(values.size());
    if (values.isEmpty())
        return out;
    std::sort(values.begin(), values.end());
    out.min = values.first();
    const qsizetype mid = values.size() / 2;
    out.median = values.size() % 2 ? values[mid] : (values[mid - 1] + values[mid]) / 2;
    return out;
}

QString FleetWindowChart::svg(const QList<FleetSample> &samples, Metric metric, qint64 fromMs, qint64 toMs,
                              int width, int height)
{
    const QList<Point> pts = points(samples, metric);
    if (pts.isEmpty())
        return {};
    const qint64 start = fromMs;
    const qint64 end = std::max(toMs, fromMs + 1);
    double top = 0;
    for (const Point &p : pts)
        top = std::max(top, p.value);
    if (top <= 0)
        top = 1;  // an all-zero series is a flat line on the axis, not a division by zero
    const double left = 60, right = width - 10.0, upper = 22, lower = height - 24.0;
    const auto x = [&](qint64 t) {
        return left + double(std::clamp(t, start, end) - start) / double(end - start) * (right - left);
    };
    const auto y = [&](double v) { return lower - v / top * (lower - upper); };
    QString polyline;
    for (const Point &p : pts) {
        if (!polyline.isEmpty())
            polyline += QLatin1Char(' ');
        polyline += coord(x(p.timeMs)) + QLatin1Char(',') + coord(y(p.value));
    }
    const QString title = (name(metric) + QStringLiteral(", ") + unit(metric)).toHtmlEscaped();
    QString s;
    s += QStringLiteral("<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%1\" height=\"%2\" viewBox=\"0 0 %1 %2\" "
                        "role=\"img\" aria-label=\"%3\" font-family=\"sans-serif\" font-size=\"11\">\n")
             .arg(width)
             .arg(height)
             .arg(title);
    s += QStringLiteral("<rect x=\"0\" y=\"0\" width=\"%1\" height=\"%2\" fill=\"#ffffff\"/>\n").arg(width).arg(height);
    s += QStringLiteral("<text x=\"%1\" y=\"14\">%2</text>\n").arg(coord(left), title);
    s += QStringLiteral("<path d=\"M%1 %2 V%3 H%4\" fill=\"none\" stroke=\"#999999\"/>\n")
             .arg(coord(left), coord(upper), coord(lower), coord(right));
    s += QStringLiteral("<text x=\"%1\" y=\"%2\" text-anchor=\"end\">%3</text>\n")
             .arg(coord(left - 4), coord(upper + 4), fmt(top).toHtmlEscaped());
    s += QStringLiteral("<text x=\"%1\" y=\"%2\" text-anchor=\"end\">0</text>\n").arg(coord(left - 4), coord(lower + 4));
    s += QStringLiteral("<text x=\"%1\" y=\"%2\">%3 UTC</text>\n")
             .arg(coord(left), coord(lower + 16), formatEventTime(start).mid(11, 8));
    s += QStringLiteral("<text x=\"%1\" y=\"%2\" text-anchor=\"end\">%3 UTC</text>\n")
             .arg(coord(right), coord(lower + 16), formatEventTime(end).mid(11, 8));
    s += QStringLiteral("<polyline fill=\"none\" stroke=\"#1f6fb5\" stroke-width=\"1.5\" points=\"%1\"/>\n").arg(polyline);
    s += QStringLiteral("</svg>\n");
    return s;
}

}  // namespace turno
