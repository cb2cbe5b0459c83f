// turnoctl metrics check: exit codes and "line:col: reason" as a script sees them.
#include "metrics_test_util.h"

#include <QProcess>
#include <QTcpServer>
#include <QTcpSocket>
#include <QTest>

namespace {

struct Run {
    int exitCode = -1;
    QString out;
    QString err;
};

Run turnoctl(const QStringList &args, const QByteArray &input)
{
    QProcess p;
    p.start(turno::test::envPath("TURNOCTL_BIN"), args);
    if (!p.waitForStarted(10000))
        qFatal("turnoctl did not start");
    p.write(input);
    p.closeWriteChannel();
    if (!p.waitForFinished(20000))
        qFatal("turnoctl did not finish");
    return Run{p.exitStatus() == QProcess::NormalExit ? p.exitCode() : -1, QString::fromUtf8(p.readAllStandardOutput()),
               QString::fromUtf8(p.readAllStandardError())};
}

}  // namespace

class TestMetricsCli : public QObject {
    Q_OBJECT
private slots:
    void validFixtures_data();
    void validFixtures();
    void invalidInput_data();
    void invalidInput();
    void usageErrors();
    void listedInHelp();
    void everyCommandExplainsItself_data();
    void everyCommandExplainsItself();
    void optionForms();
    void checkOpenMetricsRules_data();
    void checkOpenMetricsRules();
    void dumpSaysWhichFormat_data();
    void dumpSaysWhichFormat();
};

void TestMetricsCli::validFixtures_data()
{
    QTest::addColumn<QString>("file");
    QTest::newRow("node_exporter") << "node_exporter_sample.txt";
    QTest::newRow("prometheus") << "prometheus_self_sample.txt";
    QTest::newRow("haproxy") << "haproxy_prom_sample.txt";
}

void TestMetricsCli::validFixtures()
{
    QFETCH(QString, file);
    const Run r = turnoctl({QStringLiteral("metrics"), QStringLiteral("check")}, turno::test::metricsFixture(file));
    QVERIFY2(r.exitCode == 0, qPrintable(r.err));
    QVERIFY2(r.out.startsWith(QLatin1String("ok: ")), qPrintable(r.out));
}

void TestMetricsCli::invalidInput_data()
{
    QTest::addColumn<QStringList>("args");
    QTest::addColumn<QByteArray>("input");
    QTest::addColumn<QString>("stderrStart");
    const QStringList prom{QStringLiteral("metrics"), QStringLiteral("check")};
    const QStringList om{QStringLiteral("metrics"), QStringLiteral("check"), QStringLiteral("--format"), QStringLiteral("openmetrics")};
    QTest::newRow("bad value") << prom << QByteArray("# TYPE a gauge\na 1\nb x\n") << "3:3: invalid sample value 'x'";
    QTest::newRow("no final newline") << prom << QByteArray("a 1") << "1:4: the last line must end with a line feed";
    QTest::newRow("om needs EOF") << om << QByteArray("a 1\n") << "2:1: missing '# EOF'";
    QTest::newRow("prometheus text is not om") << om << turno::test::metricsFixture(QStringLiteral("node_exporter_sample.txt"))
                                               << "21:1: counter 'go_memstats_alloc_bytes_total'";
    QTest::newRow("om= form") << QStringList{QStringLiteral("metrics"), QStringLiteral("check"), QStringLiteral("--format=openmetrics")}
                              << QByteArray("# EOF\nx") << "2:1: content after '# EOF'";
}

void TestMetricsCli::invalidInput()
{
    QFETCH(QStringList, args);
    QFETCH(QByteArray, input);
    QFETCH(QString, stderrStart);
    const Run r = turnoctl(args, input);
    QCOMPARE(r.exitCode, 1);
    QVERIFY2(r.err.startsWith(stderrStart), qPrintable(r.err));
}

void TestMetricsCli::usageErrors()
{
    Run r = turnoctl({QStringLiteral("metrics"), QStringLiteral("check"), QStringLiteral("--format"), QStringLiteral("json")}, "a 1\n");
    QCOMPARE(r.exitCode, 2);
    QVERIFY2(r.err.contains(QLatin1String("--format must be 'prometheus' or 'openmetrics'")), qPrintable(r.err));
    r = turnoctl({QStringLiteral("metrics"), QStringLiteral("dump")}, {});
    QCOMPARE(r.exitCode, 2);
    r = turnoctl({QStringLiteral("metrics"), QStringLiteral("dump"), QStringLiteral("ftp://x/metrics")}, {});
    QCOMPARE(r.exitCode, 2);
    // Nothing listens on port 1: unreachable, exit 3 with the reason.
    r = turnoctl({QStringLiteral("metrics"), QStringLiteral("dump"), QStringLiteral("http://127.0.0.1:1/metrics")}, {});
    QCOMPARE(r.exitCode, 3);
    QVERIFY2(r.err.contains(QLatin1String("127.0.0.1:1")), qPrintable(r.err));
}

