// PromTextParser against real exporter output and the published grammars of
// the Prometheus text format 0.0.4 and OpenMetrics 1.0.
#include "metrics/prom_text_parser.h"
#include "metrics_test_util.h"

#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QRegularExpression>
#include <QSet>
#include <QTest>
#include <cmath>

using turno::MetricsScrape;
using turno::MetricType;
using turno::PromTextParser;
using Format = PromTextParser::Format;

Q_DECLARE_METATYPE(Format)

namespace {

PromTextParser parser(Format f, bool strict)
{
    PromTextParser::Options o;
    o.format = f;
    o.strict = strict;
    return PromTextParser(o);
}

// Counted independently of the parser: every line that is neither blank nor a comment.
int sampleLines(const QByteArray &text)
{
    int n = 0;
    for (const QByteArray &line : text.split('\n')) {
        const QByteArray t = line.trimmed();
        if (!t.isEmpty() && !t.startsWith('#'))
            ++n;
    }
    return n;
}

}  // namespace

class TestPromTextParser : public QObject {
    Q_OBJECT
private slots:
    void realExporters_data();
    void realExporters();
    void helpAndTypeEscapes();
    void labelEscapesAndUtf8();
    void specialValuesAndTimestamps_data();
    void specialValuesAndTimestamps();
    void histogramAndSummaryFamilies();
    void untypedAndCommentsAndBlankLines();
    void crlfLenientOnly();
    void invalidInput_data();
    void invalidInput();
    void limits();
    void openMetrics();
    void openMetricsStrict_data();
    void openMetricsStrict();
    void contentType();
    void openMetricsCases_data();
    void openMetricsCases();
    void openMetricsEscapesKeptAsWritten();
    void openMetricsTimestampsAndSeries();
    void sameSeriesInBothFormats();
};

void TestPromTextParser::realExporters_data()
{
    QTest::addColumn<QString>("file");
    QTest::addColumn<QString>("metric");
    QTest::addColumn<QString>("labelName");
    QTest::addColumn<QString>("labelValue");
    QTest::addColumn<double>("expected");
    QTest::newRow("node_exporter") << "node_exporter_sample.txt" << "go_goroutines" << "" << "" << 7.0;
    QTest::newRow("prometheus") << "prometheus_self_sample.txt" << "go_gc_duration_seconds" << "quantile" << "0.5" << 0.000226605;
    QTest::newRow("haproxy") << "haproxy_prom_sample.txt" << "haproxy_server_http_responses_total" << "code" << "2xx" << 5.0;
}

void TestPromTextParser::realExporters()
{
    QFETCH(QString, file);
    QFETCH(QString, metric);
    QFETCH(QString, labelName);
    QFETCH(QString, labelValue);
    QFETCH(double, expected);
    const QByteArray text = turno::test::metricsFixture(file);
    for (bool strict : {false, true}) {
        const auto r = parser(Format::Prometheus, strict).parse(QByteArrayView(text));
        QVERIFY2(r.ok(), qPrintable(r.error()));
        QCOMPARE(int(r->samples().size()), sampleLines(text));
        const std::string m = metric.toStdString();
        const std::string ln = labelName.toStdString();
        const std::string lv = labelValue.toStdString();
        const auto v = ln.empty() ? r->value(m) : r->value(m, {{ln, lv}});
        QVERIFY(v.has_value());
        QCOMPARE(*v, expected);
        int declared = 0;
        for (const QByteArray &line : text.split('\n'))
            declared += line.startsWith("# TYPE ");
        int typed = 0;
        for (const auto &f : r->families())
            typed += f.hasType;
        QCOMPARE(typed, declared);
    }
}

void TestPromTextParser::helpAndTypeEscapes()
{
    const QByteArray text = "# HELP m one\\\\two\\nthree \"quoted\"\n# TYPE m gauge\nm 1\n";
    const auto r = parser(Format::Prometheus, true).parse(QByteArrayView(text));
    QVERIFY2(r.ok(), qPrintable(r.error()));
    const auto *f = r->family("m");
    QVERIFY(f);
    QCOMPARE(f->type, MetricType::Gauge);
    QCOMPARE(r->string(f->help), QStringLiteral("one\\two\nthree \"quoted\""));
}

