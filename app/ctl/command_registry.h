// The table of turnoctl subcommands. Each capability registers its commands
// from its own file with TURNO_CTL_COMMAND, so `turnoctl --help` lists exactly
// what is built in.
#pragma once

#include <QStringList>
#include <QTextStream>
#include <functional>
#include <map>

namespace turnoctl {

// Exit codes scripts can rely on.
enum ExitCode : int {
    ExitOk = 0,
    ExitFailure = 1,     // the command ran and found a problem (check failed, threshold broken)
    ExitUsage = 2,       // bad arguments
    ExitUnavailable = 3, // the cluster, a node or a file could not be reached
};

struct Command {
    QString name;
    QString synopsis;   // e.g. "metrics check [--format prometheus|openmetrics] < FILE"
    QString summary;    // one line for `turnoctl --help`
    std::function<int(const QStringList &args)> run;  // args exclude the command name
};

std::map<QString, Command> &commandTable();

// The process's one buffered stream on stdout and on stderr, shared by every
// command (separate streams per file would interleave out of order).
QTextStream &out();
QTextStream &err();

// Writes text to file, or to standard output when file is empty; on success
// prints doneMessage (if any) on stderr. Returns an exit code.
int writeTextOutput(const QString &file, const QString &text, const QString &doneMessage = {});

struct CommandRegistrar {
    explicit CommandRegistrar(Command c);
};

}  // namespace turnoctl

#define TURNO_CTL_CONCAT2(a, b) a##b
#define TURNO_CTL_CONCAT(a, b) TURNO_CTL_CONCAT2(a, b)
#define TURNO_CTL_COMMAND(...) \
    static const turnoctl::CommandRegistrar TURNO_CTL_CONCAT(turnoctl_registrar_, __LINE__){turnoctl::Command{__VA_ARGS__}}
