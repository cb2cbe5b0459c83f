// HaproxyRuntime's parsers against output captured from a real HAProxy, and
// its reply classification.
#include "fleet/haproxy_runtime.h"

#include <QFile>
#include <QtTest>

using turno::HaproxyRuntime;
using turno::HaproxyStatRow;

class TestHaproxyRuntime : public QObject {
    Q_OBJECT

private slots:
    void parsesCapturedShowStat()
    {
        QFile f(qEnvironmentVariable("TURNO_SOURCE_DIR") + QStringLiteral("/tests/metrics/fixtures/haproxy_show_stat_sample.csv"));
        QVERIFY2(f.open(QIODevice::ReadOnly), qPrintable(f.fileName()));
        const auto rows = HaproxyRuntime::parseShowStat(f.readAll());
        QVERIFY2(rows.ok(), qPrintable(rows.error()));
        const HaproxyStatRow *s1 = nullptr;
        const HaproxyStatRow *fe = nullptr;
        for (const HaproxyStatRow &r : rows.value()) {
            if (r.proxy == QLatin1String("be") && r.server == QLatin1String("s1"))
                s1 = &r;
            if (r.proxy == QLatin1String("fe") && r.server == QLatin1String("FRONTEND"))
                fe = &r;
        }
        QVERIFY(s1 && fe);
        QCOMPARE(s1->stateName(), QStringLiteral("UP"));
        QCOMPARE(s1->weight, 1);
        QCOMPARE(s1->totalSessions, 5);
        QCOMPARE(s1->lbTotal, 5);
        QCOMPARE(s1->address, QStringLiteral("127.0.0.1:28481"));
        QCOMPARE(s1->checkStatus, QStringLiteral("L7OK"));
        QVERIFY(!s1->backup);
        QCOMPARE(fe->status, QStringLiteral("OPEN"));
        QCOMPARE(fe->totalSessions, 11);
        QCOMPARE(fe->requestsTotal, 11);
    }

    void statesAreNormalised()
    {
        HaproxyStatRow r;
        const QList<QPair<QString, QString>> cases{{QStringLiteral("UP"), QStringLiteral("UP")},
                                                   {QStringLiteral("UP 1/2"), QStringLiteral("UP")},
                                                   {QStringLiteral("DOWN 1/2"), QStringLiteral("DOWN")},
                                                   {QStringLiteral("DRAIN"), QStringLiteral("DRAIN")},
                                                   {QStringLiteral("NOLB"), QStringLiteral("DRAIN")},
                                                   {QStringLiteral("MAINT"), QStringLiteral("MAINT")},
                                                   {QStringLiteral("MAINT (resolution)"), QStringLiteral("MAINT")},
                                                   {QStringLiteral("no check"), QStringLiteral("no check")}};
        for (const auto &[raw, want] : cases) {
            r.status = raw;
            QCOMPARE(r.stateName(), want);
        }
    }

    void refusesWhatIsNotShowStat()
    {
        QVERIFY(!HaproxyRuntime::parseShowStat("Unknown command.\n").ok());
        QVERIFY(!HaproxyRuntime::parseShowStat("# a,b,c\n1,2,3\n").ok());
    }

    void parsesServersState()
    {
        const QByteArray text =
            "1\n"
            "# be_id be_name srv_id srv_name srv_addr srv_op_state srv_admin_state srv_uweight srv_iweight "
            "srv_time_since_last_change srv_check_status srv_check_result srv_check_health srv_check_state "
            "srv_agent_state bk_f_forced_id srv_f_forced_id srv_fqdn srv_port srvrecord srv_use_ssl srv_check_port "
            "srv_check_addr srv_agent_addr srv_agent_port\n"
            "3 turno_nodes 1 primary-1 127.0.0.1 2 0 1 1 12 6 3 4 6 0 0 0 - 41000 - 0 0 - - 0\n"
            "3 turno_nodes 2 primary-2 127.0.0.1 2 8 3 3 12 6 3 4 6 0 0 0 - 41001 - 0 0 - - 0\n";
        const auto r = HaproxyRuntime::parseServersState(text);
        QVERIFY2(r.ok(), qPrintable(r.error()));
        QCOMPARE(r.value().size(), 2);
        QCOMPARE(r.value()[1].server, QStringLiteral("primary-2"));
        QCOMPARE(r.value()[1].adminState, 8);
        QCOMPARE(r.value()[1].userWeight, 3);
        QCOMPARE(r.value()[1].port, quint16(41001));
        QCOMPARE(r.value()[0].operationalState, 2);
        QVERIFY(!HaproxyRuntime::parseServersState("No such backend.\n").ok());
    }

    void classifiesActionReplies()
    {
        QVERIFY(HaproxyRuntime::actionResult(QStringLiteral("set weight a/b 2"), QByteArray("\n")).ok());
        QVERIFY(HaproxyRuntime::actionResult(QStringLiteral("add server a/b"), QByteArray("New server registered.\n")).ok());
        const auto bad = HaproxyRuntime::actionResult(QStringLiteral("set weight a/x 2"), QByteArray("No such server.\n"));
        QVERIFY(!bad.ok());
        QVERIFY2(bad.error().contains(QLatin1String("No such server")) && bad.error().contains(QLatin1String("a/x")),
                 qPrintable(bad.error()));
    }

    void unreachableSocketSaysSo()
    {
        HaproxyRuntime rt(QStringLiteral("/nonexistent/haproxy.sock"));
        const auto r = rt.sendSync(QStringLiteral("show stat"), 500);
        QVERIFY(!r.ok());
        QVERIFY2(r.error().contains(QLatin1String("/nonexistent/haproxy.sock")), qPrintable(r.error()));
    }
};

QTEST_GUILESS_MAIN(TestHaproxyRuntime)
#include "test_haproxy_runtime.moc"