void TestPromTextParser::labelEscapesAndUtf8()
{
    const QByteArray text = "m{a=\"x\\\\y\",b=\"say \\\"hi\\\"\",c=\"l1\\nl2\",d=\"Grüße 東京 🚀\",} 1\n";
    const auto r = parser(Format::Prometheus, true).parse(QByteArrayView(text));
    QVERIFY2(r.ok(), qPrintable(r.error()));
    QCOMPARE(r->samples().size(), size_t(1));
    const auto &s = r->samples()[0];
    QCOMPARE(s.labelCount, 4u);
    QCOMPARE(std::string(*r->label(s, "a")), std::string("x\\y"));
    QCOMPARE(std::string(*r->label(s, "b")), std::string("say \"hi\""));
    QCOMPARE(std::string(*r->label(s, "c")), std::string("l1\nl2"));
    QCOMPARE(QString::fromUtf8(r->label(s, "d")->data(), qsizetype(r->label(s, "d")->size())),
             QString::fromUtf8("Grüße 東京 🚀"));
    // The series key round-trips the escapes.
    QCOMPARE(r->seriesKey(s), std::string("m{a=\"x\\\\y\",b=\"say \\\"hi\\\"\",c=\"l1\\nl2\",d=\"Grüße 東京 🚀\"}"));
}

void TestPromTextParser::specialValuesAndTimestamps_data()
{
    QTest::addColumn<QByteArray>("value");
    QTest::addColumn<double>("expected");
    QTest::newRow("int") << QByteArray("42") << 42.0;
    QTest::newRow("negative") << QByteArray("-3.5") << -3.5;
    QTest::newRow("exponent") << QByteArray("1.5e3") << 1500.0;
    QTest::newRow("EXPONENT") << QByteArray("-2E-2") << -0.02;
    QTest::newRow("plus sign") << QByteArray("+7") << 7.0;
    QTest::newRow("leading dot") << QByteArray(".5") << 0.5;
    QTest::newRow("+Inf") << QByteArray("+Inf") << HUGE_VAL;
    QTest::newRow("-Inf") << QByteArray("-Inf") << -HUGE_VAL;
    QTest::newRow("NaN") << QByteArray("NaN") << std::nan("");
    QTest::newRow("huge") << QByteArray("1.8e308") << HUGE_VAL;
}

void TestPromTextParser::specialValuesAndTimestamps()
{
    QFETCH(QByteArray, value);
    QFETCH(double, expected);
    const QByteArray text = "a " + value + "\nb " + value + " 1395066363000\nc\t" + value + "\t-12 \n";
    const auto r = parser(Format::Prometheus, true).parse(QByteArrayView(text));
    QVERIFY2(r.ok(), qPrintable(r.error()));
    QCOMPARE(r->samples().size(), size_t(3));
    for (const auto &s : r->samples()) {
        if (std::isnan(expected))
            QVERIFY(std::isnan(s.value));
        else
            QCOMPARE(s.value, expected);
    }
    QVERIFY(!r->samples()[0].hasTimestamp);
    QVERIFY(r->samples()[1].hasTimestamp);
    QCOMPARE(r->samples()[1].timestampMs, qint64(1395066363000));
    QCOMPARE(r->samples()[2].timestampMs, qint64(-12));
}

void TestPromTextParser::histogramAndSummaryFamilies()
{
    const QByteArray text =
        "# TYPE rpc summary\n"
        "rpc{quantile=\"0.5\"} 4\n"
        "rpc{quantile=\"0.9\"} 9\n"
        "rpc_sum 100\n"
        "rpc_count 12\n"
        "# HELP lat Latency.\n"
        "# TYPE lat histogram\n"
        "lat_bucket{le=\"0.1\"} 1\n"
        "lat_bucket{le=\"+Inf\"} 3\n"
        "lat_sum 0.9\n"
        "lat_count 3\n";
    const auto r = parser(Format::Prometheus, true).parse(QByteArrayView(text));
    QVERIFY2(r.ok(), qPrintable(r.error()));
    QCOMPARE(r->families().size(), size_t(2));
    QCOMPARE(r->families()[0].type, MetricType::Summary);
    QCOMPARE(r->families()[0].sampleCount, 4u);
    QCOMPARE(r->families()[1].type, MetricType::Histogram);
    QCOMPARE(r->families()[1].sampleCount, 4u);
    QCOMPARE(*r->value("lat_bucket", {{"le", "+Inf"}}), 3.0);
    for (const auto &s : r->samples())
        QCOMPARE(r->string(r->families()[s.family].name), QString::fromStdString(std::string(r->text(s.name))).startsWith(QLatin1String("rpc")) ? QStringLiteral("rpc") : QStringLiteral("lat"));
}

