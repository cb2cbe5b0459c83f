#include "scrape/node_collector.h"

namespace turno {

NodeCollector::NodeCollector(HttpScraper::Options options, QObject *parent)
    : QObject(parent), m_scraper(new HttpScraper(options, this))
{
    qRegisterMetaType<turno::CollectedScrape>();
    connect(m_scraper, &HttpScraper::scraped, this, &NodeCollector::onScraped);
}

NodeCollector::~NodeCollector() = default;

void NodeCollector::setTargets(const QList<ScrapeTarget> &targets)
{
    QSet<QString> wanted;
    for (const ScrapeTarget &t : targets) {
        wanted.insert(t.name);
        auto it = m_targets.find(t.name);
        if (it != m_targets.end() && it->url == t.url)
            continue;
        if (it != m_targets.end())
            m_scraper->removeTarget(it->index);
        Target fresh;
        fresh.url = t.url;
        fresh.index = m_scraper->addTarget(t);
        m_targets.insert(t.name, fresh);
    }
    for (auto it = m_targets.begin(); it != m_targets.end();) {
        if (wanted.contains(it.key())) {
            ++it;
            continue;
        }
        m_scraper->removeTarget(it->index);
        it = m_targets.erase(it);
    }
}

QStringList NodeCollector::targetNames() const
{
    return m_targets.keys();
}

void NodeCollector::start()
{
    m_scraper->start();
}

void NodeCollector::stop()
{
    m_scraper->stop();
}

bool NodeCollector::running() const
{
    return m_scraper->running();
}

int NodeCollector::intervalMs() const
{
    return m_scraper->options().intervalMs;
}

std::optional<NodeFigures> NodeCollector::figures(const QString &name) const
{
    const auto it = m_targets.constFind(name);
    return it == m_targets.cend() ? std::nullopt : it->figures;
}

void NodeCollector::onScraped(const ScrapeResult &result)
{
    auto it = m_targets.find(result.name);
    // A scrape that was under way when its target was dropped or replaced.
    if (it == m_targets.end() || it->index != result.target)
        return;
    CollectedScrape c;
    c.result = result;
    c.previous = it->last;
    c.previousMs = it->lastMs;
    if (!result.up || !result.scrape) {
        it->figures.reset();
        emit collected(c);
        return;
    }
    c.figures = NodeFigures::between(it->last.get(), it->lastMs, *result.scrape, result.timestampMs);
    it->figures = c.figures;
    it->last = result.scrape;
    it->lastMs = result.timestampMs;
    emit collected(c);
}

}  // namespace turno
