// PrometheusRange: what the charts draw of a fleet seen through Prometheus,
// straight from range queries (as Grafana draws a panel): the chart's window at
// about one point per pixel column (the next round step: 1 s, 2 s, 5 s, ... 1 min,
// 2 min ...), never finer than the scrape interval nor over Prometheus's 11,000
// points per series. A new window (or width) fetches the whole window once;
// after that update() asks only for the steps that have ended since, once they
// span kTailEveryMs (or a step, if longer), and drops what slid out of the
// window. Steps are aligned to multiples of the step, so a tail continues the
// points already held. Between two tails the live edge comes from the live
// source (the monitor's store, filled every second by the instant queries of
// the same PromQL), so the charts move every second without a range request
// per second per figure.
//
// It holds the series under the monitor's keys (FleetMonitor::nodeSeries,
// fleetSeries, redisSeries), the fleet's total/worst lines summed per step as
// the monitor's own aggregate does.
#pragma once

#include "fleet/prometheus_attach.h"
#include "metrics/series_source.h"

#include <QHash>
#include <QObject>
#include <QPointer>
#include <QStringList>

namespace turno {

class PrometheusRange : public QObject, public SeriesSource {
    Q_OBJECT
public:
    using Points = QList<std::pair<qint64, double>>;

    // metrics: the figures to fetch (PrometheusAttach::queries' names); the charts' by default.
    explicit PrometheusRange(PrometheusAttach *attach, QStringList metrics = chartMetrics(), QObject *parent = nullptr);

    // The last windowMs at about `columns` points. Another window drops what is held;
    // another width only when it changes the step.
    void setView(qint64 windowMs, int columns);
    // Fetches what nowMs adds to the window (one request per figure at a time).
    void update(qint64 nowMs);
    // Where points newer than the last range answer come from (nullptr: nowhere).
    void setLiveSource(const SeriesSource *live) { m_live = live; }
    // A tail is asked for once this much has ended since the last one (or one step, if longer).
    static constexpr qint64 kTailEveryMs = 10'000;

    qint64 windowMs() const { return m_windowMs; }
    int columns() const { return m_columns; }
    // The step of the held points (0 before the first answer).
    qint64 stepMs() const { return m_stepMs; }
    // The step a window of windowMs over columns points gets, given the scrape interval.
    static qint64 stepFor(qint64 windowMs, int columns, qint64 scrapeIntervalMs);
    // Time of the newest step held (0 when nothing is).
    qint64 heldToMs() const { return m_heldToMs; }
    int seriesCount() const { return int(m_series.size()); }
    qint64 pointCount() const;

    // The range's points up to heldToMs(), then the live source's after it.
    QList<SeriesBand> bands(const QString &key, qint64 fromMs, qint64 toMs) const override;

    // A range answer under the monitor's keys, with the fleet lines of each step.
    static QHash<QString, Points> keyed(const PrometheusAttach::History &history);
    // The figures the charts draw.
    static QStringList chartMetrics();

signals:
    // New points arrived (a redraw is worth it).
    void updated();
    void problem(const QString &message);

private:
    void fetch(qint64 fromMs, qint64 toMs, bool replace);

    QPointer<PrometheusAttach> m_attach;
    const SeriesSource *m_live = nullptr;
    QStringList m_metrics;
    QHash<QString, Points> m_series;
    qint64 m_windowMs = 0;
    int m_columns = 0;
    qint64 m_stepMs = 0;
    qint64 m_heldToMs = 0;
    quint64 m_generation = 0;  // a setView() while a fetch is out makes its answer stale
    bool m_inFlight = false;
};

}  // namespace turno
