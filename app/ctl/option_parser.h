// OptionParser: one table of a turnoctl command's options ({name, value name,
// help}) that both parses its arguments and writes its usage text, so every
// command accepts the same forms and explains itself the same way.
#pragma once

#include "common/result.h"

#include <QMap>
#include <QString>
#include <QStringList>
#include <optional>
#include <vector>

namespace turnoctl {

struct OptionSpec {
    QString name;          // "--rate", or "-o"
    QString valueName;     // "R"; empty: a flag, which takes no value
    QString help;          // may span lines ('\n'); empty for none
    QStringList aliases;   // other spellings: "--output" for "-o"
    bool hidden = false;   // accepted (older scripts pass it) but left out of the usage
};

// What one command line said, by the option's table name (not its alias).
class ParsedArgs {
public:
    bool has(const QString &name) const { return m_given.contains(name); }
    QString value(const QString &name) const { return m_values.value(name).value(m_values.value(name).size() - 1); }
    QString value(const QString &name, const QString &fallback) const { return has(name) ? value(name) : fallback; }
    QStringList values(const QString &name) const { return m_values.value(name); }
    const QStringList &positional() const { return m_positional; }
    bool help() const { return m_help; }

    // The option's value as a number in [lo, hi], fallback when not given; the
    // error names the option, the range and what was given.
    turno::Result<double> number(const QString &name, double lo, double hi, double fallback) const;

private:
    friend class OptionParser;
    QMap<QString, QStringList> m_values;
    QStringList m_given;
    QStringList m_positional;
    bool m_help = false;
};

class OptionParser {
public:
    // command: "soak", "incident open"; synopsis: the line after "Usage: turnoctl ".
    OptionParser(QString command, QString synopsis);

    // Text after the synopsis, before the options.
    OptionParser &describe(QString text);
    // A positional argument's line in the usage (counting them is the command's job).
    OptionParser &argument(QString name, QString help);
    // A heading for the options declared after it.
    OptionParser &section(QString title);
    OptionParser &option(QString name, QString valueName, QString help, QStringList aliases = {});
    OptionParser &flag(QString name, QString help, QStringList aliases = {});
    OptionParser &hiddenOption(QString name, QString valueName);
    OptionParser &hiddenFlag(QString name);
    // Text after the options (exit codes, where files are found...).
    OptionParser &epilogue(QString text);
    // Accepts --flag, --opt VALUE, --opt=VALUE, -o VALUE, "--" (the rest are
    // positional); words, "-" and negative numbers are positional. --help and
    // -h set help().
    turno::Result<ParsedArgs> parse(const QStringList &args) const;
    QString usage() const;
    const QString &command() const { return m_command; }
    const QString &synopsis() const { return m_synopsis; }

    // The common endings: parse, print the usage on stdout for --help (exit 0) or
    // the error and the synopsis on stderr (exit 2). nullopt: go on with *parsed.
    std::optional<int> parseOrExit(const QStringList &args, ParsedArgs *parsed) const;
    // Prints "turnoctl COMMAND: why" and the synopsis on stderr; returns ExitUsage.
    int usageError(const QString &why) const;
    // Prints the usage on stdout; returns ExitOk.
    int printUsage() const;

private:
    struct Entry {
        enum class Kind { Option, Section, Argument };
        Kind kind = Kind::Option;
        OptionSpec spec;  // Section: spec.name is the title; Argument: name and help
    };
    const OptionSpec *find(const QString &spelling) const;

    QString m_command;
    QString m_synopsis;
    QString m_description;
    QString m_epilogue;
    std::vector<Entry> m_entries;
};

}  // namespace turnoctl
