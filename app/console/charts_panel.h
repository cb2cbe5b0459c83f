// ChartsPanel: the live charts (requests, latency, CPU, errors, Redis) with a
// time window and pause; redrawn once per monitor sample, only while visible.
// The p99 chart draws the p99 alert rule's threshold as its SLO line, the error
// chart its alert rule's limit, both from the rules the monitor evaluates now.
// Beside the per-node p99 chart, one says where a p99 is measured: the worst
// node's (server time), HAProxy's frontend's and the console's load test's; the
// 5xx chart has the frontend's line (what clients got) over the nodes' own.
// The full panel's window is the one the Fleet table's 5xx rate is over.
#pragma once

#include "incidents/incident_report.h"
#include "live_chart.h"

#include <QHash>
#include <QList>
#include <QPointer>
#include <QWidget>

class QCheckBox;
class QComboBox;
class QLabel;

namespace turno {
class FleetMonitor;
class PrometheusAttach;
class PrometheusRange;
class SeriesSource;
}

namespace turno::console {

class ChartsPanel : public QWidget {
    Q_OBJECT
public:
    // Compact: requests, p99 and CPU in one row, no controls (the fleet tab's overview).
    enum class Mode { Full, Compact };
    explicit ChartsPanel(FleetMonitor *monitor, Mode mode = Mode::Full, QWidget *parent = nullptr);

    QList<LiveChart *> charts() const { return m_charts; }
    LiveChart *chart(const QString &title) const;
    qint64 windowMs() const;
    void setWindowIndex(int index);
    int windowIndex() const;
    bool paused() const;
    void setDark(bool dark);
    // Rebuilds the lines for the current nodes and redraws, one chart per
    // event-loop turn so no single stall holds the UI thread for all of them.
    void refresh();
    // Attached through Prometheus: what the charts read from its range queries (nullptr otherwise).
    const PrometheusRange *range() const { return m_range; }
    // Plot these nodes instead of the cluster's (the benchmark, replays).
    void setNodes(const QStringList &turnoNodes, const QStringList &redisServers);
    // The request, latency, CPU and error charts over [fromMs, toMs] as PNGs, for
    // incident reports; charts without a point in the window are left out.
    QList<ReportImage> renderWindow(qint64 fromMs, qint64 toMs, const QSize &size = QSize(900, 300)) const;

signals:
    // Every chart holds the data of the last refresh().
    void refreshed();

protected:
    void showEvent(QShowEvent *event) override;

private:
    void rebuildLines();
    // Sets or clears chart's threshold line from the alert rule on metric (none: no line).
    void applyThreshold(LiveChart *chart, const QString &metric) const;
    void addMarker(qint64 timestampMs, const QColor &color, const QString &label);
    void refreshNext();
    // The nodes a per-node chart of metric draws: all of them, or the kMaxNodeLines (10)
    // with the highest last value (ranked again every 10 s).
    QStringList shownNodes(const QString &metric, const QStringList &nodes);
    // Attached through Prometheus: the range reader of this panel's window, brought up to now.
    void syncRange();
    // What the charts read: the range answers once there are some, else the monitor's store.
    const SeriesSource &source() const;

    FleetMonitor *m_monitor;
    QComboBox *m_window = nullptr;
    QCheckBox *m_pause = nullptr;
    QLabel *m_source = nullptr;
    PrometheusRange *m_range = nullptr;
    QPointer<PrometheusAttach> m_rangeOf;
    struct Ranking {
        qint64 atMs = 0;
        QStringList of;
        QStringList shown;
    };
    QHash<QString, Ranking> m_ranked;
    QList<LiveChart *> m_charts;
    LiveChart *m_requests = nullptr;
    LiveChart *m_latency = nullptr;
    LiveChart *m_cpu = nullptr;
    LiveChart *m_errors = nullptr;
    LiveChart *m_redisOps = nullptr;
    LiveChart *m_redisMemory = nullptr;
    LiveChart *m_replication = nullptr;
    LiveChart *m_share = nullptr;
    LiveChart *m_latencyWhere = nullptr;
    QList<LiveChart::Marker> m_markers;
    QStringList m_fixedNodes;
    QStringList m_fixedRedis;
    bool m_fixed = false;
    qint64 m_refreshMs = 0;
    int m_next = 0;
    bool m_pending = false;
};

}  // namespace turno::console
