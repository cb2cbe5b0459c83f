#include "live_chart.h"

#include "metrics/series_store.h"
#include "metrics/series_decimator.h"

#include <QChart>
#include <QContextMenuEvent>
#include <QGraphicsLayout>
#include <QFile>
#include <QFileDialog>
#include <QFontMetrics>
#include <QLegend>
#include <QLegendMarker>
#include <QLineSeries>
#include <QMenu>
#include <QResizeEvent>
#include <QTextStream>
#include <QTimer>
#include <QToolTip>
#include <QValueAxis>
#include <algorithm>
#include <cmath>

namespace turno::console {

LiveChart::LiveChart(const QString &title, const QString &unit, double scale, QWidget *parent)
    : QChartView(parent), m_title(title), m_unit(unit), m_scale(scale)
{
    setObjectName(title);
    // The view made a chart of its own; use it: setChart() would release it
    // without deleting it (a leak LeakSanitizer reports at exit).
    QChart *chart = this->chart();
    chart->setTitle(title);
    chart->setMargins(QMargins(4, 4, 4, 4));
    chart->legend()->setAlignment(Qt::AlignBottom);
    // Animations would redraw between refreshes and cost CPU for nothing.
    chart->setAnimationOptions(QChart::NoAnimation);
    m_x = new QValueAxis;
    m_x->setLabelFormat(QStringLiteral("%.0fs"));
    m_x->setTickCount(7);
    m_y = new QValueAxis;
    m_y->setLabelFormat(QStringLiteral("%g"));
    m_y->setTitleText(unit);
    m_y->setRange(0, 1);
    chart->addAxis(m_x, Qt::AlignBottom);
    chart->addAxis(m_y, Qt::AlignLeft);
    setRenderHint(QPainter::Antialiasing, false);
    // Three rows of the Charts tab fit a 1024×700 window.
    setMinimumSize(260, 160);
}

void LiveChart::setDark(bool dark)
{
    m_dark = dark;
    chart()->setTheme(dark ? QChart::ChartThemeDark : QChart::ChartThemeLight);
    chart()->setAnimationOptions(QChart::NoAnimation);
    // The theme recolours every series and resets the legend's font.
    styleThreshold();
    fitLegend();
}

void LiveChart::setThreshold(double value, const QString &label)
{
    if (m_threshold && m_thresholdValue == value && m_threshold->name() == label)
        return;
    if (!m_threshold) {
        m_threshold = new QLineSeries(this);
        chart()->addSeries(m_threshold);
        m_threshold->attachAxis(m_x);
        m_threshold->attachAxis(m_y);
        // Named on the plot, beside the line: a legend entry would take a node's room.
        for (QLegendMarker *marker : chart()->legend()->markers(m_threshold))
            marker->setVisible(false);
        connect(m_threshold, &QLineSeries::hovered, this, [this](const QPointF &, bool state) {
            if (state && m_threshold)
                QToolTip::showText(QCursor::pos(), m_threshold->name(), this);
            else
                QToolTip::hideText();
        });
        styleThreshold();
    }
    m_thresholdValue = value;
    m_threshold->setName(label);
    const double y = value * m_scale;
    m_threshold->replace(QList<QPointF>{QPointF(-double(m_windowMs) / 1000.0 / m_unitS, y), QPointF(0, y)});
    if (m_y->max() < y)
        m_y->setRange(m_y->min(), y * 1.1);
    fitLegend();
    scene()->update();
}

void LiveChart::clearThreshold()
{
    if (!m_threshold)
        return;
    chart()->removeSeries(m_threshold);
    delete m_threshold;
    m_threshold = nullptr;
    fitLegend();
    scene()->update();
}

void LiveChart::styleThreshold()
{
    if (!m_threshold)
        return;
    // Red on both themes, lighter on the dark one so it reads against the dark plot.
    m_threshold->setPen(QPen(m_dark ? QColor(0xff, 0x6b, 0x6b) : QColor(0xc0, 0x39, 0x2b), 2, Qt::DashLine));
}

void LiveChart::connectMarker(QLegendMarker *marker)
{
    connect(marker, &QLegendMarker::clicked, this, [marker] {
        QAbstractSeries *s = marker->series();
        s->setVisible(!s->isVisible());
        marker->setVisible(true);
        QColor c = marker->labelBrush().color();
        c.setAlphaF(s->isVisible() ? 1.0 : 0.4);
        marker->setLabelBrush(c);
    });
    connect(marker, &QLegendMarker::hovered, this, [this, marker](bool on) {
        if (on)
            QToolTip::showText(QCursor::pos(), marker->series()->name(), this);
        else
            QToolTip::hideText();
    });
}

void LiveChart::fitLegend()
{
    QList<QLegendMarker *> markers;
    for (QLegendMarker *m : chart()->legend()->markers())
        if (m->isVisible())
            markers << m;
    if (markers.isEmpty())
        return;
    const QFontMetrics fm(chart()->legend()->font());
    // Besides its text, each entry takes the colour square, the gap after it and
    // the legend's spacing; the row loses the chart's and the legend's margins.
    const int perEntry = fm.height() + 14;
    const int room = int(chart()->size().width()) - 32 - perEntry * int(markers.size());
    QList<int> order;
    for (int i = 0; i < markers.size(); ++i)
        order << i;
    QList<int> widths;
    for (QLegendMarker *m : markers)
        widths << fm.horizontalAdvance(m->series()->name());
    std::sort(order.begin(), order.end(), [&widths](int a, int b) { return widths[a] < widths[b]; });
    // Short names stay whole; what is left is shared by the longer ones.
    int left = std::max(0, room);
    for (int k = 0; k < order.size(); ++k) {
        const int i = order[k];
        const int share = left / int(order.size() - k);
        const QString name = markers[i]->series()->name();
        if (widths[i] <= share) {
            markers[i]->setLabel(name);
            left -= widths[i];
        } else {
            markers[i]->setLabel(fm.elidedText(name, Qt::ElideMiddle, std::max(share, fm.averageCharWidth() * 3)));
            left -= share;
        }
    }
    // The legend does not always lay itself out again for a new label (after a theme
    // change or a resize of a hidden tab its entries kept the text of an earlier
    // layout: Qt's own "second..."); invalidated from the event loop, it does.
    if (!m_legendPending) {
        m_legendPending = true;
        QTimer::singleShot(0, this, [this] {
            m_legendPending = false;
            chart()->legend()->layout()->invalidate();
        });
    }
}

void LiveChart::resizeEvent(QResizeEvent *event)
{
    QChartView::resizeEvent(event);
    fitLegend();
}

QLineSeries *LiveChart::seriesOf(const QString &key) const
{
    for (const Plotted &p : m_lines)
        if (p.line.key == key)
            return p.series;
    return nullptr;
}

void LiveChart::setLines(const QList<Line> &lines)
{
    bool same = lines.size() == m_lines.size();
    for (int i = 0; same && i < lines.size(); ++i)
        same = lines[i].key == m_lines[i].line.key && lines[i].label == m_lines[i].line.label;
    if (same)
        return;
    for (const Plotted &p : std::as_const(m_lines)) {
        chart()->removeSeries(p.series);
        delete p.series;
    }
    m_lines.clear();
    for (const Line &l : lines) {
        auto *series = new QLineSeries(this);
        series->setName(l.label);
        chart()->addSeries(series);
        series->attachAxis(m_x);
        series->attachAxis(m_y);
        connect(series, &QLineSeries::hovered, this, [this, series](const QPointF &point, bool state) {
            if (state)
                QToolTip::showText(QCursor::pos(), QStringLiteral("%1: %2 %3 at %4 s")
                                                       .arg(series->name()).arg(point.y(), 0, 'g', 4).arg(m_unit)
                                                       .arg(point.x(), 0, 'f', 0));
            else
                QToolTip::hideText();
        });
        m_lines.append({l, series});
    }
    // Legend toggles: clicking a marker hides or shows its line and dims the marker.
    for (const Plotted &p : std::as_const(m_lines))
        for (QLegendMarker *marker : chart()->legend()->markers(p.series))
            connectMarker(marker);
    // The threshold stays the last entry of the legend.
    if (m_threshold) {
        const double value = m_thresholdValue;
        const QString label = m_threshold->name();
        clearThreshold();
        setThreshold(value, label);
    }
    fitLegend();
}

void LiveChart::setNote(const QString &note)
{
    if (note == m_note)
        return;
    m_note = note;
    chart()->setTitle(note.isEmpty() ? m_title : m_title + QStringLiteral(" · ") + note);
}

int LiveChart::timeUnitSeconds(qint64 windowMs)
{
    if (windowMs > 3 * 3600'000LL)
        return 3600;
    if (windowMs > 15 * 60'000LL)
        return 60;
    return 1;
}

QString LiveChart::timeAxisFormat() const
{
    return m_x->labelFormat();
}

void LiveChart::refresh(const SeriesSource &source, qint64 nowMs, qint64 windowMs)
{
    const qint64 from = nowMs - windowMs;
    const int columns = std::max(50, int(chart()->plotArea().width()));
    const int unit = timeUnitSeconds(windowMs);
    double lo = 0, hi = 0;
    bool any = false;
    for (const Plotted &p : std::as_const(m_lines)) {
        QList<QPointF> points = SeriesDecimator::decimate(source.bands(p.line.key, from, nowMs), from, nowMs, columns);
        if (m_scale != 1.0 || unit != 1)
            for (QPointF &pt : points)
                pt = QPointF(pt.x() / unit, pt.y() * m_scale);
        if (p.series->isVisible())
            for (const QPointF &pt : std::as_const(points)) {
                lo = any ? std::min(lo, pt.y()) : pt.y();
                hi = any ? std::max(hi, pt.y()) : pt.y();
                any = true;
            }
        p.series->replace(points);
    }
    m_nowMs = nowMs;
    m_windowMs = windowMs;
    m_unitS = unit;
    const double span = double(windowMs) / 1000.0 / unit;
    m_x->setRange(-span, 0);
    // Only what changed: every axis setter relays the chart out (labels measured again).
    const QString format = unit == 3600 ? QStringLiteral("%.0fh") : unit == 60 ? QStringLiteral("%.0fm") : QStringLiteral("%.0fs");
    if (m_x->labelFormat() != format)
        m_x->setLabelFormat(format);
    // Round steps of the unit, as many as fit the plot's width ("-900s" labels are wide):
    // labels that would overlap are drawn as "-15...".
    const int maxTicks = std::clamp(int((chart()->plotArea().width() > 0 ? chart()->plotArea().width() : 300) / 50), 2, 7);
    const QList<double> steps = unit == 3600 ? QList<double>{1, 2, 3, 4, 6, 12, 24}
                                : unit == 60 ? QList<double>{5, 10, 15, 20, 30, 60, 120}
                                             : QList<double>{5, 10, 15, 30, 60, 120, 300, 600, 900};
    double step = steps.last();
    for (const double s : steps)
        if (span / s <= maxTicks - 1) {
            step = s;
            break;
        }
    if (m_x->tickType() != QValueAxis::TicksDynamic)
        m_x->setTickType(QValueAxis::TicksDynamic);
    if (m_x->tickAnchor() != 0)
        m_x->setTickAnchor(0);
    if (m_x->tickInterval() != step)
        m_x->setTickInterval(step);
    if (m_threshold) {
        const double y = m_thresholdValue * m_scale;
        m_threshold->replace(QList<QPointF>{QPointF(-span, y), QPointF(0, y)});
        // The limit stays in view: how far the lines are from it is the point of drawing it.
        if (m_threshold->isVisible()) {
            lo = any ? std::min(lo, y) : y;
            hi = any ? std::max(hi, y) : y;
            any = true;
        }
    }
    // Zero stays on the axis (rates, percentages and bytes are never negative) with 10% headroom.
    lo = std::min(0.0, lo);
    hi = hi <= lo ? lo + 1 : hi + (hi - lo) * 0.1;
    fitValueAxis(lo, hi);
}

void LiveChart::fitValueAxis(double lo, double hi)
{
    // Round ticks (0, 5000, 10000…) read faster than the exact extremes, and no
    // more of them than the plot's height holds: Qt shows labels that would
    // overlap as "…" (a small chart at 0..1 drew six of them).
    const double height = chart()->plotArea().height() > 0 ? chart()->plotArea().height() : 150;
    const int ticks = std::clamp(int(height / 20), 2, 6);
    const double raw = (hi - lo) / (ticks - 1);
    const double magnitude = std::pow(10.0, std::floor(std::log10(raw)));
    double step = 10 * magnitude;
    for (const double f : {1.0, 2.0, 5.0})
        if (f * magnitude >= raw * (1 - 1e-9)) {
            step = f * magnitude;
            break;
        }
    if (m_y->tickType() != QValueAxis::TicksDynamic)
        m_y->setTickType(QValueAxis::TicksDynamic);
    if (m_y->tickAnchor() != 0)
        m_y->setTickAnchor(0);
    if (m_y->tickInterval() != step)
        m_y->setTickInterval(step);
    const double min = std::floor(lo / step) * step, max = std::ceil(hi / step) * step;
    if (m_y->min() != min || m_y->max() != max)
        m_y->setRange(min, max);
}

void LiveChart::setMarkers(const QList<Marker> &markers)
{
    m_markers = markers;
    scene()->update();
}

int LiveChart::visibleMarkerCount() const
{
    return int(std::count_if(m_markers.cbegin(), m_markers.cend(), [this](const Marker &m) {
        return m.timestampMs >= m_nowMs - m_windowMs && m.timestampMs <= m_nowMs;
    }));
}

void LiveChart::drawForeground(QPainter *painter, const QRectF &rect)
{
    QChartView::drawForeground(painter, rect);
    const QRectF plot = chart()->plotArea();
    if (m_threshold && m_threshold->isVisible()) {
        // Named on the plot too, whole, where the legend may have had to shorten it.
        const double y = chart()->mapToPosition(QPointF(0, m_thresholdValue * m_scale), m_threshold).y();
        if (y >= plot.top() && y <= plot.bottom()) {
            painter->save();
            painter->setPen(m_threshold->pen().color());
            const QFontMetrics fm = painter->fontMetrics();
            const QString label = fm.elidedText(m_threshold->name(), Qt::ElideMiddle, int(plot.width()) - 8);
            const double above = y - fm.descent() - 2;
            painter->drawText(QPointF(plot.right() - fm.horizontalAdvance(label) - 4,
                                      above - fm.ascent() < plot.top() ? y + fm.ascent() + 2 : above), label);
            painter->restore();
        }
    }
    if (m_markers.isEmpty() || m_nowMs == 0)
        return;
    painter->save();
    double lastX = -1e9;
    int stacked = 0;
    for (const Marker &m : std::as_const(m_markers)) {
        if (m.timestampMs < m_nowMs - m_windowMs || m.timestampMs > m_nowMs)
            continue;
        const double x = chart()->mapToPosition(QPointF(double(m.timestampMs - m_nowMs) / 1000.0 / m_unitS, m_y->min())).x();
        // Markers close together stack their labels instead of printing over each other.
        stacked = x - lastX < 80 ? stacked + 1 : 0;
        lastX = x;
        QPen pen(m.color, 1.5, Qt::DashLine);
        painter->setPen(pen);
        painter->drawLine(QPointF(x, plot.top()), QPointF(x, plot.bottom()));
        const QString label = painter->fontMetrics().elidedText(m.label, Qt::ElideRight, int(plot.right() - x) + 60);
        const double textX = std::min(x + 3, plot.right() - painter->fontMetrics().horizontalAdvance(label));
        painter->drawText(QPointF(textX, plot.top() + 11 + 12 * stacked), label);
    }
    painter->restore();
}

int LiveChart::pointCount(const QString &key) const
{
    for (const Plotted &p : m_lines)
        if (p.line.key == key)
            return p.series->count();
    return 0;
}

double LiveChart::maxValue(const QString &key) const
{
    double hi = 0;
    for (const Plotted &p : m_lines)
        if (p.line.key == key)
            for (const QPointF &pt : p.series->points())
                hi = std::max(hi, pt.y());
    return hi;
}

bool LiveChart::savePng(const QString &file)
{
    return grab().save(file, "PNG");
}

bool LiveChart::saveCsv(const QString &file) const
{
    QFile f(file);
    if (!f.open(QIODevice::WriteOnly | QIODevice::Truncate | QIODevice::Text))
        return false;
    QTextStream out(&f);
    out << "series,seconds,value\n";
    for (const Plotted &p : m_lines) {
        QString name = p.line.label;
        name.replace(QLatin1Char('"'), QStringLiteral("\"\""));
        for (const QPointF &pt : p.series->points())
            out << '"' << name << "\"," << pt.x() * m_unitS << ',' << QString::number(pt.y(), 'g', 10) << '\n';
    }
    return out.status() == QTextStream::Ok;
}

void LiveChart::contextMenuEvent(QContextMenuEvent *event)
{
    QMenu menu(this);
    menu.addAction(tr("Save chart as PNG…"), this, [this] {
        const QString file = QFileDialog::getSaveFileName(this, tr("Save chart"), m_title + QStringLiteral(".png"),
                                                          tr("PNG images (*.png)"));
        if (!file.isEmpty())
            savePng(file);
    });
    menu.addAction(tr("Save data as CSV…"), this, [this] {
        const QString file = QFileDialog::getSaveFileName(this, tr("Save chart data"), m_title + QStringLiteral(".csv"),
                                                          tr("CSV files (*.csv)"));
        if (!file.isEmpty())
            saveCsv(file);
    });
    menu.exec(event->globalPos());
}

}  // namespace turno::console
