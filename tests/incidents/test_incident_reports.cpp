// Markdown and HTML reports: every section present with the incident's data,
// hostile text escaped, charts inlined as data URIs or saved beside the Markdown.
#include "incident_test_util.h"

#include "incidents/fleet_window_chart.h"
#include "incidents/incident_report.h"
#include "incidents/incident_store.h"
#include "incidents/report_writer.h"

#include <QDateTime>
#include <QFile>
#include <QRegularExpression>
#include <QTemporaryDir>
#include <QTest>
#include <algorithm>

using namespace turno;
using inctest::makeEvent;

namespace {
const qint64 kT0 = QDateTime(QDate(2026, 11, 20), QTime(9, 0), Qt::UTC).toMSecsSinceEpoch();
constexpr qint64 kMin = 60'000;
// A real 2x2 RGB PNG (red, green / blue, black).
const QByteArray kPng = QByteArray::fromHex(
    "89504e470d0a1a0a0000000d4948445200000002000000020802000000fdd49a730000001049444154789c63f8cfc0c000c21002001cf202fe74"
    "7a0a170000000049454e44ae426082");
const QString kHostile = QStringLiteral("<script>alert(\"x\")</script> | *bold* & [link](http://evil) #1");
}  // namespace

class TestIncidentReports : public QObject {
    Q_OBJECT
private slots:
    void init();
    void cleanup();
    void buildGathersWindowAndPeaks();
    void markdownHasEverySection();
    void markdownEscapes();
    void htmlIsSelfContainedAndEscaped();
    void htmlLeavesOutNonPngImages();
    void writeMarkdownSavesChartsBeside();
    void openIncidentSaysSoFar();
    void buildAddsFleetPeaksOfTheWindowOnly();
    void htmlDrawsTheWindowsSamplesAsSvg();
    void markdownSummarisesTheWindow();
    void emptyWindowSaysSo();
    void chartKeepsSpikesWhenDecimating();

private:
    qint64 makeIncident();
    QTemporaryDir *m_dir = nullptr;
    IncidentStore *m_store = nullptr;
};

void TestIncidentReports::init()
{
    m_dir = new QTemporaryDir;
    m_store = new IncidentStore;
    auto options = inctest::keepAll();
    options.incidentLeadMs = 5 * kMin;
    QVERIFY(m_store->open(m_dir->filePath(QStringLiteral("i.db")), options).ok());
}

void TestIncidentReports::cleanup()
{
    delete m_store;
    delete m_dir;
}

qint64 TestIncidentReports::makeIncident()
{
    m_store->append({makeEvent(kT0 - 10 * kMin, QStringLiteral("primary-1"), QStringLiteral("note"), Severity::Info,
                           QStringLiteral("outside the window")),
                     makeEvent(kT0 - 2 * kMin, QStringLiteral("primary-1"), QStringLiteral("process.exit"), Severity::Warning,
                           QStringLiteral("primary-1 exited with status 137"))});
    const qint64 id = m_store->onAlertTransition(QStringLiteral("cpu_high"), Severity::Critical, QStringLiteral("firing"),
                                                 QStringLiteral("primary-2"), 97.5, kT0).value();
    m_store->onAlertTransition(QStringLiteral("cpu_high"), Severity::Critical, QStringLiteral("firing"),
                               QStringLiteral("primary-2"), 99.25, kT0 + kMin);
    m_store->append({makeEvent(kT0 + 2 * kMin, QStringLiteral("primary-2"), QStringLiteral("note"), Severity::Info, kHostile,
                           {}, QStringLiteral("operator"))});
    Incident inc = m_store->incident(id).value();
    inc.summary = QStringLiteral("CPU saturation on primary-2.\nLatency rose to 2 s.");
    inc.impact = QStringLiteral("p99 latency over 1 s for 12 minutes");
    inc.rootCause = kHostile;
    inc.actionItems = {ActionItem{QStringLiteral("Add CPU headroom"), QStringLiteral("alice"), QDate(2026, 12, 1), false},
                       ActionItem{QStringLiteral("Autoscale on p99"), QStringLiteral("bob <ops>"), QDate(), true}};
    m_store->updateIncident(inc);
    m_store->closeIncident(id, kT0 + 12 * kMin + 5000);
    return id;
}

