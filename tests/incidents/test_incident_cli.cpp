// turnoctl events / report / incident against a real database file: what an
// operator types and reads, exit codes, the default path and the PDF helper.
#include "incident_test_util.h"
#include "test_support.h"

#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QDateTime>
#include <QProcess>
#include <QRegularExpression>
#include <QTemporaryDir>
#include <QTest>

class TestIncidentCli : public QObject {
    Q_OBJECT
private slots:
    void initTestCase();
    void missingDatabaseIsUnavailable();
    void unreadableDatabaseNamesTheFile();
    void incidentWorkflow();
    void eventsFilters();
    void oldRedisNamesFindTheRenamedNodesEvents();
    void reportFormats();
    void reportPdfThroughHelper();
    void reportCarriesStoredFleetMetrics();
    void defaultPathAndEnvironment();
    void usageErrors();

private:
    struct Run {
        int code = -1;
        QString out;
        QString err;
    };
    Run ctl(const QStringList &args, const QStringList &env = {});
    QString db() const { return m_dir.filePath(QStringLiteral("incidents.db")); }

    QString m_turnoctl;
    QTemporaryDir m_dir;
};

void TestIncidentCli::initTestCase()
{
    m_turnoctl = turno::test::envPath("TURNOCTL_BIN");
}

TestIncidentCli::Run TestIncidentCli::ctl(const QStringList &args, const QStringList &env)
{
    QProcess p;
    QProcessEnvironment e = QProcessEnvironment::systemEnvironment();
    e.remove(QStringLiteral("TURNO_INCIDENT_DB"));
    for (const QString &kv : env) {
        const qsizetype eq = kv.indexOf(QLatin1Char('='));
        if (eq < 0)
            e.remove(kv);
        else
            e.insert(kv.left(eq), kv.mid(eq + 1));
    }
    p.setProcessEnvironment(e);
    p.start(m_turnoctl, args);
    Run r;
    if (!p.waitForFinished(60000)) {
        p.kill();
        p.waitForFinished();
        return r;
    }
    r.code = p.exitStatus() == QProcess::NormalExit ? p.exitCode() : -1;
    r.out = QString::fromUtf8(p.readAllStandardOutput());
    r.err = QString::fromUtf8(p.readAllStandardError());
    return r;
}

void TestIncidentCli::missingDatabaseIsUnavailable()
{
    const QString path = m_dir.filePath(QStringLiteral("nothing-here.db"));
    const Run r = ctl({QStringLiteral("events"), QStringLiteral("--db"), path});
    QCOMPARE(r.code, 3);
    QVERIFY2(r.err.contains(path), qPrintable(r.err));
    QVERIFY(!QFile::exists(path));  // reading never creates the file
}

void TestIncidentCli::unreadableDatabaseNamesTheFile()
{
    const QString path = m_dir.filePath(QStringLiteral("garbage.db"));
    QFile f(path);
    QVERIFY(f.open(QIODevice::WriteOnly));
    f.write(QByteArray(4096, 'g'));
    f.close();
    const Run r = ctl({QStringLiteral("report"), QStringLiteral("--last"), QStringLiteral("--format"), QStringLiteral("md"),
                       QStringLiteral("--db"), path});
    QCOMPARE(r.code, 3);
    QVERIFY2(r.err.contains(path) && r.err.contains(QStringLiteral("not a SQLite database")), qPrintable(r.err));
}

