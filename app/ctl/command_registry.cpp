#include "command_registry.h"

#include <QFile>
#include <QTextStream>

namespace turnoctl {

std::map<QString, Command> &commandTable()
{
    static std::map<QString, Command> table;
    return table;
}

QTextStream &out()
{
    static QTextStream s(stdout);
    return s;
}

QTextStream &err()
{
    static QTextStream s(stderr);
    return s;
}

int writeTextOutput(const QString &file, const QString &text, const QString &doneMessage)
{
    if (file.isEmpty()) {
        out() << text;
        out().flush();
        return ExitOk;
    }
    QFile f(file);
    if (!f.open(QIODevice::WriteOnly | QIODevice::Truncate) || f.write(text.toUtf8()) < 0) {
        err() << file << ": cannot write: " << f.errorString() << "\n";
        err().flush();
        return ExitUnavailable;
    }
    if (!doneMessage.isEmpty()) {
        err() << doneMessage << "\n";
        err().flush();
    }
    return ExitOk;
}

CommandRegistrar::CommandRegistrar(Command c)
{
    QString key = c.name;
    commandTable().emplace(std::move(key), std::move(c));
}

}  // namespace turnoctl
