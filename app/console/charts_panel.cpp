#include "charts_panel.h"

#include "alerts/alert_engine.h"
#include "failover/failover_controller.h"
#include "live_chart.h"
#include "metrics/series_store.h"
#include "runtime/failover_commands.h"
#include "runtime/fleet_monitor.h"
#include "runtime/prometheus_range.h"

#include <QBuffer>
#include <QCheckBox>
#include <QComboBox>
#include <QDateTime>
#include <QGridLayout>
#include <QHBoxLayout>
#include <QLabel>
#include <QTimer>
#include <QVBoxLayout>
#include <algorithm>
#include <cmath>
#include <limits>

namespace turno::console {

namespace {
constexpr qint64 kWindows[] = {60'000, 5 * 60'000, 15 * 60'000, 60 * 60'000, 6 * 3600'000LL, 24 * 3600'000LL};
constexpr int kLastWindow = int(std::size(kWindows)) - 1;
// Per-node lines one chart draws at most: a legend names about that many, and the
// chart themes have fewer colours than that (more lines could not be told apart).
constexpr int kMaxNodeLines = 10;

// The rule that fires first on metric going up (the lowest threshold of the
// "above" rules): its threshold is the line worth drawing.
const AlertRule *ruleAbove(const AlertRuleSet &rules, const QString &metric)
{
    const AlertRule *best = nullptr;
    for (const AlertRule &r : rules.rules)
        if (r.metric == metric && (r.op == AlertRule::Op::Greater || r.op == AlertRule::Op::GreaterEqual) &&
            (!best || r.threshold < best->threshold))
            best = &r;
    return best;
}

const QString kP99 = QStringLiteral("p99_seconds");
const QString kErrors = QStringLiteral("error_ratio");
// What clients got from HAProxy, after its retries: the error chart's limit line is HighErrorRatio's, on this.
const QString kFrontendErrors = QStringLiteral("frontend_error_ratio");
}

ChartsPanel::ChartsPanel(FleetMonitor *monitor, Mode mode, QWidget *parent) : QWidget(parent), m_monitor(monitor)
{
    const bool compact = mode == Mode::Compact;
    setObjectName(compact ? QStringLiteral("overviewCharts") : QStringLiteral("chartsPanel"));
    auto *layout = new QVBoxLayout(this);
    if (compact)
        layout->setContentsMargins(0, 0, 0, 0);
    auto *bar = new QHBoxLayout;
    bar->addWidget(new QLabel(tr("Window:"), this));
    m_window = new QComboBox(this);
    m_window->setObjectName(QStringLiteral("chartWindow"));
    m_window->addItems({tr("1 min"), tr("5 min"), tr("15 min"), tr("1 h"), tr("6 h"), tr("24 h")});
    m_window->setToolTip(tr("The console keeps 15 min at 1 s and 6 h at 10 s of what it scrapes itself.\n"
                            "Attached through Prometheus, every window is read from Prometheus's range queries,\n"
                            "about one point per pixel, with history from before the console started."));
    bar->addWidget(m_window);
    // What the charts read (Prometheus's range queries) and why they stand still when they do.
    m_source = new QLabel(this);
    m_source->setObjectName(QStringLiteral("chartSource"));
    bar->addWidget(m_source);
    m_pause = new QCheckBox(tr("&Pause"), this);
    m_pause->setObjectName(QStringLiteral("chartPause"));
    bar->addWidget(m_pause);
    bar->addStretch(1);
    bar->addWidget(new QLabel(tr("Click a legend entry to hide its line; right-click a chart to export it."), this));
    layout->addLayout(bar);
    if (compact) {
        for (int i = 0; i < bar->count(); ++i)
            if (QWidget *w = bar->itemAt(i)->widget())
                w->hide();
    }

    auto *grid = new QGridLayout;
    m_requests = new LiveChart(tr("Requests"), tr("req/s"), 1.0, this);
    m_latency = new LiveChart(tr("p99 latency"), tr("ms"), 1000.0, this);
    m_cpu = new LiveChart(tr("CPU"), tr("% core"), 1.0, this);
    // Stored as a ratio, shown as a percentage: axis, ticks, tooltips, CSV and the limit line agree.
    m_errors = new LiveChart(tr("5xx errors"), tr("% 5xx"), 100.0, this);
    m_redisOps = new LiveChart(tr("Redis ops"), tr("ops/s"), 1.0, this);
    m_redisMemory = new LiveChart(tr("Redis memory"), tr("MiB"), 1.0 / (1024 * 1024), this);
    m_replication = new LiveChart(tr("Replication lag"), tr("s"), 1.0, this);
    m_share = new LiveChart(tr("Balancer share"), tr("% sessions"), 100.0, this);
    // Where a p99 is measured, beside the per-node chart: a chart of its own, as a third
    // of the width has no legend room for three long names and every node's.
    m_latencyWhere = new LiveChart(tr("p99: client, frontend, node"), tr("ms"), 1000.0, this);
    m_charts = {m_requests, m_latency, m_latencyWhere, m_cpu, m_errors, m_redisOps, m_redisMemory, m_replication, m_share};
    if (compact) {
        for (LiveChart *c : {m_latencyWhere, m_errors, m_redisOps, m_redisMemory, m_replication, m_share})
            c->hide();
        m_charts = {m_requests, m_latency, m_cpu};
    }
    for (int i = 0; i < m_charts.size(); ++i)
        grid->addWidget(m_charts[i], i / 3, i % 3);
    // Equal shares: without them a chart's size hint (its scene's last size) decides,
    // and one chart of the Fleet tab's row grew at the others' cost.
    for (int c = 0; c < 3; ++c)
        grid->setColumnStretch(c, 1);
    for (int r = 0; r <= (int(m_charts.size()) - 1) / 3; ++r)
        grid->setRowStretch(r, 1);
    layout->addLayout(grid, 1);

    connect(m_window, &QComboBox::currentIndexChanged, this, &ChartsPanel::refresh);
    // The Fleet table's 5xx column is a rate over the window the charts show.
    if (!compact) {
        connect(m_window, &QComboBox::currentIndexChanged, this, [this] { m_monitor->setErrorRateWindowMs(windowMs()); });
        m_monitor->setErrorRateWindowMs(windowMs());
    }
    connect(m_pause, &QCheckBox::toggled, this, [this](bool paused) {
        if (!paused)
            refresh();
    });
    connect(m_monitor, &FleetMonitor::sampled, this, [this] {
        if (isVisible() && !paused())
            refresh();
    });
    connect(m_monitor, &FleetMonitor::ready, this, &ChartsPanel::rebuildLines);
    // Failover switches become markers too, at their start (the steps are in the Failover tab).
    if (FailoverCommands *commands = FailoverCommands::of(m_monitor)) {
        auto follow = [this](FailoverController *controller) {
            if (!controller)
                return;
            connect(controller, &FailoverController::finished, this, [this](const FailoverReport &r) {
                addMarker(r.startedAtMs, QColor(0x2e, 0x86, 0xc1),
                          tr("failover %1 → %2%3").arg(r.from, r.to, r.ok ? QString() : tr(" (not done)")));
            });
        };
        connect(commands, &FailoverCommands::controllerChanged, this, follow);
        follow(commands->controller());
    }
    // Alert transitions become markers on the time axis of every chart.
    connect(m_monitor, &FleetMonitor::alertTransition, this, [this](const AlertTransition &t) {
        if (t.to == Alert::State::Firing)
            addMarker(t.atMs, QColor(0xd3, 0x3a, 0x2c), t.alert.rule + QLatin1Char(' ') + t.alert.node);
        else if (t.to == Alert::State::Resolved)
            addMarker(t.atMs, QColor(0x2e, 0x9e, 0x44), tr("%1 resolved").arg(t.alert.rule));
    });
}

void ChartsPanel::addMarker(qint64 timestampMs, const QColor &color, const QString &label)
{
    const qint64 oldest = timestampMs - kWindows[kLastWindow];
    m_markers.erase(std::remove_if(m_markers.begin(), m_markers.end(),
                                   [oldest](const LiveChart::Marker &m) { return m.timestampMs < oldest; }),
                    m_markers.end());
    m_markers.append({timestampMs, color, label});
    for (LiveChart *c : std::as_const(m_charts))
        c->setMarkers(m_markers);
}

LiveChart *ChartsPanel::chart(const QString &title) const
{
    for (LiveChart *c : m_charts)
        if (c->title() == title)
            return c;
    return nullptr;
}

qint64 ChartsPanel::windowMs() const
{
    return kWindows[std::clamp(m_window->currentIndex(), 0, kLastWindow)];
}

void ChartsPanel::setWindowIndex(int index)
{
    m_window->setCurrentIndex(std::clamp(index, 0, kLastWindow));
}

int ChartsPanel::windowIndex() const
{
    return m_window->currentIndex();
}

bool ChartsPanel::paused() const
{
    return m_pause->isChecked();
}

void ChartsPanel::setDark(bool dark)
{
    for (LiveChart *c : std::as_const(m_charts))
        c->setDark(dark);
}

void ChartsPanel::setNodes(const QStringList &turnoNodes, const QStringList &redisServers)
{
    m_fixed = true;
    m_fixedNodes = turnoNodes;
    m_fixedRedis = redisServers;
    rebuildLines();
}

QList<ReportImage> ChartsPanel::renderWindow(qint64 fromMs, qint64 toMs, const QSize &size) const
{
    QList<ReportImage> out;
    const QStringList nodes = m_fixed ? m_fixedNodes : m_monitor->turnoNodes();
    struct Spec {
        QString title, unit, metric;
        double scale;
    };
    const QList<Spec> specs{{tr("Requests"), tr("req/s"), QStringLiteral("requests_per_second"), 1.0},
                            {tr("p99 latency"), tr("ms"), kP99, 1000.0},
                            {tr("CPU"), tr("% core"), QStringLiteral("cpu_percent"), 1.0},
                            {tr("5xx errors"), tr("% 5xx"), kErrors, 100.0}};
    const QString end = QDateTime::fromMSecsSinceEpoch(toMs, Qt::UTC).toString(QStringLiteral("HH:mm:ss"));
    for (const Spec &spec : specs) {
        // A chart of its own: the visible ones keep their live window.
        LiveChart chart(tr("%1 (seconds before %2 UTC)").arg(spec.title, end), spec.unit, spec.scale);
        QList<LiveChart::Line> lines;
        for (const QString &n : nodes)
            lines.append({FleetMonitor::nodeSeries(n, spec.metric), n});
        chart.setLines(lines);
        applyThreshold(&chart, spec.metric);
        chart.resize(size);
        chart.refresh(*m_monitor->series(), toMs, std::max<qint64>(toMs - fromMs, 60'000));
        int points = 0;
        for (const LiveChart::Line &l : std::as_const(lines))
            points += chart.pointCount(l.key);
        if (points == 0)
            continue;
        QByteArray png;
        QBuffer buffer(&png);
        buffer.open(QIODevice::WriteOnly);
        if (chart.grab().save(&buffer, "PNG"))
            out.append(ReportImage{spec.title, png});
    }
    return out;
}

QStringList ChartsPanel::shownNodes(const QString &metric, const QStringList &nodes)
{
    if (nodes.size() <= kMaxNodeLines)
        return nodes;
    // Ranked again every 10 s, not at every sample: lines that come and go would
    // recolour the legend and cost a new series each time.
    Ranking &r = m_ranked[metric];
    const qint64 now = QDateTime::currentMSecsSinceEpoch();
    if (r.atMs > 0 && now - r.atMs < 10'000 && r.of == nodes)
        return r.shown;
    const SeriesStore &store = *m_monitor->series();
    QList<std::pair<double, int>> ranked;
    for (int i = 0; i < nodes.size(); ++i) {
        const std::optional<int> id = store.find(FleetMonitor::nodeSeries(nodes[i], metric));
        const auto last = id ? store.last(*id) : std::nullopt;
        ranked.append({last && std::isfinite(last->value) ? last->value : -std::numeric_limits<double>::infinity(), i});
    }
    std::stable_sort(ranked.begin(), ranked.end(), [](const auto &a, const auto &b) { return a.first > b.first; });
    ranked.resize(kMaxNodeLines);
    // In the fleet's own order, so a line keeps its place in the legend while it stays.
    std::sort(ranked.begin(), ranked.end(), [](const auto &a, const auto &b) { return a.second < b.second; });
    r.shown.clear();
    for (const auto &[value, index] : std::as_const(ranked))
        r.shown << nodes[index];
    r.of = nodes;
    r.atMs = now;
    return r.shown;
}

void ChartsPanel::rebuildLines()
{
    const QStringList nodes = m_fixed ? m_fixedNodes : m_monitor->turnoNodes();
    // More nodes than a legend can name: the chart draws those with the highest value
    // of its figure (the busiest, slowest, hottest), and its title says so.
    auto perNode = [this, &nodes](const QString &metric, LiveChart *chart) {
        QList<LiveChart::Line> lines;
        const QStringList shown = shownNodes(metric, nodes);
        for (const QString &n : shown)
            lines.append({FleetMonitor::nodeSeries(n, metric), n});
        chart->setNote(shown.size() < nodes.size() ? tr("top %1 of %2 nodes").arg(shown.size()).arg(nodes.size()) : QString());
        return lines;
    };
    m_requests->setLines(QList<LiveChart::Line>{{FleetMonitor::fleetSeries(QStringLiteral("requests_per_second")), tr("total")}} +
                         perNode(QStringLiteral("requests_per_second"), m_requests));
    m_latency->setLines(perNode(kP99, m_latency));
    // Three p99s that measure different things, each named by what it includes.
    const QString balancer = FleetMonitor::balancerNode();
    m_latencyWhere->setLines({{FleetMonitor::fleetSeries(kP99), tr("worst node (server time, no balancer hop)")},
                              {FleetMonitor::nodeSeries(balancer, QStringLiteral("frontend_p99_seconds")),
                               tr("frontend (HAProxy, incl. queue+connect)")},
                              {FleetMonitor::fleetSeries(QStringLiteral("client_p99_seconds")), tr("client (load test)")}});
    m_cpu->setLines(perNode(QStringLiteral("cpu_percent"), m_cpu));
    // The nodes' 5xx include those HAProxy retried on another node; the frontend's are what clients got.
    m_errors->setLines(QList<LiveChart::Line>{{FleetMonitor::nodeSeries(balancer, kFrontendErrors), tr("frontend (what clients got)")}} +
                       perNode(kErrors, m_errors));
    // Rules can be reloaded at any time (turnoctl alerts reload-rules): read them at every refresh.
    applyThreshold(m_latency, kP99);
    applyThreshold(m_latencyWhere, kP99);
    // HighErrorRatio, on what clients got: the critical one (NodeErrorRatio reads the node lines).
    applyThreshold(m_errors, kFrontendErrors);
    QList<LiveChart::Line> ops, memory;
    for (const QString &r : m_fixed ? m_fixedRedis : m_monitor->redisServers()) {
        ops.append({FleetMonitor::redisSeries(r, QStringLiteral("redis_ops_per_second")), r});
        memory.append({FleetMonitor::redisSeries(r, QStringLiteral("redis_memory_bytes")), r});
    }
    m_redisOps->setLines(ops);
    m_redisMemory->setLines(memory);
    QList<LiveChart::Line> lag;
    for (const QString &r : m_fixed ? m_fixedRedis : m_monitor->redisServers())
        lag.append({FleetMonitor::redisSeries(r, QStringLiteral("redis_replication_lag_seconds")), r});
    m_replication->setLines(lag);
    m_share->setLines(perNode(QStringLiteral("balancer_share"), m_share));
}

void ChartsPanel::applyThreshold(LiveChart *chart, const QString &metric) const
{
    const AlertRule *rule = m_monitor->alerts() ? ruleAbove(m_monitor->alerts()->rules(), metric) : nullptr;
    if (!rule || (metric != kP99 && metric != kErrors && metric != kFrontendErrors)) {
        chart->clearThreshold();
        return;
    }
    if (metric == kP99)
        chart->setThreshold(rule->threshold, tr("SLO p99 %1 ms (%2)").arg(rule->threshold * 1000.0, 0, 'g', 4).arg(rule->name));
    else
        chart->setThreshold(rule->threshold, tr("alert %1 % (%2)").arg(rule->threshold * 100.0, 0, 'g', 4).arg(rule->name));
}

void ChartsPanel::syncRange()
{
    PrometheusAttach *attach = m_monitor->prometheusAttach();
    if (attach != m_rangeOf || !attach) {
        delete m_range;
        m_range = nullptr;
        m_rangeOf = attach;
        m_source->clear();
    }
    if (!attach)
        return;
    if (!m_range) {
        m_range = new PrometheusRange(attach, PrometheusRange::chartMetrics(), this);
        m_range->setLiveSource(m_monitor->series());
        connect(m_range, &PrometheusRange::updated, this, [this] {
            m_source->setText(tr("from Prometheus, a point every %1 s").arg(m_range->stepMs() / 1000));
            m_source->setToolTip(QString());
            if (isVisible() && !paused())
                refresh();
        });
        connect(m_range, &PrometheusRange::problem, this, [this](const QString &why) {
            // The charts keep what they hold; the bar says why they stand still.
            m_source->setText(tr("Prometheus range query failed"));
            m_source->setToolTip(why);
        });
    }
    // About one point per pixel of the widest plot.
    int columns = 0;
    for (const LiveChart *c : std::as_const(m_charts))
        columns = std::max(columns, int(c->chart()->plotArea().width()));
    m_range->setView(windowMs(), std::max(100, columns));
    m_range->update(QDateTime::currentMSecsSinceEpoch());
}

const SeriesSource &ChartsPanel::source() const
{
    if (m_range && m_range->heldToMs() > 0)
        return *m_range;
    return *m_monitor->series();
}

void ChartsPanel::refresh()
{
    syncRange();
    rebuildLines();
    m_refreshMs = m_monitor->lastSampleMs() > 0 ? m_monitor->lastSampleMs() : QDateTime::currentMSecsSinceEpoch();
    m_next = 0;
    if (!m_pending) {
        m_pending = true;
        QTimer::singleShot(0, this, &ChartsPanel::refreshNext);
    }
}

void ChartsPanel::refreshNext()
{
    if (m_next >= m_charts.size()) {
        m_pending = false;
        emit refreshed();
        return;
    }
    m_charts[m_next++]->refresh(source(), m_refreshMs, windowMs());
    QTimer::singleShot(0, this, &ChartsPanel::refreshNext);
}

void ChartsPanel::showEvent(QShowEvent *event)
{
    QWidget::showEvent(event);
    refresh();
}

}  // namespace turno::console
