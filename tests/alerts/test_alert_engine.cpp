// AlertEngine on simulated time over a real SeriesStore: the state machine,
// hysteresis against flapping, staleness, silences, acknowledgement and the
// notifications (webhook in Alertmanager's shape to a local listener, command).
#include "alerts/alert_engine.h"
#include "alerts/alert_notifier.h"
#include "metrics/series_store.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QSignalSpy>
#include <QTcpServer>
#include <QTcpSocket>
#include <QTemporaryDir>
#include <QTest>

using namespace turno;

namespace {

AlertRuleSet oneRule(double threshold, double resolve, qint64 forMs, qint64 keepMs, AlertRule::Op op = AlertRule::Op::Greater)
{
    AlertRule r;
    r.name = QStringLiteral("HighCpu");
    r.metric = QStringLiteral("cpu_percent");
    r.op = op;
    r.threshold = threshold;
    r.resolveThreshold = resolve;
    r.forMs = forMs;
    r.keepFiringForMs = keepMs;
    r.severity = QStringLiteral("critical");
    r.summary = QStringLiteral("CPU {{value}}% on {{node}} over {{threshold}}");
    AlertRuleSet set;
    set.source = QStringLiteral("test");
    set.rules << r;
    return set;
}

constexpr qint64 kT0 = 1'700'000'000'000;

}  // namespace

class TestAlertEngine : public QObject {
    Q_OBJECT
private slots:
    void pendingThenFiringThenResolved()
    {
        SeriesStore store;
        AlertEngine engine(&store);
        engine.setRules(oneRule(80, 70, 10000, 5000));
        QSignalSpy spy(&engine, &AlertEngine::transition);
        const int id = store.series(QStringLiteral("cpu_percent{node=\"primary-1\"}"));
        QList<QPair<qint64, QString>> seen;
        connect(&engine, &AlertEngine::transition, this,
                [&](const AlertTransition &t) { seen << qMakePair((t.atMs - kT0) / 1000, Alert::stateName(t.to)); });
        // 5 s calm, 20 s hot, then calm.
        for (int s = 0; s < 60; ++s) {
            const double v = (s >= 5 && s < 25) ? 90 : 20;
            store.append(id, kT0 + s * 1000, v);
            engine.evaluate(kT0 + s * 1000);
        }
        QCOMPARE(seen.size(), 3);
        QCOMPARE(seen[0], qMakePair(qint64(5), QStringLiteral("pending")));
        QCOMPARE(seen[1], qMakePair(qint64(15), QStringLiteral("firing")));   // for: 10 s
        QCOMPARE(seen[2], qMakePair(qint64(30), QStringLiteral("resolved"))); // clear at 25 + keep_firing_for 5 s
        const auto t = spy.at(1).at(0).value<AlertTransition>();
        QCOMPARE(t.alert.node, QStringLiteral("primary-1"));
        QCOMPARE(t.alert.summary, QStringLiteral("CPU 90% on primary-1 over 80"));
        QCOMPARE(t.alert.labels.value(QStringLiteral("alertname")), QStringLiteral("HighCpu"));
    }