void TestIncidentReports::buildGathersWindowAndPeaks()
{
    const qint64 id = makeIncident();
    const auto report = IncidentReport::build(*m_store, id,
                                              {PeakMetric{QStringLiteral("req_rate"), QStringLiteral("balancer"), 5400,
                                                          QStringLiteral("req/s"), kT0 + kMin}});
    QVERIFY2(report.ok(), qPrintable(report.error()));
    QStringList summaries;
    for (const auto &e : report->timeline)
        summaries << e.summary;
    QVERIFY(!summaries.contains(QStringLiteral("outside the window")));
    QVERIFY(summaries.contains(QStringLiteral("primary-1 exited with status 137")));
    QVERIFY(summaries.contains(kHostile));
    QCOMPARE(report->peakMetrics.size(), 2);
    QCOMPARE(report->peakMetrics[0].name, QStringLiteral("cpu_high"));
    QCOMPARE(report->peakMetrics[0].value, 99.25);
    QCOMPARE(report->peakMetrics[1].unit, QStringLiteral("req/s"));
    QVERIFY(!IncidentReport::build(*m_store, id + 100).ok());
}

void TestIncidentReports::markdownHasEverySection()
{
    const qint64 id = makeIncident();
    auto report = IncidentReport::build(*m_store, id).value();
    const QString md = ReportWriter::markdown(report);
    QVERIFY(md.startsWith(QStringLiteral("# Incident #%1: cpu\\_high on primary\\-2\n").arg(id)));
    QVERIFY(md.contains(QStringLiteral("| Opened (UTC) | 2026-11-20T09:00:00.000Z |")));
    QVERIFY(md.contains(QStringLiteral("| Closed (UTC) | 2026-11-20T09:12:05.000Z |")));
    QVERIFY(md.contains(QStringLiteral("| Duration | 12 min 05 s |")));
    QVERIFY(md.contains(QStringLiteral("| Opened by | alert rule cpu\\_high |")));
    for (const char *section : {"## Summary", "## Impact", "## Root cause", "## Metrics at the peak", "## Timeline", "## Action plan"})
        QVERIFY2(md.contains(QLatin1String(section)), section);
    QVERIFY(md.indexOf(QStringLiteral("## Summary")) < md.indexOf(QStringLiteral("## Timeline")));
    QVERIFY(md.contains(QStringLiteral("CPU saturation on primary\\-2.  \nLatency rose to 2 s.")));
    QVERIFY(md.contains(QStringLiteral("| cpu\\_high | primary\\-2 | 99.25 | 2026-11-20T09:01:00.000Z |")));
    QVERIFY(md.contains(QStringLiteral("| 2026-11-20T08:58:00.000Z | warning | primary\\-1 | process.exit | primary\\-1 exited with status 137 |")));
    QVERIFY(!md.contains(QStringLiteral("outside the window")));
    QVERIFY(md.contains(QStringLiteral("| no | Add CPU headroom | alice | 2026-12-01 |")));
    QVERIFY(md.contains(QStringLiteral("| yes | Autoscale on p99 | bob \\<ops\\> | - |")));
    // The timeline table has one row per event of the window (header and rule excluded).
    const qsizetype tl = md.indexOf(QStringLiteral("## Timeline"));
    const QString timeline = md.mid(tl, md.indexOf(QStringLiteral("## Action plan")) - tl);
    QCOMPARE(timeline.count(QRegularExpression(QStringLiteral("(?m)^\\| 2026-"))), int(report.timeline.size()));
}

void TestIncidentReports::markdownEscapes()
{
    QCOMPARE(ReportWriter::escapeMarkdown(QStringLiteral("a|b*c_d<e>[f](g)#h\\i`j\nk")),
             QStringLiteral("a\\|b\\*c\\_d\\<e\\>\\[f\\]\\(g\\)\\#h\\\\i\\`j k"));
    const qint64 id = makeIncident();
    const QString md = ReportWriter::markdown(IncidentReport::build(*m_store, id).value());
    QVERIFY(!md.contains(QStringLiteral("<script>")));
    QVERIFY(md.contains(QStringLiteral("\\<script\\>alert\\(\"x\"\\)\\</script\\> \\| \\*bold\\* \\& \\[link\\]\\(http://evil\\) \\#1")));
    // No table row gained a column from the hostile pipe.
    for (const QString &line : md.split(QLatin1Char('\n'))) {
        if (line.startsWith(QStringLiteral("| 2026-")))
            QCOMPARE(line.count(QRegularExpression(QStringLiteral("(?<!\\\\)\\|"))), 6);
    }
}

