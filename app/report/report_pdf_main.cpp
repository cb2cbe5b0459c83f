// turno-report-pdf: renders an incident report to PDF for `turnoctl report
// --format pdf`, in its own process so turnoctl never loads a GUI module.
#include "incident_pdf_writer.h"

#include "incidents/incident_report.h"
#include "incidents/incident_store.h"

#include <QGuiApplication>
#include <QTextStream>

namespace {

QtMessageHandler g_defaultHandler = nullptr;

// Qt warns about a missing XDG_RUNTIME_DIR when the platform starts (common
// over SSH and in CI); nothing here uses it, so the warning would only alarm.
void quietHandler(QtMsgType type, const QMessageLogContext &context, const QString &message)
{
    if (type == QtWarningMsg && message.startsWith(QLatin1String("QStandardPaths: XDG_RUNTIME_DIR")))
        return;
    g_defaultHandler(type, context, message);
}

}  // namespace

int main(int argc, char **argv)
{
    // Nothing is shown: the offscreen platform gives fonts without a display.
    qputenv("QT_QPA_PLATFORM", "offscreen");
    g_defaultHandler = qInstallMessageHandler(quietHandler);
    QGuiApplication app(argc, argv);
    QTextStream err(stderr);
    const QStringList args = app.arguments().mid(1);
    QString db;
    QString out;
    qint64 id = 0;
    bool last = false;
    for (int i = 0; i < args.size(); ++i) {
        const QString &a = args[i];
        if (a == QLatin1String("--db") && i + 1 < args.size()) {
            db = args[++i];
        } else if (a == QLatin1String("-o") && i + 1 < args.size()) {
            out = args[++i];
        } else if (a == QLatin1String("--incident") && i + 1 < args.size()) {
            bool ok = false;
            id = args[++i].toLongLong(&ok);
            if (!ok || id <= 0) {
                err << "turno-report-pdf: --incident wants a positive number, not '" << args[i] << "'\n";
                return 2;
            }
        } else if (a == QLatin1String("--last")) {
            last = true;
        } else {
            err << "Usage: turno-report-pdf --db FILE (--incident ID | --last) -o FILE.pdf\n"
                   "Renders an incident report to PDF (run by 'turnoctl report --format pdf').\n";
            return a == QLatin1String("--help") ? 0 : 2;
        }
    }
    if (db.isEmpty() || out.isEmpty() || (id == 0) == !last) {
        err << "Usage: turno-report-pdf --db FILE (--incident ID | --last) -o FILE.pdf\n";
        return 2;
    }
    turno::IncidentStore store;
    turno::IncidentStore::Options options;
    // A report reads; pruning is the recording process's job.
    options.retentionDays = 0;
    options.pruneDaily = false;
    options.createIfMissing = false;
    if (const auto r = store.open(db, options); !r) {
        err << "turno-report-pdf: " << r.error() << "\n";
        return 3;
    }
    if (last) {
        const auto inc = store.lastIncident();
        if (!inc) {
            err << "turno-report-pdf: " << inc.error() << "\n";
            return 1;
        }
        id = inc->id;
    }
    auto report = turno::IncidentReport::build(store, id);
    if (!report) {
        err << "turno-report-pdf: " << report.error() << "\n";
        return 1;
    }
    // Without the console's metric charts, the charts the store can give: the
    // stored fleet samples (as the HTML report's SVGs) and the events.
    report.value().images.append(turno::IncidentPdfWriter::fleetChartImages(report.value()));
    report.value().images.append(turno::ReportImage{
        QStringLiteral("Events in the window"),
        turno::IncidentPdfWriter::eventRateChartPng(report.value(), report.value().generatedMs)});
    if (const auto r = turno::IncidentPdfWriter::write(report.value(), out); !r) {
        err << "turno-report-pdf: " << r.error() << "\n";
        return 3;
    }
    return 0;
}
