// AlertmanagerClient against Debian's prometheus-alertmanager: a highly
// available pair (gossiping peers) and a URL where nothing listens. Both peers
// get a firing alert with the labels and annotations an Alertmanager user
// expects; the dead URL is retried and reported while the others are served; a
// firing alert is re-sent (its endsAt moves on, so Alertmanager does not resolve
// it); the silences that cover this cluster's alerts are found, others not; a
// resolved alert ends in Alertmanager. End to end: a `turnoctl up` cluster
// whose rules file names both peers; a node frozen with SIGSTOP arrives in both
// as NodeDown (cluster "local") and ends there once it runs again; another one,
// silenced in the console (turnoctl silence) after it started firing, is no
// longer re-sent, so it leaves both while the console still lists it firing, and
// comes back once the silence is expired early.
#include "alerts/alertmanager_client.h"
#include "test_support.h"

#include <QDateTime>
#include <QElapsedTimer>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <csignal>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>

using namespace turno;
using namespace turno::test;

namespace {

QJsonDocument getJson(quint16 port, const QByteArray &path)
{
    const HttpReply r = httpGet(port, "GET " + path + " HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n", 5000);
    return QJsonDocument::fromJson(r.body);
}

// The alert of node in Alertmanager's /api/v2/alerts on port, or an empty object.
QJsonObject alertOf(quint16 port, const QString &node, const QString &cluster = QStringLiteral("am-test"),
                    const QString &rule = {})
{
    for (const QJsonValue &v : getJson(port, "/api/v2/alerts").array())
        if (v[QStringLiteral("labels")][QStringLiteral("node")].toString() == node &&
            v[QStringLiteral("labels")][QStringLiteral("cluster")].toString() == cluster &&
            (rule.isEmpty() || v[QStringLiteral("labels")][QStringLiteral("alertname")].toString() == rule))
            return v.toObject();
    return {};
}

ProgramRun turnoctl(const QStringList &args, const QStringList &extraEnv = {})
{
    return runProgram(envPath("TURNOCTL_BIN"), args, 90000, extraEnv);
}

Alert nodeDown(const QString &node)
{
    Alert a;
    a.rule = QStringLiteral("NodeDown");
    a.instance = QStringLiteral("up{node=\"%1\"}").arg(node);
    a.id = a.rule + QLatin1Char('|') + a.instance;
    a.node = node;
    a.severity = QStringLiteral("critical");
    a.labels = {{QStringLiteral("alertname"), a.rule}, {QStringLiteral("severity"), a.severity}};
    a.summary = node + QStringLiteral(" does not answer its metrics scrape");
    a.state = Alert::State::Firing;
    a.firingSinceMs = QDateTime::currentMSecsSinceEpoch() - 3000;
    return a;
}

AlertTransition to(const Alert &a, Alert::State state)
{
    AlertTransition t;
    t.alert = a;
    t.alert.state = state;
    t.from = state == Alert::State::Firing ? Alert::State::Pending : Alert::State::Firing;
    t.to = state;
    t.atMs = QDateTime::currentMSecsSinceEpoch();
    return t;
}

}  // namespace

class TestAlertmanager : public QObject {
    Q_OBJECT

    QTemporaryDir m_dir;
    ChildProcess m_am[2];
    quint16 m_port[2] = {0, 0};
    QString m_dead;
    AlertmanagerClient m_client;
    Alert m_alert = nodeDown(QStringLiteral("primary-1"));
    QString m_runDir;
    qint64 m_frozen = 0;  // a node left stopped by a failed test, continued at cleanup

