// HttpScraper: scrapes many /metrics endpoints on a schedule with Qt Network,
// asynchronously, and reports each result and each target's health. Plain
// http targets keep one HttpConnection each (no thread hop); https goes
// through QNetworkAccessManager.
#pragma once

#include "metrics/prom_text_parser.h"
#include "scrape/http_connection.h"
#include "scrape/scrape_result.h"

#include <QElapsedTimer>
#include <QNetworkAccessManager>
#include <QObject>
#include <QPointer>
#include <QTimer>
#include <memory>
#include <vector>

class QNetworkReply;

namespace turno {

struct ScrapeTarget {
    QString name;
    QUrl url;
};

class HttpScraper : public QObject {
    Q_OBJECT
public:
    static constexpr const char *kAcceptOpenMetrics =
        "application/openmetrics-text;version=1.0.0,text/plain;version=0.0.4;q=0.5,*/*;q=0.1";
    static constexpr const char *kAcceptPrometheus = "text/plain;version=0.0.4";

    struct Options {
        int intervalMs = 1000;
        // Prometheus's default timeout is 10 s against a 1 min interval; at 1 s
        // a scrape has to give up before the next one is due.
        int timeoutMs = 900;
        // Each scrape starts up to this many ms late, at random, so a fleet
        // started together does not hit every node in the same millisecond.
        int jitterMs = 50;
        PromTextParser::Options parser;
        // Offered formats, best first, as Prometheus offers them: a target
        // that speaks OpenMetrics answers with it, any other with 0.0.4 text.
        // The body is read in the format its Content-Type names.
        QByteArray accept = kAcceptOpenMetrics;
        // Plain http through QNetworkAccessManager too, as before HttpConnection
        // (bench_scrape_cpu compares the two in one run).
        bool qtNetworkForHttp = false;
    };

    explicit HttpScraper(QObject *parent = nullptr);
    explicit HttpScraper(Options options, QObject *parent = nullptr);
    ~HttpScraper() override;

    const Options &options() const { return m_options; }

    // Targets are scraped from start() until stop(); each gets a stable offset
    // inside the interval (from its URL, as Prometheus does) plus jitter.
    int addTarget(const ScrapeTarget &target);
    void removeTarget(int index);
    int targetCount() const { return int(m_targets.size()); }
    TargetHealth health(int index) const;

    void start();
    void stop();
    bool running() const { return m_running; }

    // One scrape now, outside the schedule; the result comes through scraped()
    // with target -1.
    void scrapeOnce(const QUrl &url);

signals:
    void scraped(const turno::ScrapeResult &result);

private:
    struct Target;
    struct InFlight;
    void schedule(int index);
    void arm(int index);
    void begin(int index, const QUrl &url, const QString &name);
    void finish(InFlight *flight);  // QNetworkReply done (https)
    void complete(InFlight *flight, HttpConnection::Response response, const QString &networkError);

    Options m_options;
    QNetworkAccessManager m_network;
    std::vector<std::unique_ptr<Target>> m_targets;
    std::vector<std::unique_ptr<InFlight>> m_inFlight;
    PromTextParser m_parser;
    QElapsedTimer m_clock;  // monotonic time of the schedule
    bool m_running = false;
};

}  // namespace turno
