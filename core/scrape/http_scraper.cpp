#include "scrape/http_scraper.h"

#include "scrape/http_connection.h"

#include <QDateTime>
#include <QNetworkProxy>
#include <QNetworkReply>
#include <QNetworkRequest>
#include <QRandomGenerator>
#include <algorithm>

namespace turno {

namespace {

// Plain http goes through HttpConnection (keep-alive, this thread); https and
// anything else through QNetworkAccessManager.
bool ownClient(const QUrl &url)
{
    return url.scheme() == QLatin1String("http") && !url.host().isEmpty();
}

}  // namespace

struct HttpScraper::Target {
    ScrapeTarget target;
    TargetHealth health;
    QTimer timer;             // single shot, re-armed for each scrape
    qint64 nextDueMs = 0;     // m_clock time of the next scrape, before jitter
    std::unique_ptr<HttpConnection> connection;  // kept alive scrape after scrape
    bool busy = false;
    bool removed = false;
};

struct HttpScraper::InFlight {
    int target = -1;
    QString name;
    QUrl url;
    QPointer<QNetworkReply> reply;
    HttpConnection *connection = nullptr;
    std::unique_ptr<HttpConnection> ownConnection;  // scrapeOnce
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
        if (f->connection)
            f->connection->abort();
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
    t->timer.setSingleShot(true);
    const int index = int(m_targets.size());
    connect(&t->timer, &QTimer::timeout, this, [this, index] { schedule(index); });
    m_targets.push_back(std::move(t));
    if (m_running) {
        m_targets.back()->nextDueMs = m_clock.elapsed();
        arm(index);
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
    if (!m_clock.isValid())
        m_clock.start();
    const int interval = std::max(1, m_options.intervalMs);
    const qint64 now = m_clock.elapsed();
    for (size_t i = 0; i < m_targets.size(); ++i) {
        Target &t = *m_targets[i];
        if (t.removed)
            continue;
        // A stable offset per URL spreads targets over the interval.
        t.nextDueMs = now + qint64(qHash(t.target.url.toString()) % uint(interval));
        arm(int(i));
    }
}

void HttpScraper::arm(int index)
{
    Target &t = *m_targets[size_t(index)];
    // One timer per target, jitter included: a scrape costs one wake-up for
    // its start, not one for the schedule and one more for the jitter.
    const qint64 jitter = m_options.jitterMs > 0 ? qint64(QRandomGenerator::global()->bounded(m_options.jitterMs + 1)) : 0;
    t.timer.start(int(std::max<qint64>(0, t.nextDueMs + jitter - m_clock.elapsed())));
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
    if (t.removed || !m_running)
        return;
    const qint64 now = m_clock.elapsed();
    const qint64 interval = std::max(1, m_options.intervalMs);
    t.nextDueMs += interval;
    if (t.nextDueMs <= now - interval)  // far behind (a stalled loop, a suspend): no burst to catch up
        t.nextDueMs = now + interval;
    arm(index);
    // A scrape still running when the next is due is not doubled up.
    if (t.busy)
        return;
    t.busy = true;
    begin(index, t.target.url, t.target.name);
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
    f->timeout.setSingleShot(true);

    if (!m_options.qtNetworkForHttp && ownClient(url)) {
        if (index >= 0) {
            Target &t = *m_targets[size_t(index)];
            if (!t.connection)
                t.connection = std::make_unique<HttpConnection>(url.host(), quint16(url.port(80)));
            f->connection = t.connection.get();
        } else {
            f->ownConnection = std::make_unique<HttpConnection>(url.host(), quint16(url.port(80)));
            f->connection = f->ownConnection.get();
        }
        m_inFlight.push_back(std::move(flight));
        connect(&f->timeout, &QTimer::timeout, this, [this, f] {
            f->timedOut = true;
            f->connection->abort();
            complete(f, {}, QString());
        });
        f->timeout.start(std::max(1, m_options.timeoutMs));
        QByteArray target = url.toEncoded(QUrl::RemoveScheme | QUrl::RemoveAuthority | QUrl::RemoveFragment);
        if (target.isEmpty())
            target = "/";
        f->connection->get(target, m_options.accept, m_options.parser.maxBodyBytes,
                           [this, f](Result<HttpConnection::Response> r, HttpConnection::Failure failure) {
                               f->timeout.stop();
                               if (failure == HttpConnection::Failure::TooLarge)
                                   f->tooLarge = true;
                               if (!r.ok())
                                   return complete(f, {}, failure == HttpConnection::Failure::TooLarge ? QString() : r.error());
                               complete(f, std::move(r).value(), QString());
                           });
        return;
    }

    QNetworkRequest req(url);
    req.setRawHeader("Accept", m_options.accept);
    req.setHeader(QNetworkRequest::UserAgentHeader, QByteArrayLiteral("turno-ops-scraper"));
    // Qt adds Accept-Encoding: gzip, deflate and decodes the body itself.
    req.setAttribute(QNetworkRequest::Http2AllowedAttribute, false);
    f->reply = m_network.get(req);
    m_inFlight.push_back(std::move(flight));

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
    HttpConnection::Response response;
    response.status = reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
    QString networkError;
    if (reply->error() != QNetworkReply::NoError && response.status == 0) {
        networkError = reply->errorString();
    } else {
        response.reason = reply->attribute(QNetworkRequest::HttpReasonPhraseAttribute).toByteArray();
        response.contentType = reply->header(QNetworkRequest::ContentTypeHeader).toByteArray();
        if (response.status == 200)
            response.body = reply->readAll();
    }
    reply->deleteLater();
    complete(f, std::move(response), networkError);
}

void HttpScraper::complete(InFlight *f, HttpConnection::Response response, const QString &networkError)
{
    ScrapeResult r;
    r.target = f->target;
    r.name = f->name;
    r.url = f->url;
    r.timestampMs = f->startedMs;

    const int status = response.status;
    if (f->timedOut) {
        r.error = QStringLiteral("scrape of %1 timed out after %2 ms (raise the timeout or check the node)")
                      .arg(f->url.toString())
                      .arg(m_options.timeoutMs);
    } else if (f->tooLarge) {
        r.error = QStringLiteral("body from %1 is over the limit of %2 bytes (body_size_limit)")
                      .arg(f->url.toString())
                      .arg(m_options.parser.maxBodyBytes);
    } else if (!networkError.isEmpty() || status == 0) {
        r.error = QStringLiteral("cannot scrape %1: %2")
                      .arg(f->url.toString(), networkError.isEmpty() ? QStringLiteral("no HTTP answer") : networkError);
    } else if (status != 200) {
        r.error = QStringLiteral("%1 answered HTTP %2 %3 (expected 200)")
                      .arg(f->url.toString())
                      .arg(status)
                      .arg(QString::fromLatin1(response.reason));
    } else {
        const QByteArray &body = response.body;
        r.bodyBytes = body.size();
        const PromTextParser::Format format = PromTextParser::formatForContentType(response.contentType);
        r.contentType = response.contentType;
        r.openMetrics = format == PromTextParser::Format::OpenMetrics;
        Result<MetricsScrape> parsed = format == m_options.parser.format ? m_parser.parse(QByteArrayView(body)) : [&] {
            PromTextParser::Options po = m_options.parser;
            po.format = format;
            return PromTextParser(po).parse(QByteArrayView(body));
        }();
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

    auto it = std::find_if(m_inFlight.begin(), m_inFlight.end(), [f](const auto &p) { return p.get() == f; });
    std::unique_ptr<InFlight> keep;
    if (it != m_inFlight.end()) {
        keep = std::move(*it);
        m_inFlight.erase(it);
    }
    // A scrapeOnce connection may be the caller of this function: it goes later.
    if (keep && keep->ownConnection)
        keep->ownConnection.release()->deleteLater();
    emit scraped(r);
}

}  // namespace turno
