#include "command_registry.h"

#include <QFile>
#include <QTextStream>

namespace turnoctl {

std::map<QString, Command> &commandTable()
{
    static std::map<QString, Command> table;
    return table;
}

int writeTextOutput(const QString &file, const QString &text, const QString &doneMessage)
{
    if (file.isEmpty()) {
        QTextStream(stdout) << text;
        return ExitOk;
    }
    QFile f(file);
    if (!f.open(QIODevice::WriteOnly | QIODevice::Truncate) || f.write(text.toUtf8()) < 0) {
        QTextStream(stderr) << file << ": cannot write: " << f.errorString() << "\n";
        return ExitUnavailable;
    }
    if (!doneMessage.isEmpty())
        QTextStream(stderr) << doneMessage << "\n";
    return ExitOk;
}

CommandRegistrar::CommandRegistrar(Command c)
{
    QString key = c.name;
    commandTable().emplace(std::move(key), std::move(c));
}

}  // namespace turnoctl
