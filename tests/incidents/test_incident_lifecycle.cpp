// Incidents: opened by hand or by a critical alert, absorbing later alerts and
// their peaks, gathering the events of their window, edited, closed by hand.
#include "incident_test_util.h"

#include "incidents/incident_store.h"

#include <QDateTime>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>

using namespace turno;
using inctest::makeEvent;

namespace {
const qint64 kT0 = QDateTime(QDate(2026, 11, 20), QTime(9, 0), Qt::UTC).toMSecsSinceEpoch();
constexpr qint64 kMin = 60'000;
}  // namespace

class TestIncidentLifecycle : public QObject {
    Q_OBJECT
private slots:
    void init();
    void cleanup();
    void openByHand();
    void criticalAlertOpensIncident();
    void warningAlertOpensNothing();
    void laterAlertsAreAbsorbedAndPeaksKept();
    void resolvedAlertDoesNotClose();
    void closeByHand();
    void windowGathersItsEvents();
    void writeUpAndActionPlanRoundTrip();
    void errorsNameTheIncident();
    void lastIncidentIsTheNewest();

private:
    QTemporaryDir *m_dir = nullptr;
    IncidentStore *m_store = nullptr;
};

void TestIncidentLifecycle::init()
{
    m_dir = new QTemporaryDir;
    m_store = new IncidentStore;
    auto options = inctest::keepAll();
    options.incidentLeadMs = 5 * kMin;
    const auto r = m_store->open(m_dir->filePath(QStringLiteral("i.db")), options);
    QVERIFY2(r.ok(), qPrintable(r.error()));
}

void TestIncidentLifecycle::cleanup()
{
    delete m_store;
    delete m_dir;
}

void TestIncidentLifecycle::openByHand()
{
    QSignalSpy changed(m_store, &IncidentStore::incidentChanged);
    const auto id = m_store->openIncident(QStringLiteral("  Latency spike  "), Severity::Error, QStringLiteral("primary-2"), kT0);
    QVERIFY2(id.ok(), qPrintable(id.error()));
    QCOMPARE(changed.count(), 1);
    QCOMPARE(changed.first().first().toLongLong(), id.value());
    const auto inc = m_store->incident(id.value());
    QVERIFY(inc.ok());
    QCOMPARE(inc->title, QStringLiteral("Latency spike"));
    QVERIFY(inc->isOpen());
    QCOMPARE(inc->severity, Severity::Error);
    QCOMPARE(inc->openedMs, kT0);
    QCOMPARE(inc->windowStartMs, kT0 - 5 * kMin);
    QCOMPARE(inc->openedBy, QStringLiteral("operator"));
    QCOMPARE(inc->triggerNode, QStringLiteral("primary-2"));
    QCOMPARE(m_store->currentOpenIncident().value(), id.value());
    EventFilter f;
    f.kinds = {QStringLiteral("incident.opened")};
    const auto opened = m_store->events(f).value();
    QCOMPARE(opened.size(), 1);
    QCOMPARE(opened.first().details.value(QStringLiteral("incident")).toInteger(), id.value());
    QVERIFY(!m_store->openIncident(QStringLiteral("   "), Severity::Info, {}, kT0).ok());
}

void TestIncidentLifecycle::criticalAlertOpensIncident()
{
    const auto id = m_store->onAlertTransition(QStringLiteral("cpu_high"), Severity::Critical, QStringLiteral("firing"),
                                               QStringLiteral("primary-1"), 97.5, kT0);
    QVERIFY2(id.ok(), qPrintable(id.error()));
    QVERIFY(id.value() > 0);
    const auto inc = m_store->incident(id.value()).value();
    QCOMPARE(inc.openedBy, QStringLiteral("alert"));
    QCOMPARE(inc.triggerRule, QStringLiteral("cpu_high"));
    QCOMPARE(inc.triggerNode, QStringLiteral("primary-1"));
    QCOMPARE(inc.title, QStringLiteral("cpu_high on primary-1"));
    QCOMPARE(inc.openedMs, kT0);
    QCOMPARE(inc.peakMetrics.size(), 1);
    QCOMPARE(inc.peakMetrics.first().value, 97.5);
    EventFilter f;
    f.kinds = {QStringLiteral("alert")};
    const auto alerts = m_store->events(f).value();
    QCOMPARE(alerts.size(), 1);
    QCOMPARE(alerts.first().kind, QStringLiteral("alert.firing"));
    QCOMPARE(alerts.first().severity, Severity::Critical);
    QCOMPARE(alerts.first().details.value(QStringLiteral("value")).toDouble(), 97.5);
}