    qint64 pidOf(const QString &node)
    {
        const QJsonObject st = QJsonDocument::fromJson(
                                   turnoctl({QStringLiteral("status"), QStringLiteral("--json"), QStringLiteral("--run-dir"), m_runDir}).out)
                                   .object();
        for (const QJsonValue &v : st.value(QStringLiteral("nodes")).toArray())
            if (v[QStringLiteral("node")].toString() == node)
                return v[QStringLiteral("pid")].toInteger();
        return 0;
    }

private slots:
    void initTestCase()
    {
        const QString bin = findProgram(QStringLiteral("prometheus-alertmanager"));
        QVERIFY2(!bin.isEmpty(), "prometheus-alertmanager missing: run scripts/setup.sh");
        const QString config = m_dir.filePath(QStringLiteral("am.yml"));
        QFile f(config);
        QVERIFY(f.open(QIODevice::WriteOnly));
        f.write("route:\n  receiver: blackhole\n  group_wait: 1s\n  group_by: [alertname, cluster]\nreceivers:\n  - name: blackhole\n");
        f.close();
        const quint16 gossip[2] = {freePort(), freePort()};
        for (int i = 0; i < 2; ++i) {
            m_port[i] = freePort();
            QVERIFY(m_am[i].start(bin,
                                  {QStringLiteral("--config.file=") + config,
                                   QStringLiteral("--storage.path=") + m_dir.filePath(QStringLiteral("data-%1").arg(i)),
                                   QStringLiteral("--web.listen-address=127.0.0.1:%1").arg(m_port[i]),
                                   QStringLiteral("--cluster.listen-address=127.0.0.1:%1").arg(gossip[i]),
                                   QStringLiteral("--cluster.peer=127.0.0.1:%1").arg(gossip[1 - i])},
                                  m_dir.filePath(QStringLiteral("am-%1.log").arg(i))));
        }
        for (int i = 0; i < 2; ++i) {
            QVERIFY2(m_am[i].waitForPort(m_port[i], 30000), qPrintable(m_am[i].log().right(2000)));
            QTRY_VERIFY_WITH_TIMEOUT(getJson(m_port[i], "/api/v2/status").object().contains(QStringLiteral("cluster")), 20000);
        }
        m_dead = QStringLiteral("http://127.0.0.1:%1").arg(freePort());
        m_client.setUrls({QStringLiteral("http://127.0.0.1:%1").arg(m_port[0]),
                          QStringLiteral("http://127.0.0.1:%1/api/v2/alerts").arg(m_port[1]), m_dead});
        m_client.setCluster(QStringLiteral("am-test"));
        m_client.setResendIntervalMs(1000);
    }

    void endpointsAndMatchers()
    {
        QCOMPARE(AlertmanagerClient::alertsEndpoint(QStringLiteral("http://h:9093")), QStringLiteral("http://h:9093/api/v2/alerts"));
        QCOMPARE(AlertmanagerClient::alertsEndpoint(QStringLiteral("http://h:9093/am/")), QStringLiteral("http://h:9093/am/api/v2/alerts"));
        QCOMPARE(AlertmanagerClient::alertsEndpoint(QStringLiteral("ftp://h")), QString());
        const QMap<QString, QString> labels{{QStringLiteral("alertname"), QStringLiteral("NodeDown")},
                                            {QStringLiteral("node"), QStringLiteral("primary-1")}};
        auto m = [](const char *name, const char *value, bool regex, bool equal) {
            return QJsonObject{{QStringLiteral("name"), QLatin1String(name)}, {QStringLiteral("value"), QLatin1String(value)},
                               {QStringLiteral("isRegex"), regex}, {QStringLiteral("isEqual"), equal}};
        };
        QVERIFY(AlertmanagerClient::matches({m("alertname", "NodeDown", false, true)}, labels));
        QVERIFY(AlertmanagerClient::matches({m("node", "primary-.*", true, true), m("alertname", "NodeDown", false, true)}, labels));
        QVERIFY(!AlertmanagerClient::matches({m("node", "primary", true, true)}, labels));  // anchored, as Alertmanager's
        QVERIFY(!AlertmanagerClient::matches({m("alertname", "NodeDown", false, false)}, labels));
        QVERIFY(AlertmanagerClient::matches({m("node", "secondary-.*", true, false)}, labels));
        QVERIFY(!AlertmanagerClient::matches({}, labels));
    }

