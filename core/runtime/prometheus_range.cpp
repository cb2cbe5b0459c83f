#include "runtime/prometheus_range.h"

#include "runtime/fleet_monitor.h"
#include "scrape/prometheus_api.h"

#include <QMap>
#include <algorithm>
#include <cmath>

namespace turno {

PrometheusRange::PrometheusRange(PrometheusAttach *attach, QStringList metrics, QObject *parent)
    : QObject(parent), m_attach(attach), m_metrics(std::move(metrics))
{
}

QStringList PrometheusRange::chartMetrics()
{
    return {QStringLiteral("requests_per_second"), QStringLiteral("p99_seconds"), QStringLiteral("cpu_percent"),
            QStringLiteral("error_ratio"),         QStringLiteral("redis_ops_per_second"), QStringLiteral("redis_memory_bytes"),
            QStringLiteral("redis_replication_lag_seconds")};
}

qint64 PrometheusRange::stepFor(qint64 windowMs, int columns, qint64 scrapeIntervalMs)
{
    // A round step (as Grafana rounds its intervals) of at least one column: a plot a few
    // pixels wider or narrower (its axis labels grew) keeps its step and its points.
    // Never finer than the scrapes (the points between would repeat them).
    const qint64 perColumn = (windowMs + std::max(1, columns) - 1) / std::max(1, columns);
    qint64 step = 0;
    for (const qint64 s : {1, 2, 5, 10, 15, 20, 30, 60, 120, 180, 300, 600, 900, 1200, 1800, 3600, 7200, 21600, 86400})
        if (s * 1000 >= perColumn) {
            step = s * 1000;
            break;
        }
    if (step == 0)
        step = (perColumn + 999) / 1000 * 1000;
    step = std::max(step, (scrapeIntervalMs + 999) / 1000 * 1000);
    return PrometheusApi::boundedStep(0, windowMs, step);
}

void PrometheusRange::setView(qint64 windowMs, int columns)
{
    m_columns = columns;
    if (windowMs == m_windowMs)
        return;  // a new width changes what is held only if it changes the step (update())
    m_windowMs = windowMs;
    m_series.clear();
    m_stepMs = 0;
    m_heldToMs = 0;
    ++m_generation;
    m_inFlight = false;
}

void PrometheusRange::update(qint64 nowMs)
{
    if (!m_attach || m_windowMs <= 0 || m_inFlight)
        return;
    const qint64 step = stepFor(m_windowMs, m_columns, m_attach->scrapeIntervalMs());
    if (step != m_stepMs) {
        // Another width, or the scrape interval became known: what is held has another step.
        m_series.clear();
        m_heldToMs = 0;
        m_stepMs = step;
        ++m_generation;
    }
    const qint64 lastEnded = nowMs / step * step;
    if (m_heldToMs == 0)
        return fetch(lastEnded - m_windowMs / step * step, lastEnded, true);
    if (lastEnded - m_heldToMs >= std::max(step, kTailEveryMs))
        fetch(m_heldToMs + step, lastEnded, false);
}

void PrometheusRange::fetch(qint64 fromMs, qint64 toMs, bool replace)
{
    m_inFlight = true;
    const quint64 generation = m_generation;
    QPointer<PrometheusRange> self(this);
    m_attach->history(fromMs, toMs, m_stepMs, [self, generation, toMs, replace](Result<PrometheusAttach::History> r) {
        if (!self || generation != self->m_generation)
            return;
        self->m_inFlight = false;
        if (!r.ok()) {
            emit self->problem(r.error());
            return;
        }
        QHash<QString, Points> fresh = keyed(r.value());
        if (replace)
            self->m_series.clear();
        const qint64 keepFrom = toMs - self->m_windowMs;
        bool any = false;
        for (auto it = fresh.begin(); it != fresh.end(); ++it) {
            Points &held = self->m_series[it.key()];
            for (const auto &p : std::as_const(it.value()))
                if (held.isEmpty() || p.first > held.last().first) {
                    held.append(p);
                    any = true;
                }
        }
        // What slid out of the window, and series that have nothing left in it.
        for (auto it = self->m_series.begin(); it != self->m_series.end();) {
            Points &points = it.value();
            const auto first = std::lower_bound(points.cbegin(), points.cend(), keepFrom,
                                                [](const std::pair<qint64, double> &p, qint64 t) { return p.first < t; });
            points.erase(points.cbegin(), first);
            it = points.isEmpty() ? self->m_series.erase(it) : std::next(it);
        }
        self->m_heldToMs = std::max(self->m_heldToMs, toMs);
        if (any || replace)
            emit self->updated();
    }, m_metrics);
}

qint64 PrometheusRange::pointCount() const
{
    qint64 n = 0;
    for (const Points &p : m_series)
        n += p.size();
    return n;
}

QList<SeriesBand> PrometheusRange::bands(const QString &key, qint64 fromMs, qint64 toMs) const
{
    QList<SeriesBand> out;
    const auto it = m_series.constFind(key);
    static const Points none;
    const Points &points = it == m_series.cend() ? none : it.value();
    auto p = std::lower_bound(points.cbegin(), points.cend(), fromMs,
                              [](const std::pair<qint64, double> &pt, qint64 t) { return pt.first < t; });
    for (; p != points.cend() && p->first <= toMs; ++p)
        out.append(SeriesBand{p->first, p->second, p->second, p->second});
    if (m_live && toMs > m_heldToMs)
        out.append(m_live->bands(key, std::max(fromMs, m_heldToMs + 1), toMs));
    return out;
}

QHash<QString, PrometheusRange::Points> PrometheusRange::keyed(const PrometheusAttach::History &history)
{
    QHash<QString, Points> out;
    // The fleet lines, per step, as FleetMonitor::aggregate() makes them live.
    QMap<qint64, double> rps, p99, errors;
    for (auto metric = history.cbegin(); metric != history.cend(); ++metric) {
        const bool redis = metric.key().startsWith(QLatin1String("redis_"));
        for (auto node = metric.value().cbegin(); node != metric.value().cend(); ++node) {
            Points &points = out[redis ? FleetMonitor::redisSeries(node.key(), metric.key())
                                       : FleetMonitor::nodeSeries(node.key(), metric.key())];
            for (const auto &[ms, value] : node.value()) {
                if (!std::isfinite(value))
                    continue;
                points.append({ms, value});
                if (metric.key() == QLatin1String("requests_per_second"))
                    rps[ms] += value;
                else if (metric.key() == QLatin1String("p99_seconds"))
                    p99[ms] = std::max(p99.value(ms), value);
                else if (metric.key() == QLatin1String("error_ratio"))
                    errors[ms] = std::max(errors.value(ms), value);
            }
        }
    }
    auto fleet = [&out](const QString &metric, const QMap<qint64, double> &values) {
        if (values.isEmpty())
            return;
        Points &points = out[FleetMonitor::fleetSeries(metric)];
        for (auto it = values.cbegin(); it != values.cend(); ++it)
            points.append({it.key(), it.value()});
    };
    fleet(QStringLiteral("requests_per_second"), rps);
    fleet(QStringLiteral("p99_seconds"), p99);
    fleet(QStringLiteral("error_ratio"), errors);
    return out;
}

}  // namespace turno