void TestIncidentLifecycle::warningAlertOpensNothing()
{
    const auto id = m_store->onAlertTransition(QStringLiteral("cpu_warm"), Severity::Warning, QStringLiteral("firing"),
                                               QStringLiteral("primary-1"), 75, kT0);
    QVERIFY(id.ok());
    QCOMPARE(id.value(), qint64(0));
    QCOMPARE(m_store->incidents().value().size(), 0);
    QCOMPARE(m_store->countEvents({}).value(), qint64(1));
}

void TestIncidentLifecycle::laterAlertsAreAbsorbedAndPeaksKept()
{
    const qint64 first = m_store->onAlertTransition(QStringLiteral("cpu_high"), Severity::Critical, QStringLiteral("firing"),
                                                    QStringLiteral("primary-1"), 91, kT0).value();
    const qint64 second = m_store->onAlertTransition(QStringLiteral("error_rate"), Severity::Critical, QStringLiteral("firing"),
                                                     QStringLiteral("balancer"), 0.12, kT0 + kMin).value();
    const qint64 third = m_store->onAlertTransition(QStringLiteral("cpu_high"), Severity::Critical, QStringLiteral("firing"),
                                                    QStringLiteral("primary-1"), 99, kT0 + 2 * kMin).value();
    const qint64 fourth = m_store->onAlertTransition(QStringLiteral("cpu_high"), Severity::Critical, QStringLiteral("firing"),
                                                     QStringLiteral("primary-1"), 93, kT0 + 3 * kMin).value();
    QVERIFY(first > 0);
    QCOMPARE(second, first);
    QCOMPARE(third, first);
    QCOMPARE(fourth, first);
    QCOMPARE(m_store->incidents().value().size(), 1);
    const auto peaks = m_store->incident(first).value().peakMetrics;
    QCOMPARE(peaks.size(), 2);
    for (const PeakMetric &p : peaks) {
        if (p.name == QLatin1String("cpu_high")) {
            QCOMPARE(p.value, 99.0);  // the highest, not the latest
            QCOMPARE(p.timeMs, kT0 + 2 * kMin);
        } else {
            QCOMPARE(p.name, QStringLiteral("error_rate"));
            QCOMPARE(p.value, 0.12);
        }
    }
    // Once closed, the next critical alert opens a new incident.
    QVERIFY(m_store->closeIncident(first, kT0 + 10 * kMin).ok());
    const qint64 next = m_store->onAlertTransition(QStringLiteral("cpu_high"), Severity::Critical, QStringLiteral("firing"),
                                                   QStringLiteral("primary-1"), 95, kT0 + 20 * kMin).value();
    QVERIFY(next > first);
}

void TestIncidentLifecycle::resolvedAlertDoesNotClose()
{
    const qint64 id = m_store->onAlertTransition(QStringLiteral("cpu_high"), Severity::Critical, QStringLiteral("firing"),
                                                 QStringLiteral("primary-1"), 91, kT0).value();
    const auto r = m_store->onAlertTransition(QStringLiteral("cpu_high"), Severity::Critical, QStringLiteral("resolved"),
                                              QStringLiteral("primary-1"), 40, kT0 + kMin);
    QCOMPARE(r.value(), id);
    QVERIFY(m_store->incident(id).value().isOpen());
    EventFilter f;
    f.kinds = {QStringLiteral("alert.resolved")};
    const auto resolved = m_store->events(f).value();
    QCOMPARE(resolved.size(), 1);
    QCOMPARE(resolved.first().severity, Severity::Info);
}

void TestIncidentLifecycle::closeByHand()
{
    const qint64 id = m_store->openIncident(QStringLiteral("x"), Severity::Critical, {}, kT0).value();
    QVERIFY(!m_store->closeIncident(id, kT0 - 1).ok());  // before it opened
    const auto r = m_store->closeIncident(id, kT0 + 90 * kMin);
    QVERIFY2(r.ok(), qPrintable(r.error()));
    const auto inc = m_store->incident(id).value();
    QVERIFY(!inc.isOpen());
    QCOMPARE(inc.closedMs, kT0 + 90 * kMin);
    QCOMPARE(inc.durationMs(0), 90 * kMin);
    QCOMPARE(m_store->currentOpenIncident().value(), qint64(0));
    const auto again = m_store->closeIncident(id, kT0 + 91 * kMin);
    QVERIFY(!again.ok());
    QVERIFY2(again.error().contains(QStringLiteral("already closed")), qPrintable(again.error()));
}