    void bothPeersGetAFiringAlertAndTheDeadUrlIsRetried()
    {
        QSignalSpy failed(&m_client, &AlertmanagerClient::failed);
        m_client.onTransition(to(m_alert, Alert::State::Firing));
        for (int i = 0; i < 2; ++i) {
            QTRY_VERIFY_WITH_TIMEOUT(!alertOf(m_port[i], QStringLiteral("primary-1")).isEmpty(), 10000);
            const QJsonObject a = alertOf(m_port[i], QStringLiteral("primary-1"));
            const QJsonObject labels = a[QStringLiteral("labels")].toObject();
            QCOMPARE(labels[QStringLiteral("alertname")].toString(), QStringLiteral("NodeDown"));
            QCOMPARE(labels[QStringLiteral("severity")].toString(), QStringLiteral("critical"));
            QCOMPARE(labels[QStringLiteral("cluster")].toString(), QStringLiteral("am-test"));
            QCOMPARE(a[QStringLiteral("annotations")][QStringLiteral("summary")].toString(), m_alert.summary);
            QCOMPARE(a[QStringLiteral("generatorURL")].toString(), QStringLiteral("turno-ops://alerts/NodeDown"));
            const qint64 startsAt = QDateTime::fromString(a[QStringLiteral("startsAt")].toString(), Qt::ISODateWithMs).toMSecsSinceEpoch();
            QVERIFY2(std::abs(startsAt - m_alert.firingSinceMs) < 1000, qPrintable(a[QStringLiteral("startsAt")].toString()));
            QCOMPARE(a[QStringLiteral("status")][QStringLiteral("state")].toString(), QStringLiteral("active"));
        }
        // The dead one: refused at once, tried again a second later, the live ones never waited for it.
        auto retried = [&failed, this] {
            for (const QList<QVariant> &f : failed)
                if (f.at(0).toString().startsWith(m_dead) && f.at(2).toInt() == 2)
                    return true;
            return false;
        };
        QTRY_VERIFY_WITH_TIMEOUT(retried(), 10000);
        QCOMPARE(failed.at(0).at(0).toString(), m_dead + QStringLiteral("/api/v2/alerts"));
        QCOMPARE(failed.at(0).at(2).toInt(), 1);
        for (const QList<QVariant> &f : failed)
            QVERIFY2(f.at(0).toString().startsWith(m_dead), qPrintable(f.at(0).toString()));
        const QJsonArray status = m_client.statusJson();
        QCOMPARE(status.size(), 3);
        QVERIFY(status[0][QStringLiteral("sent")].toInt() >= 1);
        QVERIFY(status[1][QStringLiteral("sent")].toInt() >= 1);
        QCOMPARE(status[2][QStringLiteral("sent")].toInt(), 0);
        QVERIFY(!status[2][QStringLiteral("lastError")].toString().isEmpty());
    }

    void aFiringAlertIsResentSoItStaysActive()
    {
        auto endsAt = [this] {
            return QDateTime::fromString(alertOf(m_port[0], QStringLiteral("primary-1"))[QStringLiteral("endsAt")].toString(),
                                         Qt::ISODateWithMs).toMSecsSinceEpoch();
        };
        const qint64 first = endsAt();
        QVERIFY(first > QDateTime::currentMSecsSinceEpoch());
        // Four re-send intervals ahead, moved on by every re-send.
        QTRY_VERIFY_WITH_TIMEOUT(endsAt() >= first + 1000, 10000);
        QCOMPARE(m_client.firingIds(), QStringList{m_alert.id});
    }

    void silencesThatCoverTheClusterAreFound()
    {
        const qint64 now = QDateTime::currentMSecsSinceEpoch();
        auto silence = [&](const QString &cluster, const QString &comment) {
            const QJsonObject body{
                {QStringLiteral("matchers"),
                 QJsonArray{QJsonObject{{QStringLiteral("name"), QStringLiteral("alertname")}, {QStringLiteral("value"), QStringLiteral("NodeDown")},
                                        {QStringLiteral("isRegex"), false}, {QStringLiteral("isEqual"), true}},
                            QJsonObject{{QStringLiteral("name"), QStringLiteral("cluster")}, {QStringLiteral("value"), cluster},
                                        {QStringLiteral("isRegex"), false}, {QStringLiteral("isEqual"), true}}}},
                {QStringLiteral("startsAt"), QDateTime::fromMSecsSinceEpoch(now).toUTC().toString(Qt::ISODateWithMs)},
                {QStringLiteral("endsAt"), QDateTime::fromMSecsSinceEpoch(now + 3600000).toUTC().toString(Qt::ISODateWithMs)},
                {QStringLiteral("createdBy"), QStringLiteral("test")},
                {QStringLiteral("comment"), comment}};
            const QByteArray json = QJsonDocument(body).toJson(QJsonDocument::Compact);
            const HttpReply r = httpGet(m_port[0], "POST /api/v2/silences HTTP/1.1\r\nHost: t\r\nContent-Type: application/json\r\n"
                                                   "Connection: close\r\nContent-Length: " + QByteArray::number(json.size()) + "\r\n\r\n" + json);
            return r.status;
        };
        QCOMPARE(silence(QStringLiteral("am-test"), QStringLiteral("planned maintenance")), 200);
        QCOMPARE(silence(QStringLiteral("another-cluster"), QStringLiteral("not ours")), 200);
        QList<AlertmanagerSilence> found;
        QStringList errors;
        bool answered = false;
        m_client.fetchSilences({m_alert}, [&](QList<AlertmanagerSilence> s, QStringList e) {
            found = s;
            errors = e;
            answered = true;
        });
        QTRY_VERIFY_WITH_TIMEOUT(answered, 10000);
        QCOMPARE(found.size(), 1);  // one row although both peers know it
        QCOMPARE(found[0].comment, QStringLiteral("planned maintenance"));
        QCOMPARE(found[0].matchedAlerts, QStringList{m_alert.id});
        QVERIFY2(found[0].matchers.contains(QLatin1String("cluster=\"am-test\"")), qPrintable(found[0].matchers));
        QCOMPARE(errors.size(), 1);
        QVERIFY2(errors[0].startsWith(m_dead), qPrintable(errors.join(QLatin1Char(';'))));
        // Alertmanager marks the alert suppressed by it.
        QTRY_COMPARE_WITH_TIMEOUT(alertOf(m_port[0], QStringLiteral("primary-1"))[QStringLiteral("status")][QStringLiteral("state")].toString(),
                                  QStringLiteral("suppressed"), 10000);
    }

