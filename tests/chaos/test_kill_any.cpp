// kill -9 of every kind of process under load (turno nodes of both pools,
// HAProxy, the Redis primary and replica, each sentinel), through the failover
// drill: no number is answered twice, every process comes back, and afterwards
// every counter in Redis is at or above the highest number already answered.
#include "test_support.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QSet>
#include <QtTest>

class TestKillAny : public QObject {
    Q_OBJECT
private slots:
    void everyProcessKilledUnderLoad()
    {
        QProcess p;
        p.start(turno::test::envPath("TURNOCTL_BIN"),
                {QStringLiteral("drill"), QStringLiteral("--modes"), QStringLiteral("sync"), QStringLiteral("--switches"),
                 QStringLiteral("0"), QStringLiteral("--kills"), QStringLiteral("2"), QStringLiteral("--chaos"), QStringLiteral("9"),
                 QStringLiteral("--rate"), QStringLiteral("500"), QStringLiteral("--connections"), QStringLiteral("8"),
                 QStringLiteral("--settle-ms"), QStringLiteral("1000"), QStringLiteral("--json")});
        QVERIFY(p.waitForFinished(170000));
        const QByteArray out = p.readAllStandardOutput(), err = p.readAllStandardError();
        qInfo("%s", err.constData());
        const QJsonObject sync = QJsonDocument::fromJson(out).object().value(QStringLiteral("modes")).toArray().first().toObject();
        QVERIFY2(sync.value(QStringLiteral("ran")).toBool(), out.constData());
        QCOMPARE(sync.value(QStringLiteral("duplicates")).toInteger(), 0);
        QCOMPARE(sync.value(QStringLiteral("countersBelowIssued")).toInteger(), 0);
        QVERIFY(sync.value(QStringLiteral("countersChecked")).toInteger() > 0);
        QSet<QString> killed;
        for (const QJsonValue &v : sync.value(QStringLiteral("events")).toArray()) {
            const QJsonObject e = v.toObject();
            QVERIFY2(e.value(QStringLiteral("ok")).toBool(), QJsonDocument(e).toJson().constData());
            killed << e.value(QStringLiteral("from")).toString();
            if (e.value(QStringLiteral("kind")).toString() == QLatin1String("chaos"))
                qInfo("FIGURE kill -9 %s under load: first good turno after %lld ms, %lld failed requests",
                      qPrintable(e.value(QStringLiteral("from")).toString()), e.value(QStringLiteral("recoverMs")).toInteger(),
                      e.value(QStringLiteral("failedRequests")).toInteger());
        }
        for (const char *kind : {"primary-1", "secondary-1", "haproxy", "sentinel-1"})
            QVERIFY2(killed.contains(QLatin1String(kind)), qPrintable(QStringList(killed.values()).join(QLatin1Char(','))));
        QCOMPARE(p.exitCode(), 0);
    }
};

QTEST_GUILESS_MAIN(TestKillAny)
#include "test_kill_any.moc"
