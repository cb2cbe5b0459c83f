// NodeCollector: the one collector of a fleet's /metrics endpoints. Each target
// is fetched once per interval; each scrape becomes NodeFigures for the window
// since the target's previous one, which every reader (status, tables, charts,
// alerts, autoscaler) takes from here instead of scraping itself.
#pragma once

#include "metrics/node_figures.h"
#include "scrape/http_scraper.h"
#include "scrape/scrape_result.h"

#include <QHash>
#include <QList>
#include <QObject>
#include <memory>
#include <optional>

namespace turno {

// One scrape and the one before it of the same target, with what they say together.
struct CollectedScrape {
    ScrapeResult result;
    std::shared_ptr<const MetricsScrape> previous;  // null for the target's first good scrape
    qint64 previousMs = 0;
    NodeFigures figures;                            // only meaningful when result.up
};

class NodeCollector : public QObject {
    Q_OBJECT
public:
    explicit NodeCollector(HttpScraper::Options options, QObject *parent = nullptr);
    ~NodeCollector() override;

    // Scrape these targets from now on: new names are added, names gone are
    // dropped with their figures, a name whose URL changed starts afresh.
    void setTargets(const QList<ScrapeTarget> &targets);
    QStringList targetNames() const;
    void start();
    void stop();
    bool running() const;
    int intervalMs() const;

    // The figures of the target's last scrape; none when it is unknown, was down
    // at its last scrape, or was never scraped.
    std::optional<NodeFigures> figures(const QString &name) const;

signals:
    void collected(const turno::CollectedScrape &scrape);

private:
    struct Target {
        int index = -1;  // in the scraper
        QUrl url;
        std::shared_ptr<const MetricsScrape> last;
        qint64 lastMs = 0;
        std::optional<NodeFigures> figures;
    };
    void onScraped(const ScrapeResult &result);

    HttpScraper *m_scraper = nullptr;
    QHash<QString, Target> m_targets;
};

}  // namespace turno

Q_DECLARE_METATYPE(turno::CollectedScrape)
