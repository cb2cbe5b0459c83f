// The short form of the failover drill (turnoctl drill): sync mode under load,
// planned switches and a kill -9 of the Redis primary; no duplicate, every
// switch and kill recovered. The long form is the documented command.
#include "test_support.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QtTest>

class TestFailoverDrill : public QObject {
    Q_OBJECT
private slots:
    void shortDrillInSyncMode()
    {
        QProcess p;
        p.start(turno::test::envPath("TURNOCTL_BIN"),
                {QStringLiteral("drill"), QStringLiteral("--modes"), QStringLiteral("sync"), QStringLiteral("--switches"),
                 QStringLiteral("4"), QStringLiteral("--kills"), QStringLiteral("2"), QStringLiteral("--rate"), QStringLiteral("500"),
                 QStringLiteral("--connections"), QStringLiteral("8"), QStringLiteral("--settle-ms"), QStringLiteral("1000"),
                 QStringLiteral("--json")});
        QVERIFY(p.waitForFinished(240000));
        const QByteArray out = p.readAllStandardOutput(), err = p.readAllStandardError();
        qInfo("%s", err.constData());
        const QJsonObject r = QJsonDocument::fromJson(out).object();
        const QJsonObject sync = r.value(QStringLiteral("modes")).toArray().first().toObject();
        QVERIFY2(sync.value(QStringLiteral("ran")).toBool(), out.constData());
        QCOMPARE(sync.value(QStringLiteral("duplicates")).toInteger(), 0);
        QCOMPARE(sync.value(QStringLiteral("events")).toArray().size(), 6);
        for (const QJsonValue &v : sync.value(QStringLiteral("events")).toArray())
            QVERIFY2(v.toObject().value(QStringLiteral("ok")).toBool(), QJsonDocument(v.toObject()).toJson().constData());
        QVERIFY(sync.value(QStringLiteral("ok")).toInteger() > 1000);
        qInfo("FIGURE drill (short form, sync, 500 req/s): planned switch median %.0f ms, kill -9 recovery median %.0f ms, "
              "%lld failed of %lld, burned %lld",
              sync.value(QStringLiteral("plannedSwitchMedianMs")).toDouble(), sync.value(QStringLiteral("killRecoverMedianMs")).toDouble(),
              sync.value(QStringLiteral("failed")).toInteger(), sync.value(QStringLiteral("requests")).toInteger(),
              sync.value(QStringLiteral("burned")).toInteger());
        QCOMPARE(p.exitCode(), 0);
    }
};

QTEST_GUILESS_MAIN(TestFailoverDrill)
#include "test_failover_drill.moc"
