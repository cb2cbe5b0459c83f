// turno-console: the desktop operations console.
#include "main_window.h"

#include "common/version.h"

#include <QApplication>
#include <QCommandLineParser>
#include <QTimer>

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
    QCommandLineOption screenshot(QStringLiteral("screenshot"),
                                  QStringLiteral("Save a PNG of the main window to FILE, then exit."),
                                  QStringLiteral("FILE"));
    QCommandLineOption after(QStringLiteral("after"),
                             QStringLiteral("With --screenshot: seconds to wait before taking it (default 2)."),
                             QStringLiteral("SECONDS"), QStringLiteral("2"));
    parser.addOption(screenshot);
    parser.addOption(after);
    parser.process(app);

    turno::console::MainWindow window;
    window.show();

    if (parser.isSet(screenshot)) {
        bool ok = false;
        const double seconds = parser.value(after).toDouble(&ok);
        if (!ok || seconds < 0) {
            fprintf(stderr, "turno-console: --after takes a number of seconds, got '%s'\n", qPrintable(parser.value(after)));
            return 2;
        }
        const QString file = parser.value(screenshot);
        QTimer::singleShot(int(seconds * 1000), &window, [&window, file] {
            if (!window.grab().save(file, "PNG")) {
                fprintf(stderr, "turno-console: could not write screenshot to %s\n", qPrintable(file));
                QApplication::exit(1);
                return;
            }
            QApplication::quit();
        });
    }
    return QApplication::exec();
}
