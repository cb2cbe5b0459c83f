// turnoctl events / report / incident: the incident store from the command line
// (list the timeline, open, annotate and close incidents, export reports).
#include "command_registry.h"
#include "option_parser.h"

#include "fleet/cluster_layout.h"
#include "incidents/incident_report.h"
#include "incidents/incident_store.h"
#include "incidents/report_writer.h"

#include <QCoreApplication>
#include <QDateTime>
#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QJsonArray>
#include <QJsonDocument>
#include <QMap>
#include <QSet>
#include <QProcess>
#include <QProcessEnvironment>
#include <QRegularExpression>
#include <QStandardPaths>
#include <QTextStream>
#include <limits>
#include <memory>
#include <optional>

namespace {

using turno::IncidentStore;
using turnoctl::ExitFailure;
using turnoctl::ExitOk;
using turnoctl::ExitUnavailable;
using turnoctl::ExitUsage;

using turnoctl::err;
using turnoctl::out;

const char *kDbHelp =
    "The incident database: --db FILE, else $TURNO_INCIDENT_DB, else\n"
    "$XDG_DATA_HOME/turno-ops/incidents.db (~/.local/share/turno-ops/incidents.db).\n"
    "Events older than $TURNO_INCIDENT_RETENTION_DAYS (default 30; 0 keeps all) are\n"
    "pruned when the database is opened, except those in an incident's window.\n";

// The table of an incident-store command; --db comes last (withDb).
turnoctl::OptionParser storeOptions(const QString &command, const QString &synopsis, const QString &description)
{
    turnoctl::OptionParser p(command, synopsis);
    p.describe(description).epilogue(QString::fromLatin1(kDbHelp));
    return p;
}

turnoctl::OptionParser &withDb(turnoctl::OptionParser &p)
{
    return p.option(QStringLiteral("--db"), QStringLiteral("FILE"), QStringLiteral("the incident database (see below)"));
}

int retentionDays()
{
    const QString env = QProcessEnvironment::systemEnvironment().value(QStringLiteral("TURNO_INCIDENT_RETENTION_DAYS"));
    bool ok = false;
    const int days = env.toInt(&ok);
    return ok && days >= 0 ? days : IncidentStore::kDefaultRetentionDays;
}

// Opens the store; on failure prints why and returns null (exit 3).
std::unique_ptr<IncidentStore> openStore(const turnoctl::ParsedArgs &p, const QString &command, bool create)
{
    auto store = std::make_unique<IncidentStore>();
    IncidentStore::Options options;
    options.retentionDays = retentionDays();
    options.pruneDaily = false;
    options.createIfMissing = create;
    const QString path = p.has(QStringLiteral("--db")) ? p.value(QStringLiteral("--db")) : IncidentStore::defaultPath();
    if (const auto r = store->open(path, options); !r) {
        err() << "turnoctl " << command << ": " << r.error() << "\n";
        return nullptr;
    }
    return store;
}

// "90s", "15m", "2h", "7d", "500ms" or plain seconds; -1 when not a duration.
qint64 parseDurationMs(const QString &text)
{
    static const QRegularExpression re(QStringLiteral("^(\\d+)(ms|s|m|h|d|w)?$"));
    const auto m = re.match(text.trimmed());
    if (!m.hasMatch())
        return -1;
    const qint64 n = m.captured(1).toLongLong();
    const QString unit = m.captured(2);
    if (unit == QLatin1String("ms"))
        return n;
    if (unit.isEmpty() || unit == QLatin1String("s"))
        return n * 1000;
    if (unit == QLatin1String("m"))
        return n * 60'000;
    if (unit == QLatin1String("h"))
        return n * 3'600'000;
    if (unit == QLatin1String("d"))
        return n * 86'400'000;
    return n * 7 * 86'400'000;
}

// An ISO 8601 time (UTC unless it says otherwise) or a date; -1 when not one.
qint64 parseIsoMs(const QString &text)
{
    QDateTime t = QDateTime::fromString(text, Qt::ISODateWithMs);
    if (!t.isValid())
        t = QDateTime::fromString(text, Qt::ISODate);
    if (!t.isValid()) {
        const QDate d = QDate::fromString(text, Qt::ISODate);
        if (d.isValid())
            t = QDateTime(d, QTime(0, 0), Qt::UTC);
    }
    if (!t.isValid())
        return -1;
    if (t.timeSpec() == Qt::LocalTime)
        t.setTimeSpec(Qt::UTC);
    return t.toMSecsSinceEpoch();
}

QJsonObject eventJson(const turno::IncidentEvent &e)
{
    return QJsonObject{{QStringLiteral("id"), e.id},
                       {QStringLiteral("time"), turno::formatEventTime(e.timeMs)},
                       {QStringLiteral("time_ms"), e.timeMs},
                       {QStringLiteral("source"), e.source},
                       {QStringLiteral("node"), e.node},
                       {QStringLiteral("kind"), e.kind},
                       {QStringLiteral("severity"), turno::severityName(e.severity)},
                       {QStringLiteral("summary"), e.summary},
                       {QStringLiteral("details"), e.details}};
}

QJsonObject incidentJson(const turno::Incident &inc)
{
    QJsonArray items;
    for (const auto &a : inc.actionItems) {
        items.append(QJsonObject{{QStringLiteral("item"), a.item},
                                 {QStringLiteral("owner"), a.owner},
                                 {QStringLiteral("due"), a.due.isValid() ? a.due.toString(Qt::ISODate) : QString()},
                                 {QStringLiteral("done"), a.done}});
    }
    return QJsonObject{{QStringLiteral("id"), inc.id},
                       {QStringLiteral("title"), inc.title},
                       {QStringLiteral("state"), turno::incidentStateName(inc.state)},
                       {QStringLiteral("severity"), turno::severityName(inc.severity)},
                       {QStringLiteral("opened"), turno::formatEventTime(inc.openedMs)},
                       {QStringLiteral("opened_ms"), inc.openedMs},
                       {QStringLiteral("closed"), inc.isOpen() ? QString() : turno::formatEventTime(inc.closedMs)},
                       {QStringLiteral("closed_ms"), inc.closedMs},
                       {QStringLiteral("opened_by"), inc.openedBy},
                       {QStringLiteral("trigger_rule"), inc.triggerRule},
                       {QStringLiteral("node"), inc.triggerNode},
                       {QStringLiteral("summary"), inc.summary},
                       {QStringLiteral("impact"), inc.impact},
                       {QStringLiteral("root_cause"), inc.rootCause},
                       {QStringLiteral("action_items"), items},
                       {QStringLiteral("peak_metrics"), turno::peakMetricsToJson(inc.peakMetrics)}};
}

// ---- events -------------------------------------------------------------

const QString kEventsSynopsis =
    QStringLiteral("events [--since DURATION|ISO] [--kind K] [--node N] [--json] [--db FILE]");
const QString kEventsUsage = QStringLiteral(
    "events [--since DURATION|ISO] [--until ISO] [--kind K] [--node N] [--severity S]\n"
    "                       [--text T] [--limit N] [--json] [--db FILE]");

int runEvents(const QStringList &args)
{
    const QString cmd = QStringLiteral("events");
    static const turnoctl::OptionParser parser = [] {
        turnoctl::OptionParser p = storeOptions(QStringLiteral("events"), kEventsUsage, QStringLiteral("Lists the recorded timeline, oldest first."));
        p.option(QStringLiteral("--since"), QStringLiteral("DURATION|ISO"),
                 QStringLiteral("15m | 2h | 7d | 2026-11-23T14:00:00Z: from a duration ago or a UTC time"))
            .option(QStringLiteral("--until"), QStringLiteral("ISO"), QStringLiteral("up to a UTC time"))
            .option(QStringLiteral("--kind"), QStringLiteral("K"), QStringLiteral("a kind (alert.firing) or a family (alert, process); repeatable"))
            .option(QStringLiteral("--node"), QStringLiteral("N"),
                    QStringLiteral("repeatable; redis-primary and redis-replica (older names) mean redis-1 and redis-2, "
                                   "and match their events from before the rename"))
            .option(QStringLiteral("--severity"), QStringLiteral("S"), QStringLiteral("at least info|warning|error|critical"))
            .option(QStringLiteral("--text"), QStringLiteral("T"), QStringLiteral("substring of the summary, node, kind, source or details"))
            .option(QStringLiteral("--limit"), QStringLiteral("N"), QStringLiteral("only the newest N of the matching events"))
            .flag(QStringLiteral("--json"),
                  QStringLiteral("a JSON array of {id, time, time_ms, source, node, kind, severity, summary, details}"));
        return withDb(p);
    }();
    turnoctl::ParsedArgs p;
    if (const std::optional<int> code = parser.parseOrExit(args, &p))
        return *code;
    if (!p.positional().isEmpty())
        return parser.usageError(QStringLiteral("unexpected argument '%1'").arg(p.positional().first()));

    turno::EventFilter filter;
    const qint64 now = QDateTime::currentMSecsSinceEpoch();
    if (p.has(QStringLiteral("--since"))) {
        const QString s = p.value(QStringLiteral("--since"));
        const qint64 d = parseDurationMs(s);
        const qint64 t = d >= 0 ? now - d : parseIsoMs(s);
        if (d < 0 && t < 0)
            return parser.usageError(QStringLiteral("--since wants a duration (90s, 15m, 2h, 7d) or an ISO time, not '%1'").arg(s));
        filter.fromMs = t;
    }
    if (p.has(QStringLiteral("--until"))) {
        const QString s = p.value(QStringLiteral("--until"));
        const qint64 t = parseIsoMs(s);
        if (t < 0)
            return parser.usageError(QStringLiteral("--until wants an ISO time, not '%1'").arg(s));
        filter.toMs = t;
    }
    filter.kinds = p.values(QStringLiteral("--kind"));
    // A Redis node's events from before its rename carry its old name, and an old name is still typed.
    for (const QString &node : p.values(QStringLiteral("--node")))
        filter.nodes += turno::ClusterLayout::namesOf(node);
    filter.text = p.value(QStringLiteral("--text"));
    if (p.has(QStringLiteral("--severity")) &&
        !turno::parseSeverity(p.value(QStringLiteral("--severity")), &filter.minSeverity))
        return parser.usageError(QStringLiteral("--severity wants info, warning, error or critical, not '%1'")
                         .arg(p.value(QStringLiteral("--severity"))));
    IncidentStore::EventQuery query;
    if (p.has(QStringLiteral("--limit"))) {
        bool ok = false;
        query.limit = p.value(QStringLiteral("--limit")).toInt(&ok);
        if (!ok || query.limit <= 0)
            return parser.usageError(QStringLiteral("--limit wants a positive number"));
        query.newestFirst = true;
    }

    auto store = openStore(p, cmd, false);
    if (!store)
        return ExitUnavailable;
    auto events = store->events(filter, query);
    if (!events) {
        err() << "turnoctl events: " << events.error() << "\n";
        return ExitUnavailable;
    }
    QList<turno::IncidentEvent> list = events.value();
    if (query.newestFirst)
        std::reverse(list.begin(), list.end());

    if (p.has(QStringLiteral("--json"))) {
        QJsonArray arr;
        for (const auto &e : list)
            arr.append(eventJson(e));
        out() << QJsonDocument(arr).toJson(QJsonDocument::Indented);
        return ExitOk;
    }
    int nodeWidth = 4;
    int kindWidth = 4;
    for (const auto &e : list) {
        nodeWidth = std::max(nodeWidth, int(e.node.size()));
        kindWidth = std::max(kindWidth, int(e.kind.size()));
    }
    for (const auto &e : list) {
        out() << turno::formatEventTime(e.timeMs) << "  " << turno::severityName(e.severity).leftJustified(8) << "  "
            << (e.node.isEmpty() ? QStringLiteral("-") : e.node).leftJustified(nodeWidth) << "  "
            << e.kind.leftJustified(kindWidth) << "  " << QString(e.summary).replace(QLatin1Char('\n'), QLatin1Char(' '))
            << "\n";
    }
    return ExitOk;
}

// ---- report -------------------------------------------------------------

const QString kReportSynopsis = QStringLiteral("report (INCIDENT | --last) --format md|html|pdf [-o FILE] [--db FILE]");

// turno-report-pdf: beside turnoctl (build tree), in ../libexec/turno-ops
// (installed), or wherever $TURNO_REPORT_PDF_BIN says.
QString findPdfHelper()
{
    const QString env = QProcessEnvironment::systemEnvironment().value(QStringLiteral("TURNO_REPORT_PDF_BIN"));
    if (!env.isEmpty())
        return env;
    const QString dir = QCoreApplication::applicationDirPath();
    for (const QString &candidate : {dir + QStringLiteral("/turno-report-pdf"),
                                     dir + QStringLiteral("/../libexec/turno-ops/turno-report-pdf")}) {
        if (QFileInfo(candidate).isExecutable())
            return QFileInfo(candidate).canonicalFilePath();
    }
    return QStandardPaths::findExecutable(QStringLiteral("turno-report-pdf"));
}

// Renders incident id as PDF with the turno-report-pdf helper, which opens the
// store itself (so this process closes it first).
int writePdf(IncidentStore &store, qint64 id, const QString &target)
{
    const QString pdfPath = target.isEmpty() ? QStringLiteral("incident-%1.pdf").arg(id) : target;
    const QString dbPath = store.path();
    store.close();
    const QString helper = findPdfHelper();
    if (helper.isEmpty()) {
        err() << "turnoctl report: turno-report-pdf (the PDF renderer) is not installed beside turnoctl nor on "
               "PATH; reinstall turno-ops or set TURNO_REPORT_PDF_BIN\n";
        return ExitUnavailable;
    }
    QProcess proc;
    proc.setProcessChannelMode(QProcess::ForwardedChannels);
    proc.start(helper, {QStringLiteral("--db"), dbPath, QStringLiteral("--incident"), QString::number(id), QStringLiteral("-o"), pdfPath});
    if (!proc.waitForStarted(10000)) {
        err() << "turnoctl report: cannot run " << helper << ": " << proc.errorString() << "\n";
        return ExitUnavailable;
    }
    if (!proc.waitForFinished(120000)) {
        proc.kill();
        proc.waitForFinished(5000);
        err() << "turnoctl report: " << helper << " did not finish within 120 s\n";
        return ExitFailure;
    }
    if (proc.exitStatus() != QProcess::NormalExit) {
        err() << "turnoctl report: " << helper << " crashed\n";
        return ExitFailure;
    }
    if (proc.exitCode() != 0)
        return proc.exitCode();
    if (target.isEmpty())
        out() << pdfPath << "\n";
    return ExitOk;
}

int runReport(const QStringList &args)
{
    const QString cmd = QStringLiteral("report");
    static const turnoctl::OptionParser parser = [] {
        turnoctl::OptionParser p = storeOptions(
            QStringLiteral("report"), kReportSynopsis,
            QStringLiteral("Exports an incident report: title, times, duration, summary, impact, root cause,\n"
                           "metrics at the peak, the timeline of the incident's window and the action plan.\n"
                           "PDF is rendered by the turno-report-pdf helper (QtGui, offscreen platform)."));
        p.argument(QStringLiteral("INCIDENT"), QStringLiteral("an incident number (see 'turnoctl incident list')"))
            .flag(QStringLiteral("--last"), QStringLiteral("the newest incident"))
            .option(QStringLiteral("--format"), QStringLiteral("md|html|pdf"),
                    QStringLiteral("md (Markdown), html (one self-contained file) or pdf"))
            .option(QStringLiteral("-o"), QStringLiteral("FILE"),
                    QStringLiteral("where to write; md and html go to standard output without it,\n"
                                   "pdf to incident-N.pdf in the current directory"));
        return withDb(p);
    }();
    turnoctl::ParsedArgs p;
    if (const std::optional<int> code = parser.parseOrExit(args, &p))
        return *code;
    const bool last = p.has(QStringLiteral("--last"));
    if (last == !p.positional().isEmpty() || p.positional().size() > 1)
        return parser.usageError(QStringLiteral("give one INCIDENT number or --last"));
    qint64 id = 0;
    if (!last) {
        QString s = p.positional().first();
        if (s.startsWith(QLatin1Char('#')))
            s.remove(0, 1);
        bool ok = false;
        id = s.toLongLong(&ok);
        if (!ok || id <= 0)
            return parser.usageError(QStringLiteral("'%1' is not an incident number").arg(p.positional().first()));
    }
    const QString format = p.value(QStringLiteral("--format"));
    if (format != QLatin1String("md") && format != QLatin1String("html") && format != QLatin1String("pdf"))
        return parser.usageError(format.isEmpty() ? QStringLiteral("--format is required")
                                      : QStringLiteral("--format wants md, html or pdf, not '%1'").arg(format));

    auto store = openStore(p, cmd, false);
    if (!store)
        return ExitUnavailable;
    if (last) {
        const auto inc = store->lastIncident();
        if (!inc) {
            err() << "turnoctl report: " << inc.error() << "\n";
            return ExitFailure;
        }
        id = inc->id;
    }
    const auto report = turno::IncidentReport::build(*store, id);
    if (!report) {
        err() << "turnoctl report: " << report.error() << "\n";
        return ExitFailure;
    }
    const QString target = p.value(QStringLiteral("-o"));

    if (format == QLatin1String("pdf"))
        return writePdf(*store, id, target);
    if (target.isEmpty()) {
        out() << (format == QLatin1String("md") ? turno::ReportWriter::markdown(report.value())
                                              : turno::ReportWriter::html(report.value()));
        return ExitOk;
    }
    const auto written = format == QLatin1String("md") ? turno::ReportWriter::writeMarkdown(report.value(), target)
                                                       : turno::ReportWriter::writeHtml(report.value(), target);
    if (!written) {
        err() << "turnoctl report: " << written.error() << "\n";
        return ExitUnavailable;
    }
    return ExitOk;
}

// ---- incident -----------------------------------------------------------

bool parseIncidentId(const QString &text, qint64 *id)
{
    QString s = text;
    if (s.startsWith(QLatin1Char('#')))
        s.remove(0, 1);
    bool ok = false;
    *id = s.toLongLong(&ok);
    return ok && *id > 0;
}

const QString kOpenSynopsis = QStringLiteral("incident open TITLE [--severity S] [--node N] [--summary TEXT]");

int runOpen(const QStringList &args)
{
    const QString cmd = QStringLiteral("incident open");
    static const turnoctl::OptionParser parser = [] {
        turnoctl::OptionParser p = storeOptions(
            QStringLiteral("incident open"), kOpenSynopsis,
            QStringLiteral("Opens an incident by hand (critical alerts open one on their own) and prints its number.\n"
                           "Its timeline starts 10 minutes before now. Severity defaults to critical."));
        p.argument(QStringLiteral("TITLE"), QStringLiteral("one line (quote it)"))
            .option(QStringLiteral("--severity"), QStringLiteral("S"), QStringLiteral("info, warning, error or critical"))
            .option(QStringLiteral("--node"), QStringLiteral("N"), QStringLiteral("the node it is about"))
            .option(QStringLiteral("--summary"), QStringLiteral("TEXT"), QStringLiteral("what is happening"));
        return withDb(p);
    }();
    turnoctl::ParsedArgs p;
    if (const std::optional<int> code = parser.parseOrExit(args, &p))
        return *code;
    if (p.positional().size() != 1 || p.positional().first().trimmed().isEmpty())
        return parser.usageError(QStringLiteral("give one TITLE (quote it)"));
    turno::Severity severity = turno::Severity::Critical;
    if (p.has(QStringLiteral("--severity")) && !turno::parseSeverity(p.value(QStringLiteral("--severity")), &severity))
        return parser.usageError(QStringLiteral("--severity wants info, warning, error or critical"));
    auto store = openStore(p, cmd, true);
    if (!store)
        return ExitUnavailable;
    const auto id = store->openIncident(p.positional().first(), severity,
                                        turno::ClusterLayout::resolveNodeName(p.value(QStringLiteral("--node"))));
    if (!id) {
        err() << "turnoctl incident open: " << id.error() << "\n";
        return ExitFailure;
    }
    if (p.has(QStringLiteral("--summary"))) {
        auto inc = store->incident(id.value());
        if (inc) {
            inc.value().summary = p.value(QStringLiteral("--summary"));
            if (const auto r = store->updateIncident(inc.value()); !r) {
                err() << "turnoctl incident open: " << r.error() << "\n";
                return ExitFailure;
            }
        }
    }
    out() << id.value() << "\n";
    return ExitOk;
}

const QString kCloseSynopsis = QStringLiteral("incident close INCIDENT [--root-cause TEXT]");

int runClose(const QStringList &args)
{
    const QString cmd = QStringLiteral("incident close");
    static const turnoctl::OptionParser parser = [] {
        turnoctl::OptionParser p =
            storeOptions(QStringLiteral("incident close"), kCloseSynopsis, QStringLiteral("Closes an incident; its timeline ends now."));
        p.argument(QStringLiteral("INCIDENT"), QStringLiteral("an incident number"))
            .option(QStringLiteral("--root-cause"), QStringLiteral("TEXT"), QStringLiteral("recorded before closing"));
        return withDb(p);
    }();
    turnoctl::ParsedArgs p;
    if (const std::optional<int> code = parser.parseOrExit(args, &p))
        return *code;
    qint64 id = 0;
    if (p.positional().size() != 1 || !parseIncidentId(p.positional().first(), &id))
        return parser.usageError(QStringLiteral("give one INCIDENT number"));
    auto store = openStore(p, cmd, false);
    if (!store)
        return ExitUnavailable;
    if (p.has(QStringLiteral("--root-cause"))) {
        auto inc = store->incident(id);
        if (!inc) {
            err() << "turnoctl incident close: " << inc.error() << "\n";
            return ExitFailure;
        }
        inc.value().rootCause = p.value(QStringLiteral("--root-cause"));
        if (const auto r = store->updateIncident(inc.value()); !r) {
            err() << "turnoctl incident close: " << r.error() << "\n";
            return ExitFailure;
        }
    }
    if (const auto r = store->closeIncident(id); !r) {
        err() << "turnoctl incident close: " << r.error() << "\n";
        return ExitFailure;
    }
    return ExitOk;
}

const QString kListSynopsis = QStringLiteral("incident list [--open] [--json]");

int runList(const QStringList &args)
{
    const QString cmd = QStringLiteral("incident list");
    static const turnoctl::OptionParser parser = [] {
        turnoctl::OptionParser p = storeOptions(QStringLiteral("incident list"), kListSynopsis,
                                                QStringLiteral("Lists incidents, newest first (--open: only open ones)."));
        p.flag(QStringLiteral("--open"), QStringLiteral("only open incidents"))
            .flag(QStringLiteral("--json"), QStringLiteral("a JSON array of incidents"));
        return withDb(p);
    }();
    turnoctl::ParsedArgs p;
    if (const std::optional<int> code = parser.parseOrExit(args, &p))
        return *code;
    if (!p.positional().isEmpty())
        return parser.usageError(QStringLiteral("unexpected argument '%1'").arg(p.positional().first()));
    auto store = openStore(p, cmd, false);
    if (!store)
        return ExitUnavailable;
    auto list = store->incidents();
    if (!list) {
        err() << "turnoctl incident list: " << list.error() << "\n";
        return ExitUnavailable;
    }
    const qint64 now = QDateTime::currentMSecsSinceEpoch();
    QJsonArray arr;
    for (const auto &inc : list.value()) {
        if (p.has(QStringLiteral("--open")) && !inc.isOpen())
            continue;
        if (p.has(QStringLiteral("--json"))) {
            arr.append(incidentJson(inc));
            continue;
        }
        out() << QStringLiteral("#%1").arg(inc.id).leftJustified(6) << "  " << turno::incidentStateName(inc.state).leftJustified(6)
            << "  " << turno::severityName(inc.severity).leftJustified(8) << "  " << turno::formatEventTime(inc.openedMs)
            << "  " << turno::formatDuration(inc.durationMs(now)).leftJustified(12) << "  " << inc.title << "\n";
    }
    if (p.has(QStringLiteral("--json")))
        out() << QJsonDocument(arr).toJson(QJsonDocument::Indented);
    return ExitOk;
}

const QString kNoteSynopsis = QStringLiteral("incident note TEXT [--incident INCIDENT] [--node N]");

int runNote(const QStringList &args)
{
    const QString cmd = QStringLiteral("incident note");
    static const turnoctl::OptionParser parser = [] {
        turnoctl::OptionParser p = storeOptions(
            QStringLiteral("incident note"), kNoteSynopsis,
            QStringLiteral("Records an operator note in the timeline (it shows in the window of any incident\n"
                           "open at the time; --incident also names one in the note's details) and prints its id."));
        p.argument(QStringLiteral("TEXT"), QStringLiteral("the note (quote it)"))
            .option(QStringLiteral("--incident"), QStringLiteral("INCIDENT"), QStringLiteral("the incident it belongs to"))
            .option(QStringLiteral("--node"), QStringLiteral("N"), QStringLiteral("the node it is about"));
        return withDb(p);
    }();
    turnoctl::ParsedArgs p;
    if (const std::optional<int> code = parser.parseOrExit(args, &p))
        return *code;
    if (p.positional().size() != 1 || p.positional().first().trimmed().isEmpty())
        return parser.usageError(QStringLiteral("give one TEXT (quote it)"));
    qint64 incidentId = 0;
    if (p.has(QStringLiteral("--incident")) && !parseIncidentId(p.value(QStringLiteral("--incident")), &incidentId))
        return parser.usageError(QStringLiteral("--incident wants an incident number"));
    auto store = openStore(p, cmd, true);
    if (!store)
        return ExitUnavailable;
    QJsonObject details;
    if (incidentId) {
        if (const auto inc = store->incident(incidentId); !inc) {
            err() << "turnoctl incident note: " << inc.error() << "\n";
            return ExitFailure;
        }
        details.insert(QStringLiteral("incident"), incidentId);
    }
    const QString user = QProcessEnvironment::systemEnvironment().value(QStringLiteral("USER"));
    if (!user.isEmpty())
        details.insert(QStringLiteral("user"), user);
    store->record(QStringLiteral("operator"), turno::ClusterLayout::resolveNodeName(p.value(QStringLiteral("--node"))),
                  QString::fromLatin1(turno::EventKind::Note),
                  turno::Severity::Info, p.positional().first(), details);
    const auto id = store->flush();
    if (!id) {
        err() << "turnoctl incident note: " << id.error() << "\n";
        return ExitUnavailable;
    }
    out() << id.value() << "\n";
    return ExitOk;
}

const QString kSetSynopsis =
    QStringLiteral("incident set INCIDENT [--title|--summary|--impact|--root-cause T]");
const QString kSetUsage = QStringLiteral(
    "incident set INCIDENT [--title T] [--severity S] [--summary T] [--impact T]\n"
    "                             [--root-cause T] [--db FILE]");

int runSet(const QStringList &args)
{
    const QString cmd = QStringLiteral("incident set");
    static const turnoctl::OptionParser parser = [] {
        turnoctl::OptionParser p = storeOptions(QStringLiteral("incident set"), kSetUsage,
                                                QStringLiteral("Edits the write-up of an incident (open or closed)."));
        p.argument(QStringLiteral("INCIDENT"), QStringLiteral("an incident number"))
            .option(QStringLiteral("--title"), QStringLiteral("T"), QStringLiteral("a new title"))
            .option(QStringLiteral("--severity"), QStringLiteral("S"), QStringLiteral("info, warning, error or critical"))
            .option(QStringLiteral("--summary"), QStringLiteral("T"), QStringLiteral("what happened"))
            .option(QStringLiteral("--impact"), QStringLiteral("T"), QStringLiteral("who noticed, what failed"))
            .option(QStringLiteral("--root-cause"), QStringLiteral("T"), QStringLiteral("why it happened"));
        return withDb(p);
    }();
    turnoctl::ParsedArgs p;
    if (const std::optional<int> code = parser.parseOrExit(args, &p))
        return *code;
    qint64 id = 0;
    if (p.positional().size() != 1 || !parseIncidentId(p.positional().first(), &id))
        return parser.usageError(QStringLiteral("give one INCIDENT number"));
    turno::Severity severity = turno::Severity::Critical;
    if (p.has(QStringLiteral("--severity")) && !turno::parseSeverity(p.value(QStringLiteral("--severity")), &severity))
        return parser.usageError(QStringLiteral("--severity wants info, warning, error or critical"));
    auto store = openStore(p, cmd, false);
    if (!store)
        return ExitUnavailable;
    auto inc = store->incident(id);
    if (!inc) {
        err() << "turnoctl incident set: " << inc.error() << "\n";
        return ExitFailure;
    }
    turno::Incident &i = inc.value();
    if (p.has(QStringLiteral("--title")))
        i.title = p.value(QStringLiteral("--title"));
    if (p.has(QStringLiteral("--severity")))
        i.severity = severity;
    if (p.has(QStringLiteral("--summary")))
        i.summary = p.value(QStringLiteral("--summary"));
    if (p.has(QStringLiteral("--impact")))
        i.impact = p.value(QStringLiteral("--impact"));
    if (p.has(QStringLiteral("--root-cause")))
        i.rootCause = p.value(QStringLiteral("--root-cause"));
    if (const auto r = store->updateIncident(i); !r) {
        err() << "turnoctl incident set: " << r.error() << "\n";
        return ExitFailure;
    }
    return ExitOk;
}

const QString kActionSynopsis =
    QStringLiteral("incident action INCIDENT (--item TEXT [--owner O] [--due DATE] | --done N)");

int runAction(const QStringList &args)
{
    const QString cmd = QStringLiteral("incident action");
    static const turnoctl::OptionParser parser = [] {
        turnoctl::OptionParser p = storeOptions(
            QStringLiteral("incident action"), kActionSynopsis,
            QStringLiteral("Adds an item to an incident's action plan, or marks item N (1-based, as listed in\n"
                           "the report) done."));
        p.argument(QStringLiteral("INCIDENT"), QStringLiteral("an incident number"))
            .option(QStringLiteral("--item"), QStringLiteral("TEXT"), QStringLiteral("a new item"))
            .option(QStringLiteral("--owner"), QStringLiteral("O"), QStringLiteral("who does it"))
            .option(QStringLiteral("--due"), QStringLiteral("DATE"), QStringLiteral("by when, e.g. 2026-12-01"))
            .option(QStringLiteral("--done"), QStringLiteral("N"), QStringLiteral("mark item N done"));
        return withDb(p);
    }();
    turnoctl::ParsedArgs p;
    if (const std::optional<int> code = parser.parseOrExit(args, &p))
        return *code;
    qint64 id = 0;
    if (p.positional().size() != 1 || !parseIncidentId(p.positional().first(), &id))
        return parser.usageError(QStringLiteral("give one INCIDENT number"));
    if (p.has(QStringLiteral("--item")) == p.has(QStringLiteral("--done")))
        return parser.usageError(QStringLiteral("give either --item TEXT or --done N"));
    QDate due;
    if (p.has(QStringLiteral("--due"))) {
        due = QDate::fromString(p.value(QStringLiteral("--due")), Qt::ISODate);
        if (!due.isValid())
            return parser.usageError(QStringLiteral("--due wants a date like 2026-12-01"));
    }
    auto store = openStore(p, cmd, false);
    if (!store)
        return ExitUnavailable;
    auto inc = store->incident(id);
    if (!inc) {
        err() << "turnoctl incident action: " << inc.error() << "\n";
        return ExitFailure;
    }
    if (p.has(QStringLiteral("--done"))) {
        bool ok = false;
        const int n = p.value(QStringLiteral("--done")).toInt(&ok);
        if (!ok || n < 1 || n > inc->actionItems.size()) {
            err() << "turnoctl incident action: incident #" << id << " has " << inc->actionItems.size()
                << " action items; --done wants a number from 1 to " << inc->actionItems.size() << "\n";
            return ExitUsage;
        }
        inc.value().actionItems[n - 1].done = true;
    } else {
        inc.value().actionItems.append(
            turno::ActionItem{p.value(QStringLiteral("--item")), p.value(QStringLiteral("--owner")), due, false});
    }
    if (const auto r = store->updateIncident(inc.value()); !r) {
        err() << "turnoctl incident action: " << r.error() << "\n";
        return ExitFailure;
    }
    return ExitOk;
}

}  // namespace

TURNO_CTL_COMMAND(QStringLiteral("events"), kEventsSynopsis, QStringLiteral("list the recorded timeline of events"),
                  runEvents);
TURNO_CTL_COMMAND(QStringLiteral("report"), kReportSynopsis,
                  QStringLiteral("export an incident report as Markdown, HTML or PDF"), runReport);
TURNO_CTL_COMMAND(QStringLiteral("incident open"), kOpenSynopsis, QStringLiteral("open an incident by hand"), runOpen);
TURNO_CTL_COMMAND(QStringLiteral("incident close"), kCloseSynopsis, QStringLiteral("close an incident"), runClose);
TURNO_CTL_COMMAND(QStringLiteral("incident list"), kListSynopsis, QStringLiteral("list incidents, newest first"),
                  runList);
TURNO_CTL_COMMAND(QStringLiteral("incident note"), kNoteSynopsis, QStringLiteral("record an operator note"), runNote);
TURNO_CTL_COMMAND(QStringLiteral("incident set"), kSetSynopsis,
                  QStringLiteral("edit an incident's summary, impact, root cause"), runSet);
TURNO_CTL_COMMAND(QStringLiteral("incident action"), kActionSynopsis,
                  QStringLiteral("add or tick off an action plan item"), runAction);