void TestIncidentReports::htmlIsSelfContainedAndEscaped()
{
    const qint64 id = makeIncident();
    auto report = IncidentReport::build(*m_store, id, {}, {ReportImage{QStringLiteral("CPU \"primary-2\""), kPng}}).value();
    const QString html = ReportWriter::html(report);
    QVERIFY(html.startsWith(QStringLiteral("<!DOCTYPE html>")));
    QVERIFY(html.contains(QStringLiteral("<meta charset=\"utf-8\">")));
    QVERIFY(!html.contains(QStringLiteral("<script")));
    QVERIFY(html.contains(QStringLiteral("&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; | *bold* &amp; [link](http://evil) #1")));
    QVERIFY(html.contains(QStringLiteral("bob &lt;ops&gt;")));
    // Nothing is fetched from elsewhere: no external src or href at all.
    QVERIFY(!html.contains(QRegularExpression(QStringLiteral("(src|href)=\"(https?:|//|file:)"))));
    QVERIFY(!html.contains(QStringLiteral("<link")));
    const QString dataUri = QStringLiteral("src=\"data:image/png;base64,") + QString::fromLatin1(kPng.toBase64()) + QLatin1Char('"');
    QVERIFY(html.contains(dataUri));
    QVERIFY(html.contains(QStringLiteral("alt=\"CPU &quot;primary-2&quot;\"")));
    QVERIFY(html.contains(QStringLiteral("<td>2026-11-20T09:00:00.000Z</td>")));
    QVERIFY(html.contains(QStringLiteral("<td class=\"num\">99.25</td>")));
    QVERIFY(html.contains(QStringLiteral("<td>Add CPU headroom</td><td>alice</td><td>2026-12-01</td>")));
    QVERIFY(html.contains(QStringLiteral("CPU saturation on primary-2.<br>Latency rose to 2 s.")));
    // The PDF variant names the image by resource instead of inlining it.
    const QString forPdf = ReportWriter::html(report, ReportWriter::ImageLinks::ResourceUrl);
    QVERIFY(forPdf.contains(QStringLiteral("src=\"%1\"").arg(ReportWriter::imageResourceUrl(0))));
    QVERIFY(!forPdf.contains(QStringLiteral("base64")));
}

void TestIncidentReports::htmlLeavesOutNonPngImages()
{
    const qint64 id = makeIncident();
    auto report = IncidentReport::build(*m_store, id, {}, {ReportImage{QStringLiteral("broken"), QByteArray("GIF89a...")}}).value();
    const QString html = ReportWriter::html(report);
    QVERIFY(!html.contains(QStringLiteral("data:image")));
    QVERIFY(html.contains(QStringLiteral("broken: not a PNG image, left out")));
}

void TestIncidentReports::writeMarkdownSavesChartsBeside()
{
    const qint64 id = makeIncident();
    auto report = IncidentReport::build(*m_store, id, {}, {ReportImage{QStringLiteral("CPU"), kPng}}).value();
    const QString path = m_dir->filePath(QStringLiteral("out/report.md"));
    QDir().mkpath(m_dir->filePath(QStringLiteral("out")));
    const auto r = ReportWriter::writeMarkdown(report, path);
    QVERIFY2(r.ok(), qPrintable(r.error()));
    QFile md(path);
    QVERIFY(md.open(QIODevice::ReadOnly));
    const QString text = QString::fromUtf8(md.readAll());
    QVERIFY(text.contains(QStringLiteral("![CPU](<report-chart-1.png>)")));
    QFile png(m_dir->filePath(QStringLiteral("out/report-chart-1.png")));
    QVERIFY(png.open(QIODevice::ReadOnly));
    QCOMPARE(png.readAll(), kPng);

    const QString htmlPath = m_dir->filePath(QStringLiteral("out/report.html"));
    QVERIFY(ReportWriter::writeHtml(report, htmlPath).ok());
    QFile html(htmlPath);
    QVERIFY(html.open(QIODevice::ReadOnly));
    QCOMPARE(QString::fromUtf8(html.readAll()), ReportWriter::html(report));

    const auto bad = ReportWriter::writeHtml(report, m_dir->filePath(QStringLiteral("no/such/dir/r.html")));
    QVERIFY(!bad.ok());
    QVERIFY2(bad.error().contains(QStringLiteral("no/such/dir/r.html")), qPrintable(bad.error()));
}

