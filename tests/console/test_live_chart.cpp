// The charts read right, offscreen and without a cluster: known samples in the
// monitor's series store, then what the charts plot and say. The error chart is
// in percent everywhere (points, axis, CSV, limit line); legends show whole names
// or names elided in the middle, with the whole name on hover; the p99 chart
// draws the p99 alert rule's threshold as its SLO line and follows the rules.
#include "alerts/alert_engine.h"
#include "alerts/alert_rule.h"
#include "capacity_chart.h"
#include "charts_panel.h"
#include "common/result.h"
#include "live_chart.h"
#include "metrics/series_store.h"
#include "runtime/fleet_monitor.h"

#include <QApplication>
#include <QDateTime>
#include <QFile>
#include <QGraphicsScene>
#include <QGraphicsTextItem>
#include <QImage>
#include <QLegend>
#include <QLegendMarker>
#include <QLineSeries>
#include <QSet>
#include <QSignalSpy>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QTest>
#include <QToolTip>
#include <QValueAxis>

using turno::FleetMonitor;
using turno::console::ChartsPanel;
using turno::console::LiveChart;

namespace {

const QStringList kNodes{QStringLiteral("primary-1"), QStringLiteral("primary-2"), QStringLiteral("secondary-1"),
                         QStringLiteral("secondary-2")};

// value for each of the last 20 seconds on metric of node.
void feed(FleetMonitor &monitor, const QString &node, const QString &metric, double value)
{
    turno::SeriesStore *store = monitor.series();
    const int id = store->series(FleetMonitor::nodeSeries(node, metric));
    const qint64 now = QDateTime::currentMSecsSinceEpoch();
    for (int s = 20; s >= 0; --s)
        store->append(id, now - s * 1000, value);
}

// The series store keeps samples as float: equal to 6 digits.
bool near(double a, double b)
{
    return std::abs(a - b) <= 1e-6 * std::max(1.0, std::abs(b));
}

bool refreshed(ChartsPanel &panel)
{
    QSignalSpy spy(&panel, &ChartsPanel::refreshed);
    panel.refresh();
    return spy.wait(5000);
}

// The texts the chart's scene draws (title, axis labels, legend labels), as painted.
QStringList drawnTexts(LiveChart *chart)
{
    QStringList texts;
    for (QGraphicsItem *item : chart->scene()->items())
        if (auto *text = qgraphicsitem_cast<QGraphicsTextItem *>(item); text && text->isVisible())
            texts << text->toPlainText();
    return texts;
}

QString legendLabel(LiveChart *chart, QAbstractSeries *series)
{
    const QList<QLegendMarker *> markers = chart->chart()->legend()->markers(series);
    return markers.isEmpty() ? QString() : markers.first()->label();
}

// Whole, or the name's start and end around one ellipsis.
bool wholeOrMiddleElided(const QString &label, const QString &name)
{
    if (label == name)
        return true;
    const qsizetype dots = label.indexOf(QChar(0x2026));
    if (dots <= 0 || dots == label.size() - 1 || label.count(QChar(0x2026)) != 1)
        return false;
    return name.startsWith(label.left(dots)) && name.endsWith(label.mid(dots + 1));
}

turno::Result<void> writeRules(const QString &path, const QByteArray &json)
{
    QFile f(path);
    if (!f.open(QIODevice::WriteOnly | QIODevice::Truncate) || f.write(json) != json.size())
        return turno::Error{path + QStringLiteral(": not written")};
    return {};
}

}  // namespace

class TestLiveChart : public QObject {
    Q_OBJECT
private slots:
    void initTestCase() { QStandardPaths::setTestModeEnabled(true); }

    void init()
    {
        m_monitor = std::make_unique<FleetMonitor>();
        m_panel = std::make_unique<ChartsPanel>(m_monitor.get());
        m_panel->setNodes(kNodes, {QStringLiteral("redis-1"), QStringLiteral("redis-2")});
        m_panel->resize(1024, 640);
        m_panel->show();
        QVERIFY(QTest::qWaitForWindowExposed(m_panel.get()));
    }