    // A hung node: the scrape that asked it at 6.0 s times out and arrives at
    // 6.9 s with up=0 stamped 6.0 s. Its `for` counts from 6.0 s, so it fires at
    // 9.0 s, as a node that died at 6.0 s (refused at once) would.
    void aTimedOutScrapeCountsFromWhenItAsked()
    {
        SeriesStore store;
        AlertEngine engine(&store);
        AlertRule r;
        r.name = QStringLiteral("NodeDown");
        r.metric = QStringLiteral("up");
        r.op = AlertRule::Op::Less;
        r.threshold = 1;
        r.resolveThreshold = 1;
        r.forMs = 3000;
        r.severity = QStringLiteral("critical");
        AlertRuleSet set;
        set.source = QStringLiteral("test");
        set.rules << r;
        engine.setRules(set);
        const int hung = store.series(QStringLiteral("up{node=\"hung\"}"));
        const int dead = store.series(QStringLiteral("up{node=\"dead\"}"));
        QMap<QString, QList<QPair<qint64, QString>>> seen;
        connect(&engine, &AlertEngine::transition, this, [&](const AlertTransition &t) {
            seen[t.alert.node] << qMakePair(t.atMs - kT0, Alert::stateName(t.to));
        });
        for (int s = 0; s < 6; ++s) {
            store.append(hung, kT0 + s * 1000, 1);
            store.append(dead, kT0 + s * 1000, 1);
            engine.evaluate(kT0 + s * 1000 + 1);
        }
        // The dead one is refused at once; the hung one's answer is a timeout 900 ms later.
        store.append(dead, kT0 + 6000, 0);
        engine.evaluate(kT0 + 6001);
        store.append(hung, kT0 + 6000, 0);
        engine.evaluate(kT0 + 6900);
        const auto pendingSince = [&engine](const QString &node) {
            for (const Alert &a : engine.alerts())
                if (a.node == node)
                    return a.pendingSinceMs - kT0;
            return qint64(-1);
        };
        QCOMPARE(pendingSince(QStringLiteral("dead")), qint64(6000));
        QCOMPARE(pendingSince(QStringLiteral("hung")), qint64(6000));
        QCOMPARE(seen.value(QStringLiteral("hung")).value(0), qMakePair(qint64(6900), QStringLiteral("pending")));
        for (qint64 t : {7000, 8000, 8999}) {
            store.append(dead, kT0 + t, 0);
            engine.evaluate(kT0 + t);
        }
        QCOMPARE(seen.value(QStringLiteral("hung")).size(), 1);  // still pending at 8.999 s
        store.append(hung, kT0 + 7000, 0);  // the next timed-out scrape, stamped when it asked
        engine.evaluate(kT0 + 9000);
        QCOMPARE(seen.value(QStringLiteral("hung")).value(1), qMakePair(qint64(9000), QStringLiteral("firing")));
        QCOMPARE(seen.value(QStringLiteral("dead")).value(1), qMakePair(qint64(9000), QStringLiteral("firing")));

        // Evidence older than `for` (a scrape that took longer than the rule's
        // `for`) fires at once, pending and firing in the same evaluation.
        const int slow = store.series(QStringLiteral("up{node=\"slow\"}"));
        store.append(slow, kT0 + 9000, 1);
        engine.evaluate(kT0 + 9001);
        store.append(slow, kT0 + 9500, 0);
        engine.evaluate(kT0 + 13000);
        QCOMPARE(seen.value(QStringLiteral("slow")).size(), 2);
        QCOMPARE(seen.value(QStringLiteral("slow")).value(1), qMakePair(qint64(13000), QStringLiteral("firing")));
    }

    void shortSpikeNeverFires()
    {
        SeriesStore store;
        AlertEngine engine(&store);
        engine.setRules(oneRule(80, 70, 10000, 5000));
        const int id = store.series(QStringLiteral("cpu_percent{node=\"a\"}"));
        int firing = 0;
        connect(&engine, &AlertEngine::transition, this, [&](const AlertTransition &t) { firing += t.to == Alert::State::Firing; });
        for (int s = 0; s < 30; ++s) {
            store.append(id, kT0 + s * 1000, (s % 12) < 9 ? 95 : 10);  // 9 s hot, 3 s calm
            engine.evaluate(kT0 + s * 1000);
        }
        QCOMPARE(firing, 0);
    }

