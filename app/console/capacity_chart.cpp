#include "capacity_chart.h"

#include <QChart>
#include <QLegendMarker>
#include <QLineSeries>
#include <QScatterSeries>
#include <QValueAxis>
#include <algorithm>
#include <cmath>

namespace turno::console {

CapacityChart::CapacityChart(QWidget *parent) : QChartView(parent)
{
    setObjectName(QStringLiteral("capacityChart"));
    QChart *chart = this->chart();
    chart->setTitle(tr("Capacity: offered vs achieved rate and p99"));
    chart->setAnimationOptions(QChart::NoAnimation);
    chart->setMargins(QMargins(4, 4, 4, 4));
    chart->legend()->setAlignment(Qt::AlignBottom);
    m_x = new QValueAxis;
    m_x->setTitleText(tr("offered rate (req/s)"));
    m_x->setLabelFormat(QStringLiteral("%.0f"));
    m_rate = new QValueAxis;
    m_rate->setTitleText(tr("achieved (req/s)"));
    m_rate->setLabelFormat(QStringLiteral("%.0f"));
    m_latency = new QValueAxis;
    m_latency->setTitleText(tr("p99 (ms)"));
    m_latency->setLabelFormat(QStringLiteral("%.1f"));
    chart->addAxis(m_x, Qt::AlignBottom);
    chart->addAxis(m_rate, Qt::AlignLeft);
    chart->addAxis(m_latency, Qt::AlignRight);

    auto add = [this, chart](auto *series, const QString &name, QValueAxis *y) {
        series->setName(name);
        chart->addSeries(series);
        series->attachAxis(m_x);
        series->attachAxis(y);
        return series;
    };
    m_offered = add(new QLineSeries(this), tr("offered"), m_rate);
    m_achieved = add(new QLineSeries(this), tr("achieved"), m_rate);
    m_achieved->setPointsVisible(true);
    m_p99 = add(new QLineSeries(this), tr("p99"), m_latency);
    m_p99->setPointsVisible(true);
    m_sloLine = add(new QLineSeries(this), tr("p99 SLO"), m_latency);
    m_failed = add(new QScatterSeries(this), tr("step failed"), m_rate);
    m_failed->setMarkerSize(9);
    m_kneePoint = add(new QScatterSeries(this), tr("knee"), m_rate);
    m_kneePoint->setMarkerShape(QScatterSeries::MarkerShapeRectangle);
    m_kneePoint->setMarkerSize(14);
    applyColours(false);
    setRenderHint(QPainter::Antialiasing, true);
    setMinimumSize(360, 260);
    redraw();
}

void CapacityChart::clear()
{
    m_steps.clear();
    m_knee = 0;
    m_highest = 0;
    redraw();
}

void CapacityChart::setSlo(double p99Ms)
{
    m_slo = p99Ms;
    redraw();
}

void CapacityChart::addStep(const CapacityStep &step)
{
    m_steps.append(step);
    std::stable_sort(m_steps.begin(), m_steps.end(), [](const CapacityStep &a, const CapacityStep &b) { return a.rate < b.rate; });
    redraw();
}

void CapacityChart::setReport(const CapacityReport &report)
{
    m_steps.clear();
    for (const CapacityStep &s : report.steps)
        m_steps.append(s);
    std::stable_sort(m_steps.begin(), m_steps.end(), [](const CapacityStep &a, const CapacityStep &b) { return a.rate < b.rate; });
    m_knee = report.knee;
    m_highest = report.highestSustainable;
    redraw();
}

void CapacityChart::setDark(bool dark)
{
    chart()->setTheme(dark ? QChart::ChartThemeDark : QChart::ChartThemeLight);
    chart()->setAnimationOptions(QChart::NoAnimation);
    // setTheme reset every series' pen: the SLO line would turn a solid theme colour.
    applyColours(dark);
}

void CapacityChart::applyColours(bool dark)
{
    const QColor grey = dark ? QColor(0xb0, 0xb8, 0xb9) : QColor(0x95, 0xa5, 0xa6);
    const QColor red = dark ? QColor(0xff, 0x6b, 0x6b) : QColor(0xc0, 0x39, 0x2b);
    m_offered->setPen(QPen(grey, 1, Qt::DashLine));
    m_achieved->setColor(dark ? QColor(0x5d, 0xad, 0xe2) : QColor(0x29, 0x80, 0xb9));
    m_p99->setColor(dark ? QColor(0xf5, 0xb0, 0x41) : QColor(0xe6, 0x7e, 0x22));
    m_sloLine->setPen(QPen(red, 2, Qt::DotLine));
    m_failed->setColor(red);
    m_kneePoint->setColor(dark ? QColor(0xbb, 0x8f, 0xce) : QColor(0x8e, 0x44, 0xad));
}

bool CapacityChart::savePng(const QString &file)
{
    return grab().save(file, "PNG");
}

void CapacityChart::redraw()
{
    QList<QPointF> offered, achieved, p99, failed, knee;
    double maxRate = 0, maxLatency = m_slo;
    for (const CapacityStep &s : std::as_const(m_steps)) {
        offered << QPointF(s.rate, s.rate);
        achieved << QPointF(s.rate, s.achieved);
        p99 << QPointF(s.rate, s.latency.p99Ms);
        if (!s.sustainable)
            failed << QPointF(s.rate, s.achieved);
        maxRate = std::max({maxRate, s.rate, s.achieved});
        maxLatency = std::max(maxLatency, s.latency.p99Ms);
    }
    if (m_knee > 0) {
        // The knee sits on the achieved line, at the step nearest to it.
        double y = 0, best = -1;
        for (const CapacityStep &s : std::as_const(m_steps))
            if (best < 0 || std::abs(s.rate - m_knee) < best) {
                best = std::abs(s.rate - m_knee);
                y = s.achieved;
            }
        knee << QPointF(m_knee, y);
    }
    const double xMax = maxRate > 0 ? maxRate * 1.1 : 1000;
    m_offered->replace(offered);
    m_achieved->replace(achieved);
    m_p99->replace(p99);
    m_failed->replace(failed);
    m_kneePoint->replace(knee);
    m_sloLine->replace(m_slo > 0 ? QList<QPointF>{QPointF(0, m_slo), QPointF(xMax, m_slo)} : QList<QPointF>{});
    m_x->setRange(0, xMax);
    m_rate->setRange(0, xMax);
    m_latency->setRange(0, maxLatency > 0 ? maxLatency * 1.2 : 1);
    // Round ticks (0, 5000, 10000...) read better than the range's own fifths.
    m_x->applyNiceNumbers();
    m_rate->applyNiceNumbers();
    m_latency->applyNiceNumbers();
    QString title = tr("Capacity: offered vs achieved rate and p99");
    if (m_highest > 0 || m_knee > 0)
        title += tr(" — highest sustainable %1 req/s, knee %2 req/s").arg(m_highest, 0, 'f', 0).arg(m_knee, 0, 'f', 0);
    chart()->setTitle(title);
}

}  // namespace turno::console
