#include "scrape/http_scraper.h"

#include <QDateTime>
#include <QNetworkProxy>
#include <QNetworkReply>
#include <QNetworkRequest>
#include <QRandomGenerator>
#include <algorithm>

namespace turno {

struct HttpScraper::Target {
    ScrapeTarget target;
    TargetHealth health;
    QTimer timer;
    bool busy = false;
    bool removed = false;
};

struct HttpScraper::InFlight {
    int target = -1;
    QString name;
    QUrl url;
    QPointer<QNetworkReply> reply;
    QTimer timeout;
    QElapsedTimer elapsed;
    qint64 startedMs = 0;
    bool timedOut = false;
    bool tooLarge = false;
};

HttpScraper::HttpScraper(QObject *parent) : HttpScraper(Options{}, parent) {}

HttpScraper::HttpScraper(Options options, QObject *parent)
    : QObject(parent), m_options(options), m_parser(options.parser)
{
    m_network.setAutoDeleteReplies(false);
    // Keep-alive connections are reused scrape after scrape; no redirects to
    // other hosts behind the operator's back.
    m_network.setRedirectPolicy(QNetworkRequest::NoLessSafeRedirectPolicy);
    // Like Prometheus without proxy_url: straight to the node. This also
    // spares a system proxy lookup on every request.
    m_network.setProxy(QNetworkProxy::NoProxy);
}

HttpScraper::~HttpScraper()
{
    stop();
    for (auto &f : m_inFlight) {
        if (f->reply) {
            f->reply->disconnect(this);
            f->reply->abort();
            delete f->reply;
        }
    }
}

int HttpScraper::addTarget(const ScrapeTarget &target)
{
    auto t = std::make_unique<Target>();
    t->target = target;
    t->timer.setTimerType(Qt::PreciseTimer);
    const int index = int(m_targets.size());
    connect(&t->timer, &QTimer::timeout, this, [this, index] { schedule(index); });
    m_targets.push_back(std::move(t));
    if (m_running) {
        m_targets.back()->timer.start(m_options.intervalMs);
        schedule(index);
    }
    return index;
}

void HttpScraper::removeTarget(int index)
{
    if (index < 0 || index >= int(m_targets.size()))
        return;
    m_targets[size_t(index)]->removed = true;
    m_targets[size_t(index)]->timer.stop();
}

TargetHealth HttpScraper::health(int index) const
{
    if (index < 0 || index >= int(m_targets.size()))
        return {};
    return m_targets[size_t(index)]->health;
}

void HttpScraper::start()
{
    if (m_running)
        return;
    m_running = true;
    const int interval = std::max(1, m_options.intervalMs);
    for (size_t i = 0; i < m_targets.size(); ++i) {
        Target &t = *m_targets[i];
        if (t.removed)
            continue;
        // A stable offset per URL spreads targets over the interval.
        const int offset = int(qHash(t.target.url.toString()) % uint(interval));
        t.timer.stop();
        QTimer::singleShot(offset, &t.timer, [this, i, interval] {
            if (!m_running || m_targets[i]->removed)
                return;
            m_targets[i]->timer.start(interval);
            schedule(int(i));
        });
    }
}

void HttpScraper::stop()
{
    m_running = false;
    for (auto &t : m_targets)
        t->timer.stop();
}

void HttpScraper::scrapeOnce(const QUrl &url)
{
    begin(-1, url, url.toString());
}

void HttpScraper::schedule(int index)
{
    Target &t = *m_targets[size_t(index)];
    // A scrape still running when the next is due is not doubled up.
    if (t.busy || t.removed || !m_running)
        return;
    t.busy = true;
    const int delay = m_options.jitterMs > 0 ? int(QRandomGenerator::global()->bounded(m_options.jitterMs + 1)) : 0;
    QTimer::singleShot(delay, this, [this, index] {
        Target &tt = *m_targets[size_t(index)];
        if (tt.removed || !m_running) {
            tt.busy = false;
            return;
        }
        begin(index, tt.target.url, tt.target.name);
    });
}

void HttpScraper::begin(int index, const QUrl &url, const QString &name)
{
    auto flight = std::make_unique<InFlight>();
    InFlight *f = flight.get();
    f->target = index;
    f->url = url;
    f->name = name;
    f->startedMs = QDateTime::currentMSecsSinceEpoch();
    f->elapsed.start();

    QNetworkRequest req(url);
    req.setRawHeader("Accept", "text/plain;version=0.0.4");
    req.setHeader(QNetworkRequest::UserAgentHeader, QByteArrayLiteral("turno-ops-scraper"));
    // Qt adds Accept-Encoding: gzip, deflate and decodes the body itself.
    req.setAttribute(QNetworkRequest::Http2AllowedAttribute, false);
    f->reply = m_network.get(req);
    m_inFlight.push_back(std::move(flight));

    f->timeout.setSingleShot(true);
    connect(&f->timeout, &QTimer::timeout, this, [f] {
        f->timedOut = true;
        if (f->reply)
            f->reply->abort();
    });
    f->timeout.start(std::max(1, m_options.timeoutMs));
    const qint64 limit = m_options.parser.maxBodyBytes;
    connect(f->reply, &QNetworkReply::downloadProgress, this, [f, limit](qint64 received, qint64 total) {
        if (limit > 0 && (received > limit || total > limit) && !f->tooLarge) {
            f->tooLarge = true;
            if (f->reply)
                f->reply->abort();
        }
    });
    connect(f->reply, &QNetworkReply::finished, this, [this, f] { finish(f); });
}

void HttpScraper::finish(InFlight *f)
{
    f->timeout.stop();
    QNetworkReply *reply = f->reply;
    ScrapeResult r;
    r.target = f->target;
    r.name = f->name;
    r.url = f->url;
    r.timestampMs = f->startedMs;

    const int status = reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
    if (f->timedOut) {
        r.error = QStringLiteral("scrape of %1 timed out after %2 ms (raise the timeout or check the node)")
                      .arg(f->url.toString())
                      .arg(m_options.timeoutMs);
    } else if (f->tooLarge) {
        r.error = QStringLiteral("body from %1 is over the limit of %2 bytes (body_size_limit)")
                      .arg(f->url.toString())
                      .arg(m_options.parser.maxBodyBytes);
    } else if (reply->error() != QNetworkReply::NoError && status == 0) {
        r.error = QStringLiteral("cannot scrape %1: %2").arg(f->url.toString(), reply->errorString());
    } else if (status != 200) {
        r.error = QStringLiteral("%1 answered HTTP %2 %3 (expected 200)")
                      .arg(f->url.toString())
                      .arg(status)
                      .arg(reply->attribute(QNetworkRequest::HttpReasonPhraseAttribute).toString());
    } else {
        const QByteArray body = reply->readAll();
        r.bodyBytes = body.size();
        PromTextParser::Options po = m_options.parser;
        po.format = PromTextParser::formatForContentType(reply->header(QNetworkRequest::ContentTypeHeader).toByteArray());
        auto parsed = (po.format == m_options.parser.format) ? m_parser.parse(QByteArrayView(body))
                                                             : PromTextParser(po).parse(QByteArrayView(body));
        if (parsed) {
            r.up = true;
            r.scrape = std::make_shared<const MetricsScrape>(std::move(parsed).value());
        } else {
            r.error = QStringLiteral("%1: %2").arg(f->url.toString(), parsed.error());
        }
    }
    r.durationSeconds = double(f->elapsed.nsecsElapsed()) / 1e9;

    if (f->target >= 0 && f->target < int(m_targets.size())) {
        Target &t = *m_targets[size_t(f->target)];
        t.busy = false;
        TargetHealth &h = t.health;
        h.up = r.up;
        h.lastDurationSeconds = r.durationSeconds;
        h.lastScrapeMs = r.timestampMs;
        h.lastError = r.error;
        ++h.scrapes;
        if (!r.up)
            ++h.failures;
        else
            h.samples = qint64(r.scrape->samples().size());
    }

    reply->deleteLater();
    auto it = std::find_if(m_inFlight.begin(), m_inFlight.end(), [f](const auto &p) { return p.get() == f; });
    std::unique_ptr<InFlight> keep;
    if (it != m_inFlight.end()) {
        keep = std::move(*it);
        m_inFlight.erase(it);
    }
    emit scraped(r);
}

}  // namespace turno