    void flappingAtThresholdFiresAtMostOnce()
    {
        // A value hovering around the threshold for a minute: 79..81 with noise.
        SeriesStore store;
        AlertEngine engine(&store);
        engine.setRules(oneRule(80, 70, 10000, 5000));
        const int id = store.series(QStringLiteral("cpu_percent{node=\"a\"}"));
        int firing = 0, resolved = 0;
        connect(&engine, &AlertEngine::transition, this, [&](const AlertTransition &t) {
            firing += t.to == Alert::State::Firing;
            resolved += t.to == Alert::State::Resolved;
        });
        quint32 seed = 12345;
        for (int s = 0; s < 60; ++s) {
            seed = seed * 1103515245u + 12345u;
            const double v = 79.0 + double((seed >> 16) % 300) / 100.0;  // 79.00 .. 81.99
            store.append(id, kT0 + s * 1000, v);
            engine.evaluate(kT0 + s * 1000);
        }
        QVERIFY2(firing <= 1, qPrintable(QStringLiteral("fired %1 times").arg(firing)));
        QCOMPARE(resolved, 0);  // never below the resolve threshold of 70
        // And a long stretch just above the threshold does fire, once.
        for (int s = 60; s < 90; ++s) {
            store.append(id, kT0 + s * 1000, s % 2 ? 80.5 : 81.5);
            engine.evaluate(kT0 + s * 1000);
        }
        QCOMPARE(firing, 1);
    }

    void lessThanRulesAndStaleSeries()
    {
        SeriesStore store;
        AlertEngine engine(&store);
        AlertRuleSet rules = oneRule(1, 1, 3000, 0, AlertRule::Op::Less);
        rules.rules[0].name = QStringLiteral("NodeDown");
        rules.rules[0].metric = QStringLiteral("up");
        engine.setRules(rules);
        engine.setStaleAfterMs(3000);
        const int up = store.series(QStringLiteral("up{node=\"n1\"}"));
        const int other = store.series(QStringLiteral("up{node=\"n2\"}"));
        QStringList log;
        connect(&engine, &AlertEngine::transition, this,
                [&](const AlertTransition &t) { log << t.alert.node + QLatin1Char(':') + Alert::stateName(t.to); });
        for (int s = 0; s < 10; ++s) {
            store.append(up, kT0 + s * 1000, s >= 2 ? 0 : 1);
            store.append(other, kT0 + s * 1000, 1);
            engine.evaluate(kT0 + s * 1000);
        }
        QCOMPARE(log, (QStringList{QStringLiteral("n1:pending"), QStringLiteral("n1:firing")}));
        QCOMPARE(engine.count(Alert::State::Firing), 1);
        // The series stops (node removed): after the stale window it resolves.
        for (int s = 10; s < 20; ++s) {
            store.append(other, kT0 + s * 1000, 1);
            engine.evaluate(kT0 + s * 1000);
        }
        QCOMPARE(log.last(), QStringLiteral("n1:resolved"));
    }

    void silenceAndAcknowledge()
    {
        SeriesStore store;
        AlertEngine engine(&store);
        engine.setRules(oneRule(80, 70, 0, 0));
        const int a = store.series(QStringLiteral("cpu_percent{node=\"a\"}"));
        const int b = store.series(QStringLiteral("cpu_percent{node=\"b\"}"));
        const int sid = engine.addSilence(QString(), QStringLiteral("a"), 5000, QStringLiteral("maintenance"), kT0);
        QList<AlertTransition> ts;
        connect(&engine, &AlertEngine::transition, this, [&](const AlertTransition &t) { ts << t; });
        store.append(a, kT0, 99);
        store.append(b, kT0, 99);
        engine.evaluate(kT0);
        QCOMPARE(engine.count(Alert::State::Firing), 2);
        for (const Alert &al : engine.alerts())
            QCOMPARE(al.silenced, al.node == QLatin1String("a"));
        // The notifier stays quiet for the silenced one.
        AlertNotifier notifier;
        QTemporaryDir dir;
        const QString out = dir.filePath(QStringLiteral("hook.txt"));
        notifier.setCommand({QStringLiteral("/bin/sh"), QStringLiteral("-c"),
                             QStringLiteral("echo \"$TURNO_ALERT_NODE $TURNO_ALERT_STATE\" >> '%1'").arg(out)});
        QSignalSpy delivered(&notifier, &AlertNotifier::delivered);
        for (const AlertTransition &t : ts)
            notifier.onTransition(t);
        QTRY_COMPARE_WITH_TIMEOUT(delivered.size(), 1, 5000);
        QFile f(out);
        QVERIFY(f.open(QIODevice::ReadOnly));
        QCOMPARE(f.readAll(), QByteArray("b firing\n"));
        // Expiry: after 5 s the silence is gone.
        store.append(a, kT0 + 6000, 99);
        store.append(b, kT0 + 6000, 99);
        engine.evaluate(kT0 + 6000);
        QVERIFY(engine.silences().isEmpty());
        QVERIFY(!engine.removeSilence(sid));
        for (const Alert &al : engine.alerts())
            QVERIFY(!al.silenced);
        QVERIFY(engine.acknowledge(QStringLiteral("HighCpu|cpu_percent{node=\"a\"}")).ok());
        QVERIFY(!engine.acknowledge(QStringLiteral("nope")).ok());
    }

