#include "live_chart.h"

#include "metrics/series_store.h"
#include "metrics/series_decimator.h"

#include <QChart>
#include <QContextMenuEvent>
#include <QFile>
#include <QFileDialog>
#include <QLegendMarker>
#include <QLineSeries>
#include <QMenu>
#include <QTextStream>
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
    setMinimumSize(280, 200);
}

void LiveChart::setDark(bool dark)
{
    chart()->setTheme(dark ? QChart::ChartThemeDark : QChart::ChartThemeLight);
    chart()->setAnimationOptions(QChart::NoAnimation);
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
    for (QLegendMarker *marker : chart()->legend()->markers()) {
        connect(marker, &QLegendMarker::clicked, this, [marker] {
            QAbstractSeries *s = marker->series();
            s->setVisible(!s->isVisible());
            marker->setVisible(true);
            QColor c = marker->labelBrush().color();
            c.setAlphaF(s->isVisible() ? 1.0 : 0.4);
            marker->setLabelBrush(c);
        });
    }
}

void LiveChart::refresh(const SeriesStore &store, qint64 nowMs, qint64 windowMs)
{
    const qint64 from = nowMs - windowMs;
    const int columns = std::max(50, int(chart()->plotArea().width()));
    double lo = 0, hi = 0;
    bool any = false;
    for (const Plotted &p : std::as_const(m_lines)) {
        QList<QPointF> points;
        if (const auto id = store.find(p.line.key))
            points = SeriesDecimator::decimate(store.range(*id, from, nowMs), from, nowMs, columns);
        if (m_scale != 1.0)
            for (QPointF &pt : points)
                pt.setY(pt.y() * m_scale);
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
    m_x->setRange(-double(windowMs) / 1000.0, 0);
    // Zero stays on the axis (rates, percentages and bytes are never negative) with 10% headroom.
    lo = std::min(0.0, lo);
    hi = hi <= lo ? lo + 1 : hi + (hi - lo) * 0.1;
    m_y->setRange(lo, hi);
    // Round ticks (0, 5000, 10000…) read faster than the exact extremes.
    m_y->applyNiceNumbers();
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
    if (m_markers.isEmpty() || m_nowMs == 0)
        return;
    const QRectF plot = chart()->plotArea();
    painter->save();
    double lastX = -1e9;
    int stacked = 0;
    for (const Marker &m : std::as_const(m_markers)) {
        if (m.timestampMs < m_nowMs - m_windowMs || m.timestampMs > m_nowMs)
            continue;
        const double x = chart()->mapToPosition(QPointF(double(m.timestampMs - m_nowMs) / 1000.0, m_y->min())).x();
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
            out << '"' << name << "\"," << pt.x() << ',' << QString::number(pt.y(), 'g', 10) << '\n';
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
