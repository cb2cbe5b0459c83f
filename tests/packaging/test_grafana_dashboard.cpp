// packaging/grafana/turno-dashboard.json: valid JSON, and every metric its
// panels query is one turno-server really exports (checked on a live /metrics).
#include "test_support.h"

#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QRegularExpression>
#include <QSet>
#include <QTemporaryDir>
#include <QTest>

using namespace turno::test;

class TestGrafanaDashboard : public QObject {
    Q_OBJECT
private slots:
    void everyQueriedMetricExists()
    {
        QFile f(envPath("TURNO_SOURCE_DIR") + QStringLiteral("/packaging/grafana/turno-dashboard.json"));
        QVERIFY(f.open(QIODevice::ReadOnly));
        QJsonParseError pe;
        const QJsonDocument doc = QJsonDocument::fromJson(f.readAll(), &pe);
        QVERIFY2(pe.error == QJsonParseError::NoError, qPrintable(pe.errorString()));
        const QJsonArray panels = doc.object().value(QStringLiteral("panels")).toArray();
        QVERIFY(panels.size() >= 8);

        QSet<QString> queried;
        static const QRegularExpression name(QStringLiteral("\\b((?:turno|process)_[a-z0-9_]+)"));
        for (const QJsonValue &p : panels) {
            const QJsonArray targets = p.toObject().value(QStringLiteral("targets")).toArray();
            QVERIFY2(!targets.isEmpty(), qPrintable(p.toObject().value(QStringLiteral("title")).toString()));
            for (const QJsonValue &t : targets) {
                auto it = name.globalMatch(t.toObject().value(QStringLiteral("expr")).toString());
                while (it.hasNext()) {
                    QString n = it.next().captured(1);
                    for (const char *suffix : {"_bucket", "_sum", "_count"})
                        if (n.endsWith(QLatin1String(suffix)))
                            n.chop(qsizetype(strlen(suffix)));
                    queried.insert(n);
                }
            }
        }
        QVERIFY(queried.contains(QStringLiteral("turno_http_requests_total")));

        QTemporaryDir dir;
        ChildProcess server;
        const quint16 port = freePort();
        QVERIFY(server.start(envPath("TURNO_SERVER_BIN"), {QStringLiteral("--listen"), QStringLiteral("127.0.0.1:%1").arg(port)},
                             dir.filePath(QStringLiteral("server.log"))));
        QVERIFY(server.waitForPort(port));
        httpGet(port, "GET /turno/x HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n");
        const HttpReply metrics = httpGet(port, "GET /metrics HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n");
        QCOMPARE(metrics.status, 200);
        QSet<QString> exported;
        for (const QByteArray &line : metrics.body.split('\n'))
            if (line.startsWith("# TYPE "))
                exported.insert(QString::fromLatin1(line.split(' ').value(2)));
        for (const QString &n : queried)
            QVERIFY2(exported.contains(n), qPrintable(QStringLiteral("dashboard queries %1, which turno-server does not export").arg(n)));
    }
};

QTEST_GUILESS_MAIN(TestGrafanaDashboard)
#include "test_grafana_dashboard.moc"