    void webhookInAlertmanagerShape()
    {
        QTcpServer server;
        QVERIFY(server.listen(QHostAddress::LocalHost));
        QByteArray received;
        connect(&server, &QTcpServer::newConnection, this, [&] {
            QTcpSocket *s = server.nextPendingConnection();
            connect(s, &QTcpSocket::readyRead, this, [&, s] {
                received += s->readAll();
                const qsizetype end = received.indexOf("\r\n\r\n");
                const qsizetype cl = received.indexOf("Content-Length: ");
                if (end > 0 && cl > 0 && received.size() >= end + 4 + received.mid(cl + 16, 8).split('\r').first().toInt())
                    s->write("HTTP/1.1 200 OK\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");
            });
        });
        SeriesStore store;
        AlertEngine engine(&store);
        engine.setRules(oneRule(80, 70, 0, 0));
        AlertNotifier notifier;
        notifier.setWebhook(QStringLiteral("http://127.0.0.1:%1/api/v2/alerts").arg(server.serverPort()));
        connect(&engine, &AlertEngine::transition, &notifier, &AlertNotifier::onTransition);
        QSignalSpy delivered(&notifier, &AlertNotifier::delivered);
        const int id = store.series(QStringLiteral("cpu_percent{node=\"x\"}"));
        store.append(id, kT0, 97);
        engine.evaluate(kT0);
        QTRY_COMPARE_WITH_TIMEOUT(delivered.size(), 1, 5000);
        QVERIFY(received.startsWith("POST /api/v2/alerts HTTP/1.1"));
        const QJsonDocument doc = QJsonDocument::fromJson(received.mid(received.indexOf("\r\n\r\n") + 4));
        QVERIFY(doc.isArray());
        const QJsonObject a = doc.array().first().toObject();
        QCOMPARE(a.value(QStringLiteral("labels")).toObject().value(QStringLiteral("alertname")).toString(), QStringLiteral("HighCpu"));
        QCOMPARE(a.value(QStringLiteral("labels")).toObject().value(QStringLiteral("severity")).toString(), QStringLiteral("critical"));
        QCOMPARE(a.value(QStringLiteral("labels")).toObject().value(QStringLiteral("node")).toString(), QStringLiteral("x"));
        QVERIFY(a.value(QStringLiteral("startsAt")).toString().endsWith(QLatin1Char('Z')));
        QVERIFY(!a.contains(QStringLiteral("endsAt")));
        QVERIFY(a.value(QStringLiteral("annotations")).toObject().value(QStringLiteral("summary")).toString().contains(QStringLiteral("97")));
    }