void TestIncidentCli::incidentWorkflow()
{
    const QStringList dbArg{QStringLiteral("--db"), db()};
    Run r = ctl(QStringList{QStringLiteral("incident"), QStringLiteral("open"), QStringLiteral("Redis primary down"),
                            QStringLiteral("--node"), QStringLiteral("redis-primary"), QStringLiteral("--summary"),
                            QStringLiteral("sentinel promoted the replica")} + dbArg);
    QCOMPARE(r.code, 0);
    bool ok = false;
    const qint64 id = r.out.trimmed().toLongLong(&ok);
    QVERIFY2(ok && id > 0, qPrintable(r.out + r.err));
    const QString idText = QString::number(id);

    r = ctl(QStringList{QStringLiteral("incident"), QStringLiteral("note"), QStringLiteral("restarted redis | by hand"),
                        QStringLiteral("--incident"), idText, QStringLiteral("--node"), QStringLiteral("redis-primary")} + dbArg);
    QCOMPARE(r.code, 0);
    r = ctl(QStringList{QStringLiteral("incident"), QStringLiteral("action"), idText, QStringLiteral("--item"),
                        QStringLiteral("Set maxmemory"), QStringLiteral("--owner"), QStringLiteral("alice"),
                        QStringLiteral("--due"), QStringLiteral("2026-12-01")} + dbArg);
    QCOMPARE(r.code, 0);
    r = ctl(QStringList{QStringLiteral("incident"), QStringLiteral("action"), idText, QStringLiteral("--done"),
                        QStringLiteral("1")} + dbArg);
    QCOMPARE(r.code, 0);
    r = ctl(QStringList{QStringLiteral("incident"), QStringLiteral("action"), idText, QStringLiteral("--done"),
                        QStringLiteral("7")} + dbArg);
    QCOMPARE(r.code, 2);
    r = ctl(QStringList{QStringLiteral("incident"), QStringLiteral("set"), idText, QStringLiteral("--impact"),
                        QStringLiteral("30 s of errors")} + dbArg);
    QCOMPARE(r.code, 0);
    r = ctl(QStringList{QStringLiteral("incident"), QStringLiteral("close"), idText, QStringLiteral("--root-cause"),
                        QStringLiteral("OOM")} + dbArg);
    QCOMPARE(r.code, 0);
    r = ctl(QStringList{QStringLiteral("incident"), QStringLiteral("close"), idText} + dbArg);
    QCOMPARE(r.code, 1);
    QVERIFY2(r.err.contains(QStringLiteral("already closed")), qPrintable(r.err));

    r = ctl(QStringList{QStringLiteral("incident"), QStringLiteral("list"), QStringLiteral("--json")} + dbArg);
    QCOMPARE(r.code, 0);
    const QJsonArray list = QJsonDocument::fromJson(r.out.toUtf8()).array();
    QCOMPARE(list.size(), 1);
    const QJsonObject inc = list.first().toObject();
    QCOMPARE(inc.value(QStringLiteral("id")).toInteger(), id);
    QCOMPARE(inc.value(QStringLiteral("state")).toString(), QStringLiteral("closed"));
    QCOMPARE(inc.value(QStringLiteral("summary")).toString(), QStringLiteral("sentinel promoted the replica"));
    QCOMPARE(inc.value(QStringLiteral("impact")).toString(), QStringLiteral("30 s of errors"));
    QCOMPARE(inc.value(QStringLiteral("root_cause")).toString(), QStringLiteral("OOM"));
    const QJsonObject item = inc.value(QStringLiteral("action_items")).toArray().first().toObject();
    QCOMPARE(item.value(QStringLiteral("item")).toString(), QStringLiteral("Set maxmemory"));
    QCOMPARE(item.value(QStringLiteral("done")).toBool(), true);

    r = ctl(QStringList{QStringLiteral("incident"), QStringLiteral("list"), QStringLiteral("--open")} + dbArg);
    QCOMPARE(r.code, 0);
    QCOMPARE(r.out.trimmed(), QString());
}

// Events recorded before the rename name redis-primary; those after, redis-1. Either
// name typed finds both, and a note typed with the old name is recorded under the new one.
void TestIncidentCli::oldRedisNamesFindTheRenamedNodesEvents()
{
    const QString path = m_dir.filePath(QStringLiteral("renamed.db"));
    const qint64 now = QDateTime::currentMSecsSinceEpoch();
    {
        turno::IncidentStore store;
        QVERIFY(store.open(path, inctest::keepAll()).ok());
        QVERIFY(store.append({inctest::makeEvent(now - 60'000, QStringLiteral("redis-primary"), QStringLiteral("fleet.redis-primary-down"),
                                                 turno::Severity::Critical, QStringLiteral("before the rename")),
                              inctest::makeEvent(now - 50'000, QStringLiteral("redis-2"), QStringLiteral("note"),
                                                 turno::Severity::Info, QStringLiteral("the other node"))})
                    .ok());
    }
    const QStringList dbArg{QStringLiteral("--db"), path};
    Run r = ctl(QStringList{QStringLiteral("incident"), QStringLiteral("note"), QStringLiteral("after the rename"),
                            QStringLiteral("--node"), QStringLiteral("redis-primary")} + dbArg);
    QVERIFY2(r.code == 0, qPrintable(r.err));
    for (const QString &typed : {QStringLiteral("redis-1"), QStringLiteral("redis-primary")}) {
        r = ctl(QStringList{QStringLiteral("events"), QStringLiteral("--node"), typed, QStringLiteral("--json")} + dbArg);
        QCOMPARE(r.code, 0);
        const QJsonArray arr = QJsonDocument::fromJson(r.out.toUtf8()).array();
        QCOMPARE(arr.size(), 2);
        QCOMPARE(arr[0].toObject().value(QStringLiteral("node")).toString(), QStringLiteral("redis-primary"));
        QCOMPARE(arr[1].toObject().value(QStringLiteral("summary")).toString(), QStringLiteral("after the rename"));
        QCOMPARE(arr[1].toObject().value(QStringLiteral("node")).toString(), QStringLiteral("redis-1"));
    }
    r = ctl(QStringList{QStringLiteral("events"), QStringLiteral("--node"), QStringLiteral("redis-replica"), QStringLiteral("--json")} + dbArg);
    const QJsonArray other = QJsonDocument::fromJson(r.out.toUtf8()).array();
    QCOMPARE(other.size(), 1);
    QCOMPARE(other[0].toObject().value(QStringLiteral("summary")).toString(), QStringLiteral("the other node"));
}

