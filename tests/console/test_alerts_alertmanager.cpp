// The Alerts tab's Alertmanager part, offscreen, against Debian's
// prometheus-alertmanager: without notify.alertmanager it says how to add one;
// with one live and one dead URL it shows delivery per URL and the silences
// that cover this cluster (cluster="local" here), and says which URL it could
// not read.
#include "alerts_panel.h"
#include "models/alertmanager_silences_model.h"
#include "runtime/alert_commands.h"
#include "runtime/fleet_monitor.h"
#include "test_support.h"

#include <QApplication>
#include <QDateTime>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QLabel>
#include <QTableView>
#include <QTemporaryDir>
#include <QTest>

using namespace turno::test;

class TestAlertsAlertmanager : public QObject {
    Q_OBJECT

    QTemporaryDir m_dir;
    ChildProcess m_am;
    quint16 m_port = 0;

private slots:
    void initTestCase()
    {
        const QString bin = findProgram(QStringLiteral("prometheus-alertmanager"));
        QVERIFY2(!bin.isEmpty(), "prometheus-alertmanager missing: run scripts/setup.sh");
        QFile cfg(m_dir.filePath(QStringLiteral("am.yml")));
        QVERIFY(cfg.open(QIODevice::WriteOnly));
        cfg.write("route:\n  receiver: blackhole\nreceivers:\n  - name: blackhole\n");
        cfg.close();
        m_port = freePort();
        QVERIFY(m_am.start(bin,
                           {QStringLiteral("--config.file=") + cfg.fileName(),
                            QStringLiteral("--storage.path=") + m_dir.filePath(QStringLiteral("data")),
                            QStringLiteral("--web.listen-address=127.0.0.1:%1").arg(m_port),
                            QStringLiteral("--cluster.listen-address=")},
                           m_dir.filePath(QStringLiteral("am.log"))));
        QVERIFY2(m_am.waitForPort(m_port, 30000), qPrintable(m_am.log().right(2000)));
    }

    void showsDeliveryAndTheClustersSilences()
    {
        turno::FleetMonitor monitor;
        turno::console::AlertsPanel panel(&monitor);
        panel.resize(900, 700);
        panel.show();
        QVERIFY(QTest::qWaitForWindowExposed(&panel));
        QVERIFY2(panel.alertmanagerLabel()->text().startsWith(QLatin1String("No Alertmanager configured")),
                 qPrintable(panel.alertmanagerLabel()->text()));
        QVERIFY(panel.alertmanagerSilencesTable()->isHidden());

        // The default rules with a notify section: a live Alertmanager and a dead one.
        QFile defaults(envPath("TURNO_SOURCE_DIR") + QStringLiteral("/resources/alerts/default_rules.json"));
        QVERIFY(defaults.open(QIODevice::ReadOnly));
        QJsonObject rules = QJsonDocument::fromJson(defaults.readAll()).object();
        const QString dead = QStringLiteral("http://127.0.0.1:%1").arg(freePort());
        rules.insert(QStringLiteral("notify"),
                     QJsonObject{{QStringLiteral("alertmanager"),
                                  QJsonArray{QStringLiteral("http://127.0.0.1:%1").arg(m_port), dead}}});
        const QString file = m_dir.filePath(QStringLiteral("rules.json"));
        QFile out(file);
        QVERIFY(out.open(QIODevice::WriteOnly));
        out.write(QJsonDocument(rules).toJson());
        out.close();
        const auto loaded = turno::AlertCommands::of(&monitor)->reloadRules(file);
        QVERIFY2(loaded.ok(), qPrintable(loaded.error()));

        // A silence for this cluster and one for another, made in Alertmanager.
        const qint64 now = QDateTime::currentMSecsSinceEpoch();
        for (const char *cluster : {"local", "elsewhere"}) {
            const QJsonObject body{
                {QStringLiteral("matchers"),
                 QJsonArray{QJsonObject{{QStringLiteral("name"), QStringLiteral("cluster")}, {QStringLiteral("value"), QLatin1String(cluster)},
                                        {QStringLiteral("isRegex"), false}, {QStringLiteral("isEqual"), true}}}},
                {QStringLiteral("startsAt"), QDateTime::fromMSecsSinceEpoch(now).toUTC().toString(Qt::ISODateWithMs)},
                {QStringLiteral("endsAt"), QDateTime::fromMSecsSinceEpoch(now + 3600000).toUTC().toString(Qt::ISODateWithMs)},
                {QStringLiteral("createdBy"), QStringLiteral("oncall")},
                {QStringLiteral("comment"), QStringLiteral("window for %1").arg(QLatin1String(cluster))}};
            const QByteArray json = QJsonDocument(body).toJson(QJsonDocument::Compact);
            QCOMPARE(httpGet(m_port, "POST /api/v2/silences HTTP/1.1\r\nHost: t\r\nContent-Type: application/json\r\nConnection: close\r\n"
                                     "Content-Length: " + QByteArray::number(json.size()) + "\r\n\r\n" + json).status, 200);
        }
        panel.refreshAlertmanager();
        QTRY_COMPARE_WITH_TIMEOUT(panel.alertmanagerSilences()->rowCount(), 1, 10000);
        QVERIFY(!panel.alertmanagerSilencesTable()->isHidden());
        const QModelIndex comment = panel.alertmanagerSilences()->index(0, turno::AlertmanagerSilencesModel::CommentColumn);
        QCOMPARE(comment.data().toString(), QStringLiteral("window for local"));
        QCOMPARE(panel.alertmanagerSilences()->index(0, turno::AlertmanagerSilencesModel::MatchersColumn).data().toString(),
                 QStringLiteral("cluster=\"local\""));
        const QString text = panel.alertmanagerLabel()->text();
        QVERIFY2(text.contains(QStringLiteral("127.0.0.1:%1/api/v2/alerts: 0 batches delivered").arg(m_port)), qPrintable(text));
        QVERIFY2(text.contains(QLatin1String("1 silence(s) cover this cluster's alerts")), qPrintable(text));
        QVERIFY2(text.contains(QStringLiteral("silences unreadable from %1/api/v2/silences").arg(dead)), qPrintable(text));
    }

    void cleanupTestCase() { m_am.terminate(); }
};

QTEST_MAIN(TestAlertsAlertmanager)
#include "test_alerts_alertmanager.moc"