    void cleanup()
    {
        m_panel.reset();
        m_monitor.reset();
    }

    // 1 % of answers 5xx (a ratio of 0.01 in the store) plots as 1.0 on a "% 5xx"
    // axis whose range holds it, the CSV says 1, and the alert rule's 0.01 is a line at 1.0.
    void errorChartIsInPercent()
    {
        feed(*m_monitor, QStringLiteral("primary-1"), QStringLiteral("error_ratio"), 0.01);
        feed(*m_monitor, QStringLiteral("primary-2"), QStringLiteral("error_ratio"), 0.0);
        QVERIFY(refreshed(*m_panel));
        LiveChart *errors = m_panel->chart(QStringLiteral("5xx errors"));
        QVERIFY(errors);
        const QString key = FleetMonitor::nodeSeries(QStringLiteral("primary-1"), QStringLiteral("error_ratio"));
        QVERIFY(errors->pointCount(key) > 0);
        for (const QPointF &p : errors->seriesOf(key)->points())
            QVERIFY2(near(p.y(), 1.0), qPrintable(QString::number(p.y())));
        QCOMPARE(errors->valueAxis()->titleText(), QStringLiteral("% 5xx"));
        QVERIFY2(errors->valueAxis()->min() == 0 && errors->valueAxis()->max() >= 1.0 && errors->valueAxis()->max() < 5,
                 qPrintable(QStringLiteral("%1..%2").arg(errors->valueAxis()->min()).arg(errors->valueAxis()->max())));
        // HighErrorRatio (default rules, on what clients got from the frontend): > 0.01, drawn at 1 %.
        QVERIFY(errors->thresholdSeries());
        QCOMPARE(errors->thresholdSeries()->name(), QStringLiteral("alert 1 % (HighErrorRatio)"));
        for (const QPointF &p : errors->thresholdSeries()->points())
            QCOMPARE(p.y(), 1.0);
        // The frontend's line is there beside the nodes', named by what it measures.
        const QString frontend = FleetMonitor::nodeSeries(FleetMonitor::balancerNode(), QStringLiteral("frontend_error_ratio"));
        QVERIFY(errors->seriesOf(frontend));
        QCOMPARE(errors->seriesOf(frontend)->name(), QStringLiteral("frontend (what clients got)"));

        QTemporaryDir dir;
        const QString csv = dir.filePath(QStringLiteral("errors.csv"));
        QVERIFY(errors->saveCsv(csv));
        QFile f(csv);
        QVERIFY(f.open(QIODevice::ReadOnly));
        int rows = 0;
        for (const QByteArray &line : f.readAll().split('\n'))
            if (line.startsWith("\"primary-1\",")) {
                QVERIFY2(near(line.split(',').last().toDouble(), 1.0), line.constData());
                ++rows;
            }
        QVERIFY(rows > 0);

        // The tick labels as drawn say a percentage's numbers: the top one is past 1 and
        // below 5 (a ratio axis would stop near 0.01, a per-mille one near 10).
        auto topTick = [errors] {
            double top = -1;
            for (const QString &t : drawnTexts(errors)) {
                bool number = false;
                const double v = t.toDouble(&number);
                if (number)
                    top = std::max(top, v);
            }
            return top;
        };
        QTRY_VERIFY2(topTick() >= 1.0 && topTick() < 5.0, qPrintable(drawnTexts(errors).join(QLatin1Char('|'))));
    }