void TestIncidentCli::eventsFilters()
{
    const QString path = m_dir.filePath(QStringLiteral("events.db"));
    const qint64 now = QDateTime::currentMSecsSinceEpoch();
    {
        turno::IncidentStore store;
        QVERIFY(store.open(path, inctest::keepAll()).ok());
        QVERIFY(store.append({inctest::makeEvent(now - 3 * 3'600'000, QStringLiteral("primary-1"), QStringLiteral("process.exit"),
                                             turno::Severity::Warning, QStringLiteral("three hours ago")),
                              inctest::makeEvent(now - 60'000, QStringLiteral("primary-2"), QStringLiteral("process.crash"),
                                             turno::Severity::Critical, QStringLiteral("a minute ago")),
                              inctest::makeEvent(now - 30'000, QStringLiteral("primary-1"), QStringLiteral("note"),
                                             turno::Severity::Info, QStringLiteral("half a minute ago"))})
                    .ok());
    }
    const QStringList dbArg{QStringLiteral("--db"), path};
    Run r = ctl(QStringList{QStringLiteral("events")} + dbArg);
    QCOMPARE(r.code, 0);
    QStringList lines = r.out.trimmed().split(QLatin1Char('\n'));
    QCOMPARE(lines.size(), 3);
    QVERIFY(lines[0].endsWith(QStringLiteral("three hours ago")));  // oldest first
    QVERIFY(lines[2].contains(QStringLiteral(" note ")));

    r = ctl(QStringList{QStringLiteral("events"), QStringLiteral("--since"), QStringLiteral("1h"), QStringLiteral("--json")} + dbArg);
    QCOMPARE(r.code, 0);
    QJsonArray arr = QJsonDocument::fromJson(r.out.toUtf8()).array();
    QCOMPARE(arr.size(), 2);
    QCOMPARE(arr[0].toObject().value(QStringLiteral("summary")).toString(), QStringLiteral("a minute ago"));
    QCOMPARE(arr[0].toObject().value(QStringLiteral("severity")).toString(), QStringLiteral("critical"));
    QCOMPARE(arr[0].toObject().value(QStringLiteral("node")).toString(), QStringLiteral("primary-2"));
    QVERIFY(arr[0].toObject().value(QStringLiteral("time")).toString().endsWith(QLatin1Char('Z')));

    r = ctl(QStringList{QStringLiteral("events"), QStringLiteral("--kind"), QStringLiteral("process"), QStringLiteral("--node"),
                        QStringLiteral("primary-1"), QStringLiteral("--json")} + dbArg);
    arr = QJsonDocument::fromJson(r.out.toUtf8()).array();
    QCOMPARE(arr.size(), 1);
    QCOMPARE(arr[0].toObject().value(QStringLiteral("summary")).toString(), QStringLiteral("three hours ago"));

    const QString future = QDateTime::fromMSecsSinceEpoch(now + 3'600'000, Qt::UTC).toString(Qt::ISODate);
    r = ctl(QStringList{QStringLiteral("events"), QStringLiteral("--since"), future, QStringLiteral("--json")} + dbArg);
    QCOMPARE(r.code, 0);
    QCOMPARE(QJsonDocument::fromJson(r.out.toUtf8()).array().size(), 0);

    r = ctl(QStringList{QStringLiteral("events"), QStringLiteral("--limit"), QStringLiteral("1")} + dbArg);
    QCOMPARE(r.out.trimmed().split(QLatin1Char('\n')).size(), 1);
    QVERIFY(r.out.contains(QStringLiteral("half a minute ago")));  // the newest one

    r = ctl(QStringList{QStringLiteral("events"), QStringLiteral("--severity"), QStringLiteral("warning"),
                        QStringLiteral("--text"), QStringLiteral("MINUTE")} + dbArg);
    QCOMPARE(r.out.trimmed(), r.out.trimmed().split(QLatin1Char('\n')).first());
    QVERIFY(r.out.contains(QStringLiteral("a minute ago")));
}

