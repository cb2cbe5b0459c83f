#include "overview_panel.h"

#include "alerts/alert_engine.h"
#include "failover/failover_controller.h"
#include "failover/failover_readiness.h"
#include "incidents/event_filter.h"
#include "incidents/incident_store.h"
#include "models/counters_model.h"
#include "runtime/counter_watch.h"
#include "runtime/failover_commands.h"
#include "runtime/fleet_monitor.h"
#include "state_style.h"

#include <QApplication>
#include <QDateTime>
#include <QEvent>
#include <QFrame>
#include <QGridLayout>
#include <QGroupBox>
#include <QHBoxLayout>
#include <QLabel>
#include <QMouseEvent>
#include <QPainter>
#include <QPainterPath>
#include <QPushButton>
#include <QTextDocumentFragment>
#include <QVBoxLayout>
#include <algorithm>
#include <cmath>
#include <functional>
#include <limits>

namespace turno::console {

namespace {

constexpr int kSparkPoints = 120;  // two minutes at the default 1 s scrape
constexpr int kAlertLines = 5;
constexpr int kEventLines = 6;

bool darkPalette()
{
    return QApplication::palette().color(QPalette::Window).lightness() < 128;
}

QString colourOf(NodeHealth h)
{
    return healthColor(h, darkPalette()).name();
}

// Text on a health colour, readable on both themes.
QString badge(const QString &text, NodeHealth h)
{
    return QStringLiteral("<span style='background:%1; color:%2; padding:0 4px'>&nbsp;%3&nbsp;</span>")
        .arg(colourOf(h), darkPalette() ? QStringLiteral("#e0e0e0") : QStringLiteral("#202020"), text.toHtmlEscaped());
}

// A link to a tab, in a colour readable on the theme's background.
QString link(const QString &tab, const QString &text)
{
    return QStringLiteral("<a href='%1' style='color:%2'>%3</a>")
        .arg(tab, darkPalette() ? QStringLiteral("#8ab4f8") : QStringLiteral("#1a5fb4"), text.toHtmlEscaped());
}

// A clickable frame: the whole part opens its tab.
class ClickFrame : public QFrame {
public:
    explicit ClickFrame(std::function<void()> onClick, QWidget *parent = nullptr) : QFrame(parent), m_onClick(std::move(onClick))
    {
        setCursor(Qt::PointingHandCursor);
    }

protected:
    void mouseReleaseEvent(QMouseEvent *e) override
    {
        if (e->button() == Qt::LeftButton && rect().contains(e->position().toPoint()) && m_onClick)
            m_onClick();
        QFrame::mouseReleaseEvent(e);
    }

private:
    std::function<void()> m_onClick;
};

// The last kSparkPoints values as a line, scaled to their own range (from 0).
class Sparkline : public QWidget {
public:
    explicit Sparkline(QWidget *parent = nullptr) : QWidget(parent)
    {
        setMinimumSize(120, 36);
        setMaximumHeight(72);
    }
    void add(double v)
    {
        m_values.push_back(v);
        if (m_values.size() > kSparkPoints)
            m_values.erase(m_values.begin());
        update();
    }
    void clear()
    {
        m_values.clear();
        update();
    }
    int points() const { return int(m_values.size()); }

protected:
    void paintEvent(QPaintEvent *) override
    {
        QPainter p(this);
        p.setRenderHint(QPainter::Antialiasing);
        if (m_values.size() < 2)
            return;
        double hi = 0;
        for (double v : m_values)
            if (std::isfinite(v))
                hi = std::max(hi, v);
        if (hi <= 0)
            hi = 1;
        const QRectF r = QRectF(rect()).adjusted(1, 2, -1, -2);
        const double dx = r.width() / double(kSparkPoints - 1);
        const double x0 = r.right() - dx * double(m_values.size() - 1);
        QPainterPath path;
        bool open = false;
        for (size_t i = 0; i < m_values.size(); ++i) {
            const double v = m_values[i];
            if (!std::isfinite(v)) {
                open = false;  // a gap, not a made-up zero
                continue;
            }
            const QPointF pt(x0 + dx * double(i), r.bottom() - r.height() * v / hi);
            if (open)
                path.lineTo(pt);
            else
                path.moveTo(pt);
            open = true;
        }
        p.setPen(QPen(palette().color(QPalette::Highlight), 1.5));
        p.drawPath(path);
    }

private:
    std::vector<double> m_values;
};

}  // namespace

// One figure: its name, the value in large type, what it measures, a sparkline.
class FigureTile : public ClickFrame {
public:
    FigureTile(const QString &title, const QString &meaning, std::function<void()> onClick, QWidget *parent)
        : ClickFrame(std::move(onClick), parent)
    {
        setFrameShape(QFrame::StyledPanel);
        auto *layout = new QVBoxLayout(this);
        auto *head = new QLabel(title, this);
        QFont bold = head->font();
        bold.setBold(true);
        head->setFont(bold);
        m_value = new QLabel(QStringLiteral("—"), this);
        QFont big = m_value->font();
        big.setPointSizeF(big.pointSizeF() * 2.2);
        big.setBold(true);
        m_value->setFont(big);
        auto *what = new QLabel(meaning, this);
        what->setWordWrap(true);
        QFont small = what->font();
        small.setPointSizeF(small.pointSizeF() * 0.85);
        what->setFont(small);
        m_spark = new Sparkline(this);
        layout->addWidget(head);
        layout->addWidget(m_value);
        layout->addWidget(m_spark, 1);
        layout->addWidget(what);
        setSizePolicy(QSizePolicy::Preferred, QSizePolicy::Maximum);
        setToolTip(meaning + QStringLiteral("\n") + QObject::tr("Click for the Charts tab."));
    }
    void show(double value, const QString &text)
    {
        m_number = value;
        m_value->setText(text);
        m_spark->add(value);
    }
    void reset()
    {
        m_number = std::numeric_limits<double>::quiet_NaN();
        m_value->setText(QStringLiteral("—"));
        m_spark->clear();
    }
    QString text() const { return m_value->text(); }
    double value() const { return m_number; }
    int points() const { return m_spark->points(); }

private:
    QLabel *m_value = nullptr;
    Sparkline *m_spark = nullptr;
    double m_number = std::numeric_limits<double>::quiet_NaN();
};

QStringList OverviewPanel::figureKeys()
{
    return {QStringLiteral("reqPerSec"),          QStringLiteral("p99Ms"),      QStringLiteral("frontendP99Ms"),
            QStringLiteral("frontendErrorRatio"), QStringLiteral("errorRatio"), QStringLiteral("cpuPercent")};
}

OverviewPanel::OverviewPanel(FleetMonitor *monitor, CounterWatch *counters, QWidget *parent)
    : QWidget(parent), m_monitor(monitor), m_counters(counters)
{
    setObjectName(QStringLiteral("overviewPanel"));
    auto *layout = new QVBoxLayout(this);
    auto open = [this](const QString &tab) { return [this, tab] { emit openTab(tab); }; };
    auto linkLabel = [this](QWidget *owner) {
        auto *l = new QLabel(owner);
        l->setTextFormat(Qt::RichText);
        l->setWordWrap(true);
        l->setTextInteractionFlags(Qt::LinksAccessibleByMouse | Qt::LinksAccessibleByKeyboard);
        connect(l, &QLabel::linkActivated, this, &OverviewPanel::openTab);
        return l;
    };

    // Serving: the active pool, the Redis primary, the gate and the switch.
    auto *serving = new ClickFrame(open(QStringLiteral("failover")), this);
    serving->setFrameShape(QFrame::StyledPanel);
    auto *servingLayout = new QGridLayout(serving);
    m_active = linkLabel(serving);
    QFont large = m_active->font();
    large.setPointSizeF(large.pointSizeF() * 1.4);
    large.setBold(true);
    m_active->setFont(large);
    m_redis = linkLabel(serving);
    m_redis->setFont(large);
    m_gate = linkLabel(serving);
    m_switch = new QPushButton(tr("Fail over…"), serving);
    m_switch->setObjectName(QStringLiteral("overviewSwitch"));
    m_switch->setProperty("turnoRisky", true);
    connect(m_switch, &QPushButton::clicked, this, &OverviewPanel::switchRequested);
    servingLayout->addWidget(m_active, 0, 0);
    servingLayout->addWidget(m_redis, 0, 1);
    servingLayout->addWidget(m_gate, 1, 0, 1, 2);
    servingLayout->addWidget(m_switch, 0, 2, 2, 1, Qt::AlignVCenter);
    servingLayout->setColumnStretch(0, 1);
    servingLayout->setColumnStretch(1, 1);
    layout->addWidget(serving);
    m_parts.insert(QStringLiteral("failover"), serving);

    // The figures.
    auto *figures = new QHBoxLayout;
    const QStringList keys = figureKeys();
    const QStringList titles{tr("Requests"), tr("Latency p99, nodes"), tr("Latency p99, frontend"), tr("5xx to clients"),
                             tr("5xx at the nodes"), tr("CPU")};
    const QStringList meanings{tr("answers per second, all turno nodes (their own /metrics)"),
                               tr("the slowest node's p99 (its own histogram: server time, the balancer hop not included)"),
                               tr("HAProxy's p99 from its request log (queue, connect and server: what a client waits, "
                                  "the client's own network aside)"),
                               tr("5xx HAProxy sent to clients, a percent of its answers (after its retries: what clients got)"),
                               tr("the nodes' 5xx as a percent of their answers (before HAProxy's retries, which may hide them)"),
                               tr("every process of the cluster, 100 % = one core")};
    for (int i = 0; i < keys.size(); ++i) {
        auto *tile = new FigureTile(titles[i], meanings[i], open(QStringLiteral("charts")), this);
        tile->setObjectName(QStringLiteral("figure-") + keys[i]);
        figures->addWidget(tile, 1);
        m_tiles.insert(keys[i], tile);
        m_parts.insert(keys[i], tile);
    }
    layout->addLayout(figures);

    // Alerts, counters, events.
    auto *lower = new QHBoxLayout;
    auto *alerts = new ClickFrame(open(QStringLiteral("alerts")), this);
    alerts->setFrameShape(QFrame::StyledPanel);
    auto *alertsLayout = new QVBoxLayout(alerts);
    m_alertsHead = linkLabel(alerts);
    m_alertsHead->setFont(large);
    m_alerts = new QLabel(alerts);
    m_alerts->setTextFormat(Qt::RichText);
    m_alerts->setWordWrap(true);
    m_alerts->setAlignment(Qt::AlignTop | Qt::AlignLeft);
    alertsLayout->addWidget(m_alertsHead);
    alertsLayout->addWidget(m_alerts, 1);
    m_parts.insert(QStringLiteral("alerts"), alerts);

    auto *right = new QVBoxLayout;
    auto *countersFrame = new ClickFrame(open(QStringLiteral("counters")), this);
    countersFrame->setFrameShape(QFrame::StyledPanel);
    auto *countersLayout = new QVBoxLayout(countersFrame);
    m_countersLabel = linkLabel(countersFrame);
    countersLayout->addWidget(m_countersLabel);
    m_parts.insert(QStringLiteral("counters"), countersFrame);
    auto *eventsFrame = new ClickFrame(open(QStringLiteral("timeline")), this);
    eventsFrame->setFrameShape(QFrame::StyledPanel);
    auto *eventsLayout = new QVBoxLayout(eventsFrame);
    m_eventsHead = linkLabel(eventsFrame);
    auto *eventsHead = m_eventsHead;
    m_events = new QLabel(eventsFrame);
    m_events->setWordWrap(true);
    m_events->setAlignment(Qt::AlignTop | Qt::AlignLeft);
    eventsLayout->addWidget(eventsHead);
    eventsLayout->addWidget(m_events, 1);
    m_parts.insert(QStringLiteral("timeline"), eventsFrame);
    right->addWidget(countersFrame);
    right->addWidget(eventsFrame, 1);
    lower->addWidget(alerts, 1);
    lower->addLayout(right, 1);
    layout->addLayout(lower, 1);

    connect(monitor, &FleetMonitor::statusUpdated, this, [this] {
        updateFigures();
        updateServing();
    });
    connect(monitor, &FleetMonitor::sampled, this, [this] {
        if (hiddenAndStale())
            return;
        if (m_monitor->isAttached())
            updateFigures();
        updateAlerts();
    });
    connect(monitor, &FleetMonitor::stateChanged, this, [this] {
        if (!hiddenAndStale())
            refresh();
    });
    connect(monitor, &FleetMonitor::alertTransition, this, &OverviewPanel::updateAlerts);
    if (FailoverCommands *commands = FailoverCommands::of(monitor)) {
        connect(commands, &FailoverCommands::readinessChanged, this, &OverviewPanel::updateServing);
        connect(commands, &FailoverCommands::controllerChanged, this, [this](FailoverController *c) {
            if (c)
                connect(c, &FailoverController::stateChanged, this, &OverviewPanel::updateServing);
            updateServing();
        });
    }
    if (m_counters)
        connect(m_counters, &CounterWatch::updated, this, &OverviewPanel::updateCounters);
    if (IncidentStore *history = monitor->history())
        connect(history, &IncidentStore::eventsAppended, this, &OverviewPanel::updateEvents);
    refresh();
}

void OverviewPanel::refresh()
{
    if (!m_monitor->isActive() && !m_monitor->isAttached()) {
        for (FigureTile *t : std::as_const(m_tiles))
            t->reset();
        m_fleet = {};
    }
    updateServing();
    updateFigures();
    updateAlerts();
    updateCounters();
    updateEvents();
}

void OverviewPanel::updateServing()
{
    const FailoverCommands *commands = FailoverCommands::of(m_monitor);
    const FailoverController *controller = commands ? commands->controller() : nullptr;
    const FailoverReadiness *readiness = commands ? commands->readiness() : nullptr;
    const QJsonObject status = m_monitor->lastStatus();
    if (!m_monitor->isActive() && !m_monitor->isAttached()) {
        m_active->setText(tr("No cluster: launch one (File > Launch) or attach to one"));
        m_redis->clear();
        m_gate->clear();
        m_switch->setEnabled(false);
        m_switch->setText(tr("Fail over…"));
        return;
    }
    QString active = controller ? controller->activePool() : status.value(QStringLiteral("active")).toString();
    if (active.isEmpty())
        active = QStringLiteral("?");
    using State = FailoverController::State;
    const State st = controller ? controller->state() : State::PrimaryActive;
    if (controller && (st == State::SwitchingOver || st == State::SwitchingBack))
        // Not "active" until the switch is done: the target is what it moves to.
        m_active->setText(link(QStringLiteral("failover"), tr("Switching to the %1 pool…")
                                                               .arg(st == State::SwitchingOver ? QStringLiteral("secondary")
                                                                                               : QStringLiteral("primary"))));
    else
        m_active->setText(link(QStringLiteral("failover"), tr("Active: %1 pool").arg(active)) +
                          (st == State::Degraded ? tr(" — DEGRADED, see the Failover tab").toHtmlEscaped() : QString()));

    const QString primary = status.value(QStringLiteral("redisPrimary")).toString();
    if (primary.isEmpty()) {
        m_redis->setText(status.isEmpty() ? QString() : tr("Counters in memory (no Redis)"));
    } else {
        QString address;
        for (const QJsonValue &v : status.value(QStringLiteral("nodes")).toArray())
            if (v.toObject().value(QStringLiteral("node")).toString() == primary)
                address = v.toObject().value(QStringLiteral("address")).toString();
        m_redis->setText(link(QStringLiteral("redis"), tr("Redis primary: %1").arg(primary)) +
                         (address.isEmpty() ? QString() : QStringLiteral(" (%1)").arg(address)));
    }

    if (m_monitor->isAttached()) {
        m_gate->setText(tr("Attached read-only: failover is the launching console's or turnoctl's"));
        m_switch->setEnabled(false);
        return;
    }
    if (!readiness || !controller) {
        m_gate->setText(tr("Failover gate: not asked yet"));
    } else if (!readiness->applicable()) {
        m_gate->setText(tr("Failover: no other pool to switch to"));
    } else if (controller->busy()) {
        m_gate->setText(badge(tr("switching"), NodeHealth::Busy) + QStringLiteral(" ") +
                        link(QStringLiteral("failover"), tr("the switch's steps are on the Failover tab")));
    } else if (readiness->ready()) {
        m_gate->setText(badge(tr("gate passes"), NodeHealth::Good) + QStringLiteral(" ") +
                        tr("a switch to the %1 pool would pass every check").arg(controller->otherPool()).toHtmlEscaped());
    } else {
        m_gate->setText(badge(tr("gate refuses"), NodeHealth::Warning) + QStringLiteral(" ") +
                        link(QStringLiteral("failover"), tr("waiting for %1").arg(readiness->waitingFor())));
    }
    // As on the Failover tab: a refusing gate disables the switch (forcing is that tab's explicit action).
    const bool canSwitch = controller && !controller->busy() && m_monitor->isReady() && readiness && readiness->applicable() &&
                           readiness->ready();
    m_switch->setEnabled(canSwitch);
    if (controller)
        m_switch->setText(controller->otherPool() == QLatin1String("secondary") ? tr("Fail over to the secondary pool…")
                                                                                : tr("Fail back to the primary pool…"));
    m_switch->setToolTip(readiness && !readiness->ready() && readiness->applicable()
                             ? tr("The gate refuses now (%1); the Failover tab can force a switch.").arg(readiness->waitingFor())
                             : tr("Asks for confirmation, then switches (as `turnoctl failover`)."));
}

void OverviewPanel::updateFigures()
{
    const QJsonObject status = m_monitor->lastStatus();
    if (status.isEmpty() || !status.contains(QStringLiteral("fleet")))
        return;
    m_fleet = status.value(QStringLiteral("fleet")).toObject();
    auto number = [this](const char *key) {
        const QJsonValue v = m_fleet.value(QLatin1String(key));
        return v.isDouble() ? v.toDouble() : std::numeric_limits<double>::quiet_NaN();
    };
    const double rps = number("reqPerSec"), p99 = number("p99Ms"), errors = number("errorRatio"), cpu = number("cpuPercent");
    const double feP99 = number("frontendP99Ms"), feErrors = number("frontendErrorRatio");
    // No frontend figure at all (attached to a remote stats page), or a status saying the
    // balancer's log is not received: say what is missing, not "no traffic".
    const bool logged = m_fleet.contains(QStringLiteral("frontendP99Ms")) &&
                        !status.value(QStringLiteral("frontend")).toObject().contains(QStringLiteral("p99Note"));
    m_tiles[QStringLiteral("frontendP99Ms")]->show(feP99, std::isfinite(feP99) ? tr("%1 ms").arg(feP99, 0, 'f', 0)
                                                          : logged              ? tr("no traffic")
                                                                                : tr("needs the balancer's log"));
    m_tiles[QStringLiteral("frontendErrorRatio")]->show(
        feErrors, std::isfinite(feErrors) ? tr("%1 %").arg(feErrors * 100, 0, 'f', 2)
                  : m_fleet.contains(QStringLiteral("frontendErrorRatio")) ? tr("no traffic")
                                                                            : tr("needs the balancer's exporter"));
    m_tiles[QStringLiteral("reqPerSec")]->show(rps, std::isfinite(rps) ? tr("%1 req/s").arg(rps, 0, 'f', rps < 100 ? 1 : 0)
                                                                      : QStringLiteral("—"));
    m_tiles[QStringLiteral("p99Ms")]->show(p99, std::isfinite(p99) ? tr("%1 ms").arg(p99, 0, 'f', 2) : tr("no traffic"));
    m_tiles[QStringLiteral("errorRatio")]->show(errors, std::isfinite(errors) ? tr("%1 %").arg(errors * 100, 0, 'f', 2)
                                                                              : tr("no traffic"));
    m_tiles[QStringLiteral("cpuPercent")]->show(cpu, std::isfinite(cpu) ? tr("%1 %").arg(cpu, 0, 'f', 1) : QStringLiteral("—"));
}

void OverviewPanel::updateAlerts()
{
    QList<Alert> list;
    for (const Alert &a : m_monitor->alerts()->alerts())
        if (a.state == Alert::State::Firing || a.state == Alert::State::Pending)
            list << a;
    // Worst first: firing before pending, critical before warning, then the oldest.
    auto rank = [](const Alert &a) {
        return (a.state == Alert::State::Firing ? 0 : 2) + (a.severity == QLatin1String("critical") ? 0 : 1);
    };
    std::stable_sort(list.begin(), list.end(), [&](const Alert &x, const Alert &y) {
        if (rank(x) != rank(y))
            return rank(x) < rank(y);
        const qint64 sx = x.state == Alert::State::Firing ? x.firingSinceMs : x.pendingSinceMs;
        const qint64 sy = y.state == Alert::State::Firing ? y.firingSinceMs : y.pendingSinceMs;
        return sx < sy;
    });
    int firing = 0, pending = 0;
    for (const Alert &a : std::as_const(list))
        (a.state == Alert::State::Firing ? firing : pending) += 1;
    m_alertsHead->setText(link(QStringLiteral("alerts"), tr("Alerts")) + QStringLiteral(" ") +
                          badge(tr("%1 firing").arg(firing), firing ? NodeHealth::Bad : NodeHealth::Good) + QStringLiteral(" ") +
                          badge(tr("%1 pending").arg(pending), pending ? NodeHealth::Warning : NodeHealth::Good));
    m_alertLines.clear();
    QStringList html;
    for (const Alert &a : std::as_const(list)) {
        if (m_alertLines.size() == kAlertLines)
            break;
        const QString line = QStringLiteral("%1 %2 %3 on %4%5")
                                 .arg(a.state == Alert::State::Firing ? QStringLiteral("FIRING") : QStringLiteral("pending"),
                                      a.severity, a.rule, a.node, a.silenced ? tr(" (silenced)") : QString());
        m_alertLines << line;
        html << (a.state == Alert::State::Firing ? QStringLiteral("<b>%1</b>") : QStringLiteral("%1")).arg(line.toHtmlEscaped()) +
                    (a.summary.isEmpty() ? QString() : QStringLiteral("<br>&nbsp;&nbsp;") + a.summary.toHtmlEscaped());
    }
    if (list.size() > kAlertLines)
        html << tr("… and %n more on the Alerts tab", nullptr, int(list.size()) - kAlertLines);
    m_alerts->setText(html.isEmpty() ? tr("No alert is firing or pending.") : html.join(QStringLiteral("<br>")));
}

void OverviewPanel::updateCounters()
{
    if (!m_counters) {
        m_countersLabel->clear();
        return;
    }
    CountersModel *model = m_counters->model();
    const int checked = int(model->issued().size());
    const int bad = model->violationCount();
    const QString head = link(QStringLiteral("counters"), tr("Counters"));
    if (!m_counters->lastError().isEmpty())
        m_countersLabel->setText(head + QStringLiteral(" ") + badge(tr("not read"), NodeHealth::Warning) + QStringLiteral(" ") +
                                 m_counters->lastError().toHtmlEscaped());
    else if (checked == 0)
        m_countersLabel->setText(head + QStringLiteral(" ") +
                                 tr("stored ≥ issued: no load test yet to check against (%n id(s) read)", nullptr, model->rowCount()));
    else if (bad == 0)
        m_countersLabel->setText(head + QStringLiteral(" ") + badge(tr("stored ≥ issued"), NodeHealth::Good) + QStringLiteral(" ") +
                                 tr("all %n id(s) of the last load test", nullptr, checked));
    else
        m_countersLabel->setText(head + QStringLiteral(" ") + badge(tr("STORED < ISSUED"), NodeHealth::Bad) + QStringLiteral(" ") +
                                 tr("%1 of %2 ids hold less than was handed out: numbers could repeat").arg(bad).arg(checked));
}

void OverviewPanel::updateEvents()
{
    IncidentStore *history = m_monitor->history();
    m_eventLines.clear();
    if (history && history->isOpen()) {
        IncidentStore::EventQuery q;
        q.newestFirst = true;
        q.limit = kEventLines;
        const auto events = history->events(EventFilter{}, q);
        if (events.ok())
            for (const IncidentEvent &e : events.value())
                m_eventLines << QStringLiteral("%1  %2%3")
                                    .arg(QDateTime::fromMSecsSinceEpoch(e.timeMs).toString(QStringLiteral("HH:mm:ss")),
                                         e.node.isEmpty() ? QString() : e.node + QStringLiteral(": "), e.summary);
    }
    m_eventsHead->setText(link(QStringLiteral("timeline"), tr("Last events")));
    m_events->setText(m_eventLines.isEmpty() ? tr("No events yet.") : m_eventLines.join(QLatin1Char('\n')));
}

bool OverviewPanel::hiddenAndStale()
{
    // Attached, the monitor samples every second whatever the tab: only then is skipping
    // worth it, and only behind another tab of a window on screen (a window never shown,
    // as in a test or a script reading the figures, keeps them current).
    if (isVisible() || !window()->isVisible() || !m_monitor->isAttached())
        return false;
    m_stale = true;
    return true;
}

void OverviewPanel::showEvent(QShowEvent *event)
{
    QWidget::showEvent(event);
    if (std::exchange(m_stale, false))
        refresh();
}

void OverviewPanel::changeEvent(QEvent *event)
{
    // A theme switch: the links and badges take the new palette's colours.
    if (event->type() == QEvent::PaletteChange) {
        updateServing();
        updateAlerts();
        updateCounters();
        updateEvents();
    }
    QWidget::changeEvent(event);
}

QString OverviewPanel::figureText(const QString &key) const
{
    FigureTile *t = m_tiles.value(key);
    return t ? t->text() : QString();
}

double OverviewPanel::figureValue(const QString &key) const
{
    FigureTile *t = m_tiles.value(key);
    return t ? t->value() : std::numeric_limits<double>::quiet_NaN();
}

int OverviewPanel::sparklinePoints(const QString &key) const
{
    FigureTile *t = m_tiles.value(key);
    return t ? t->points() : 0;
}

namespace {

// A label's text as a person reads it (the badges' non-breaking spaces as spaces).
QString plain(const QLabel *label)
{
    return QTextDocumentFragment::fromHtml(label->text()).toPlainText().replace(QChar::Nbsp, QLatin1Char(' ')).simplified();
}

}  // namespace

QString OverviewPanel::activeText() const { return plain(m_active); }
QString OverviewPanel::redisText() const { return plain(m_redis); }
QString OverviewPanel::gateText() const { return plain(m_gate); }
QString OverviewPanel::alertsText() const { return plain(m_alertsHead); }
QStringList OverviewPanel::alertLines() const { return m_alertLines; }
QString OverviewPanel::countersText() const { return plain(m_countersLabel); }
QStringList OverviewPanel::eventLines() const { return m_eventLines; }

QWidget *OverviewPanel::partWidget(const QString &part) const
{
    return m_parts.value(part);
}

}  // namespace turno::console