    void reloadKeepsStateAndRefusesBrokenFile()
    {
        SeriesStore store;
        AlertEngine engine(&store);
        engine.setRules(oneRule(80, 70, 0, 0));
        const int id = store.series(QStringLiteral("cpu_percent{node=\"a\"}"));
        store.append(id, kT0, 90);
        engine.evaluate(kT0);
        QCOMPARE(engine.count(Alert::State::Firing), 1);
        QTemporaryDir dir;
        const QString path = dir.filePath(QStringLiteral("rules.json"));
        QFile f(path);
        QVERIFY(f.open(QIODevice::WriteOnly));
        f.write("{\"version\": 1, \"rules\": [\n{\"name\": \"HighCpu\", \"metric\": \"cpu_percent\", \"threshold\": 85}]}");
        f.close();
        QVERIFY(engine.reloadRules(path).ok());
        QCOMPARE(engine.count(Alert::State::Firing), 1);  // still firing, not re-announced
        QCOMPARE(engine.rules().rules.first().threshold, 85.0);
        QVERIFY(f.open(QIODevice::WriteOnly | QIODevice::Truncate));
        f.write("{\"version\": 1, \"rules\": [\n{\"name\": 5}]}");
        f.close();
        const auto bad = engine.reloadRules(path);
        QVERIFY(!bad.ok());
        QVERIFY2(bad.error().startsWith(path + QStringLiteral(":2:")), qPrintable(bad.error()));
        QCOMPARE(engine.rules().rules.first().threshold, 85.0);  // old rules stay in force
    }

    // A minute of CPU hovering around the default HighCpu rule's threshold
    // (> 80 for 10 s, resolves < 70 held 5 s), sampled every 250 ms like the
    // fault tests' cluster: it fires once and stays firing. Synthetic series:
    // a real node cannot be made to hover this precisely.
    void flappingAroundTheThresholdFiresAtMostOnce()
    {
        SeriesStore store;
        AlertEngine engine(&store);
        const auto defaults = AlertRuleLoader::loadDefault();
        QVERIFY2(defaults.ok(), qPrintable(defaults.error()));
        engine.setRules(defaults.value());
        const int id = store.series(QStringLiteral("cpu_percent{node=\"primary-1\"}"));
        int firing = 0, resolved = 0, pending = 0;
        connect(&engine, &AlertEngine::transition, this, [&](const AlertTransition &t) {
            if (t.alert.rule != QLatin1String("HighCpu"))
                return;
            firing += t.to == Alert::State::Firing;
            resolved += t.to == Alert::State::Resolved;
            pending += t.to == Alert::State::Pending;
        });
        // 12 s clearly hot (it fires), then 48 s hovering 72..88 around the
        // threshold with a 2 s dip to 66 every 15 s (shorter than keep_firing_for).
        quint32 seed = 12345;
        for (int step = 0; step < 240; ++step) {
            seed = seed * 1103515245u + 12345u;
            const qint64 t = kT0 + step * 250;
            double v = step < 48 ? 90 : 72 + double((seed >> 16) % 17);
            if (step >= 48 && step % 60 >= 50 && step % 60 < 58)
                v = 66;
            store.append(id, t, v);
            engine.evaluate(t);
        }
        QCOMPARE(firing, 1);
        QCOMPARE(resolved, 0);
        qInfo("FIGURE flapping-minute rule=HighCpu pending=%d firing=%d resolved=%d", pending, firing, resolved);

        // Around the NodeDown rule (up < 1 for 3 s, no hysteresis): down 2 s out of every 4 s never fires.
        const int up = store.series(QStringLiteral("up{node=\"primary-2\"}"));
        int nodeDownFiring = 0;
        connect(&engine, &AlertEngine::transition, this, [&](const AlertTransition &t) {
            nodeDownFiring += t.alert.rule == QLatin1String("NodeDown") && t.to == Alert::State::Firing;
        });
        for (int step = 0; step < 240; ++step) {
            const qint64 t = kT0 + 60000 + step * 250;
            store.append(up, t, (step / 8) % 2 ? 0.0 : 1.0);
            engine.evaluate(t);
        }
        QCOMPARE(nodeDownFiring, 0);
    }