    // The p99 chart's SLO line is the p99 rule's threshold, in ms, named after the rule;
    // reloading the rules moves it; without such a rule there is no line and no legend entry.
    void p99ChartDrawsTheSloOfTheLoadedRules()
    {
        feed(*m_monitor, QStringLiteral("primary-1"), QStringLiteral("p99_seconds"), 0.020);
        QVERIFY(refreshed(*m_panel));
        LiveChart *latency = m_panel->chart(QStringLiteral("p99 latency"));
        QVERIFY(latency);
        QVERIFY(near(latency->maxValue(FleetMonitor::nodeSeries(QStringLiteral("primary-1"), QStringLiteral("p99_seconds"))), 20.0));
        const turno::AlertRule *rule = m_monitor->alerts()->rules().find(QStringLiteral("HighP99Latency"));
        QVERIFY(rule);
        QCOMPARE(rule->threshold, 0.05);
        QVERIFY(latency->thresholdSeries());
        QCOMPARE(latency->thresholdSeries()->name(), QStringLiteral("SLO p99 50 ms (HighP99Latency)"));
        QCOMPARE(latency->thresholdSeries()->count(), 2);
        for (const QPointF &p : latency->thresholdSeries()->points())
            QCOMPARE(p.y(), 50.0);
        QVERIFY(latency->valueAxis()->max() >= 50.0);

        // Reloaded from a file, as `turnoctl alerts reload-rules` does: the line moves to 250 ms.
        QTemporaryDir dir;
        const QString path = dir.filePath(QStringLiteral("rules.json"));
        QVERIFY(writeRules(path, R"({"version": 1, "rules": [
            {"name": "SlowP99", "metric": "p99_seconds", "op": ">", "threshold": 0.25, "for": "10s"},
            {"name": "HighCpu", "metric": "cpu_percent", "op": ">", "threshold": 80, "for": "10s"}]})").ok());
        const auto reloaded = m_monitor->alerts()->reloadRules(path);
        QVERIFY2(reloaded.ok(), qPrintable(reloaded.error()));
        QVERIFY(refreshed(*m_panel));
        QVERIFY(latency->thresholdSeries());
        QCOMPARE(latency->thresholdSeries()->name(), QStringLiteral("SLO p99 250 ms (SlowP99)"));
        for (const QPointF &p : latency->thresholdSeries()->points())
            QCOMPARE(p.y(), 250.0);
        QVERIFY(latency->valueAxis()->max() >= 250.0);
        // No error rule in that file: the error chart has no limit line either.
        QVERIFY(!m_panel->chart(QStringLiteral("5xx errors"))->thresholdSeries());

