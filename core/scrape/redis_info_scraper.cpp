#include "scrape/redis_info_scraper.h"

#include <QDateTime>
#include <QElapsedTimer>
#include <QHostAddress>
#include <QHostInfo>
#include <QPointer>
#include <QTimer>

#include <hiredis/async.h>
#include <hiredis/hiredis.h>
#include <hiredis/adapters/qt.h>

namespace turno {

struct RedisInfoScraper::Connection {
    int index = 0;
    RedisTarget target;
    TargetHealth health;
    RedisInfoScraper *owner = nullptr;
    redisAsyncContext *ctx = nullptr;
    RedisQtAdapter *adapter = nullptr;
    bool authSent = false;
    QString authError;
    bool busy = false;
    QTimer ticker;
    QTimer timeout;
    QElapsedTimer elapsed;
    qint64 startedMs = 0;
};

// hiredis calls back through plain C function pointers; these forward to the
// scraper with the Connection passed as privdata.
struct RedisInfoScraperCallbacks {
    using Conn = RedisInfoScraper::Connection;

    // Unhooks the Qt adapter while the context is still valid. The adapter's
    // destructor writes into the context, and hiredis calls the adapter's
    // cleanup hook when it frees the context, so both have to go first.
    static void detachAdapter(Conn &c)
    {
        if (!c.adapter)
            return;
        RedisQtCleanup(c.adapter);
        delete c.adapter;
        c.adapter = nullptr;
        if (c.ctx) {
            c.ctx->ev.data = nullptr;
            c.ctx->ev.addRead = nullptr;
            c.ctx->ev.delRead = nullptr;
            c.ctx->ev.addWrite = nullptr;
            c.ctx->ev.delWrite = nullptr;
            c.ctx->ev.cleanup = nullptr;
        }
    }

    static QString where(const Conn &c)
    {
        return QStringLiteral("%1:%2").arg(c.target.host).arg(c.target.port);
    }

    static void onConnect(const redisAsyncContext *ac, int status)
    {
        auto *c = static_cast<Conn *>(ac->data);
        if (!c || status == REDIS_OK)
            return;
        // hiredis frees the context right after this callback.
        const QString why = QString::fromLocal8Bit(ac->errstr);
        detachAdapter(*c);
        c->ctx = nullptr;
        if (!c->owner->m_destroying)
            c->owner->complete(*c, false, QStringLiteral("cannot connect to Redis at %1: %2").arg(where(*c), why), nullptr);
    }

    static void onDisconnect(const redisAsyncContext *ac, int status)
    {
        auto *c = static_cast<Conn *>(ac->data);
        if (!c)
            return;
        const QString why = status == REDIS_OK ? QString() : QString::fromLocal8Bit(ac->errstr);
        detachAdapter(*c);
        c->ctx = nullptr;
        c->authSent = false;
        if (!c->owner->m_destroying && c->busy)
            c->owner->complete(*c, false,
                               QStringLiteral("Redis at %1 closed the connection%2").arg(where(*c), why.isEmpty() ? QString() : QStringLiteral(": ") + why),
                               nullptr);
    }

    static void onAuth(redisAsyncContext *, void *r, void *privdata)
    {
        auto *c = static_cast<Conn *>(privdata);
        auto *reply = static_cast<redisReply *>(r);
        if (reply && reply->type == REDIS_REPLY_ERROR)
            c->authError = QString::fromUtf8(reply->str, int(reply->len));
    }