void TestIncidentCli::reportFormats()
{
    const QStringList dbArg{QStringLiteral("--db"), db()};
    Run r = ctl(QStringList{QStringLiteral("report"), QStringLiteral("--last"), QStringLiteral("--format"), QStringLiteral("md")} + dbArg);
    QCOMPARE(r.code, 0);
    QVERIFY2(r.out.startsWith(QStringLiteral("# Incident #1: Redis primary down")), qPrintable(r.out));
    QVERIFY(r.out.contains(QStringLiteral("restarted redis \\| by hand")));
    QVERIFY(r.out.contains(QStringLiteral("| yes | Set maxmemory | alice | 2026-12-01 |")));
    QVERIFY(r.out.contains(QStringLiteral("OOM")));

    const QString html = m_dir.filePath(QStringLiteral("r.html"));
    r = ctl(QStringList{QStringLiteral("report"), QStringLiteral("1"), QStringLiteral("--format"), QStringLiteral("html"),
                        QStringLiteral("-o"), html} + dbArg);
    QCOMPARE(r.code, 0);
    QFile f(html);
    QVERIFY(f.open(QIODevice::ReadOnly));
    const QString page = QString::fromUtf8(f.readAll());
    QVERIFY(page.startsWith(QStringLiteral("<!DOCTYPE html>")));
    QVERIFY(page.contains(QStringLiteral("<title>Incident #1: Redis primary down</title>")));

    r = ctl(QStringList{QStringLiteral("report"), QStringLiteral("99"), QStringLiteral("--format"), QStringLiteral("md")} + dbArg);
    QCOMPARE(r.code, 1);
    QVERIFY2(r.err.contains(QStringLiteral("#99")), qPrintable(r.err));
}

void TestIncidentCli::reportPdfThroughHelper()
{
    const QString pdf = m_dir.filePath(QStringLiteral("r.pdf"));
    // No display: the helper must not need one.
    const Run r = ctl({QStringLiteral("report"), QStringLiteral("--last"), QStringLiteral("--format"), QStringLiteral("pdf"),
                       QStringLiteral("-o"), pdf, QStringLiteral("--db"), db()},
                      {QStringLiteral("DISPLAY"), QStringLiteral("WAYLAND_DISPLAY"), QStringLiteral("QT_QPA_PLATFORM")});
    QVERIFY2(r.code == 0, qPrintable(r.err));
    QFile f(pdf);
    QVERIFY(f.open(QIODevice::ReadOnly));
    const QByteArray bytes = f.readAll();
    QVERIFY(bytes.startsWith("%PDF-"));
    QVERIFY(QString::fromLatin1(bytes).count(QRegularExpression(QStringLiteral("/Type\\s*/Page(?![a-zA-Z])"))) > 0);
    QVERIFY2(bytes.contains("/Subtype /Image"), "the helper adds the events-in-the-window chart");
}

void TestIncidentCli::defaultPathAndEnvironment()
{
    const QString xdg = m_dir.filePath(QStringLiteral("xdg-data"));
    Run r = ctl({QStringLiteral("incident"), QStringLiteral("note"), QStringLiteral("default place")},
                {QStringLiteral("XDG_DATA_HOME=") + xdg});
    QCOMPARE(r.code, 0);
    QVERIFY(QFile::exists(xdg + QStringLiteral("/turno-ops/incidents.db")));

    const QString viaEnv = m_dir.filePath(QStringLiteral("env.db"));
    r = ctl({QStringLiteral("incident"), QStringLiteral("note"), QStringLiteral("env place")},
            {QStringLiteral("XDG_DATA_HOME=") + xdg, QStringLiteral("TURNO_INCIDENT_DB=") + viaEnv});
    QCOMPARE(r.code, 0);
    QVERIFY(QFile::exists(viaEnv));
    r = ctl({QStringLiteral("events"), QStringLiteral("--json")}, {QStringLiteral("TURNO_INCIDENT_DB=") + viaEnv});
    QCOMPARE(QJsonDocument::fromJson(r.out.toUtf8()).array().size(), 1);
    QVERIFY(r.out.contains(QStringLiteral("env place")));
    // --db wins over the environment.
    r = ctl({QStringLiteral("events"), QStringLiteral("--json"), QStringLiteral("--db"), xdg + QStringLiteral("/turno-ops/incidents.db")},
            {QStringLiteral("TURNO_INCIDENT_DB=") + viaEnv});
    QVERIFY(r.out.contains(QStringLiteral("default place")));
    QVERIFY(!r.out.contains(QStringLiteral("env place")));
}