        // No p99 rule: no line, no legend entry for one, and the axis fits the data again.
        QVERIFY(writeRules(path, R"({"version": 1, "rules": [
            {"name": "HighCpu", "metric": "cpu_percent", "op": ">", "threshold": 80, "for": "10s"}]})").ok());
        QVERIFY(m_monitor->alerts()->reloadRules(path).ok());
        QVERIFY(refreshed(*m_panel));
        QVERIFY(!latency->thresholdSeries());
        QCOMPARE(latency->chart()->series().size(), qsizetype(kNodes.size()));
        for (QLegendMarker *m : latency->chart()->legend()->markers())
            QVERIFY2(!m->label().contains(QStringLiteral("SLO")) && !m->series()->name().contains(QStringLiteral("SLO")),
                     qPrintable(m->label()));
        QVERIFY2(latency->valueAxis()->max() < 50.0, qPrintable(QString::number(latency->valueAxis()->max())));
    }

    // The Fleet tab's compact charts read the same rules.
    void compactChartsDrawTheSloToo()
    {
        ChartsPanel compact(m_monitor.get(), ChartsPanel::Mode::Compact);
        compact.setNodes(kNodes, {});
        compact.resize(1024, 260);
        compact.show();
        QVERIFY(QTest::qWaitForWindowExposed(&compact));
        QVERIFY(refreshed(compact));
        LiveChart *latency = compact.chart(QStringLiteral("p99 latency"));
        QVERIFY(latency && latency->thresholdSeries());
        QCOMPARE(latency->thresholdSeries()->points().first().y(), 50.0);
    }

    // At 1024 px the Requests chart has five entries in a third of the width: each
    // label is whole or elided in the middle (so secondary-1 and secondary-2 stay
    // apart), is drawn as set (Qt's legend cut nothing more), and hovering it shows
    // the whole name. Wide enough, every name is whole.
    void legendsShowWholeOrMiddleElidedNames_data()
    {
        QTest::addColumn<bool>("dark");
        QTest::addColumn<int>("window");  // 1 min, 15 min: "-900s" tick labels are wide
        QTest::newRow("light, 1 min") << false << 0;
        QTest::newRow("dark, 15 min") << true << 2;
    }

    void legendsShowWholeOrMiddleElidedNames()
    {
        QFETCH(bool, dark);
        QFETCH(int, window);
        feed(*m_monitor, QStringLiteral("secondary-2"), QStringLiteral("requests_per_second"), 5);
        m_panel->setDark(dark);
        m_panel->setWindowIndex(window);
        QVERIFY(refreshed(*m_panel));
        for (LiveChart *chart : m_panel->charts()) {
            QStringList labels;
            for (QAbstractSeries *s : chart->chart()->series()) {
                // The SLO and limit lines are named on the plot, not in the legend.
                if (s == chart->thresholdSeries()) {
                    QVERIFY(!chart->chart()->legend()->markers(s).first()->isVisible());
                    continue;
                }
                const QString label = legendLabel(chart, s);
                QVERIFY2(wholeOrMiddleElided(label, s->name()), qPrintable(chart->title() + QStringLiteral(": ") + label));
                labels << label;
            }
            QCOMPARE(QSet<QString>(labels.cbegin(), labels.cend()).size(), labels.size());
            QTRY_VERIFY2([&] {
                const QStringList drawn = drawnTexts(chart);
                for (const QString &l : std::as_const(labels))
                    if (!drawn.contains(l))
                        return false;
                return true;
            }(), qPrintable(chart->title() + QStringLiteral(": ") + labels.join(QLatin1Char('|')) +
                            QStringLiteral(" drawn as ") + drawnTexts(chart).join(QLatin1Char('|'))));
            // Nothing else is cut short: tick labels (even of an empty chart), axis titles, the title.
            for (const QString &t : drawnTexts(chart))
                QVERIFY2(labels.contains(t) || (!t.contains(QChar(0x2026)) && !t.contains(QStringLiteral("..."))),
                         qPrintable(chart->title() + QStringLiteral(": ") + t));
        }

        if (const QString shots = qEnvironmentVariable("TURNO_SCREENSHOT_DIR"); !shots.isEmpty())
            m_panel->grab().save(shots + QStringLiteral("/charts-legends-1024-%1.png").arg(window));

        LiveChart *requests = m_panel->chart(QStringLiteral("Requests"));
        QLineSeries *series = requests->seriesOf(FleetMonitor::nodeSeries(QStringLiteral("secondary-2"), QStringLiteral("requests_per_second")));
        QVERIFY(series);
        QLegendMarker *marker = requests->chart()->legend()->markers(series).first();
        emit marker->hovered(true);
        QTRY_COMPARE(QToolTip::text(), QStringLiteral("secondary-2"));
        emit marker->hovered(false);

        // One chart, wide: nothing to shorten.
        LiveChart wide(QStringLiteral("wide"), QStringLiteral("req/s"));
        QList<LiveChart::Line> lines;
        for (const QString &n : kNodes)
            lines.append({FleetMonitor::nodeSeries(n, QStringLiteral("requests_per_second")), n});
        wide.setLines(lines);
        wide.resize(1000, 300);
        wide.show();
        QVERIFY(QTest::qWaitForWindowExposed(&wide));
        for (QAbstractSeries *s : wide.chart()->series())
            QCOMPARE(legendLabel(&wide, s), s->name());
        QTRY_VERIFY(drawnTexts(&wide).contains(QStringLiteral("secondary-2")));

        // A long name in a narrow chart: elided in the middle, whole on hover.
        LiveChart narrow(QStringLiteral("narrow"), QStringLiteral("req/s"));
        const QString longName = QStringLiteral("turno-eu-west-secondary-pool-node-12");
        narrow.setLines({{QStringLiteral("k1"), longName}, {QStringLiteral("k2"), QStringLiteral("turno-3")}});
        narrow.resize(280, 200);
        narrow.show();
        QVERIFY(QTest::qWaitForWindowExposed(&narrow));
        QLineSeries *longSeries = narrow.seriesOf(QStringLiteral("k1"));
        const QString shortened = legendLabel(&narrow, longSeries);
        QVERIFY2(shortened != longName && wholeOrMiddleElided(shortened, longName), qPrintable(shortened));
        QCOMPARE(legendLabel(&narrow, narrow.seriesOf(QStringLiteral("k2"))), QStringLiteral("turno-3"));
        QTRY_VERIFY2(drawnTexts(&narrow).contains(shortened), qPrintable(drawnTexts(&narrow).join(QLatin1Char('|'))));
        QLegendMarker *longMarker = narrow.chart()->legend()->markers(longSeries).first();
        emit longMarker->hovered(true);
        QTRY_COMPARE(QToolTip::text(), longName);
        emit longMarker->hovered(false);
    }

    // The dark theme resets every series' pen; the capacity chart's SLO line stays a dotted red.
    // 40 nodes: each per-node chart draws the 10 with the highest value of its own
    // figure, says so in its title, and a fleet of 10 or fewer draws every node.
    void manyNodesDrawTheTopTenOfEachFigure()
    {
        QStringList nodes;
        for (int i = 0; i < 40; ++i) {
            nodes << QStringLiteral("node-%1").arg(i, 2, 10, QLatin1Char('0'));
            feed(*m_monitor, nodes.last(), QStringLiteral("requests_per_second"), 100 + i);  // the last 10 are the busiest
            feed(*m_monitor, nodes.last(), QStringLiteral("cpu_percent"), 100 - i);          // the first 10 the hottest
        }
        m_panel->setNodes(nodes, {});
        QVERIFY(refreshed(*m_panel));
        LiveChart *requests = m_panel->chart(QStringLiteral("Requests"));
        LiveChart *cpu = m_panel->chart(QStringLiteral("CPU"));
        QCOMPARE(requests->lineCount(), 11);  // the fleet's total and 10 nodes
        QCOMPARE(cpu->lineCount(), 10);
        for (int i = 0; i < 40; ++i) {
            QCOMPARE(requests->seriesOf(FleetMonitor::nodeSeries(nodes[i], QStringLiteral("requests_per_second"))) != nullptr, i >= 30);
            QCOMPARE(cpu->seriesOf(FleetMonitor::nodeSeries(nodes[i], QStringLiteral("cpu_percent"))) != nullptr, i < 10);
        }
        QCOMPARE(requests->note(), QStringLiteral("top 10 of 40 nodes"));
        QVERIFY(requests->chart()->title().endsWith(QStringLiteral("top 10 of 40 nodes")));
        m_panel->setNodes(nodes.mid(0, 10), {});
        QVERIFY(refreshed(*m_panel));
        QCOMPARE(cpu->lineCount(), 10);
        QVERIFY(cpu->note().isEmpty());
        QCOMPARE(cpu->chart()->title(), QStringLiteral("CPU"));
    }

    void capacitySloLineStaysRedOnTheDarkTheme()
    {
        turno::console::CapacityChart chart;
        chart.setSlo(50);
        chart.resize(500, 320);
        chart.show();
        QVERIFY(QTest::qWaitForWindowExposed(&chart));
        for (bool dark : {true, false, true}) {
            chart.setDark(dark);
            QLineSeries *slo = nullptr;
            for (QAbstractSeries *s : chart.chart()->series())
                if (s->name() == QLatin1String("p99 SLO"))
                    slo = qobject_cast<QLineSeries *>(s);
            QVERIFY(slo);
            QCOMPARE(slo->pen().style(), Qt::DotLine);
            const QColor c = slo->pen().color();
            QVERIFY2(c.red() > c.green() + 80 && c.red() > c.blue() + 80, qPrintable(c.name()));
            const QImage image = chart.grab().toImage();
            const QPoint middle = chart.chart()->plotArea().center().toPoint() + QPoint(0, 7);
            QCOMPARE(QColor(image.pixel(middle)).lightness() < 128, dark);
            for (const QPointF &p : slo->points())
                QCOMPARE(p.y(), 50.0);
        }
    }

private:
    std::unique_ptr<FleetMonitor> m_monitor;
    std::unique_ptr<ChartsPanel> m_panel;
};

QTEST_MAIN(TestLiveChart)
#include "test_live_chart.moc"
