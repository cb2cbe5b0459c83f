// Nothing committed is lost on SIGKILL: a child process records events in a
// loop and reports each committed id; it is killed mid-write, and the reopened
// database must hold every reported event, intact, and pass integrity_check.
#include "incident_test_util.h"
#include "test_support.h"

#include "incidents/incident_store.h"

#include <QElapsedTimer>
#include <QFile>
#include <QRegularExpression>
#include <QTemporaryDir>
#include <QTest>
#include <QThread>

using namespace turno;

class TestIncidentSigkill : public QObject {
    Q_OBJECT
private slots:
    void committedEventsSurviveSigkill_data();
    void committedEventsSurviveSigkill();

private:
    // Highest id the child printed on a complete line; waits until at least minCommits lines.
    static qint64 lastReported(const QString &log, int *lines);
};

qint64 TestIncidentSigkill::lastReported(const QString &logFile, int *lines)
{
    QFile f(logFile);
    if (!f.open(QIODevice::ReadOnly))
        return 0;
    const QByteArray all = f.readAll();
    // A line the kill cut short is not a report.
    const QByteArray complete = all.left(all.lastIndexOf('\n') + 1);
    static const QRegularExpression re(QStringLiteral("^committed (\\d+)$"), QRegularExpression::MultilineOption);
    qint64 last = 0;
    *lines = 0;
    auto it = re.globalMatch(QString::fromLatin1(complete));
    while (it.hasNext()) {
        last = it.next().captured(1).toLongLong();
        ++*lines;
    }
    return last;
}

void TestIncidentSigkill::committedEventsSurviveSigkill_data()
{
    QTest::addColumn<int>("commitsBeforeKill");
    // Several rounds on the same file, each killed at a different point; later
    // rounds also recover the previous round's hot WAL.
    QTest::newRow("early") << 5;
    QTest::newRow("later") << 150;
    QTest::newRow("much later") << 600;
}

void TestIncidentSigkill::committedEventsSurviveSigkill()
{
    QFETCH(int, commitsBeforeKill);
    static QTemporaryDir dir;  // shared by the rows: each round continues the same database
    const QString db = dir.filePath(QStringLiteral("incidents.db"));
    const QString writer = test::envPath("TURNO_INCIDENT_WRITER_BIN");
    const QString log = dir.filePath(QStringLiteral("writer-%1.log").arg(commitsBeforeKill));

    test::ChildProcess child;
    QString why;
    QVERIFY2(child.start(writer, {db}, log, {}, &why), qPrintable(why));
    QElapsedTimer waited;
    waited.start();
    int lines = 0;
    while (true) {
        lastReported(log, &lines);
        if (lines >= commitsBeforeKill)
            break;
        QVERIFY2(child.running(), qPrintable(child.log()));
        QVERIFY2(waited.elapsed() < 60000, "the writer reported too few commits within 60 s");
        QThread::msleep(2);
    }
    child.kill9();  // the writer never pauses, so this lands in the middle of a batch
    const int status = child.waitExit(10000);
    QCOMPARE(status, -9);
    const qint64 reported = lastReported(log, &lines);
    QVERIFY(reported > 0);

    {
        inctest::RawDb raw(db);
        QCOMPARE(raw.scalar(QStringLiteral("PRAGMA integrity_check")).toString(), QStringLiteral("ok"));
    }
    IncidentStore store;
    auto options = inctest::keepAll();
    const auto r = store.open(db, options);
    QVERIFY2(r.ok(), qPrintable(r.error()));
    EventFilter upTo;
    const auto events = store.events(upTo);
    QVERIFY(events.ok());
    // Every reported event is there, in order, with its content; beyond it only
    // whole batches that committed before the report line was printed.
    QVERIFY2(events->size() >= reported,
             qPrintable(QStringLiteral("reported %1, found %2").arg(reported).arg(events->size())));
    for (qsizetype i = 0; i < events->size(); ++i) {
        const IncidentEvent &e = events.value()[i];
        QCOMPARE(e.id, qint64(i + 1));
        QCOMPARE(e.details.value(QStringLiteral("seq")).toInteger(), e.id);
        QCOMPARE(e.summary, QStringLiteral("event %1").arg(e.id));
    }
    qInfo("killed after %d reported commits: last reported id %lld, %lld events in the file", lines,
          static_cast<long long>(reported), static_cast<long long>(events->size()));
}

QTEST_GUILESS_MAIN(TestIncidentSigkill)
#include "test_incident_sigkill.moc"
