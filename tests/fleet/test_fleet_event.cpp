// FleetEvent: the one table from fleet event kinds to the timeline's kind and
// severity, as recorded in the incident store (docs/incidents.md).
#include "fleet/fleet_event.h"
#include "incidents/incident_store.h"

#include "../incidents/incident_test_util.h"

#include <QSet>
#include <QTemporaryDir>
#include <QTest>

using turno::FleetEvent;
using turno::IncidentStore;
using turno::Severity;

class TestFleetEvent : public QObject {
    Q_OBJECT
private slots:
    void everyKindHasItsOwnName()
    {
        QSet<QString> names;
        for (int k = int(FleetEvent::Kind::ClusterStarting); k <= int(FleetEvent::Kind::OperatorKill); ++k) {
            const auto kind = FleetEvent::Kind(k);
            const QString name = FleetEvent::kindName(kind);
            QVERIFY2(!name.isEmpty(), qPrintable(QString::number(k)));
            QVERIFY2(!names.contains(name), qPrintable(name));
            names.insert(name);
            QCOMPARE(FleetEvent::kindFromName(name), std::optional<FleetEvent::Kind>(kind));
        }
        QCOMPARE(FleetEvent::kindFromName(QStringLiteral("something-new")), std::nullopt);
    }

    void fleetEventsAreMapped()
    {
        QTemporaryDir dir;
        IncidentStore store;
        QVERIFY(store.open(dir.filePath(QStringLiteral("i.db")), inctest::keepAll()).ok());
        const FleetEvent events[] = {
            {FleetEvent::Kind::GaveUp, QStringLiteral("primary-2"), QStringLiteral("gave up")},
            {FleetEvent::Kind::NodeExited, QStringLiteral("primary-1"), QStringLiteral("exited")},
            {FleetEvent::Kind::Scaled, QStringLiteral("primary-3"), QStringLiteral("added")},
            {FleetEvent::Kind::ClusterReady, {}, QStringLiteral("ready")},
            {FleetEvent::Kind::NodeNotReady, QStringLiteral("primary-1"), QStringLiteral("not ready")},
            {FleetEvent::Kind::RedisPrimaryDown, QStringLiteral("redis-1"), QStringLiteral("down")},
        };
        for (const FleetEvent &e : events)
            store.record(QStringLiteral("fleet"), e.node, e.timelineKind(), e.severity(), e.message, e.details());
        QVERIFY(store.flush().ok());
        const auto e = store.events({}).value();
        QCOMPARE(e.size(), 6);
        QCOMPARE(e[0].kind, QStringLiteral("process.crash"));
        QCOMPARE(e[0].severity, Severity::Critical);
        QCOMPARE(e[0].source, QStringLiteral("fleet"));
        QCOMPARE(e[0].details.value(QStringLiteral("fleet_kind")).toString(), QStringLiteral("gave-up"));
        QCOMPARE(e[1].kind, QStringLiteral("process.exit"));
        QCOMPARE(e[1].severity, Severity::Warning);
        QCOMPARE(e[2].kind, QStringLiteral("fleet.scale"));
        // A kind without a timeline kind of its own is fleet.<tag>.
        QCOMPARE(e[3].kind, QStringLiteral("fleet.cluster-ready"));
        QCOMPARE(e[3].severity, Severity::Info);
        QCOMPARE(e[4].kind, QStringLiteral("process.restart"));
        QCOMPARE(e[4].severity, Severity::Warning);
        QCOMPARE(e[5].kind, QStringLiteral("fleet.redis-primary-down"));
        QCOMPARE(e[5].severity, Severity::Critical);
    }

    void troubleIsWhatAnOperatorMustSeeNow()
    {
        QVERIFY(FleetEvent{FleetEvent::Kind::NodeExited}.isNodeTrouble());
        QVERIFY(FleetEvent{FleetEvent::Kind::GaveUp}.isNodeTrouble());
        QVERIFY(FleetEvent{FleetEvent::Kind::RedisPrimaryDown}.isNodeTrouble());
        QVERIFY(!FleetEvent{FleetEvent::Kind::NodeRestarted}.isNodeTrouble());
    }
};

QTEST_GUILESS_MAIN(TestFleetEvent)
#include "test_fleet_event.moc"
