// turnoctl metrics check: exit codes and "line:col: reason" as a script sees them.
#include "metrics_test_util.h"

#include <QProcess>
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

QTEST_GUILESS_MAIN(TestMetricsCli)
#include "test_metrics_cli.moc"
