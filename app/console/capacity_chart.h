// CapacityChart: what the capacity finder learnt, step by step: offered rate
// against achieved rate and p99, the SLO as a line, the knee marked. Configures
// the chart its view owns (never setChart(): the old chart would leak).
#pragma once

#include "load/capacity_finder.h"

#include <QChartView>
#include <QList>

class QLineSeries;
class QScatterSeries;
class QValueAxis;

namespace turno::console {

class CapacityChart : public QChartView {
    Q_OBJECT
public:
    explicit CapacityChart(QWidget *parent = nullptr);

    void clear();
    void setSlo(double p99Ms);
    // Steps arrive in search order (bisection steps fall between earlier ones); plotted by rate.
    void addStep(const CapacityStep &step);
    // The verdict: knee and highest sustainable rate marked.
    void setReport(const CapacityReport &report);
    void setDark(bool dark);

    int pointCount() const { return int(m_steps.size()); }
    double knee() const { return m_knee; }
    bool savePng(const QString &file);

private:
    void redraw();
    // The series' own colours (setTheme resets them), lighter on the dark theme.
    void applyColours(bool dark);

    QList<CapacityStep> m_steps;
    double m_slo = 0;
    double m_knee = 0;
    double m_highest = 0;
    QValueAxis *m_x = nullptr;
    QValueAxis *m_rate = nullptr;
    QValueAxis *m_latency = nullptr;
    QLineSeries *m_offered = nullptr;
    QLineSeries *m_achieved = nullptr;
    QLineSeries *m_p99 = nullptr;
    QLineSeries *m_sloLine = nullptr;
    QScatterSeries *m_failed = nullptr;
    QScatterSeries *m_kneePoint = nullptr;
};

}  // namespace turno::console
