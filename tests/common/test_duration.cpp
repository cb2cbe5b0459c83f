// parseDurationMs in both dialects: what each accepts, what only one does, and
// malformed input (-1) in either.
#include "common/duration.h"

#include <QTest>

using turno::DurationSyntax;
using turno::parseDurationMs;

class TestDuration : public QObject {
    Q_OBJECT

private slots:
    void bothDialects_data()
    {
        QTest::addColumn<QString>("text");
        QTest::addColumn<qint64>("rules");       // DurationSyntax::alertRules()
        QTest::addColumn<qint64>("prometheus");  // DurationSyntax::prometheus()
        auto row = [](const char *text, qint64 rules, qint64 prometheus) {
            QTest::newRow(*text ? text : "(empty)") << QString::fromLatin1(text) << rules << prometheus;
        };
        // What both read alike.
        row("500ms", 500, 500);
        row("15s", 15000, 15000);
        row("10m", 600000, 600000);
        row("2h", 7200000, 7200000);
        row("1m30s", 90000, 90000);
        row("1h0m5s250ms", 3605250, 3605250);
        row("0s", 0, 0);
        row("007s", 7000, 7000);
        // Decimals and a bare 0: the rules' only; a part's fraction of a ms is dropped.
        row("1.5h", 5400000, -1);
        row("0.5s", 500, -1);
        row("1.5ms", 1, -1);
        row("0", 0, -1);
        // Days, weeks and years: Prometheus's only.
        row("1d", -1, 86400000);
        row("2w", -1, 2 * 7 * 86400000LL);
        row("1y", -1, 365 * 86400000LL);
        row("1d12h", -1, 86400000 + 12 * 3600000);
        row("1h1d", -1, 3600000 + 86400000);
        // Malformed in both.
        row("", -1, -1);
        row("10", -1, -1);
        row("s10", -1, -1);
        row("ms", -1, -1);
        row("15 s", -1, -1);
        row(" 15s", -1, -1);
        row("15s ", -1, -1);
        row("-5s", -1, -1);
        row("+5s", -1, -1);
        row("5S", -1, -1);
        row("5sec", -1, -1);
        row("5mss", -1, -1);
        row("1m30", -1, -1);
        row("1.s", -1, -1);
        row(".5s", -1, -1);
        row("1.5.5s", -1, -1);
        row("1,5s", -1, -1);
        row("00", -1, -1);
        row("1e3ms", -1, -1);
        row("5x", -1, -1);
        // 2^53 ms and beyond (285,616 years): refused rather than inexact or overflowing.
        row("9007199254740991ms", 9007199254740991LL, 9007199254740991LL);
        row("9007199254740992ms", -1, -1);
        row("9007199254740991ms1ms", -1, -1);
        row("99999999999999999999999h", -1, -1);
        row("285617y", -1, -1);
        row("285616y", -1, 285616 * 365 * 86400000LL);
    }
    void bothDialects()
    {
        QFETCH(QString, text);
        QFETCH(qint64, rules);
        QFETCH(qint64, prometheus);
        QCOMPARE(parseDurationMs(text, DurationSyntax::alertRules()), rules);
        QCOMPARE(parseDurationMs(text, DurationSyntax::prometheus()), prometheus);
    }

    // The two switches apart from the named dialects.
    void eachSwitchAlone()
    {
        DurationSyntax decimalsOnly;
        decimalsOnly.decimals = true;
        QCOMPARE(parseDurationMs(QStringLiteral("2.5m"), decimalsOnly), qint64(150000));
        QCOMPARE(parseDurationMs(QStringLiteral("0"), decimalsOnly), qint64(-1));
        QCOMPARE(parseDurationMs(QStringLiteral("1d"), decimalsOnly), qint64(-1));
        DurationSyntax plain;
        QCOMPARE(parseDurationMs(QStringLiteral("1h30m"), plain), qint64(5400000));
        QCOMPARE(parseDurationMs(QStringLiteral("1w"), plain), qint64(-1));
        QCOMPARE(parseDurationMs(QStringLiteral("0.5s"), plain), qint64(-1));
    }
};

QTEST_APPLESS_MAIN(TestDuration)
#include "test_duration.moc"
