#include "command_registry.h"

namespace turnoctl {

std::map<QString, Command> &commandTable()
{
    static std::map<QString, Command> table;
    return table;
}

CommandRegistrar::CommandRegistrar(Command c)
{
    QString key = c.name;
    commandTable().emplace(std::move(key), std::move(c));
}

}  // namespace turnoctl
