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

int main(int argc, char **argv)
{
    QApplication app(argc, argv);
    QApplication::setOrganizationName(QStringLiteral("turno-ops"));
    QApplication::setApplicationName(QStringLiteral("turno-console"));
    QApplication::setApplicationVersion(turno::versionString());

    QCommandLineParser parser;
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
                           QStringLiteral("Show this tab first: fleet, charts, counters, load, alerts, redis, timeline or logs."),
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
                                           "screenshots of alerts and restarts)."),
                            QStringLiteral("NODE"));
    QCommandLineOption theme(QStringLiteral("theme"), QStringLiteral("system, light or dark (saved for the next start)."),
                             QStringLiteral("THEME"));
    parser.addOptions({profile, runDir, screenshot, after, tab, load, capacity, attachStats, attachNode, attachRedis,
                       attachSentinel, attachPasswordFile, attachCluster, kill, theme});
    parser.process(app);

    bool ok = false;
    const double seconds = parser.value(after).toDouble(&ok);
    if (!ok || seconds < 0) {
        fprintf(stderr, "turno-console: --after takes a number of seconds, got '%s'\n", qPrintable(parser.value(after)));
        return 2;
    }
    double loadSeconds = 0;
    if (parser.isSet(load)) {
        loadSeconds = parser.value(load).toDouble(&ok);
        if (!ok || loadSeconds <= 0) {
            fprintf(stderr, "turno-console: --load takes a positive number of seconds, got '%s'\n", qPrintable(parser.value(load)));
            return 2;
        }
    }

    double sloMs = 0;
    if (parser.isSet(capacity)) {
        sloMs = parser.value(capacity).toDouble(&ok);
        if (!ok || sloMs <= 0) {
            fprintf(stderr, "turno-console: --capacity takes a p99 SLO in ms, got '%s'\n", qPrintable(parser.value(capacity)));
            return 2;
        }
    }

    turno::console::MainWindow window;
    if (parser.isSet(tab) && !window.showTab(parser.value(tab))) {
        fprintf(stderr, "turno-console: --tab is one of %s; got '%s'\n", qPrintable(window.tabNames().join(QStringLiteral(", "))),
                qPrintable(parser.value(tab)));
        return 2;
    }
    if (parser.isSet(theme)) {
        const QString t = parser.value(theme);
        if (t == QLatin1String("system"))
            window.setTheme(turno::console::MainWindow::Theme::System);
        else if (t == QLatin1String("light"))
            window.setTheme(turno::console::MainWindow::Theme::Light);
        else if (t == QLatin1String("dark"))
            window.setTheme(turno::console::MainWindow::Theme::Dark);
        else {
            fprintf(stderr, "turno-console: --theme is system, light or dark; got '%s'\n", qPrintable(t));
            return 2;
        }
    }
    window.show();

    int exitCode = 0;
    auto takeScreenshot = [&window, &exitCode, file = parser.value(screenshot)] {
        if (!window.grab().save(file, "PNG")) {
            fprintf(stderr, "turno-console: could not write screenshot to %s\n", qPrintable(file));
            exitCode = 1;
        }
        // Closing stops the cluster first; the application quits once the window is gone.
        window.close();
    };

    if (parser.isSet(profile)) {
        turno::FleetMonitor *monitor = window.monitor();
        QObject::connect(monitor, &turno::FleetMonitor::launchFailed, &window, [&](const QString &message) {
            fprintf(stderr, "turno-console: the cluster did not start: %s\n", qPrintable(message));
            if (parser.isSet(screenshot)) {
                exitCode = 1;
                window.close();
            }
        });
        QObject::connect(monitor, &turno::FleetMonitor::ready, &window, [&, loadSeconds, seconds, sloMs] {
            if (loadSeconds > 0) {
                const turno::Result<void> r = window.startLoad(loadSeconds);
                if (!r.ok())
                    fprintf(stderr, "turno-console: load test: %s\n", qPrintable(r.error()));
            } else if (sloMs > 0) {
                turno::console::LoadPanel *panel = window.loadPanel();
                panel->setMode(turno::console::LoadPanel::Mode::Capacity);
                panel->setConnections(16);
                panel->setThreads(1);
                panel->setIds(16);
                panel->setSlo(sloMs);
                panel->setCapacitySteps(500, 1.6, 2, 8);
                const turno::Result<void> r = panel->start();
                if (!r.ok())
                    fprintf(stderr, "turno-console: capacity search: %s\n", qPrintable(r.error()));
            }
            if (parser.isSet(kill))
                QTimer::singleShot(3000, &window, [&window, node = parser.value(kill)] {
                    window.monitor()->kill(node, [node](turno::Result<void> r) {
                        if (!r.ok())
                            fprintf(stderr, "turno-console: --kill %s: %s\n", qPrintable(node), qPrintable(r.error()));
                    });
                });
            if (parser.isSet(screenshot))
                QTimer::singleShot(int(seconds * 1000), &window, takeScreenshot);
        }, Qt::SingleShotConnection);
        const turno::Result<void> launched = parser.isSet(runDir)
            ? [&] {
                  const auto p = turno::ProfileLoader::loadFile(parser.value(profile));
                  return p.ok() ? window.launchProfile(p.value(), parser.value(runDir)) : turno::Result<void>(turno::Error{p.error()});
              }()
            : window.launchProfileFile(parser.value(profile));
        if (!launched.ok()) {
            fprintf(stderr, "turno-console: %s\n", qPrintable(launched.error()));
            return 1;
        }
    } else if (parser.isSet(attachStats) || parser.isSet(attachNode) || parser.isSet(attachRedis) || parser.isSet(attachSentinel)) {
        // The attach dialog's own checks, without showing it.
        turno::console::AttachDialog form;
        form.setBalancerStats(parser.value(attachStats));
        form.setNodeUrls(parser.values(attachNode));
        form.setRedis(parser.value(attachRedis));
        form.setSentinel(parser.value(attachSentinel));
        form.setCluster(parser.isSet(attachCluster) ? parser.value(attachCluster) : QStringLiteral("local"));
        using Source = turno::console::AttachDialog::PasswordSource;
        if (parser.isSet(attachPasswordFile))
            form.setPassword(Source::File, parser.value(attachPasswordFile));
        else
            form.setPassword(qEnvironmentVariableIsSet("TURNO_REDIS_PASSWORD") ? Source::Environment : Source::None);
        const turno::Result<turno::AttachTarget> target = form.target();
        const turno::Result<void> attached = target.ok() ? window.attachFleet(target.value())
                                                         : turno::Result<void>(turno::Error{target.error()});
        if (!attached.ok()) {
            fprintf(stderr, "turno-console: cannot attach: %s\n", qPrintable(attached.error()));
            return 1;
        }
        if (parser.isSet(screenshot))
            QTimer::singleShot(int(seconds * 1000), &window, takeScreenshot);
    } else if (parser.isSet(screenshot)) {
        QTimer::singleShot(int(seconds * 1000), &window, takeScreenshot);
    }
    const int rc = QApplication::exec();
    return exitCode ? exitCode : rc;
}
