// turnoctl metrics check / metrics dump: the strict checker and a one-shot
// scrape, both thin over PromTextParser and HttpScraper.
#include "command_registry.h"
#include "option_parser.h"

#include "metrics/prom_text_parser.h"
#include "scrape/http_scraper.h"

#include <QCoreApplication>
#include <QFile>
#include <QTextStream>
#include <cstdio>
#include <optional>

namespace {

using turno::PromTextParser;

QByteArray readAllStdin()
{
    QFile in;
    if (!in.open(stdin, QIODevice::ReadOnly))
        return {};
    return in.readAll();
}

QString formatValue(double v)
{
    if (std::isnan(v))
        return QStringLiteral("NaN");
    if (std::isinf(v))
        return v > 0 ? QStringLiteral("+Inf") : QStringLiteral("-Inf");
    return QString::number(v, 'g', 17);
}

void dump(const turno::MetricsScrape &scrape, QTextStream &out)
{
    for (size_t i = 0; i < scrape.families().size(); ++i) {
        const auto &f = scrape.families()[i];
        out << scrape.string(f.name) << " (" << turno::metricTypeName(f.type);
        if (f.hasUnit && f.unit.size)
            out << ", unit " << scrape.string(f.unit);
        out << ", " << f.sampleCount << (f.sampleCount == 1 ? " sample)" : " samples)");
        if (f.hasHelp)
            out << ": " << scrape.string(f.help).replace(QLatin1Char('\n'), QLatin1String("\\n"));
        out << "\n";
        for (const auto &s : scrape.samples()) {
            if (s.family != i)
                continue;
            out << "  " << QString::fromStdString(scrape.seriesKey(s)) << " " << formatValue(s.value);
            if (s.hasTimestamp)
                out << " @" << s.timestampMs;
            out << "\n";
        }
    }
}

int runCheck(const QStringList &args)
{
    static const turnoctl::OptionParser parser =
        turnoctl::OptionParser(QStringLiteral("metrics check"), QStringLiteral("metrics check [--format prometheus|openmetrics] < FILE"))
            .describe(QStringLiteral("Checks a metrics exposition against the published grammar: Prometheus text\n"
                                     "format 0.0.4 (default) or OpenMetrics 1.0 text (strict: '# EOF' required).\n"
                                     "Exit 0 when valid; 1 with 'LINE:COL: reason' on stderr when not."))
            .option(QStringLiteral("--format"), QStringLiteral("prometheus|openmetrics"), QStringLiteral("the grammar [prometheus]"));
    QTextStream &out = turnoctl::out();
    QTextStream &err = turnoctl::err();
    turnoctl::ParsedArgs p;
    if (const std::optional<int> code = parser.parseOrExit(args, &p))
        return *code;
    if (!p.positional().isEmpty())
        return parser.usageError(QStringLiteral("unknown argument '%1'").arg(p.positional().first()));
    PromTextParser::Options opt;
    opt.strict = true;
    for (const QString &value : p.values(QStringLiteral("--format"))) {
        if (value == QLatin1String("prometheus"))
            opt.format = PromTextParser::Format::Prometheus;
        else if (value == QLatin1String("openmetrics"))
            opt.format = PromTextParser::Format::OpenMetrics;
        else {
            err << "turnoctl metrics check: --format must be 'prometheus' or 'openmetrics', not '" << value << "'\n";
            return turnoctl::ExitUsage;
        }
    }
    const QByteArray body = readAllStdin();
    const auto result = PromTextParser(opt).parse(QByteArrayView(body));
    if (!result) {
        err << result.error() << "\n";
        return turnoctl::ExitFailure;
    }
    out << "ok: " << result->families().size() << " families, " << result->samples().size() << " samples\n";
    return turnoctl::ExitOk;
}

int runDump(const QStringList &args)
{
    static const turnoctl::OptionParser parser =
        turnoctl::OptionParser(QStringLiteral("metrics dump"), QStringLiteral("metrics dump URL"))
            .describe(QStringLiteral("Scrapes URL once (as the console does: OpenMetrics offered first, Prometheus\n"
                                     "text 0.0.4 accepted) and prints the format the target answered with, then\n"
                                     "every metric family with its type, help and samples."))
            .argument(QStringLiteral("URL"), QStringLiteral("an http(s) metrics endpoint, e.g. http://127.0.0.1:7017/metrics"));
    QTextStream &out = turnoctl::out();
    QTextStream &err = turnoctl::err();
    turnoctl::ParsedArgs p;
    if (const std::optional<int> code = parser.parseOrExit(args, &p))
        return *code;
    if (p.positional().size() != 1)
        return parser.usageError(QStringLiteral("give one URL"));
    const QString target = p.positional().first();
    const QUrl url = QUrl::fromUserInput(target);
    if (!url.isValid() || (url.scheme() != QLatin1String("http") && url.scheme() != QLatin1String("https"))) {
        err << "turnoctl metrics dump: '" << target << "' is not an http(s) URL\n";
        return turnoctl::ExitUsage;
    }
    turno::HttpScraper scraper;
    turno::ScrapeResult result;
    QObject::connect(&scraper, &turno::HttpScraper::scraped, &scraper, [&](const turno::ScrapeResult &r) {
        result = r;
        QCoreApplication::quit();
    });
    scraper.scrapeOnce(url);
    QCoreApplication::exec();
    if (!result.up) {
        err << "turnoctl metrics dump: " << result.error << "\n";
        return turnoctl::ExitUnavailable;
    }
    out << "# format: " << (result.openMetrics ? "openmetrics" : "prometheus")
        << " (Content-Type: " << (result.contentType.isEmpty() ? QStringLiteral("none") : QString::fromLatin1(result.contentType)) << ")\n";
    dump(*result.scrape, out);
    return turnoctl::ExitOk;
}

}  // namespace

TURNO_CTL_COMMAND(QStringLiteral("metrics check"),
                  QStringLiteral("metrics check [--format prometheus|openmetrics] < FILE"),
                  QStringLiteral("check a metrics exposition against the published grammar"), runCheck);
TURNO_CTL_COMMAND(QStringLiteral("metrics dump"), QStringLiteral("metrics dump URL"),
                  QStringLiteral("scrape URL once and print the parsed metric families"), runDump);