void TestPromTextParser::untypedAndCommentsAndBlankLines()
{
    const QByteArray text = "\n# just a comment\n   \n#\n# TYPE x untyped\nx 1\n\n  y{a=\"b\"}   2   \n# HELP\n";
    const auto r = parser(Format::Prometheus, false).parse(QByteArrayView(text));
    QVERIFY2(r.ok(), qPrintable(r.error()));
    QCOMPARE(r->samples().size(), size_t(2));
    QCOMPARE(r->family("x")->type, MetricType::Untyped);
    QVERIFY(r->family("x")->hasType);
    QCOMPARE(r->family("y")->type, MetricType::Untyped);
    QVERIFY(!r->family("y")->hasType);
    QCOMPARE(*r->value("y", {{"a", "b"}}), 2.0);
}

void TestPromTextParser::crlfLenientOnly()
{
    const QByteArray text = "# TYPE a counter\r\na{x=\"1\"} 1\r\n";
    const auto lenient = parser(Format::Prometheus, false).parse(QByteArrayView(text));
    QVERIFY2(lenient.ok(), qPrintable(lenient.error()));
    QCOMPARE(*lenient->value("a", {{"x", "1"}}), 1.0);
    QCOMPARE(lenient->family("a")->type, MetricType::Counter);
    const auto strict = parser(Format::Prometheus, true).parse(QByteArrayView(text));
    QVERIFY(!strict.ok());
    QVERIFY2(strict.error().startsWith(QLatin1String("1:")), qPrintable(strict.error()));
}

void TestPromTextParser::invalidInput_data()
{
    QTest::addColumn<QByteArray>("text");
    QTest::addColumn<bool>("strictOnly");
    QTest::addColumn<QString>("position");
    QTest::addColumn<QString>("reason");
    QTest::newRow("no value") << QByteArray("a\n") << false << "1:2" << "expected a blank before the sample value";
    QTest::newRow("bad value") << QByteArray("a 1x\n") << false << "1:3" << "invalid sample value '1x'";
    QTest::newRow("bad name") << QByteArray("0a 1\n") << false << "1:1" << "expected a metric name";
    QTest::newRow("bad char in name") << QByteArray("a-b 1\n") << false << "1:2" << "invalid character '-'";
    QTest::newRow("bad timestamp") << QByteArray("a 1 12.5\n") << false << "1:5" << "invalid timestamp '12.5'";
    QTest::newRow("extra token") << QByteArray("a 1 2 3\n") << false << "1:7" << "unexpected text '3'";
    QTest::newRow("unterminated label") << QByteArray("a{b=\"c} 1\n") << false << "1:5" << "missing its closing '\"'";
    QTest::newRow("no closing brace") << QByteArray("a{b=\"c\" 1\n") << false << "1:9" << "expected ',' or '}'";
    QTest::newRow("label without quotes") << QByteArray("a{b=c} 1\n") << false << "1:5" << "expected '\"'";
    QTest::newRow("bad label name") << QByteArray("a{1b=\"c\"} 1\n") << false << "1:3" << "expected a label name";
    QTest::newRow("duplicate label") << QByteArray("a{b=\"1\",b=\"2\"} 1\n") << false << "1:9" << "label 'b' appears twice";
    QTest::newRow("unknown type") << QByteArray("# TYPE a countr\na 1\n") << false << "1:10" << "unknown metric type 'countr'";
    QTest::newRow("invalid utf8") << QByteArray("a{b=\"\xff\"} 1\n") << false << "1:6" << "not valid UTF-8";
    QTest::newRow("line number counts") << QByteArray("a 1\n\n# c\nb 2\nc ?\n") << false << "5:3" << "invalid sample value '?'";
    QTest::newRow("column counts characters") << QByteArray("a{b=\"é\"} x\n") << false << "1:10" << "invalid sample value 'x'";
    QTest::newRow("bad escape") << QByteArray("a{b=\"\\t\"} 1\n") << true << "1:6" << "invalid escape sequence '\\t'";
    QTest::newRow("bad help escape") << QByteArray("# HELP a x\\y\na 1\n") << true << "1:11" << "invalid escape sequence";
    QTest::newRow("no final newline") << QByteArray("a 1") << true << "1:4" << "last line must end with a line feed";
    QTest::newRow("second TYPE") << QByteArray("# TYPE a gauge\n# TYPE a gauge\na 1\n") << true << "2:3" << "second TYPE line";
    QTest::newRow("second HELP") << QByteArray("# HELP a x\n# HELP a y\na 1\n") << true << "2:3" << "second HELP line";
    QTest::newRow("TYPE after samples") << QByteArray("a 1\n# TYPE a gauge\n") << true << "2:3" << "comes after its samples";
    QTest::newRow("not grouped") << QByteArray("a{x=\"1\"} 1\nb 2\na{x=\"2\"} 3\n") << true << "3:1" << "not grouped together";
    QTest::newRow("duplicate series") << QByteArray("a{x=\"1\",y=\"2\"} 1\na{y=\"2\",x=\"1\"} 2\n") << true << "2:1" << "duplicate series";
    QTest::newRow("bucket without le") << QByteArray("# TYPE h histogram\nh_bucket 1\n") << true << "2:1" << "needs a 'le' label";
    QTest::newRow("bucket le not number") << QByteArray("# TYPE h histogram\nh_bucket{le=\"x\"} 1\n") << true << "2:1" << "must be a number";
    QTest::newRow("bare histogram sample") << QByteArray("# TYPE h histogram\nh 1\n") << true << "2:1" << "must end in _bucket";
    QTest::newRow("summary without quantile") << QByteArray("# TYPE s summary\ns 1\n") << true << "2:1" << "needs a 'quantile' label";
    QTest::newRow("exemplar in prometheus") << QByteArray("a 1 # {x=\"y\"} 1\n") << false << "1:5" << "no exemplars";
}

