// LiveChart: one Qt Charts plot over series of the SeriesStore, redrawn in one
// batch per refresh (QXYSeries::replace) with min/max decimation to its pixel width,
// and an optional horizontal threshold line (an alert rule's limit, an SLO).
#pragma once

#include <QChartView>
#include <QColor>
#include <QList>
#include <QString>

class QLegendMarker;
class QLineSeries;
class QValueAxis;

namespace turno {
class SeriesSource;
}

namespace turno::console {

class LiveChart : public QChartView {
    Q_OBJECT
public:
    struct Line {
        QString key;    // SeriesStore key
        QString label;  // legend text
    };
    // A moment worth seeing on the time axis (an alert firing or resolving).
    struct Marker {
        qint64 timestampMs = 0;
        QColor color;
        QString label;
    };

    // Values are plotted as stored × scale, in unit (the axis title and tooltips say it).
    LiveChart(const QString &title, const QString &unit, double scale = 1.0, QWidget *parent = nullptr);

    // Replaces the plotted lines when the set of keys changed; keeps them otherwise.
    void setLines(const QList<Line> &lines);
    // Reads [now - window, now] from the source (the SeriesStore, or Prometheus's
    // range answers) and replaces every line's points at once. The time axis counts
    // back from now in seconds up to 15 min, minutes up to 3 h, hours beyond.
    void refresh(const SeriesSource &source, qint64 nowMs, qint64 windowMs);
    // Seconds per unit of the time axis for a window (1, 60 or 3600), and its suffix.
    static int timeUnitSeconds(qint64 windowMs);
    QString timeAxisFormat() const;
    void setDark(bool dark);
    // Drawn as vertical lines over the plot at the next repaint.
    void setMarkers(const QList<Marker> &markers);
    // Markers inside the time window of the last refresh.
    int visibleMarkerCount() const;
    // A horizontal line at value (stored units, scaled like the lines) across the
    // time window, named label on the plot (no legend entry); the y axis keeps it in view.
    void setThreshold(double value, const QString &label);
    void clearThreshold();
    // The threshold's series (nullptr when none): its points' y is the plotted value.
    QLineSeries *thresholdSeries() const { return m_threshold; }

    int lineCount() const { return int(m_lines.size()); }
    // Points currently plotted on the line of key (0 when absent).
    int pointCount(const QString &key) const;
    // Highest plotted value of the line of key (0 when absent or empty).
    double maxValue(const QString &key) const;
    QString title() const { return m_title; }
    // Said after the title on the plot ("top 20 of 200 nodes"); empty: the title alone.
    void setNote(const QString &note);
    QString note() const { return m_note; }
    QString unit() const { return m_unit; }
    QValueAxis *valueAxis() const { return m_y; }
    // The plotted series of key (nullptr when absent); its name is the whole label.
    QLineSeries *seriesOf(const QString &key) const;
    // Save as PNG, or the plotted data as CSV (seconds relative to now, one column per line).
    bool savePng(const QString &file);
    bool saveCsv(const QString &file) const;

protected:
    void contextMenuEvent(QContextMenuEvent *event) override;
    void drawForeground(QPainter *painter, const QRectF &rect) override;
    void resizeEvent(QResizeEvent *event) override;

private:
    // Hover shows the whole name; click hides or shows the line.
    void connectMarker(QLegendMarker *marker);
    // Whole names when they fit the legend's row, else the longest ones elided in
    // the middle (Qt's legend would cut the end: "second…" for both secondaries).
    void fitLegend();
    void styleThreshold();
    void fitValueAxis(double lo, double hi);

    struct Plotted {
        Line line;
        QLineSeries *series = nullptr;
    };
    QList<Plotted> m_lines;
    QString m_title;
    QString m_note;
    QString m_unit;
    double m_scale = 1.0;
    QValueAxis *m_x = nullptr;
    QValueAxis *m_y = nullptr;
    QList<Marker> m_markers;
    QLineSeries *m_threshold = nullptr;
    double m_thresholdValue = 0;  // stored units
    bool m_dark = false;
    bool m_legendPending = false;
    qint64 m_nowMs = 0;
    qint64 m_windowMs = 60'000;
    int m_unitS = 1;  // seconds per unit of the x axis
};

}  // namespace turno::console
