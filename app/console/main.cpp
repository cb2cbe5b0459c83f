// turno-console: the desktop operations console.
#include "main_window.h"

#include "attach_dialog.h"
#include "common/version.h"
#include "load_panel.h"
#include "runtime/fleet_monitor.h"

#include <QApplication>
#include <QCommandLineParser>
#include <QTimer>
#include <cstdio>
#include <functional>
#include <optional>

namespace {

// The command line once parsed: what the start-up steps below read.
struct ConsoleArgs {
    std::optional<QString> profile;
    std::optional<QString> runDir;
    std::optional<QString> screenshot;
    std::optional<QString> tab;
    std::optional<QString> kill;
    std::optional<QString> theme;
    double afterSeconds = 0;
    double loadSeconds = 0;
    double sloMs = 0;
    std::optional<QString> attachStats;
    QStringList attachNodes;
    std::optional<QString> attachRedis;
    std::optional<QString> attachSentinel;
    std::optional<QString> attachPasswordFile;
    std::optional<QString> attachCluster;
    std::optional<QString> attachPrometheus;
    std::optional<QString> attachJob;
    std::optional<QString> attachRedisJob;

    bool attaching() const { return attachStats || !attachNodes.isEmpty() || attachRedis || attachSentinel || attachPrometheus; }
};

std::optional<QString> valueIfSet(const QCommandLineParser &parser, const QCommandLineOption &option)
{
    return parser.isSet(option) ? std::optional<QString>(parser.value(option)) : std::nullopt;
}

// Declares the options (the --help text), processes the command line and checks the numbers;
// an error names the option and what it takes.
turno::Result<ConsoleArgs> parseArgs(QCommandLineParser &parser, const QCoreApplication &app)
{
    parser.setApplicationDescription(QStringLiteral("Turno Ops: desktop operations console for a fleet of turno servers."));
    parser.addHelpOption();
    parser.addVersionOption();
    QCommandLineOption profile(QStringLiteral("profile"),
                               QStringLiteral("Launch the cluster described by this profile at start."), QStringLiteral("FILE"));
    QCommandLineOption runDir(QStringLiteral("run-dir"),
                              QStringLiteral("With --profile: the cluster's run directory (default: per cluster name)."),
                              QStringLiteral("DIR"));
    QCommandLineOption screenshot(QStringLiteral("screenshot"),
                                  QStringLiteral("Save a PNG of the main window to FILE, then exit (stopping the cluster)."),
                                  QStringLiteral("FILE"));
    QCommandLineOption after(QStringLiteral("after"),
                             QStringLiteral("With --screenshot: seconds to wait before taking it (default 2); with "
                                            "--profile, counted from the moment the cluster is ready."),
                             QStringLiteral("SECONDS"), QStringLiteral("2"));
    QCommandLineOption tab(QStringLiteral("tab"),
                           QStringLiteral("Show this tab first: %1.")
                               .arg(turno::console::MainWindow::allTabNames().join(QStringLiteral(", "))),
                           QStringLiteral("NAME"));
    QCommandLineOption load(QStringLiteral("load"),
                            QStringLiteral("With --profile: run a load test of SECONDS through the balancer once ready."),
                            QStringLiteral("SECONDS"));
    QCommandLineOption capacity(QStringLiteral("capacity"),
                                QStringLiteral("With --profile: search the balancer's capacity against this p99 SLO in ms "
                                               "once ready (from 500 req/s, x1.6 per 2 s step, 8 steps)."),
                                QStringLiteral("SLO_MS"));
    QCommandLineOption attachStats(QStringLiteral("attach-stats"),
                                   QStringLiteral("Attach read-only to a fleet through its HAProxy stats socket or "
                                                  "http://HOST:PORT/stats page (File > Attach to fleet does the same)."),
                                   QStringLiteral("SOCKET|URL"));
    QCommandLineOption attachNode(QStringLiteral("attach-node"), QStringLiteral("Attach: a node URL to watch (repeatable)."),
                                  QStringLiteral("URL"));
    QCommandLineOption attachRedis(QStringLiteral("attach-redis"), QStringLiteral("Attach: the fleet's Redis."),
                                   QStringLiteral("HOST:PORT"));
    QCommandLineOption attachSentinel(QStringLiteral("attach-sentinel"),
                                      QStringLiteral("Attach: a Sentinel that names the fleet's Redis primary."),
                                      QStringLiteral("HOST:PORT"));
    QCommandLineOption attachPasswordFile(QStringLiteral("attach-password-file"),
                                          QStringLiteral("Attach: the Redis password file (else $TURNO_REDIS_PASSWORD if set)."),
                                          QStringLiteral("FILE"));
    QCommandLineOption attachCluster(QStringLiteral("attach-cluster"),
                                     QStringLiteral("Attach: the cluster name nodes announce themselves under (default local)."),
                                     QStringLiteral("NAME"));
    QCommandLineOption kill(QStringLiteral("kill"),
                            QStringLiteral("With --profile: SIGKILL this node 3 s after the cluster is ready (chaos, for "
                                           "screenshots of alerts and restarts); redis-primary and redis-replica, the old "
                                           "names, mean redis-1 and redis-2."),
                            QStringLiteral("NODE"));
    QCommandLineOption theme(QStringLiteral("theme"), QStringLiteral("system, light or dark (saved for the next start)."),
                             QStringLiteral("THEME"));
    QCommandLineOption attachPrometheus(QStringLiteral("attach-prometheus"),
                                        QStringLiteral("Attach read-only through a Prometheus (http://HOST:9090): nodes, Redis, "
                                                       "figures, alerts and charts (up to 24 h, from its range queries) from its "
                                                       "HTTP API alone."),
                                        QStringLiteral("URL"));
    QCommandLineOption attachJob(QStringLiteral("attach-job"),
                                 QStringLiteral("With --attach-prometheus: the turno nodes' scrape job (default turno)."),
                                 QStringLiteral("JOB"));
    QCommandLineOption attachRedisJob(QStringLiteral("attach-redis-job"),
                                      QStringLiteral("With --attach-prometheus: the Redis exporter's scrape job (default redis)."),
                                      QStringLiteral("JOB"));
    parser.addOptions({profile, runDir, screenshot, after, tab, load, capacity, attachStats, attachNode, attachRedis,
                       attachSentinel, attachPasswordFile, attachCluster, attachPrometheus, attachJob, attachRedisJob, kill, theme});
    parser.process(app);

    ConsoleArgs args;
    bool ok = false;
    args.afterSeconds = parser.value(after).toDouble(&ok);
    if (!ok || args.afterSeconds < 0)
        return turno::Error{QStringLiteral("--after takes a number of seconds, got '%1'").arg(parser.value(after))};
    if (parser.isSet(load)) {
        args.loadSeconds = parser.value(load).toDouble(&ok);
        if (!ok || args.loadSeconds <= 0)
            return turno::Error{QStringLiteral("--load takes a positive number of seconds, got '%1'").arg(parser.value(load))};
    }
    if (parser.isSet(capacity)) {
        args.sloMs = parser.value(capacity).toDouble(&ok);
        if (!ok || args.sloMs <= 0)
            return turno::Error{QStringLiteral("--capacity takes a p99 SLO in ms, got '%1'").arg(parser.value(capacity))};
    }
    args.profile = valueIfSet(parser, profile);
    args.runDir = valueIfSet(parser, runDir);
    args.screenshot = valueIfSet(parser, screenshot);
    args.tab = valueIfSet(parser, tab);
    args.kill = valueIfSet(parser, kill);
    args.theme = valueIfSet(parser, theme);
    args.attachStats = valueIfSet(parser, attachStats);
    args.attachNodes = parser.values(attachNode);
    args.attachRedis = valueIfSet(parser, attachRedis);
    args.attachSentinel = valueIfSet(parser, attachSentinel);
    args.attachPasswordFile = valueIfSet(parser, attachPasswordFile);
    args.attachCluster = valueIfSet(parser, attachCluster);
    args.attachPrometheus = valueIfSet(parser, attachPrometheus);
    args.attachJob = valueIfSet(parser, attachJob);
    args.attachRedisJob = valueIfSet(parser, attachRedisJob);
    return args;
}

// --tab and --theme; an error lists what the option takes.
turno::Result<void> applyView(turno::console::MainWindow &window, const ConsoleArgs &args)
{
    if (args.tab && !window.showTab(*args.tab))
        return turno::Error{QStringLiteral("--tab is one of %1; got '%2'").arg(window.tabNames().join(QStringLiteral(", ")), *args.tab)};
    if (args.theme) {
        const QString &t = *args.theme;
        using Theme = turno::console::MainWindow::Theme;
        if (t == QLatin1String("system"))
            window.setTheme(Theme::System);
        else if (t == QLatin1String("light"))
            window.setTheme(Theme::Light);
        else if (t == QLatin1String("dark"))
            window.setTheme(Theme::Dark);
        else
            return turno::Error{QStringLiteral("--theme is system, light or dark; got '%1'").arg(t)};
    }
    return {};
}

// What --load, --capacity, --kill and --screenshot ask for once the launched cluster is ready.
void onClusterReady(turno::console::MainWindow &window, const ConsoleArgs &args, const std::function<void()> &takeScreenshot)
{
    if (args.loadSeconds > 0) {
        const turno::Result<void> r = window.startLoad(args.loadSeconds);
        if (!r.ok())
            fprintf(stderr, "turno-console: load test: %s\n", qPrintable(r.error()));
    } else if (args.sloMs > 0) {
        turno::console::LoadPanel *panel = window.loadPanel();
        panel->setMode(turno::console::LoadPanel::Mode::Capacity);
        panel->setConnections(16);
        panel->setThreads(1);
        panel->setIds(16);
        panel->setSlo(args.sloMs);
        panel->setCapacitySteps(500, 1.6, 2, 8);
        const turno::Result<void> r = panel->start();
        if (!r.ok())
            fprintf(stderr, "turno-console: capacity search: %s\n", qPrintable(r.error()));
    }
    if (args.kill)
        QTimer::singleShot(3000, &window, [&window, node = *args.kill] {
            window.monitor()->kill(node, [node](turno::Result<void> r) {
                if (!r.ok())
                    fprintf(stderr, "turno-console: --kill %s: %s\n", qPrintable(node), qPrintable(r.error()));
            });
        });
    if (args.screenshot)
        QTimer::singleShot(int(args.afterSeconds * 1000), &window, takeScreenshot);
}

// --profile: launches the cluster; returns the exit code when it cannot start, else 0.
int launchAtStart(turno::console::MainWindow &window, const ConsoleArgs &args, int &exitCode,
                  const std::function<void()> &takeScreenshot)
{
    turno::FleetMonitor *monitor = window.monitor();
    QObject::connect(monitor, &turno::FleetMonitor::launchFailed, &window, [&window, &args, &exitCode](const QString &message) {
        fprintf(stderr, "turno-console: the cluster did not start: %s\n", qPrintable(message));
        if (args.screenshot) {
            exitCode = 1;
            window.close();
        }
    });
    QObject::connect(monitor, &turno::FleetMonitor::ready, &window,
                     [&window, &args, takeScreenshot] { onClusterReady(window, args, takeScreenshot); },
                     Qt::SingleShotConnection);
    const turno::Result<void> launched = args.runDir
        ? [&] {
              const auto p = turno::ProfileLoader::loadFile(*args.profile);
              return p.ok() ? window.launchProfile(p.value(), *args.runDir) : turno::Result<void>(turno::Error{p.error()});
          }()
        : window.launchProfileFile(*args.profile);
    if (!launched.ok()) {
        fprintf(stderr, "turno-console: %s\n", qPrintable(launched.error()));
        return 1;
    }
    return 0;
}

// --attach-*: the attach dialog's own checks, without showing it; returns the exit code when it cannot attach, else 0.
int attachAtStart(turno::console::MainWindow &window, const ConsoleArgs &args)
{
    if (args.attachPrometheus) {
        const turno::Result<void> attached =
            window.attachPrometheus(QUrl(*args.attachPrometheus), args.attachJob.value_or(QStringLiteral("turno")),
                                    args.attachRedisJob.value_or(QStringLiteral("redis")));
        if (!attached.ok()) {
            fprintf(stderr, "turno-console: cannot attach: %s\n", qPrintable(attached.error()));
            return 1;
        }
        return 0;
    }
    turno::console::AttachDialog form;
    form.setBalancerStats(args.attachStats.value_or(QString()));
    form.setNodeUrls(args.attachNodes);
    form.setRedis(args.attachRedis.value_or(QString()));
    form.setSentinel(args.attachSentinel.value_or(QString()));
    form.setCluster(args.attachCluster.value_or(QStringLiteral("local")));
    using Source = turno::console::AttachDialog::PasswordSource;
    if (args.attachPasswordFile)
        form.setPassword(Source::File, *args.attachPasswordFile);
    else
        form.setPassword(qEnvironmentVariableIsSet("TURNO_REDIS_PASSWORD") ? Source::Environment : Source::None);
    const turno::Result<turno::AttachTarget> target = form.target();
    const turno::Result<void> attached = target.ok() ? window.attachFleet(target.value())
                                                     : turno::Result<void>(turno::Error{target.error()});
    if (!attached.ok()) {
        fprintf(stderr, "turno-console: cannot attach: %s\n", qPrintable(attached.error()));
        return 1;
    }
    return 0;
}

void nameApplication()
{
    QCoreApplication::setOrganizationName(QStringLiteral("turno-ops"));
    QCoreApplication::setApplicationName(QStringLiteral("turno-console"));
    QCoreApplication::setApplicationVersion(turno::versionString());
}

// --help and --version answer without a display (over ssh, in a script): the
// same parser, on a QCoreApplication, prints and exits before any window system
// is opened.
void answerHelpWithoutDisplay(int argc, char **argv)
{
    for (int i = 1; i < argc; ++i) {
        const QByteArray a(argv[i]);
        if (a == "--")
            return;
        if (a == "-h" || a == "--help" || a == "-?" || a == "--help-all" || a == "-v" || a == "--version") {
            QCoreApplication core(argc, argv);
            nameApplication();
            QCommandLineParser parser;
            parseArgs(parser, core);  // process() prints and exits
            return;
        }
    }
}

}  // namespace