void TestPromTextParser::invalidInput()
{
    QFETCH(QByteArray, text);
    QFETCH(bool, strictOnly);
    QFETCH(QString, position);
    QFETCH(QString, reason);
    const auto strict = parser(Format::Prometheus, true).parse(QByteArrayView(text));
    QVERIFY(!strict.ok());
    QVERIFY2(strict.error().startsWith(position + QLatin1String(": ")), qPrintable(strict.error()));
    QVERIFY2(strict.error().contains(reason), qPrintable(strict.error()));
    const auto lenient = parser(Format::Prometheus, false).parse(QByteArrayView(text));
    QCOMPARE(lenient.ok(), strictOnly);
}

void TestPromTextParser::limits()
{
    PromTextParser::Options o;
    o.maxBodyBytes = 10;
    auto r = PromTextParser(o).parse(std::string_view("abc 1\ndef 2\n"));
    QVERIFY(!r.ok());
    QVERIFY2(r.error().contains(QLatin1String("over the limit of 10 bytes")), qPrintable(r.error()));
    QCOMPARE(PromTextParser::Options{}.maxBodyBytes, qsizetype(10 * 1024 * 1024));

    o = {};
    o.maxSamples = 2;
    QVERIFY(PromTextParser(o).parse(std::string_view("a 1\nb 2\n")).ok());
    r = PromTextParser(o).parse(std::string_view("a 1\nb 2\nc 3\n"));
    QVERIFY(!r.ok());
    QVERIFY2(r.error().startsWith(QLatin1String("3:1: more than 2 samples")), qPrintable(r.error()));

    o = {};
    o.maxLabelsPerSeries = 2;
    QVERIFY(PromTextParser(o).parse(std::string_view("a{x=\"1\",y=\"2\"} 1\n")).ok());
    r = PromTextParser(o).parse(std::string_view("a{x=\"1\",y=\"2\",z=\"3\"} 1\n"));
    QVERIFY(!r.ok());
    QVERIFY2(r.error().startsWith(QLatin1String("1:15: series has more than 2 labels")), qPrintable(r.error()));

    o = {};
    o.maxLabelLength = 4;
    QVERIFY(PromTextParser(o).parse(std::string_view("a{abcd=\"1234\"} 1\n")).ok());
    r = PromTextParser(o).parse(std::string_view("a{x=\"12345\"} 1\n"));
    QVERIFY(!r.ok());
    QVERIFY2(r.error().contains(QLatin1String("label 'x' is 5 bytes long, over the limit of 4")), qPrintable(r.error()));
    r = PromTextParser(o).parse(std::string_view("a{abcde=\"1\"} 1\n"));
    QVERIFY(!r.ok());
}