void TestMetricsCli::listedInHelp()
{
    const Run r = turnoctl({QStringLiteral("--help")}, {});
    QCOMPARE(r.exitCode, 0);
    QVERIFY(r.out.contains(QLatin1String("metrics check [--format prometheus|openmetrics] < FILE")));
    QVERIFY(r.out.contains(QLatin1String("metrics dump URL")));
}

// Every turnoctl command parses with the one option table: --help prints its
// usage on stdout (exit 0), an unknown option is a usage error (exit 2) that
// names the command, before anything is started or contacted.
void TestMetricsCli::everyCommandExplainsItself_data()
{
    QTest::addColumn<QString>("command");
    for (const char *c : {"up", "down", "status", "scale", "drain", "enable", "weight", "balance", "attach", "logs", "bench", "soak",
                          "drill", "failover", "failback", "alerts", "alerts ack", "alerts reload-rules", "alerts check-rules",
                          "silence", "export prometheus", "export prometheus-rules", "events", "report", "incident open",
                          "incident close", "incident list", "incident note", "incident set", "incident action", "metrics check",
                          "metrics dump"})
        QTest::newRow(c) << QString::fromLatin1(c);
}

void TestMetricsCli::everyCommandExplainsItself()
{
    QFETCH(QString, command);
    const QStringList words = command.split(QLatin1Char(' '));
    const Run help = turnoctl(words + QStringList{QStringLiteral("--help")}, {});
    QCOMPARE(help.exitCode, 0);
    QVERIFY2(help.out.startsWith(QStringLiteral("Usage: turnoctl ") + command), qPrintable(help.out));
    QVERIFY2(help.out.contains(QLatin1String("\n  -h, --help ")), qPrintable(help.out));
    QVERIFY2(turnoctl(words + QStringList{QStringLiteral("-h")}, {}).out == help.out, "-h and --help differ");
    const Run bad = turnoctl(words + QStringList{QStringLiteral("--no-such-option")}, {});
    QCOMPARE(bad.exitCode, 2);
    QVERIFY2(bad.err.startsWith(QStringLiteral("turnoctl %1: unknown option '--no-such-option'").arg(command)), qPrintable(bad.err));
    QVERIFY2(bad.err.contains(QStringLiteral("\nUsage: turnoctl ") + command), qPrintable(bad.err));
    QVERIFY(bad.out.isEmpty());
}

void TestMetricsCli::optionForms()
{
    const QStringList check{QStringLiteral("metrics"), QStringLiteral("check")};
    // --opt VALUE and --opt=VALUE are the same option; a flag takes no =VALUE.
    QCOMPARE(turnoctl(check + QStringList{QStringLiteral("--format"), QStringLiteral("openmetrics")}, "a 1\n# EOF\n").exitCode, 0);
    QCOMPARE(turnoctl(check + QStringList{QStringLiteral("--format=openmetrics")}, "a 1\n# EOF\n").exitCode, 0);
    QCOMPARE(turnoctl(check + QStringList{QStringLiteral("--format=openmetrics")}, "a 1\n").exitCode, 1);
    Run r = turnoctl(check + QStringList{QStringLiteral("--format")}, {});
    QCOMPARE(r.exitCode, 2);
    QVERIFY2(r.err.contains(QLatin1String("--format needs a value")), qPrintable(r.err));
    r = turnoctl({QStringLiteral("incident"), QStringLiteral("list"), QStringLiteral("--json=yes")}, {});
    QCOMPARE(r.exitCode, 2);
    QVERIFY2(r.err.contains(QLatin1String("--json takes no value")), qPrintable(r.err));
    // After "--" everything is positional, even what looks like an option.
    r = turnoctl({QStringLiteral("metrics"), QStringLiteral("dump"), QStringLiteral("--"), QStringLiteral("--weird")}, {});
    QCOMPARE(r.exitCode, 2);
    QVERIFY2(r.err.contains(QLatin1String("'--weird' is not an http(s) URL")), qPrintable(r.err));
    // A negative number is an argument (here one the command refuses), not an option.
    r = turnoctl({QStringLiteral("weight"), QStringLiteral("primary-1"), QStringLiteral("-1")}, {});
    QCOMPARE(r.exitCode, 2);
    QVERIFY2(r.err.contains(QLatin1String("W must be a weight from 0 to 256")), qPrintable(r.err));
    // --help wins over a mistake elsewhere on the line.
    r = turnoctl({QStringLiteral("soak"), QStringLiteral("--bogus"), QStringLiteral("--help")}, {});
    QCOMPARE(r.exitCode, 0);
    // The usage lists the options of the table with their value names.
    r = turnoctl({QStringLiteral("soak"), QStringLiteral("--help")}, {});
    for (const char *line : {"\n  --target URL ", "\n  --max-rss-growth F ", "\n  --json ", "\nVerdict limits:\n"})
        QVERIFY2(r.out.contains(QLatin1String(line)), line);
}

