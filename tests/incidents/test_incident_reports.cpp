// Markdown and HTML reports: every section present with the incident's data,
// hostile text escaped, charts inlined as data URIs or saved beside the Markdown.
#include "incident_test_util.h"

#include "incidents/incident_report.h"
#include "incidents/incident_store.h"
#include "incidents/report_writer.h"

#include <QDateTime>
#include <QFile>
#include <QRegularExpression>
#include <QTemporaryDir>
#include <QTest>

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

QTEST_GUILESS_MAIN(TestIncidentReports)
#include "test_incident_reports.moc"