void TestPromTextParser::openMetrics()
{
    const QByteArray text =
        "# TYPE req counter\n"
        "# HELP req Requests \\\"served\\\".\n"
        "req_total{code=\"200\"} 10 # {trace_id=\"abc\"} 1 1520879607.789\n"
        "req_created{code=\"200\"} 1520879600.5\n"
        "# TYPE t_seconds gauge\n"
        "# UNIT t_seconds seconds\n"
        "t_seconds 1.5 1520879607.789\n"
        "# TYPE b info\n"
        "b_info{version=\"1\"} 1\n"
        "# TYPE h histogram\n"
        "h_bucket{le=\"1\"} 2 # {id=\"x\"} 0.5\n"
        "h_bucket{le=\"+Inf\"} 3\n"
        "h_count 3\n"
        "h_sum 4\n"
        "h_created 1\n"
        "# EOF\n";
    for (bool strict : {false, true}) {
        const auto r = parser(Format::OpenMetrics, strict).parse(QByteArrayView(text));
        QVERIFY2(r.ok(), qPrintable(r.error()));
        const auto *req = r->family("req");
        QVERIFY(req);
        QCOMPARE(req->type, MetricType::Counter);
        QCOMPARE(req->sampleCount, 2u);
        QVERIFY(!req->hasUnit);
        QCOMPARE(r->string(r->family("t_seconds")->unit), QStringLiteral("seconds"));
        QCOMPARE(r->string(req->help), QStringLiteral("Requests \"served\"."));
        QCOMPARE(*r->value("req_total", {{"code", "200"}}), 10.0);
        QCOMPARE(*r->value("req_created"), 1520879600.5);
        // Exemplars are skipped: their labels never show up.
        for (const auto &s : r->samples())
            QVERIFY(!r->label(s, "trace_id") && !r->label(s, "id"));
        const auto *t = r->find("t_seconds");
        QVERIFY(t && t->hasTimestamp);
        QCOMPARE(t->timestampMs, qint64(1520879607789));
        QCOMPARE(r->family("b")->type, MetricType::Info);
        QCOMPARE(r->family("h")->sampleCount, 5u);
    }
}

void TestPromTextParser::openMetricsStrict_data()
{
    QTest::addColumn<QByteArray>("text");
    QTest::addColumn<bool>("lenientOk");
    QTest::addColumn<QString>("position");
    QTest::addColumn<QString>("reason");
    QTest::newRow("missing EOF") << QByteArray("a 1\n") << false << "2:1" << "missing '# EOF'";
    QTest::newRow("after EOF") << QByteArray("# EOF\na 1\n") << false << "2:1" << "content after '# EOF'";
    QTest::newRow("blank line") << QByteArray("a 1\n\n# EOF\n") << true << "2:1" << "empty lines";
    QTest::newRow("free comment") << QByteArray("# hello\n# EOF\n") << true << "1:3" << "unknown metadata";
    QTest::newRow("double space") << QByteArray("a  1\n# EOF\n") << true << "1:3" << "exactly one space";
    QTest::newRow("trailing space") << QByteArray("a 1 \n# EOF\n") << true << "1:4" << "trailing whitespace";
    QTest::newRow("counter without _total") << QByteArray("# TYPE c counter\nc 1\n# EOF\n") << true << "2:1" << "end in _total";
    QTest::newRow("untyped keyword") << QByteArray("# TYPE c untyped\n# EOF\n") << false << "1:10" << "unknown metric type 'untyped'";
    QTest::newRow("unit mismatch") << QByteArray("# TYPE c gauge\n# UNIT c seconds\n# EOF\n") << true << "2:8" << "does not end in '_seconds'";
    QTest::newRow("trailing comma") << QByteArray("a{b=\"1\",} 1\n# EOF\n") << true << "1:9" << "trailing comma";
    QTest::newRow("hex value") << QByteArray("a 0x1\n# EOF\n") << false << "1:3" << "invalid sample value";
    QTest::newRow("exemplar on gauge") << QByteArray("# TYPE g gauge\ng 1 # {a=\"b\"} 1\n# EOF\n") << true << "2:5" << "exemplars are only allowed";
    QTest::newRow("long exemplar") << QByteArray("# TYPE c counter\nc_total 1 # {a=\"" + QByteArray(130, 'x') + "\"} 1\n# EOF\n") << true << "2:11" << "over OpenMetrics' 128";
    QTest::newRow("negative counter") << QByteArray("# TYPE c counter\nc_total -1\n# EOF\n") << true << "2:1" << "negative";
}