    void aResolvedAlertEndsInAlertmanager()
    {
        m_client.onTransition(to(m_alert, Alert::State::Resolved));
        QVERIFY(m_client.firingIds().isEmpty());
        for (int i = 0; i < 2; ++i)
            QTRY_VERIFY_WITH_TIMEOUT(alertOf(m_port[i], QStringLiteral("primary-1")).isEmpty(), 10000);
    }

    void aFrozenNodeOfARealClusterReachesBothPeers()
    {
        QFile defaults(envPath("TURNO_SOURCE_DIR") + QStringLiteral("/resources/alerts/default_rules.json"));
        QVERIFY(defaults.open(QIODevice::ReadOnly));
        QJsonObject rules = QJsonDocument::fromJson(defaults.readAll()).object();
        rules.insert(QStringLiteral("notify"),
                     QJsonObject{{QStringLiteral("alertmanager"), QJsonArray{QStringLiteral("http://127.0.0.1:%1").arg(m_port[0]),
                                                                            QStringLiteral("http://127.0.0.1:%1").arg(m_port[1])}},
                                 {QStringLiteral("alertmanager_resend"), QStringLiteral("2s")}});
        const QString file = m_dir.filePath(QStringLiteral("rules.json"));
        QFile out(file);
        QVERIFY(out.open(QIODevice::WriteOnly));
        out.write(QJsonDocument(rules).toJson());
        out.close();
        m_runDir = m_dir.filePath(QStringLiteral("run"));
        const ProgramRun up = turnoctl({QStringLiteral("up"), QStringLiteral("--detach"), QStringLiteral("--run-dir"), m_runDir,
                                 QStringLiteral("--balancer"), QStringLiteral("127.0.0.1:0"), QStringLiteral("--db"),
                                 m_dir.filePath(QStringLiteral("incidents.db"))},
                                {QStringLiteral("TURNO_ALERT_RULES=") + file});
        QVERIFY2(up.code == 0, up.err.constData());
        const qint64 pid = pidOf(QStringLiteral("primary-2"));
        QVERIFY(pid > 0);
        QCOMPARE(::kill(pid_t(pid), SIGSTOP), 0);
        for (int i = 0; i < 2; ++i)
            QTRY_VERIFY_WITH_TIMEOUT(!alertOf(m_port[i], QStringLiteral("primary-2"), QStringLiteral("local"), QStringLiteral("NodeDown")).isEmpty(),
                                     20000);
        const QJsonObject a = alertOf(m_port[0], QStringLiteral("primary-2"), QStringLiteral("local"), QStringLiteral("NodeDown"));
        QCOMPARE(a[QStringLiteral("labels")][QStringLiteral("severity")].toString(), QStringLiteral("critical"));
        QVERIFY2(a[QStringLiteral("annotations")][QStringLiteral("summary")].toString().contains(QLatin1String("primary-2")),
                 QJsonDocument(a).toJson().constData());
        // status --json says what each Alertmanager took.
        const QJsonObject after = QJsonDocument::fromJson(
                                      turnoctl({QStringLiteral("status"), QStringLiteral("--json"), QStringLiteral("--run-dir"), m_runDir}).out)
                                      .object();
        const QJsonArray delivery = after.value(QStringLiteral("alertmanager")).toArray();
        QCOMPARE(delivery.size(), 2);
        for (const QJsonValue &d : delivery)
            QVERIFY2(d[QStringLiteral("sent")].toInt() >= 1 && d[QStringLiteral("failuresInARow")].toInt() == 0,
                     QJsonDocument(d.toObject()).toJson().constData());
        ::kill(pid_t(pid), SIGCONT);
        for (int i = 0; i < 2; ++i)
            QTRY_VERIFY_WITH_TIMEOUT(alertOf(m_port[i], QStringLiteral("primary-2"), QStringLiteral("local"), QStringLiteral("NodeDown")).isEmpty(),
                                     20000);
    }

