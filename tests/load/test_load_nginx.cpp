// The generator against a real server: Debian's nginx answering every id with
// turno 1. Every answer after the first per id is a duplicate, and the
// generator, the unexpected-input probe and turnoctl bench must all say so.
#include "incidents/incident_store.h"
#include "load/load_engine.h"
#include "load/unexpected_input_probe.h"
#include "nginx_fixture.h"

#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QTemporaryDir>
#include <QTest>

using namespace turno;

class TestLoadNginx : public QObject {
    Q_OBJECT
private:
    test::NginxFixture m_nginx;
    LoadConfig m_config;

    struct Cli {
        int exitCode = -1;
        QByteArray out, err;
    };
    Cli turnoctl(const QStringList &args)
    {
        QProcess p;
        p.start(test::envPath("TURNOCTL_BIN"), args);
        Cli c;
        if (!p.waitForFinished(60000)) {
            p.kill();
            p.waitForFinished(5000);
            return c;
        }
        c.exitCode = p.exitCode();
        c.out = p.readAllStandardOutput();
        c.err = p.readAllStandardError();
        return c;
    }

private slots:
    void initTestCase()
    {
        QString why;
        if (!m_nginx.start(&why))
            QFAIL(qPrintable(why));
        QVERIFY(parseLoadTarget(m_nginx.url(), &m_config).ok());
        m_config.connections = 8;
        m_config.threads = 2;
    }

    void closedLoopSeesEveryDuplicate()
    {
        LoadConfig c = m_config;
        c.durationSeconds = 1.5;
        c.pattern = IdPattern::Uniform;
        c.idCount = 8;
        const LoadReport r = LoadEngine::run(c);
        QVERIFY(r.answers > 1000);
        QCOMPARE(r.errorTotal(), uint64_t(0));
        QCOMPARE(r.ok, r.answers);
        QCOMPARE(r.statuses.at(200), r.answers);
        // Each id's first turno 1 is fine, every later one is a duplicate.
        QCOMPARE(r.duplicates, r.ok - 8);
        QCOMPARE(r.gaps, uint64_t(0));
        QCOMPARE(r.duplicateExamples.size(), size_t(10));
        QCOMPARE(r.duplicateExamples[0].turno, uint64_t(1));
        QVERIFY(r.latency.p50Ms > 0 && r.latency.p50Ms <= r.latency.p999Ms);
        QVERIFY(!r.timeline.empty());
    }

    void openLoopHoldsTheRate()
    {
        LoadConfig c = m_config;
        c.durationSeconds = 2;
        c.rate = 5000;
        const LoadReport r = LoadEngine::run(c);
        QVERIFY2(r.sent >= 9900 && r.sent <= 10000, qPrintable(QString::number(r.sent)));
        QCOMPARE(r.errorTotal(), uint64_t(0));
        QCOMPARE(r.unanswered, uint64_t(0));
    }

    void unexpectedInputFlagsAServerThatAcceptsEverything()
    {
        const UnexpectedReport r = UnexpectedInputProbe::run(m_config);
        QVERIFY(!r.passed);
        QVERIFY(r.failures() > 0);
        bool sawOversized = false;
        for (const UnexpectedOutcome &o : r.outcomes) {
            QVERIFY2(o.serving, o.name.c_str());  // nginx keeps serving whatever it is sent
            if (o.name == "id_65_chars") {
                sawOversized = true;
                QCOMPARE(o.statuses, std::vector<int>{200});  // nginx does not know the 64-character rule
                QVERIFY(!o.passed);
            }
            if (o.name == "pipelined_burst")
                QVERIFY(o.note.contains(QLatin1String("not consecutive")));  // turno 1, 32 times
            if (o.name == "header_20k")
                QVERIFY(!o.statuses.empty());  // answered, whatever the code
        }
        QVERIFY(sawOversized);
        const QJsonObject json = r.toJson();
        QCOMPARE(json.value(QLatin1String("failures")).toInt(), r.failures());
    }