void TestPromTextParser::openMetricsStrict()
{
    QFETCH(QByteArray, text);
    QFETCH(bool, lenientOk);
    QFETCH(QString, position);
    QFETCH(QString, reason);
    const auto strict = parser(Format::OpenMetrics, true).parse(QByteArrayView(text));
    QVERIFY(!strict.ok());
    QVERIFY2(strict.error().startsWith(position + QLatin1String(": ")), qPrintable(strict.error()));
    QVERIFY2(strict.error().contains(reason), qPrintable(strict.error()));
    const auto lenient = parser(Format::OpenMetrics, false).parse(QByteArrayView(text));
    QVERIFY2(lenient.ok() == lenientOk, qPrintable(lenient.ok() ? QStringLiteral("lenient accepted") : lenient.error()));
}

void TestPromTextParser::contentType()
{
    QCOMPARE(PromTextParser::formatForContentType("application/openmetrics-text; version=1.0.0; charset=utf-8"),
             Format::OpenMetrics);
    QCOMPARE(PromTextParser::formatForContentType("text/plain; version=0.0.4; charset=utf-8"), Format::Prometheus);
}

namespace {

QJsonArray jsonCases(const QString &path)
{
    QFile f(turno::test::envPath("TURNO_SOURCE_DIR") + path);
    if (!f.open(QIODevice::ReadOnly))
        qFatal("cannot open %s", qPrintable(f.fileName()));
    QJsonParseError e;
    const QJsonDocument d = QJsonDocument::fromJson(f.readAll(), &e);
    if (d.isNull())
        qFatal("%s: %s", qPrintable(f.fileName()), qPrintable(e.errorString()));
    return d.object().value(QLatin1String("cases")).toArray();
}

}  // namespace

// tests/metrics/openmetrics_cases.json: each case cites the section of the
// OpenMetrics 1.0 specification it comes from and says "ok" or the refusal
// ("LINE:COL: rule") the checker must give, at the start of its message.
void TestPromTextParser::openMetricsCases_data()
{
    QTest::addColumn<QByteArray>("text");
    QTest::addColumn<QString>("expect");
    QTest::addColumn<QString>("section");
    QSet<QString> names;
    for (const QJsonValue &v : jsonCases(QStringLiteral("/tests/metrics/openmetrics_cases.json"))) {
        const QJsonObject c = v.toObject();
        const QString name = c.value(QLatin1String("name")).toString();
        QVERIFY2(!names.contains(name), qPrintable(name));
        names.insert(name);
        QVERIFY2(!c.value(QLatin1String("section")).toString().isEmpty(), qPrintable(name));
        QTest::newRow(qPrintable(name)) << c.value(QLatin1String("text")).toString().toUtf8() << c.value(QLatin1String("expect")).toString()
                                        << c.value(QLatin1String("section")).toString();
    }
    QVERIFY(names.size() >= 100);
}