int main(int argc, char **argv)
{
    answerHelpWithoutDisplay(argc, argv);
    QApplication app(argc, argv);
    nameApplication();

    QCommandLineParser parser;
    const turno::Result<ConsoleArgs> parsed = parseArgs(parser, app);
    if (!parsed.ok()) {
        fprintf(stderr, "turno-console: %s\n", qPrintable(parsed.error()));
        return 2;
    }
    const ConsoleArgs &args = parsed.value();

    turno::console::MainWindow window;
    const turno::Result<void> view = applyView(window, args);
    if (!view.ok()) {
        fprintf(stderr, "turno-console: %s\n", qPrintable(view.error()));
        return 2;
    }
    window.show();

    int exitCode = 0;
    const std::function<void()> takeScreenshot = [&window, &exitCode, file = args.screenshot.value_or(QString())] {
        if (!window.grab().save(file, "PNG")) {
            fprintf(stderr, "turno-console: could not write screenshot to %s\n", qPrintable(file));
            exitCode = 1;
        }
        // Closing stops the cluster first; the application quits once the window is gone.
        window.close();
    };

    if (args.profile) {
        if (const int rc = launchAtStart(window, args, exitCode, takeScreenshot))
            return rc;
    } else if (args.attaching()) {
        if (const int rc = attachAtStart(window, args))
            return rc;
        if (args.screenshot)
            QTimer::singleShot(int(args.afterSeconds * 1000), &window, takeScreenshot);
    } else if (args.screenshot) {
        QTimer::singleShot(int(args.afterSeconds * 1000), &window, takeScreenshot);
    }
    const int rc = QApplication::exec();
    return exitCode ? exitCode : rc;
}