    // Silences: saved and restored with their id, expiry and author; ending
    // one keeps the others in force; acknowledgement records who.
    void silencesRoundTripAndAcknowledgement()
    {
        SeriesStore store;
        AlertEngine engine(&store);
        engine.setRules(oneRule(80, 70, 0, 0));
        QSignalSpy changed(&engine, &AlertEngine::silencesChanged);
        const int byNode = engine.addSilence(QString(), QStringLiteral("a"), 60000, QStringLiteral("kernel update"), kT0,
                                             QStringLiteral("ops"));
        const int byRule = engine.addSilence(QStringLiteral("HighCpu"), QString(), 120000, {}, kT0);
        QCOMPARE(changed.size(), 2);
        const QJsonObject saved = engine.silences().first().toJson();
        AlertSilence back;
        QVERIFY(AlertSilence::fromJson(saved, &back));
        QCOMPARE(back.id, byNode);
        QCOMPARE(back.author, QStringLiteral("ops"));
        QCOMPARE(back.untilMs, kT0 + 60000);
        QVERIFY(!AlertSilence::fromJson(QJsonObject{{QStringLiteral("id"), 3}}, &back));

        const int a = store.series(QStringLiteral("cpu_percent{node=\"a\"}"));
        store.append(a, kT0 + 1000, 99);
        engine.evaluate(kT0 + 1000);
        QCOMPARE(engine.alerts().first().silencedBy, byNode);
        QVERIFY(engine.removeSilence(byNode));
        QVERIFY(engine.alerts().first().silenced);  // the rule's silence still covers it
        QCOMPARE(engine.alerts().first().silencedBy, byRule);
        QVERIFY(engine.removeSilence(byRule));
        QVERIFY(!engine.alerts().first().silenced);

        // Restored into a fresh engine (a supervisor restart): same id, later ids do not collide.
        AlertEngine again(&store);
        again.setRules(oneRule(80, 70, 0, 0));
        QVERIFY(!again.restoreSilence(AlertSilence{}, kT0));
        AlertSilence s;
        QVERIFY(AlertSilence::fromJson(saved, &s));
        QVERIFY(again.restoreSilence(s, kT0 + 1000));
        QVERIFY(!again.restoreSilence(s, kT0 + 61000));  // expired meanwhile
        const int next = again.addSilence(QStringLiteral("HighCpu"), {}, 1000, {}, kT0 + 1000);
        QVERIFY(next > byNode);

        QSignalSpy acked(&engine, &AlertEngine::acknowledged);
        QVERIFY(engine.acknowledge(engine.alerts().first().id, QStringLiteral("ops"), kT0 + 2000).ok());
        QCOMPARE(acked.size(), 1);
        QCOMPARE(engine.alerts().first().acknowledgedBy, QStringLiteral("ops"));
        // Resolved alerts are past acknowledging.
        store.append(a, kT0 + 3000, 10);
        engine.evaluate(kT0 + 3000);
        QVERIFY(!engine.acknowledge(engine.alerts().first().id).ok());
    }

    // A silence file of an earlier version names a Redis node by its old name:
    // restored, it covers that node under its name now (redis-replica is redis-2).
    void aSilenceOfAnOldNodeNameCoversTheRenamedNode()
    {
        SeriesStore store;
        AlertEngine engine(&store);
        engine.setRules(oneRule(80, 70, 0, 0));
        AlertSilence s;
        QVERIFY(AlertSilence::fromJson(QJsonObject{{QStringLiteral("id"), 4}, {QStringLiteral("node"), QStringLiteral("redis-replica")},
                                                   {QStringLiteral("createdMs"), kT0}, {QStringLiteral("untilMs"), kT0 + 60000}},
                                       &s));
        QCOMPARE(s.node, QStringLiteral("redis-2"));
        QVERIFY(engine.restoreSilence(s, kT0));
        store.append(store.series(QStringLiteral("cpu_percent{node=\"redis-2\"}")), kT0 + 1000, 99);
        store.append(store.series(QStringLiteral("cpu_percent{node=\"redis-1\"}")), kT0 + 1000, 99);
        engine.evaluate(kT0 + 1000);
        QCOMPARE(int(engine.alerts().size()), 2);
        for (const Alert &a : engine.alerts())
            QCOMPARE(a.silencedBy, a.node == QLatin1String("redis-2") ? 4 : 0);
    }

