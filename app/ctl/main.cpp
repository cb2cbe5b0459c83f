// turnoctl: the headless face of Turno Ops. Dispatches to the registered
// subcommands; multi-word commands ("metrics check") match longest first.
#include "command_registry.h"

#include "common/version.h"

#include <QCoreApplication>
#include <QTextStream>
#include <cstdio>

namespace {

void printHelp(QTextStream &out)
{
    out << "Usage: turnoctl COMMAND [ARGS...]\n"
           "       turnoctl --help | --version\n\n"
           "Headless control of a turno fleet: everything the console does.\n\n"
           "Commands:\n";
    // Summaries line up in one column; a synopsis too long for it goes on a
    // line of its own.
    constexpr int width = 46;
    for (const auto &[name, cmd] : turnoctl::commandTable()) {
        if (cmd.synopsis.size() > width)
            out << "  " << cmd.synopsis << "\n  " << QString(width, QLatin1Char(' ')) << "  " << cmd.summary << "\n";
        else
            out << "  " << cmd.synopsis.leftJustified(width) << "  " << cmd.summary << "\n";
    }
    out << "\nExit codes: 0 ok, 1 check failed or threshold broken, 2 usage error,\n"
           "3 cluster, node or file unreachable.\n"
           "Run 'turnoctl COMMAND --help' for a command's options.\n";
}

}  // namespace

int main(int argc, char **argv)
{
    QCoreApplication app(argc, argv);
    QCoreApplication::setApplicationName(QStringLiteral("turnoctl"));
    QCoreApplication::setApplicationVersion(turno::versionString());
    QTextStream out(stdout);
    QTextStream err(stderr);

    QStringList args = app.arguments().mid(1);
    if (args.isEmpty()) {
        printHelp(err);
        return turnoctl::ExitUsage;
    }
    if (args.first() == QLatin1String("--help") || args.first() == QLatin1String("-h") ||
        args.first() == QLatin1String("help")) {
        printHelp(out);
        return turnoctl::ExitOk;
    }
    if (args.first() == QLatin1String("--version") || args.first() == QLatin1String("-V")) {
        out << "turnoctl " << turno::versionString() << "\n";
        return turnoctl::ExitOk;
    }

    // Longest registered name that prefixes the argument words wins.
    const turnoctl::Command *match = nullptr;
    int matchWords = 0;
    for (const auto &[name, cmd] : turnoctl::commandTable()) {
        const QStringList words = name.split(QLatin1Char(' '));
        if (words.size() > args.size() || words.size() <= matchWords)
            continue;
        if (args.mid(0, words.size()) == words) {
            match = &cmd;
            matchWords = int(words.size());
        }
    }
    if (!match) {
        err << "turnoctl: unknown command '" << args.first() << "'. Run 'turnoctl --help' for the list.\n";
        return turnoctl::ExitUsage;
    }
    return match->run(args.mid(matchWords));
}