    void aSilenceInTheConsoleStopsTheResends()
    {
        QVERIFY(!m_runDir.isEmpty());
        const QString node = QStringLiteral("primary-1");
        auto inPeer = [&](int i) {
            return !alertOf(m_port[i], node, QStringLiteral("local"), QStringLiteral("NodeDown")).isEmpty();
        };
        const qint64 pid = pidOf(node);
        QVERIFY(pid > 0);
        QCOMPARE(::kill(pid_t(pid), SIGSTOP), 0);
        m_frozen = pid;
        for (int i = 0; i < 2; ++i)
            QTRY_VERIFY_WITH_TIMEOUT(inPeer(i), 20000);

        const ProgramRun silence = turnoctl({QStringLiteral("silence"), QStringLiteral("--node"), node, QStringLiteral("--for"),
                                             QStringLiteral("10m"), QStringLiteral("--run-dir"), m_runDir});
        QVERIFY2(silence.code == 0, silence.err.constData());
        const QByteArray said = silence.out.mid(silence.out.indexOf('#') + 1);
        const int id = said.left(said.indexOf(' ')).toInt();
        QVERIFY2(id > 0, silence.out.constData());
        // No longer re-sent, it lapses in both once the endsAt of its last send (4 x 2 s) has passed.
        for (int i = 0; i < 2; ++i)
            QTRY_VERIFY_WITH_TIMEOUT(!inPeer(i), 20000);
        // The node is still down: the console still has it firing, silenced.
        bool listed = false;
        const QJsonObject alerts = QJsonDocument::fromJson(
                                       turnoctl({QStringLiteral("alerts"), QStringLiteral("--json"), QStringLiteral("--run-dir"), m_runDir}).out)
                                       .object();
        for (const QJsonValue &v : alerts.value(QStringLiteral("alerts")).toArray())
            if (v[QStringLiteral("rule")].toString() == QLatin1String("NodeDown") && v[QStringLiteral("node")].toString() == node) {
                QCOMPARE(v[QStringLiteral("state")].toString(), QStringLiteral("firing"));
                QCOMPARE(v[QStringLiteral("silenced")].toBool(), true);
                listed = true;
            }
        QVERIFY2(listed, QJsonDocument(alerts).toJson().constData());

        // The silence ended early while it still fires: the next re-send brings it back.
        const ProgramRun expire = turnoctl({QStringLiteral("silence"), QStringLiteral("--expire"), QString::number(id),
                                            QStringLiteral("--run-dir"), m_runDir});
        QVERIFY2(expire.code == 0, expire.err.constData());
        for (int i = 0; i < 2; ++i)
            QTRY_VERIFY_WITH_TIMEOUT(inPeer(i), 20000);
        ::kill(pid_t(pid), SIGCONT);
        m_frozen = 0;
        for (int i = 0; i < 2; ++i)
            QTRY_VERIFY_WITH_TIMEOUT(!inPeer(i), 20000);
    }

    void cleanupTestCase()
    {
        if (m_frozen > 0)
            ::kill(pid_t(m_frozen), SIGCONT);
        if (!m_runDir.isEmpty())
            turnoctl({QStringLiteral("down"), QStringLiteral("--run-dir"), m_runDir});
        for (ChildProcess &am : m_am)
            am.terminate();
    }
};

QTEST_GUILESS_MAIN(TestAlertmanager)
#include "test_alertmanager.moc"