    void benchCommandFailsOnDuplicatesAndSavesResults()
    {
        QTemporaryDir dir;
        const QString jsonFile = dir.filePath(QStringLiteral("r.json"));
        const QString csvFile = dir.filePath(QStringLiteral("r.csv"));
        const Cli c = turnoctl({QStringLiteral("bench"), m_nginx.url(), QStringLiteral("--requests"), QStringLiteral("500"),
                                QStringLiteral("--connections"), QStringLiteral("4"), QStringLiteral("--threads"), QStringLiteral("2"),
                                QStringLiteral("--json"), QStringLiteral("--out-json"), jsonFile, QStringLiteral("--out-csv"), csvFile});
        QCOMPARE(c.exitCode, 1);
        QVERIFY(c.err.contains("duplicate"));
        const QJsonObject o = QJsonDocument::fromJson(c.out).object();
        QCOMPARE(o.value(QLatin1String("requests")).toInt(), 500);
        QCOMPARE(o.value(QLatin1String("duplicates")).toInt(), 499);
        QCOMPARE(o.value(QLatin1String("gaps")).toInt(), 0);
        QVERIFY(o.value(QLatin1String("req_per_s")).toDouble() > 0);
        QVERIFY(o.value(QLatin1String("latency")).toObject().contains(QLatin1String("p99_ms")));
        QFile saved(jsonFile);
        QVERIFY(saved.open(QIODevice::ReadOnly));
        QCOMPARE(QJsonDocument::fromJson(saved.readAll()).object().value(QLatin1String("duplicates")).toInt(), 499);
        QFile csv(csvFile);
        QVERIFY(csv.open(QIODevice::ReadOnly));
        const QList<QByteArray> lines = csv.readAll().trimmed().split('\n');
        QVERIFY(lines.first().startsWith("second,req_per_s,p50_ms,p90_ms,p99_ms,p999_ms"));
        QVERIFY(lines.last().startsWith("total,"));
        QVERIFY(lines.last().endsWith(",499,0"));
    }

    void benchCommandRecordsTheRunOnTheTimeline()
    {
        QTemporaryDir dir;
        const QString db = dir.filePath(QStringLiteral("incidents.db"));
        const Cli c = turnoctl({QStringLiteral("bench"), m_nginx.url(), QStringLiteral("--requests"), QStringLiteral("100"),
                                QStringLiteral("--connections"), QStringLiteral("2"), QStringLiteral("--quiet"),
                                QStringLiteral("--record"), QStringLiteral("--db"), db});
        QCOMPARE(c.exitCode, 1);
        IncidentStore store;
        QVERIFY(store.open(db).ok());
        EventFilter filter;
        filter.kinds = {QStringLiteral("load.run")};
        const auto events = store.events(filter);
        QVERIFY(events.ok());
        QCOMPARE(events.value().size(), 1);
        const IncidentEvent &e = events.value().first();
        QCOMPARE(e.severity, Severity::Error);  // duplicates
        QVERIFY(e.summary.contains(QLatin1String("99 duplicates")));
        QCOMPARE(e.details.value(QLatin1String("duplicates")).toInt(), 99);
        QCOMPARE(e.details.value(QLatin1String("passed")).toBool(), false);
    }

    void benchCommandTextSummaryAndExitCodes()
    {
        const Cli text = turnoctl({QStringLiteral("bench"), m_nginx.url(), QStringLiteral("--requests"), QStringLiteral("50"),
                                   QStringLiteral("--connections"), QStringLiteral("2"), QStringLiteral("--quiet")});
        QCOMPARE(text.exitCode, 1);
        QVERIFY(text.out.contains("duplicates: 49\n"));
        QVERIFY(text.out.contains("gaps: 0\n"));
        QVERIFY(text.out.contains("req/s:"));
        QVERIFY(text.out.contains("p99"));
        QCOMPARE(turnoctl({QStringLiteral("bench"), m_nginx.url(), QStringLiteral("--bogus")}).exitCode, 2);
        QCOMPARE(turnoctl({QStringLiteral("bench"), QStringLiteral("http://10.9.9.9:1")}).exitCode, 2);
        QCOMPARE(turnoctl({QStringLiteral("bench"), QStringLiteral("http://127.0.0.1:%1").arg(test::freePort()),
                           QStringLiteral("--duration"), QStringLiteral("0.3"), QStringLiteral("--quiet")})
                     .exitCode,
                 3);
    }
};

QTEST_GUILESS_MAIN(TestLoadNginx)
#include "test_load_nginx.moc"