void TestPromTextParser::openMetricsCases()
{
    QFETCH(QByteArray, text);
    QFETCH(QString, expect);
    QFETCH(QString, section);
    const auto r = parser(Format::OpenMetrics, true).parse(QByteArrayView(text));
    if (expect == QLatin1String("ok")) {
        QVERIFY2(r.ok(), qPrintable(section + QLatin1String(": ") + (r.ok() ? QString() : r.error())));
        return;
    }
    QVERIFY2(!r.ok(), qPrintable(section + QLatin1String(": accepted, expected ") + expect));
    QVERIFY2(r.error().startsWith(expect), qPrintable(QStringLiteral("%1\n   got: %2\nwanted: %3").arg(section, r.error(), expect)));
    // Every refusal names its place and its rule: "LINE:COL: rule".
    static const QRegularExpression shape(QStringLiteral("^[1-9][0-9]*:[1-9][0-9]*: \\S"));
    QVERIFY2(shape.match(r.error()).hasMatch(), qPrintable(r.error()));
}

void TestPromTextParser::openMetricsEscapesKeptAsWritten()
{
    // "A single backslash SHOULD NOT be used for undefined escape sequences"
    // but is valid: '\\a' and '\a' mean the same (Text format > Escaping).
    const QByteArray text = "# HELP a x\\y \\\\ \\n \\\"q\\\"\na{b=\"c\\d\",e=\"\\\\d\",f=\"\\n\\\"\"} 1\n# EOF\n";
    for (bool strict : {false, true}) {
        const auto r = parser(Format::OpenMetrics, strict).parse(QByteArrayView(text));
        QVERIFY2(r.ok(), qPrintable(r.error()));
        QCOMPARE(r->string(r->family("a")->help), QStringLiteral("x\\y \\ \n \"q\""));
        const auto &s = r->samples()[0];
        QCOMPARE(std::string(*r->label(s, "b")), std::string("c\\d"));
        QCOMPARE(std::string(*r->label(s, "e")), std::string("\\d"));
        QCOMPARE(std::string(*r->label(s, "f")), std::string("\n\""));
    }
    // The same text is refused by the 0.0.4 checker, as promtool does.
    const auto prom = parser(Format::Prometheus, true).parse(std::string_view("# HELP a x\\y\na 1\n"));
    QVERIFY(!prom.ok());
    QVERIFY2(prom.error().startsWith(QLatin1String("1:11: invalid escape sequence")), qPrintable(prom.error()));
}

void TestPromTextParser::openMetricsTimestampsAndSeries()
{
    const QByteArray text = "# TYPE a gauge\na 1 1520879607.789\na 2 1520879608\n# EOF\n";
    const auto r = parser(Format::OpenMetrics, true).parse(QByteArrayView(text));
    QVERIFY2(r.ok(), qPrintable(r.error()));
    QCOMPARE(r->samples().size(), size_t(2));
    QCOMPARE(r->samples()[0].timestampMs, qint64(1520879607789));
    QCOMPARE(r->samples()[1].timestampMs, qint64(1520879608000));
    QCOMPARE(r->samples()[1].value, 2.0);
}

// The same metrics in both formats give the same series (sample name, labels,
// value); only the family names and timestamp units differ by format.
void TestPromTextParser::sameSeriesInBothFormats()
{
    const QByteArray prom = turno::test::metricsFixture(QStringLiteral("turno_server_sample.prom"));
    const QByteArray om = turno::test::metricsFixture(QStringLiteral("turno_server_sample.om"));
    const auto a = parser(Format::Prometheus, true).parse(QByteArrayView(prom));
    QVERIFY2(a.ok(), qPrintable(a.error()));
    const auto b = parser(Format::OpenMetrics, true).parse(QByteArrayView(om));
    QVERIFY2(b.ok(), qPrintable(b.error()));
    QCOMPARE(a->samples().size(), b->samples().size());
    QVERIFY(a->samples().size() > 20);
    for (size_t i = 0; i < a->samples().size(); ++i) {
        const auto &x = a->samples()[i];
        const auto &y = b->samples()[i];
        QCOMPARE(b->seriesKey(y), a->seriesKey(x));
        QCOMPARE(y.value, x.value);
        QCOMPARE(y.hasTimestamp, x.hasTimestamp);
        QCOMPARE(y.timestampMs, x.timestampMs);
        QCOMPARE(b->families()[y.family].type, a->families()[x.family].type);
    }
    QCOMPARE(b->family("turno_http_requests")->type, MetricType::Counter);
    QCOMPARE(a->family("turno_http_requests_total")->type, MetricType::Counter);
}

QTEST_GUILESS_MAIN(TestPromTextParser)
#include "test_prom_text_parser.moc"