    static void onInfo(redisAsyncContext *ac, void *r, void *privdata)
    {
        auto *c = static_cast<Conn *>(privdata);
        if (c->owner->m_destroying || !c->busy)
            return;
        auto *reply = static_cast<redisReply *>(r);
        if (!reply) {
            c->owner->complete(*c, false,
                               QStringLiteral("connection to Redis at %1 lost: %2").arg(where(*c), QString::fromLocal8Bit(ac->errstr)),
                               nullptr);
            return;
        }
        if (reply->type == REDIS_REPLY_ERROR) {
            const QString err = QString::fromUtf8(reply->str, int(reply->len));
            QString msg;
            if (!c->authError.isEmpty())
                msg = QStringLiteral("Redis at %1 refused AUTH: %2 (check the password)").arg(where(*c), c->authError);
            else if (err.startsWith(QLatin1String("NOAUTH")))
                msg = QStringLiteral("Redis at %1 needs a password: %2").arg(where(*c), err);
            else
                msg = QStringLiteral("Redis at %1 refused INFO: %2").arg(where(*c), err);
            c->authError.clear();
            c->owner->complete(*c, false, msg, nullptr);
            return;
        }
        if (reply->type != REDIS_REPLY_STRING) {
            c->owner->complete(*c, false, QStringLiteral("Redis at %1 answered INFO with reply type %2, not a string").arg(where(*c)).arg(reply->type),
                               nullptr);
            return;
        }
        auto parsed = RedisInfo::parse(QByteArrayView(reply->str, qsizetype(reply->len)));
        if (!parsed) {
            c->owner->complete(*c, false, QStringLiteral("Redis at %1: %2").arg(where(*c), parsed.error()), nullptr);
            return;
        }
        c->owner->complete(*c, true, QString(), std::make_shared<const RedisInfo>(std::move(parsed).value()));
    }
};

RedisInfoScraper::RedisInfoScraper(QObject *parent) : RedisInfoScraper(Options{}, parent) {}

RedisInfoScraper::RedisInfoScraper(Options options, QObject *parent) : QObject(parent), m_options(options) {}

RedisInfoScraper::~RedisInfoScraper()
{
    m_destroying = true;
    for (auto &c : m_conns)
        dropContext(*c);
}

int RedisInfoScraper::addTarget(const RedisTarget &target)
{
    auto c = std::make_unique<Connection>();
    c->index = int(m_conns.size());
    c->target = target;
    c->owner = this;
    c->timeout.setSingleShot(true);
    Connection *raw = c.get();
    connect(&c->ticker, &QTimer::timeout, this, [this, raw] { begin(*raw); });
    connect(&c->timeout, &QTimer::timeout, this, [this, raw] {
        if (!raw->busy)
            return;
        // Outside any hiredis callback, so the context can be freed right here.
        dropContext(*raw);
        complete(*raw, false,
                 QStringLiteral("Redis at %1:%2 did not answer INFO within %3 ms")
                     .arg(raw->target.host)
                     .arg(raw->target.port)
                     .arg(m_options.timeoutMs),
                 nullptr);
    });
    m_conns.push_back(std::move(c));
    if (m_running) {
        raw->ticker.start(m_options.intervalMs);
        begin(*raw);
    }
    return raw->index;
}

TargetHealth RedisInfoScraper::health(int index) const
{
    if (index < 0 || index >= int(m_conns.size()))
        return {};
    return m_conns[size_t(index)]->health;
}

void RedisInfoScraper::start()
{
    if (m_running)
        return;
    m_running = true;
    for (auto &c : m_conns) {
        c->ticker.start(std::max(1, m_options.intervalMs));
        begin(*c);
    }
}

void RedisInfoScraper::stop()
{
    m_running = false;
    for (auto &c : m_conns)
        c->ticker.stop();
}

void RedisInfoScraper::scrapeNow(int index)
{
    if (index >= 0 && index < int(m_conns.size()))
        begin(*m_conns[size_t(index)]);
}

void RedisInfoScraper::begin(Connection &c)
{
    if (c.busy)
        return;
    c.busy = true;
    c.elapsed.start();
    c.startedMs = QDateTime::currentMSecsSinceEpoch();
    c.timeout.start(std::max(1, m_options.timeoutMs));
    if (c.ctx) {
        sendCommands(c);
        return;
    }
    // hiredis resolves names with a blocking getaddrinfo(); resolve here
    // asynchronously and hand it an address.
    const QHostAddress literal(c.target.host);
    if (!literal.isNull()) {
        connectTo(c, c.target.host);
        return;
    }
    QPointer<RedisInfoScraper> self(this);
    Connection *cp = &c;
    QHostInfo::lookupHost(c.target.host, this, [self, cp](const QHostInfo &info) {
        if (!self || !cp->busy)
            return;
        if (info.error() != QHostInfo::NoError || info.addresses().isEmpty()) {
            self->complete(*cp, false, QStringLiteral("cannot resolve Redis host '%1': %2").arg(cp->target.host, info.errorString()), nullptr);
            return;
        }
        self->connectTo(*cp, info.addresses().first().toString());
    });
}

void RedisInfoScraper::connectTo(Connection &c, const QString &address)
{
    redisAsyncContext *ac = redisAsyncConnect(address.toLatin1().constData(), c.target.port);
    if (!ac) {
        complete(c, false, QStringLiteral("cannot allocate a Redis connection"), nullptr);
        return;
    }
    if (ac->err) {
        const QString why = QString::fromLocal8Bit(ac->errstr);
        redisAsyncFree(ac);
        complete(c, false, QStringLiteral("cannot connect to Redis at %1:%2: %3").arg(c.target.host).arg(c.target.port).arg(why), nullptr);
        return;
    }
    c.ctx = ac;
    ac->data = &c;
    c.adapter = new RedisQtAdapter();
    c.adapter->setContext(ac);
    redisAsyncSetConnectCallback(ac, &RedisInfoScraperCallbacks::onConnect);
    redisAsyncSetDisconnectCallback(ac, &RedisInfoScraperCallbacks::onDisconnect);
    c.authSent = false;
    sendCommands(c);
}

void RedisInfoScraper::sendCommands(Connection &c)
{
    // Commands queue in hiredis until the connection is up.
    if (!c.target.password.isEmpty() && !c.authSent) {
        const QByteArray pw = c.target.password.toUtf8();
        if (c.target.username.isEmpty()) {
            redisAsyncCommand(c.ctx, &RedisInfoScraperCallbacks::onAuth, &c, "AUTH %b", pw.constData(), size_t(pw.size()));
        } else {
            const QByteArray user = c.target.username.toUtf8();
            redisAsyncCommand(c.ctx, &RedisInfoScraperCallbacks::onAuth, &c, "AUTH %b %b", user.constData(),
                              size_t(user.size()), pw.constData(), size_t(pw.size()));
        }
        c.authSent = true;
    }
    if (redisAsyncCommand(c.ctx, &RedisInfoScraperCallbacks::onInfo, &c, "INFO") != REDIS_OK) {
        complete(c, false, QStringLiteral("cannot send INFO to Redis at %1:%2: %3")
                               .arg(c.target.host)
                               .arg(c.target.port)
                               .arg(QString::fromLocal8Bit(c.ctx ? c.ctx->errstr : "")),
                 nullptr);
    }
}

void RedisInfoScraper::dropContext(Connection &c)
{
    if (!c.ctx)
        return;
    redisAsyncContext *ac = c.ctx;
    RedisInfoScraperCallbacks::detachAdapter(c);
    // Pending callbacks run now with a null reply; the busy flag decides
    // whether anyone still wants them.
    const bool wasBusy = c.busy;
    c.busy = false;
    ac->data = nullptr;
    c.ctx = nullptr;
    c.authSent = false;
    redisAsyncFree(ac);
    c.busy = wasBusy;
}

void RedisInfoScraper::complete(Connection &c, bool up, const QString &error, std::shared_ptr<const RedisInfo> info)
{
    if (!c.busy)
        return;
    c.busy = false;
    c.timeout.stop();
    RedisScrapeResult r;
    r.target = c.index;
    r.name = c.target.name;
    r.up = up;
    r.error = error;
    r.info = std::move(info);
    r.timestampMs = c.startedMs;
    r.durationSeconds = double(c.elapsed.nsecsElapsed()) / 1e9;
    c.health.up = up;
    c.health.lastDurationSeconds = r.durationSeconds;
    c.health.lastScrapeMs = r.timestampMs;
    c.health.lastError = error;
    ++c.health.scrapes;
    if (!up)
        ++c.health.failures;
    // Delivered from the event loop, not from inside a hiredis callback, so a
    // receiver may stop or delete the scraper.
    QMetaObject::invokeMethod(this, [this, r] { emit scraped(r); }, Qt::QueuedConnection);
}

}  // namespace turno