// The two examples of issue 18, as a user runs them.
void TestMetricsCli::checkOpenMetricsRules_data()
{
    QTest::addColumn<QByteArray>("input");
    QTest::addColumn<int>("exitCode");
    QTest::addColumn<QString>("output");
    QTest::newRow("histogram _sum NaN") << QByteArray("# TYPE a histogram\na_sum NaN\n# EOF\n") << 1
                                        << "2:7: histogram 'a': _sum must not be NaN or negative, got NaN\n";
    QTest::newRow("backslash before a letter") << QByteArray("# HELP a C:\\dir\na{path=\"C:\\dir\"} 1\n# EOF\n") << 0
                                               << "ok: 1 families, 1 samples\n";
}

void TestMetricsCli::checkOpenMetricsRules()
{
    QFETCH(QByteArray, input);
    QFETCH(int, exitCode);
    QFETCH(QString, output);
    const Run r = turnoctl({QStringLiteral("metrics"), QStringLiteral("check"), QStringLiteral("--format"), QStringLiteral("openmetrics")}, input);
    QCOMPARE(r.exitCode, exitCode);
    QCOMPARE(exitCode == 0 ? r.out : r.err, output);
}

void TestMetricsCli::dumpSaysWhichFormat_data()
{
    QTest::addColumn<bool>("offerOpenMetrics");
    QTest::newRow("openmetrics") << true;
    QTest::newRow("prometheus") << false;
}

// A target that answers OpenMetrics when the Accept header asks for it.
void TestMetricsCli::dumpSaysWhichFormat()
{
    QFETCH(bool, offerOpenMetrics);
    const QByteArray prom = turno::test::metricsFixture(QStringLiteral("turno_server_sample.prom"));
    const QByteArray om = turno::test::metricsFixture(QStringLiteral("turno_server_sample.om"));
    QTcpServer server;
    QVERIFY(server.listen(QHostAddress::LocalHost));
    QByteArray accept;
    connect(&server, &QTcpServer::newConnection, this, [&] {
        QTcpSocket *s = server.nextPendingConnection();
        connect(s, &QTcpSocket::readyRead, s, [&, s] {
            const QByteArray req = s->readAll();
            const qsizetype at = req.toLower().indexOf("\r\naccept: ");
            accept = req.mid(at + 10, req.indexOf("\r\n", at + 2) - at - 10);
            const bool useOm = offerOpenMetrics && accept.startsWith("application/openmetrics-text");
            const QByteArray body = useOm ? om : prom;
            s->write("HTTP/1.1 200 OK\r\nContent-Type: " +
                     QByteArray(useOm ? "application/openmetrics-text; version=1.0.0; charset=utf-8" : "text/plain; version=0.0.4; charset=utf-8") +
                     "\r\nContent-Length: " + QByteArray::number(body.size()) + "\r\n\r\n" + body);
        });
    });
    QProcess p;
    p.start(turno::test::envPath("TURNOCTL_BIN"),
            {QStringLiteral("metrics"), QStringLiteral("dump"), QStringLiteral("http://127.0.0.1:%1/metrics").arg(server.serverPort())});
    QTRY_VERIFY_WITH_TIMEOUT(p.state() == QProcess::NotRunning, 20000);
    const QString out = QString::fromUtf8(p.readAllStandardOutput());
    QCOMPARE(p.exitCode(), 0);
    QVERIFY2(accept.startsWith("application/openmetrics-text;version=1.0.0,"), accept.constData());
    const QString first = out.section(QLatin1Char('\n'), 0, 0);
    QCOMPARE(first, offerOpenMetrics
                        ? QStringLiteral("# format: openmetrics (Content-Type: application/openmetrics-text; version=1.0.0; charset=utf-8)")
                        : QStringLiteral("# format: prometheus (Content-Type: text/plain; version=0.0.4; charset=utf-8)"));
    // The same series either way; the counter's family is named as its format names it.
    QVERIFY(out.contains(QLatin1String("\n  turno_http_requests_total{handler=\"turno\",code=\"200\",method=\"GET\"} 181234\n")));
    QVERIFY(out.contains(QLatin1String("\n  turno_probe_seconds{target=\"a\"} 0.25 @1764775801250\n")));
    QVERIFY(out.contains(offerOpenMetrics ? QLatin1String("\nturno_http_requests (counter, 4 samples)")
                                          : QLatin1String("\nturno_http_requests_total (counter, 4 samples)")));
}

QTEST_GUILESS_MAIN(TestMetricsCli)
#include "test_metrics_cli.moc"