void TestIncidentReports::openIncidentSaysSoFar()
{
    const qint64 id = m_store->openIncident(QStringLiteral("ongoing"), Severity::Critical, {}, kT0).value();
    auto report = IncidentReport::build(*m_store, id).value();
    report.generatedMs = kT0 + 3 * kMin;
    const QString md = ReportWriter::markdown(report);
    QVERIFY(md.contains(QStringLiteral("| Closed (UTC) | still open |")));
    QVERIFY(md.contains(QStringLiteral("| Duration | 3 min 00 s so far |")));
    QVERIFY(md.contains(QStringLiteral("_(no action items yet)_")));
    QVERIFY(md.contains(QStringLiteral("## Root cause\n\n_(not written yet)_")));
}

namespace {

// Inside makeIncident()'s window (kT0 - 5 min to kT0 + 12 min 5 s) but for the
// first and last, which hold higher values that must not count.
QList<FleetSample> windowSamples()
{
    const double unknown = FleetSample::kUnknown;
    return {
        FleetSample{kT0 - 6 * kMin, 50'000, 900, 0.5, 400},
        FleetSample{kT0 - 4 * kMin, 100, 2, 0, 20},
        FleetSample{kT0, 9'000, 12, 0.001, 120},
        FleetSample{kT0 + kMin, 14'000, 20, 0.02, 150},
        FleetSample{kT0 + 2 * kMin, 13'500, unknown, unknown, 160},
        FleetSample{kT0 + 3 * kMin, 12'000, 45, 0.001, 190},
        FleetSample{kT0 + 5 * kMin, 3'000, 8, 0, unknown},
        FleetSample{kT0 + 12 * kMin, 0, 1, 0, 10},
        FleetSample{kT0 + 13 * kMin, 60'000, 999, 0.9, 500},
    };
}

const PeakMetric *findPeak(const QList<PeakMetric> &peaks, const QString &name)
{
    for (const PeakMetric &p : peaks)
        if (p.name == name)
            return &p;
    return nullptr;
}

// The points of each <polyline>, in document order.
QList<int> polylinePointCounts(const QString &html)
{
    QList<int> counts;
    static const QRegularExpression re(QStringLiteral("<polyline[^>]* points=\"([^\"]*)\""));
    for (auto it = re.globalMatch(html); it.hasNext();)
        counts << int(it.next().captured(1).split(QLatin1Char(' '), Qt::SkipEmptyParts).size());
    return counts;
}

}  // namespace

void TestIncidentReports::buildAddsFleetPeaksOfTheWindowOnly()
{
    for (const FleetSample &s : windowSamples())
        m_store->recordSample(s);
    const qint64 id = makeIncident();
    QVERIFY(m_store->flush().ok());
    const auto report = IncidentReport::build(*m_store, id);
    QVERIFY2(report.ok(), qPrintable(report.error()));
    QCOMPARE(report->fleetSamples.size(), 7);
    const struct {
        FleetWindowChart::Metric metric;
        double value;
        qint64 at;
        const char *unit;
    } expected[] = {
        {FleetWindowChart::Metric::RequestsPerSecond, 14'000, kT0 + kMin, "req/s"},
        {FleetWindowChart::Metric::P99Ms, 45, kT0 + 3 * kMin, "ms"},
        {FleetWindowChart::Metric::ErrorPercent, 2, kT0 + kMin, "%"},
        {FleetWindowChart::Metric::CpuPercent, 190, kT0 + 3 * kMin, "%"},
    };
    for (const auto &e : expected) {
        const PeakMetric *p = findPeak(report->peakMetrics, FleetWindowChart::name(e.metric));
        QVERIFY2(p, qPrintable(FleetWindowChart::name(e.metric)));
        QCOMPARE(p->value, e.value);
        QCOMPARE(p->timeMs, e.at);
        QCOMPARE(p->unit, QString::fromLatin1(e.unit));
        QCOMPARE(p->node, QStringLiteral("fleet"));
    }
    // The alert's peak stays beside them.
    QVERIFY(findPeak(report->peakMetrics, QStringLiteral("cpu_high")));
    QCOMPARE(report->peakMetrics.size(), 5);
    const QString md = ReportWriter::markdown(report.value());
    QVERIFY(!md.contains(QStringLiteral("no metrics recorded")));
}

void TestIncidentReports::htmlDrawsTheWindowsSamplesAsSvg()
{
    for (const FleetSample &s : windowSamples())
        m_store->recordSample(s);
    const qint64 id = makeIncident();
    const auto report = IncidentReport::build(*m_store, id);
    QVERIFY(report.ok());
    const QString html = ReportWriter::html(report.value());
    QCOMPARE(html.count(QStringLiteral("<svg ")), 3);  // req/s, p99, 5xx
    // 7 samples in the window; the sample with unknown p99 and 5xx is no point of theirs.
    QCOMPARE(polylinePointCounts(html), (QList<int>{7, 6, 6}));
    QVERIFY(html.contains(QStringLiteral("aria-label=\"fleet req/s, req/s\"")));
    QVERIFY(!html.contains(QStringLiteral("href")));  // nothing external
    // The PDF's HTML (QTextDocument draws no SVG) leaves the SVGs to the PDF writer's images.
    QCOMPARE(ReportWriter::html(report.value(), ReportWriter::ImageLinks::ResourceUrl).count(QStringLiteral("<svg ")), 0);
}

void TestIncidentReports::markdownSummarisesTheWindow()
{
    for (const FleetSample &s : windowSamples())
        m_store->recordSample(s);
    const qint64 id = makeIncident();
    const QString md = ReportWriter::markdown(IncidentReport::build(*m_store, id).value());
    QVERIFY(md.contains(QStringLiteral("## Fleet metrics of the window")));
    QVERIFY(md.contains(QStringLiteral("7 samples")));
    // req/s in the window: 100, 9000, 14000, 13500, 12000, 3000, 0 -> min 0, median 9000, max 14000.
    const QString reqRow = QStringLiteral("| %1 | req/s | 7 | 0 | 9000 | 14000 | %2 |")
                               .arg(ReportWriter::escapeMarkdown(FleetWindowChart::name(FleetWindowChart::Metric::RequestsPerSecond)),
                                    formatEventTime(kT0 + kMin));
    QVERIFY2(md.contains(reqRow), qPrintable(md));
    // p99 known in 6: 2, 12, 20, 45, 8, 1 -> median (8 + 12) / 2.
    QVERIFY2(md.contains(QStringLiteral("| ms | 6 | 1 | 10 | 45 |")), qPrintable(md));
}

void TestIncidentReports::emptyWindowSaysSo()
{
    m_store->recordSample(FleetSample{kT0 - 30 * kMin, 5000, 5, 0, 50});  // long before the window
    const qint64 id = makeIncident();
    const auto report = IncidentReport::build(*m_store, id);
    QVERIFY(report.ok());
    QVERIFY(report->fleetSamples.isEmpty());
    QCOMPARE(report->peakMetrics.size(), 1);  // the alert's only
    QVERIFY(ReportWriter::markdown(report.value()).contains(QStringLiteral("no fleet samples stored for this window")));
    const QString html = ReportWriter::html(report.value());
    QVERIFY(html.contains(QStringLiteral("no fleet samples stored for this window")));
    QVERIFY(!html.contains(QStringLiteral("<svg")));
    QVERIFY(FleetWindowChart::svg({}, FleetWindowChart::Metric::P99Ms, kT0, kT0 + kMin).isEmpty());
}

void TestIncidentReports::chartKeepsSpikesWhenDecimating()
{
    QList<FleetSample> many;
    for (int i = 0; i < 1500; ++i)
        many.append(FleetSample{kT0 + i * 1000, i == 777 ? 99'000.0 : 100.0, 1, 0, 1});
    const auto pts = FleetWindowChart::points(many, FleetWindowChart::Metric::RequestsPerSecond);
    QVERIFY(pts.size() <= FleetWindowChart::kMaxPoints);
    QCOMPARE(pts.size(), 500);  // groups of 3
    QVERIFY(std::any_of(pts.begin(), pts.end(), [](const auto &p) { return p.value == 99'000.0 && p.timeMs == kT0 + 777'000; }));
    const QString svg = FleetWindowChart::svg(many, FleetWindowChart::Metric::RequestsPerSecond, kT0, kT0 + 1'500'000);
    QCOMPARE(polylinePointCounts(svg), QList<int>{500});
    QVERIFY(svg.contains(QStringLiteral(">99000<")));  // the axis goes up to the spike
}

QTEST_GUILESS_MAIN(TestIncidentReports)
#include "test_incident_reports.moc"
