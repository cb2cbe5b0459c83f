#include "incidents/report_writer.h"

#include "common/version.h"
#include "incidents/fleet_window_chart.h"

#include <QFileInfo>
#include <QSaveFile>

namespace turno {

namespace {

const QByteArray kPngSignature("\x89PNG\r\n\x1a\n", 8);

bool isPng(const QByteArray &bytes)
{
    return bytes.startsWith(kPngSignature);
}

QString utc(qint64 ms)
{
    return ms ? formatEventTime(ms) : QStringLiteral("-");
}

QString number(double v)
{
    return QString::number(v, 'g', 6);
}

QString openedByText(const Incident &inc)
{
    if (inc.openedBy == QLatin1String("alert"))
        return QStringLiteral("alert rule %1").arg(inc.triggerRule);
    return inc.openedBy;
}

// Prose an operator typed: each line escaped, line breaks kept.
QString markdownProse(const QString &text)
{
    if (text.trimmed().isEmpty())
        return QStringLiteral("_(not written yet)_");
    QStringList lines = text.split(QLatin1Char('\n'));
    for (QString &l : lines)
        l = ReportWriter::escapeMarkdown(l);
    return lines.join(QStringLiteral("  \n"));
}

QString htmlProse(const QString &text)
{
    if (text.trimmed().isEmpty())
        return QStringLiteral("<p class=\"empty\">(not written yet)</p>");
    return QStringLiteral("<p>") + text.toHtmlEscaped().replace(QLatin1Char('\n'), QStringLiteral("<br>")) +
        QStringLiteral("</p>");
}

QString noSamplesText()
{
    return QStringLiteral("no fleet samples stored for this window: no supervising process (console or turnoctl up) "
                          "recorded to this database then, or they were pruned");
}

Result<void> saveFile(const QString &path, const QByteArray &bytes)
{
    QSaveFile f(path);
    if (!f.open(QIODevice::WriteOnly))
        return Error{QStringLiteral("cannot write the report to %1: %2").arg(path, f.errorString())};
    f.write(bytes);
    if (!f.commit())
        return Error{QStringLiteral("cannot write the report to %1: %2").arg(path, f.errorString())};
    return {};
}

}  // namespace

QString ReportWriter::escapeMarkdown(const QString &text)
{
    // CommonMark lets any ASCII punctuation be backslash-escaped; these are the
    // ones that can start emphasis, links, HTML, headings, tables or entities.
    static const QString kSpecial = QStringLiteral("\\`*_{}[]<>()#|!~&+-");
    QString out;
    out.reserve(text.size() + 8);
    for (QChar c : text) {
        if (c == QLatin1Char('\n') || c == QLatin1Char('\r')) {
            out += QLatin1Char(' ');
            continue;
        }
        if (kSpecial.contains(c))
            out += QLatin1Char('\\');
        out += c;
    }
    return out;
}

QString ReportWriter::imageResourceUrl(int index)
{
    return QStringLiteral("turno-image:%1").arg(index);
}

QString ReportWriter::markdown(const IncidentReport &report, const QStringList &imageFiles)
{
    const Incident &inc = report.incident;
    const qint64 now = report.generatedMs;
    QString md;
    md += QStringLiteral("# Incident #%1: %2\n\n").arg(inc.id).arg(escapeMarkdown(inc.title));
    md += QStringLiteral("| | |\n|---|---|\n");
    md += QStringLiteral("| State | %1 |\n").arg(incidentStateName(inc.state));
    md += QStringLiteral("| Severity | %1 |\n").arg(severityName(inc.severity));
    md += QStringLiteral("| Opened (UTC) | %1 |\n").arg(utc(inc.openedMs));
    md += QStringLiteral("| Closed (UTC) | %1 |\n").arg(inc.isOpen() ? QStringLiteral("still open") : utc(inc.closedMs));
    md += QStringLiteral("| Duration | %1%2 |\n")
              .arg(formatDuration(inc.durationMs(now)), inc.isOpen() ? QStringLiteral(" so far") : QString());
    md += QStringLiteral("| Opened by | %1 |\n").arg(escapeMarkdown(openedByText(inc)));
    if (!inc.triggerNode.isEmpty())
        md += QStringLiteral("| Node | %1 |\n").arg(escapeMarkdown(inc.triggerNode));
    md += QStringLiteral("\n## Summary\n\n%1\n").arg(markdownProse(inc.summary));
    md += QStringLiteral("\n## Impact\n\n%1\n").arg(markdownProse(inc.impact));
    md += QStringLiteral("\n## Root cause\n\n%1\n").arg(markdownProse(inc.rootCause));

    md += QStringLiteral("\n## Metrics at the peak\n\n");
    if (report.peakMetrics.isEmpty()) {
        md += QStringLiteral("_(no metrics recorded)_\n");
    } else {
        md += QStringLiteral("| Metric | Node | Peak | At (UTC) |\n|---|---|---:|---|\n");
        for (const PeakMetric &m : report.peakMetrics) {
            md += QStringLiteral("| %1 | %2 | %3%4 | %5 |\n")
                      .arg(escapeMarkdown(m.name), escapeMarkdown(m.node), number(m.value),
                           m.unit.isEmpty() ? QString() : QString(QLatin1Char(' ') + escapeMarkdown(m.unit)), utc(m.timeMs));
        }
    }

    md += QStringLiteral("\n## Fleet metrics of the window\n\n");
    if (report.fleetSamples.isEmpty()) {
        md += QStringLiteral("_(%1)_\n").arg(escapeMarkdown(noSamplesText()));
    } else {
        md += QStringLiteral("%1 samples the incident store kept from %2 to %3 (UTC).\n\n")
                  .arg(report.fleetSamples.size())
                  .arg(utc(inc.windowStartMs), utc(report.windowEndMs));
        md += QStringLiteral("| Metric | Unit | Samples | Min | Median | Max | Max at (UTC) |\n|---|---|---:|---:|---:|---:|---|\n");
        for (const FleetWindowChart::Metric metric : FleetWindowChart::kMetrics) {
            const FleetWindowChart::Summary sum = FleetWindowChart::summary(report.fleetSamples, metric);
            if (sum.count == 0) {
                md += QStringLiteral("| %1 | %2 | 0 | - | - | - | - |\n")
                          .arg(escapeMarkdown(FleetWindowChart::name(metric)), escapeMarkdown(FleetWindowChart::unit(metric)));
                continue;
            }
            md += QStringLiteral("| %1 | %2 | %3 | %4 | %5 | %6 | %7 |\n")
                      .arg(escapeMarkdown(FleetWindowChart::name(metric)), escapeMarkdown(FleetWindowChart::unit(metric)))
                      .arg(sum.count)
                      .arg(number(sum.min), number(sum.median), number(sum.max), utc(sum.maxTimeMs));
        }
    }

    if (!report.images.isEmpty()) {
        md += QStringLiteral("\n## Charts\n\n");
        for (qsizetype i = 0; i < report.images.size(); ++i) {
            const QString title = escapeMarkdown(report.images[i].title);
            if (i < imageFiles.size() && !imageFiles[i].isEmpty())
                md += QStringLiteral("![%1](<%2>)\n\n").arg(title, imageFiles[i]);
            else
                md += QStringLiteral("- %1 (image not saved with this Markdown file)\n").arg(title);
        }
    }

    md += QStringLiteral("\n## Timeline\n\n");
    if (report.timeline.isEmpty()) {
        md += QStringLiteral("_(no events in the window)_\n");
    } else {
        md += QStringLiteral("Window: %1 to %2 (UTC).\n\n")
                  .arg(utc(inc.windowStartMs), inc.isOpen() ? QStringLiteral("now") : utc(inc.closedMs));
        md += QStringLiteral("| Time (UTC) | Severity | Node | Kind | Event |\n|---|---|---|---|---|\n");
        for (const IncidentEvent &e : report.timeline) {
            md += QStringLiteral("| %1 | %2 | %3 | %4 | %5 |\n")
                      .arg(utc(e.timeMs), severityName(e.severity), escapeMarkdown(e.node), escapeMarkdown(e.kind),
                           escapeMarkdown(e.summary));
        }
    }

    md += QStringLiteral("\n## Action plan\n\n");
    if (inc.actionItems.isEmpty()) {
        md += QStringLiteral("_(no action items yet)_\n");
    } else {
        md += QStringLiteral("| Done | Item | Owner | Due |\n|---|---|---|---|\n");
        for (const ActionItem &a : inc.actionItems) {
            md += QStringLiteral("| %1 | %2 | %3 | %4 |\n")
                      .arg(a.done ? QStringLiteral("yes") : QStringLiteral("no"), escapeMarkdown(a.item),
                           escapeMarkdown(a.owner), a.due.isValid() ? a.due.toString(Qt::ISODate) : QStringLiteral("-"));
        }
    }
    md += QStringLiteral("\n---\nGenerated by Turno Ops %1 at %2.\n").arg(versionString(), utc(report.generatedMs));
    return md;
}

QString ReportWriter::html(const IncidentReport &report, ImageLinks links)
{
    const Incident &inc = report.incident;
    const qint64 now = report.generatedMs;
    const QString title = QStringLiteral("Incident #%1: %2").arg(inc.id).arg(inc.title).toHtmlEscaped();
    QString h;
    h += QStringLiteral("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<title>%1</title>\n")
             .arg(title);
    // Kept to what QTextDocument also understands, so the PDF looks like the page.
    h += QStringLiteral(
        "<style>\n"
        "body { font-family: sans-serif; font-size: 10pt; color: #1a1a1a; }\n"
        "h1 { font-size: 18pt; } h2 { font-size: 13pt; margin-top: 14pt; }\n"
        "table { border-collapse: collapse; }\n"
        "th, td { border: 1px solid #999999; padding: 3px 6px; text-align: left; vertical-align: top; }\n"
        "th { background-color: #e8e8e8; }\n"
        "td.num { text-align: right; }\n"
        ".sev-warning { color: #8a5a00; } .sev-error { color: #b00020; } .sev-critical { color: #b00020; font-weight: bold; }\n"
        ".empty { color: #777777; font-style: italic; }\n"
        "</style>\n</head>\n<body>\n");
    h += QStringLiteral("<h1>%1</h1>\n").arg(title);
    h += QStringLiteral("<table class=\"facts\">\n");
    auto fact = [&h](const QString &name, const QString &value) {
        h += QStringLiteral("<tr><th>%1</th><td>%2</td></tr>\n").arg(name, value.toHtmlEscaped());
    };
    fact(QStringLiteral("State"), incidentStateName(inc.state));
    fact(QStringLiteral("Severity"), severityName(inc.severity));
    fact(QStringLiteral("Opened (UTC)"), utc(inc.openedMs));
    fact(QStringLiteral("Closed (UTC)"), inc.isOpen() ? QStringLiteral("still open") : utc(inc.closedMs));
    fact(QStringLiteral("Duration"),
         formatDuration(inc.durationMs(now)) + (inc.isOpen() ? QStringLiteral(" so far") : QString()));
    fact(QStringLiteral("Opened by"), openedByText(inc));
    if (!inc.triggerNode.isEmpty())
        fact(QStringLiteral("Node"), inc.triggerNode);
    h += QStringLiteral("</table>\n");

    h += QStringLiteral("<h2>Summary</h2>\n%1\n").arg(htmlProse(inc.summary));
    h += QStringLiteral("<h2>Impact</h2>\n%1\n").arg(htmlProse(inc.impact));
    h += QStringLiteral("<h2>Root cause</h2>\n%1\n").arg(htmlProse(inc.rootCause));

    h += QStringLiteral("<h2>Metrics at the peak</h2>\n");
    if (report.peakMetrics.isEmpty()) {
        h += QStringLiteral("<p class=\"empty\">(no metrics recorded)</p>\n");
    } else {
        h += QStringLiteral("<table>\n<tr><th>Metric</th><th>Node</th><th>Peak</th><th>At (UTC)</th></tr>\n");
        for (const PeakMetric &m : report.peakMetrics) {
            h += QStringLiteral("<tr><td>%1</td><td>%2</td><td class=\"num\">%3</td><td>%4</td></tr>\n")
                     .arg(m.name.toHtmlEscaped(), m.node.toHtmlEscaped(),
                          QString(number(m.value) + (m.unit.isEmpty() ? QString() : QString(QLatin1Char(' ') + m.unit))).toHtmlEscaped(),
                          utc(m.timeMs));
        }
        h += QStringLiteral("</table>\n");
    }

    h += QStringLiteral("<h2>Fleet metrics of the window</h2>\n");
    if (report.fleetSamples.isEmpty()) {
        h += QStringLiteral("<p class=\"empty\">(%1)</p>\n").arg(noSamplesText().toHtmlEscaped());
    } else {
        h += QStringLiteral("<p>%1 samples the incident store kept from %2 to %3 (UTC).</p>\n")
                 .arg(report.fleetSamples.size())
                 .arg(utc(inc.windowStartMs), utc(report.windowEndMs));
        h += QStringLiteral("<table>\n<tr><th>Metric</th><th>Unit</th><th>Samples</th><th>Min</th><th>Median</th>"
                            "<th>Max</th><th>Max at (UTC)</th></tr>\n");
        for (const FleetWindowChart::Metric metric : FleetWindowChart::kMetrics) {
            const FleetWindowChart::Summary sum = FleetWindowChart::summary(report.fleetSamples, metric);
            const QString dash = QStringLiteral("-");
            h += QStringLiteral("<tr><td>%1</td><td>%2</td><td class=\"num\">%3</td><td class=\"num\">%4</td>"
                                "<td class=\"num\">%5</td><td class=\"num\">%6</td><td>%7</td></tr>\n")
                     .arg(FleetWindowChart::name(metric).toHtmlEscaped(), FleetWindowChart::unit(metric).toHtmlEscaped())
                     .arg(sum.count)
                     .arg(sum.count ? number(sum.min) : dash, sum.count ? number(sum.median) : dash,
                          sum.count ? number(sum.max) : dash, sum.count ? utc(sum.maxTimeMs) : dash);
        }
        h += QStringLiteral("</table>\n");
        // QTextDocument (the PDF) draws no SVG: the PDF writer renders the same series as images instead.
        if (links == ImageLinks::DataUri) {
            for (const FleetWindowChart::Metric metric :
                 {FleetWindowChart::Metric::RequestsPerSecond, FleetWindowChart::Metric::P99Ms,
                  FleetWindowChart::Metric::ErrorPercent}) {
                const QString chart =
                    FleetWindowChart::svg(report.fleetSamples, metric, inc.windowStartMs, report.windowEndMs);
                if (!chart.isEmpty())
                    h += QStringLiteral("<div class=\"fleet-chart\">\n") + chart + QStringLiteral("</div>\n");
            }
        }
    }

    if (!report.images.isEmpty()) {
        h += QStringLiteral("<h2>Charts</h2>\n");
        for (qsizetype i = 0; i < report.images.size(); ++i) {
            const ReportImage &img = report.images[i];
            if (!isPng(img.png)) {
                h += QStringLiteral("<p class=\"empty\">%1: not a PNG image, left out</p>\n").arg(img.title.toHtmlEscaped());
                continue;
            }
            const QString src = links == ImageLinks::DataUri
                ? QStringLiteral("data:image/png;base64,") + QString::fromLatin1(img.png.toBase64())
                : imageResourceUrl(int(i));
            h += QStringLiteral("<p><b>%1</b><br><img src=\"%2\" alt=\"%1\" width=\"600\"></p>\n")
                     .arg(img.title.toHtmlEscaped(), src);
        }
    }

    h += QStringLiteral("<h2>Timeline</h2>\n");
    if (report.timeline.isEmpty()) {
        h += QStringLiteral("<p class=\"empty\">(no events in the window)</p>\n");
    } else {
        h += QStringLiteral("<p>Window: %1 to %2 (UTC).</p>\n")
                 .arg(utc(inc.windowStartMs), inc.isOpen() ? QStringLiteral("now") : utc(inc.closedMs));
        h += QStringLiteral("<table>\n<tr><th>Time (UTC)</th><th>Severity</th><th>Node</th><th>Kind</th><th>Event</th></tr>\n");
        for (const IncidentEvent &e : report.timeline) {
            const QString sev = severityName(e.severity);
            h += QStringLiteral("<tr><td>%1</td><td class=\"sev-%2\">%2</td><td>%3</td><td>%4</td><td>%5</td></tr>\n")
                     .arg(utc(e.timeMs), sev, e.node.toHtmlEscaped(), e.kind.toHtmlEscaped(), e.summary.toHtmlEscaped());
        }
        h += QStringLiteral("</table>\n");
    }

    h += QStringLiteral("<h2>Action plan</h2>\n");
    if (inc.actionItems.isEmpty()) {
        h += QStringLiteral("<p class=\"empty\">(no action items yet)</p>\n");
    } else {
        h += QStringLiteral("<table>\n<tr><th>Done</th><th>Item</th><th>Owner</th><th>Due</th></tr>\n");
        for (const ActionItem &a : inc.actionItems) {
            h += QStringLiteral("<tr><td>%1</td><td>%2</td><td>%3</td><td>%4</td></tr>\n")
                     .arg(a.done ? QStringLiteral("yes") : QStringLiteral("no"), a.item.toHtmlEscaped(),
                          a.owner.toHtmlEscaped(), a.due.isValid() ? a.due.toString(Qt::ISODate) : QStringLiteral("-"));
        }
        h += QStringLiteral("</table>\n");
    }
    h += QStringLiteral("<p class=\"empty\">Generated by Turno Ops %1 at %2.</p>\n</body>\n</html>\n")
             .arg(versionString().toHtmlEscaped(), utc(report.generatedMs));
    return h;
}

Result<void> ReportWriter::writeMarkdown(const IncidentReport &report, const QString &path)
{
    const QFileInfo info(path);
    QStringList imageFiles;
    for (qsizetype i = 0; i < report.images.size(); ++i) {
        if (!isPng(report.images[i].png)) {
            imageFiles << QString();
            continue;
        }
        const QString name = QStringLiteral("%1-chart-%2.png").arg(info.completeBaseName()).arg(i + 1);
        if (auto r = saveFile(info.absolutePath() + QLatin1Char('/') + name, report.images[i].png); !r)
            return r;
        imageFiles << name;
    }
    return saveFile(path, markdown(report, imageFiles).toUtf8());
}

Result<void> ReportWriter::writeHtml(const IncidentReport &report, const QString &path)
{
    return saveFile(path, html(report, ImageLinks::DataUri).toUtf8());
}

}  // namespace turno