void TestIncidentCli::usageErrors()
{
    const QStringList dbArg{QStringLiteral("--db"), db()};
    QCOMPARE(ctl(QStringList{QStringLiteral("events"), QStringLiteral("--since"), QStringLiteral("yesterday")} + dbArg).code, 2);
    QCOMPARE(ctl(QStringList{QStringLiteral("events"), QStringLiteral("--bogus")} + dbArg).code, 2);
    QCOMPARE(ctl(QStringList{QStringLiteral("report"), QStringLiteral("--format"), QStringLiteral("md")} + dbArg).code, 2);
    QCOMPARE(ctl(QStringList{QStringLiteral("report"), QStringLiteral("1"), QStringLiteral("--format"), QStringLiteral("docx")} + dbArg).code, 2);
    QCOMPARE(ctl(QStringList{QStringLiteral("report"), QStringLiteral("1"), QStringLiteral("--last"), QStringLiteral("--format"), QStringLiteral("md")} + dbArg).code, 2);
    const Run help = ctl({QStringLiteral("events"), QStringLiteral("--help")});
    QCOMPARE(help.code, 0);
    QVERIFY(help.out.contains(QStringLiteral("TURNO_INCIDENT_DB")));
}

void TestIncidentCli::reportCarriesStoredFleetMetrics()
{
    // What a supervising process leaves: an incident and the fleet samples of its window.
    const QString file = m_dir.filePath(QStringLiteral("load.db"));
    const qint64 now = QDateTime::currentMSecsSinceEpoch();
    const qint64 opened = now - 5 * 60'000;
    {
        turno::IncidentStore store;
        turno::IncidentStore::Options options;
        options.pruneDaily = false;
        QVERIFY(store.open(file, options).ok());
        const auto id = store.openIncident(QStringLiteral("load test"), turno::Severity::Critical, {}, opened);
        QVERIFY(id.ok());
        QVERIFY(store.closeIncident(id.value(), opened + 3 * 60'000).ok());
    }
    const QStringList args{QStringLiteral("report"), QStringLiteral("--last"), QStringLiteral("--format"),
                           QStringLiteral("md"), QStringLiteral("--db"), file};
    Run r = ctl(args);
    QCOMPARE(r.code, 0);
    QVERIFY2(r.out.contains(QStringLiteral("_(no metrics recorded)_")), qPrintable(r.out));  // nothing stored yet
    {
        turno::IncidentStore store;
        turno::IncidentStore::Options options;
        options.pruneDaily = false;
        QVERIFY(store.open(file, options).ok());
        store.recordSample(turno::FleetSample{opened - 20 * 60'000, 90'000, 900, 0.5, 400});  // before the window
        store.recordSample(turno::FleetSample{opened + 30'000, 14'000, 21.5, 0.002, 180});
        store.recordSample(turno::FleetSample{opened + 60'000, 13'000, 30, 0.001, 170});
        QVERIFY(store.flush().ok());
    }
    r = ctl(args);
    QCOMPARE(r.code, 0);
    QVERIFY2(!r.out.contains(QStringLiteral("no metrics recorded")), qPrintable(r.out));
    const QString at = turno::formatEventTime(opened + 30'000);
    QVERIFY2(r.out.contains(QStringLiteral("| fleet req/s | fleet | 14000 req/s | %1 |").arg(at)), qPrintable(r.out));
    QVERIFY2(r.out.contains(QStringLiteral("| 30 ms | %1 |").arg(turno::formatEventTime(opened + 60'000))), qPrintable(r.out));
    QVERIFY2(r.out.contains(QStringLiteral("| 0.2 % | %1 |").arg(at)), qPrintable(r.out));
    QVERIFY2(r.out.contains(QStringLiteral("2 samples the incident store kept")), qPrintable(r.out));

    r = ctl({QStringLiteral("report"), QStringLiteral("--last"), QStringLiteral("--format"), QStringLiteral("html"),
             QStringLiteral("--db"), file});
    QCOMPARE(r.code, 0);
    QCOMPARE(r.out.count(QStringLiteral("<svg ")), 3);
}

QTEST_GUILESS_MAIN(TestIncidentCli)
#include "test_incident_cli.moc"