void TestIncidentLifecycle::windowGathersItsEvents()
{
    QVERIFY(m_store->append({makeEvent(kT0 - 6 * kMin, {}, QStringLiteral("note"), Severity::Info, QStringLiteral("before window")),
                             makeEvent(kT0 - 4 * kMin, {}, QStringLiteral("note"), Severity::Info, QStringLiteral("lead-up")),
                             makeEvent(kT0 + 1 * kMin, {}, QStringLiteral("note"), Severity::Info, QStringLiteral("during")),
                             makeEvent(kT0 + 30 * kMin, {}, QStringLiteral("note"), Severity::Info, QStringLiteral("after close"))})
                .ok());
    const qint64 id = m_store->openIncident(QStringLiteral("w"), Severity::Critical, {}, kT0).value();
    QVERIFY(m_store->closeIncident(id, kT0 + 10 * kMin).ok());
    QStringList summaries;
    const QList<IncidentEvent> window = m_store->incidentEvents(id).value();
    for (const auto &e : window)
        summaries << e.summary;
    QCOMPARE(summaries.size(), 4);
    QCOMPARE(summaries[0], QStringLiteral("lead-up"));
    QVERIFY(summaries[1].startsWith(QStringLiteral("incident #")));
    QCOMPARE(summaries[2], QStringLiteral("during"));
    QVERIFY(summaries[3].contains(QStringLiteral("closed")));
}

void TestIncidentLifecycle::writeUpAndActionPlanRoundTrip()
{
    const qint64 id = m_store->openIncident(QStringLiteral("Redis primary lost"), Severity::Critical, {}, kT0).value();
    Incident inc = m_store->incident(id).value();
    inc.summary = QStringLiteral("Redis primary died;\nsentinel promoted the replica.");
    inc.impact = QStringLiteral("42 s of 5xx on /turno");
    inc.rootCause = QStringLiteral("OOM killer");
    inc.actionItems = {ActionItem{QStringLiteral("Set maxmemory"), QStringLiteral("alice"), QDate(2026, 12, 1), false},
                       ActionItem{QStringLiteral("Alert on memory"), QStringLiteral("bob"), QDate(), true},
                       ActionItem{QStringLiteral("Runbook"), QString(), QDate(2026, 12, 15), false}};
    inc.peakMetrics = {PeakMetric{QStringLiteral("rss"), QStringLiteral("redis-primary"), 2.5e9, QStringLiteral("B"), kT0}};
    QVERIFY(m_store->updateIncident(inc).ok());
    const Incident back = m_store->incident(id).value();
    QCOMPARE(back.summary, inc.summary);
    QCOMPARE(back.impact, inc.impact);
    QCOMPARE(back.rootCause, inc.rootCause);
    QCOMPARE(back.actionItems, inc.actionItems);
    QCOMPARE(back.peakMetrics, inc.peakMetrics);

    // Items are replaced as a list: removing one and reordering stick.
    inc.actionItems = {inc.actionItems[2], inc.actionItems[0]};
    QVERIFY(m_store->updateIncident(inc).ok());
    QCOMPARE(m_store->incident(id).value().actionItems, inc.actionItems);

    Incident bad = inc;
    bad.actionItems << ActionItem{QStringLiteral("  "), QString(), QDate(), false};
    QVERIFY(!m_store->updateIncident(bad).ok());
    QCOMPARE(m_store->incident(id).value().actionItems, inc.actionItems);  // nothing half-saved
}

void TestIncidentLifecycle::errorsNameTheIncident()
{
    const auto missing = m_store->incident(4242);
    QVERIFY(!missing.ok());
    QVERIFY2(missing.error().contains(QStringLiteral("#4242")), qPrintable(missing.error()));
    Incident ghost;
    ghost.id = 4242;
    ghost.title = QStringLiteral("ghost");
    const auto upd = m_store->updateIncident(ghost);
    QVERIFY(!upd.ok());
    QVERIFY2(upd.error().contains(QStringLiteral("#4242")), qPrintable(upd.error()));
    QVERIFY(!m_store->closeIncident(4242).ok());
    QVERIFY(!m_store->lastIncident().ok());
}

void TestIncidentLifecycle::lastIncidentIsTheNewest()
{
    const qint64 a = m_store->openIncident(QStringLiteral("a"), Severity::Critical, {}, kT0).value();
    QVERIFY(m_store->closeIncident(a, kT0 + kMin).ok());
    const qint64 b = m_store->openIncident(QStringLiteral("b"), Severity::Critical, {}, kT0 + 2 * kMin).value();
    QCOMPARE(m_store->lastIncident().value().id, b);
    const auto all = m_store->incidents().value();
    QCOMPARE(all.size(), 2);
    QCOMPARE(all[0].id, b);
    QCOMPARE(all[1].id, a);
}

QTEST_GUILESS_MAIN(TestIncidentLifecycle)
#include "test_incident_lifecycle.moc"
