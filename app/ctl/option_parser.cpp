#include "option_parser.h"

#include "command_registry.h"

namespace turnoctl {

namespace {

// Option names and value names fill this column; help starts after it.
constexpr int kHelpColumn = 24;

QString indentedHelp(const QString &left, const QString &help)
{
    QString text = QStringLiteral("  ") + left;
    const QStringList lines = help.split(QLatin1Char('\n'));
    if (help.isEmpty())
        return text + QLatin1Char('\n');
    if (text.size() >= kHelpColumn - 1)
        text += QLatin1Char('\n') + QString(kHelpColumn, QLatin1Char(' '));
    else
        text = text.leftJustified(kHelpColumn);
    text += lines.first() + QLatin1Char('\n');
    for (qsizetype i = 1; i < lines.size(); ++i)
        text += QString(kHelpColumn, QLatin1Char(' ')) + lines[i] + QLatin1Char('\n');
    return text;
}

QString spellings(const OptionSpec &s)
{
    QString text = (QStringList{s.name} + s.aliases).join(QStringLiteral(", "));
    if (!s.valueName.isEmpty())
        text += QLatin1Char(' ') + s.valueName;
    return text;
}

}  // namespace

turno::Result<double> ParsedArgs::number(const QString &name, double lo, double hi, double fallback) const
{
    if (!has(name))
        return fallback;
    const QString text = value(name);
    bool ok = false;
    const double d = text.toDouble(&ok);
    if (!ok || d < lo || d > hi)
        return turno::Error{QStringLiteral("%1 must be a number in [%2, %3], got '%4'").arg(name).arg(lo).arg(hi).arg(text)};
    return d;
}

OptionParser::OptionParser(QString command, QString synopsis) : m_command(std::move(command)), m_synopsis(std::move(synopsis)) {}

OptionParser &OptionParser::describe(QString text)
{
    m_description = std::move(text);
    return *this;
}

OptionParser &OptionParser::argument(QString name, QString help)
{
    m_entries.push_back({Entry::Kind::Argument, OptionSpec{std::move(name), {}, std::move(help), {}, false}});
    return *this;
}

OptionParser &OptionParser::section(QString title)
{
    m_entries.push_back({Entry::Kind::Section, OptionSpec{std::move(title), {}, {}, {}, false}});
    return *this;
}

OptionParser &OptionParser::option(QString name, QString valueName, QString help, QStringList aliases)
{
    m_entries.push_back({Entry::Kind::Option, OptionSpec{std::move(name), std::move(valueName), std::move(help), std::move(aliases), false}});
    return *this;
}

OptionParser &OptionParser::flag(QString name, QString help, QStringList aliases)
{
    return option(std::move(name), {}, std::move(help), std::move(aliases));
}

OptionParser &OptionParser::hiddenOption(QString name, QString valueName)
{
    m_entries.push_back({Entry::Kind::Option, OptionSpec{std::move(name), std::move(valueName), {}, {}, true}});
    return *this;
}

OptionParser &OptionParser::hiddenFlag(QString name)
{
    return hiddenOption(std::move(name), {});
}

OptionParser &OptionParser::epilogue(QString text)
{
    m_epilogue = std::move(text);
    return *this;
}

const OptionSpec *OptionParser::find(const QString &spelling) const
{
    for (const Entry &e : m_entries)
        if (e.kind == Entry::Kind::Option && (e.spec.name == spelling || e.spec.aliases.contains(spelling)))
            return &e.spec;
    return nullptr;
}

turno::Result<ParsedArgs> OptionParser::parse(const QStringList &args) const
{
    ParsedArgs p;
    for (qsizetype i = 0; i < args.size(); ++i) {
        const QString &a = args[i];
        if (a == QLatin1String("--")) {
            p.m_positional += args.mid(i + 1);
            break;
        }
        if (a == QLatin1String("--help") || a == QLatin1String("-h")) {
            p.m_help = true;
            continue;
        }
        bool isNumber = false;
        a.toDouble(&isNumber);
        // "-" (standard input) and negative numbers are arguments, not options.
        if (!a.startsWith(QLatin1Char('-')) || a == QLatin1String("-") || isNumber) {
            p.m_positional << a;
            continue;
        }
        QString name = a;
        std::optional<QString> inlineValue;
        if (const qsizetype eq = a.indexOf(QLatin1Char('=')); a.startsWith(QLatin1String("--")) && eq > 0) {
            name = a.left(eq);
            inlineValue = a.mid(eq + 1);
        }
        const OptionSpec *spec = find(name);
        if (!spec)
            return turno::Error{QStringLiteral("unknown option '%1'").arg(a)};
        if (spec->valueName.isEmpty()) {
            if (inlineValue)
                return turno::Error{QStringLiteral("%1 takes no value").arg(name)};
            p.m_given << spec->name;
            continue;
        }
        if (!inlineValue && i + 1 >= args.size())
            return turno::Error{QStringLiteral("%1 needs a value (%2)").arg(name, spec->valueName)};
        p.m_values[spec->name] << (inlineValue ? *inlineValue : args[++i]);
        p.m_given << spec->name;
    }
    return p;
}

QString OptionParser::usage() const
{
    QString text = QStringLiteral("Usage: turnoctl ") + m_synopsis + QStringLiteral("\n");
    if (!m_description.isEmpty())
        text += QLatin1Char('\n') + m_description + (m_description.endsWith(QLatin1Char('\n')) ? "" : "\n");
    bool inSection = false;
    bool argumentsHeading = false;
    for (const Entry &e : m_entries) {
        switch (e.kind) {
        case Entry::Kind::Argument:
            if (!argumentsHeading)
                text += QStringLiteral("\nArguments:\n");
            argumentsHeading = true;
            text += indentedHelp(e.spec.name, e.spec.help);
            break;
        case Entry::Kind::Section:
            text += QLatin1Char('\n') + e.spec.name + QStringLiteral(":\n");
            inSection = true;
            break;
        case Entry::Kind::Option:
            if (e.spec.hidden)
                break;
            if (!inSection)
                text += QStringLiteral("\nOptions:\n");
            inSection = true;
            text += indentedHelp(spellings(e.spec), e.spec.help);
            break;
        }
    }
    if (!inSection)
        text += QStringLiteral("\nOptions:\n");
    text += indentedHelp(QStringLiteral("-h, --help"), QStringLiteral("this help"));
    if (!m_epilogue.isEmpty())
        text += QLatin1Char('\n') + m_epilogue + (m_epilogue.endsWith(QLatin1Char('\n')) ? "" : "\n");
    return text;
}

std::optional<int> OptionParser::parseOrExit(const QStringList &args, ParsedArgs *parsed) const
{
    turno::Result<ParsedArgs> r = parse(args);
    // --help wins over a mistake elsewhere on the line, as it does in order.
    const QStringList options = args.mid(0, args.indexOf(QStringLiteral("--")));
    if (!r && (options.contains(QStringLiteral("--help")) || options.contains(QStringLiteral("-h"))))
        return printUsage();
    if (!r)
        return usageError(r.error());
    *parsed = std::move(r).value();
    if (parsed->help())
        return printUsage();
    return std::nullopt;
}

int OptionParser::usageError(const QString &why) const
{
    err() << "turnoctl " << m_command << ": " << why << "\nUsage: turnoctl " << m_synopsis << "\nRun 'turnoctl " << m_command
          << " --help' for the options.\n";
    err().flush();
    return ExitUsage;
}

int OptionParser::printUsage() const
{
    out() << usage();
    out().flush();
    return ExitOk;
}

}  // namespace turnoctl