    void notifySection()
    {
        const auto ok = AlertRuleLoader::loadBytes(
            "{\"version\": 1, \"notify\": {\"webhook\": \"http://127.0.0.1:9093/api/v2/alerts\", "
            "\"command\": [\"/usr/bin/logger\", \"-t\", \"turno\"]}, \"rules\": []}",
            QStringLiteral("n.json"));
        QVERIFY2(ok.ok(), qPrintable(ok.error()));
        QCOMPARE(ok->webhookUrl, QStringLiteral("http://127.0.0.1:9093/api/v2/alerts"));
        QCOMPARE(ok->command.size(), 3);
        const auto badUrl = AlertRuleLoader::loadBytes("{\"version\": 1,\n \"notify\": {\"webhook\": \"ftp://x\"}, \"rules\": []}",
                                                       QStringLiteral("n.json"));
        QVERIFY(!badUrl.ok());
        QVERIFY2(badUrl.error().startsWith(QStringLiteral("n.json:2:")), qPrintable(badUrl.error()));
        const auto badCommand = AlertRuleLoader::loadBytes("{\"version\": 1, \"notify\": {\"command\": \"logger\"}, \"rules\": []}",
                                                           QStringLiteral("n.json"));
        QVERIFY(!badCommand.ok());
        QVERIFY2(badCommand.error().contains(QStringLiteral("array of strings")), qPrintable(badCommand.error()));

        const auto am = AlertRuleLoader::loadBytes(
            "{\"version\": 1, \"notify\": {\"alertmanager\": [\"http://127.0.0.1:9093\", \"https://am.example:9094/\"], "
            "\"alertmanager_resend\": \"15s\"}, \"rules\": []}",
            QStringLiteral("n.json"));
        QVERIFY2(am.ok(), qPrintable(am.error()));
        QCOMPARE(am->alertmanagerUrls.size(), 2);
        QCOMPARE(am->alertmanagerResendMs, qint64(15000));
        QCOMPARE(AlertRuleLoader::loadBytes("{\"version\": 1, \"rules\": []}", QStringLiteral("n.json"))->alertmanagerResendMs,
                 qint64(30000));
        for (const char *bad : {"{\"version\": 1,\n \"notify\": {\"alertmanager\": [\"am:9093\"]}, \"rules\": []}",
                                "{\"version\": 1,\n \"notify\": {\"alertmanager\": []}, \"rules\": []}",
                                "{\"version\": 1,\n \"notify\": {\"alertmanager\": \"http://127.0.0.1:9093\"}, \"rules\": []}",
                                "{\"version\": 1,\n \"notify\": {\"alertmanager_resend\": \"100ms\"}, \"rules\": []}"}) {
            const auto refused = AlertRuleLoader::loadBytes(bad, QStringLiteral("n.json"));
            QVERIFY2(!refused.ok(), bad);
            QVERIFY2(refused.error().startsWith(QStringLiteral("n.json:2:")) && refused.error().contains(QLatin1String("alertmanager")),
                     qPrintable(refused.error()));
        }
    }

    void seriesKeys()
    {
        QString metric;
        QMap<QString, QString> labels;
        QVERIFY(AlertEngine::splitSeriesKey(QStringLiteral("cpu_percent{node=\"a\",pool=\"primary\"}"), metric, labels));
        QCOMPARE(metric, QStringLiteral("cpu_percent"));
        QCOMPARE(labels.value(QStringLiteral("pool")), QStringLiteral("primary"));
        QVERIFY(AlertEngine::splitSeriesKey(QStringLiteral("up"), metric, labels));
        QVERIFY(labels.isEmpty());
        QVERIFY(!AlertEngine::splitSeriesKey(QStringLiteral("up{node=a}"), metric, labels));
    }
};

QTEST_GUILESS_MAIN(TestAlertEngine)
#include "test_alert_engine.moc"
