#include "fleet/cluster_profile.h"

#include "common/json_locator.h"

#include <QCoreApplication>
#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QHash>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QRegularExpression>

namespace turno {

namespace {

// Walks the document, converting and range-checking each field; the first
// problem stops the walk with "file:line: reason".
class ProfileReader {
public:
    ProfileReader(const QByteArray &text, QString source) : m_locator(text), m_source(std::move(source)) {}

    bool failed() const { return !m_error.isEmpty(); }
    QString error() const { return m_error; }

    void fail(const QString &path, const QString &reason)
    {
        if (m_error.isEmpty())
            m_error = QStringLiteral("%1:%2: %3").arg(m_source).arg(m_locator.line(path)).arg(reason);
    }

    static QString join(const QString &path, const QString &key)
    {
        return path.isEmpty() ? key : path + QLatin1Char('.') + key;
    }

    // Unknown keys are refused so a typo never silently falls back to a default.
    void onlyKeys(const QJsonObject &obj, const QString &path, const QStringList &allowed)
    {
        for (auto it = obj.begin(); it != obj.end(); ++it) {
            if (!allowed.contains(it.key()))
                fail(join(path, it.key()),
                     QStringLiteral("unknown key \"%1\"%2; allowed here: %3")
                         .arg(it.key(), path.isEmpty() ? QString() : QStringLiteral(" in \"%1\"").arg(path),
                              allowed.join(QStringLiteral(", "))));
        }
    }

    QJsonObject object(const QJsonObject &parent, const QString &path, const QString &key)
    {
        const QJsonValue v = parent.value(key);
        if (v.isUndefined())
            return {};
        if (!v.isObject())
            fail(join(path, key), QStringLiteral("\"%1\" must be an object").arg(join(path, key)));
        return v.toObject();
    }

    void integer(const QJsonObject &obj, const QString &path, const QString &key, int lo, int hi, int &out)
    {
        const QJsonValue v = obj.value(key);
        if (v.isUndefined())
            return;
        const QString full = join(path, key);
        const double d = v.toDouble(-1e300);
        // Range first: converting a double outside qint64's range (1e300) is undefined.
        if (!v.isDouble() || d < lo || d > hi || d != double(qint64(d))) {
            fail(full, QStringLiteral("\"%1\" must be an integer from %2 to %3").arg(full).arg(lo).arg(hi));
            return;
        }
        out = int(d);
    }

    void number(const QJsonObject &obj, const QString &path, const QString &key, double lo, double hi, double &out)
    {
        const QJsonValue v = obj.value(key);
        if (v.isUndefined())
            return;
        const QString full = join(path, key);
        if (!v.isDouble() || v.toDouble() < lo || v.toDouble() > hi) {
            fail(full, QStringLiteral("\"%1\" must be a number from %2 to %3").arg(full).arg(lo).arg(hi));
            return;
        }
        out = v.toDouble();
    }

    void boolean(const QJsonObject &obj, const QString &path, const QString &key, bool &out)
    {
        const QJsonValue v = obj.value(key);
        if (v.isUndefined())
            return;
        if (!v.isBool()) {
            fail(join(path, key), QStringLiteral("\"%1\" must be true or false").arg(join(path, key)));
            return;
        }
        out = v.toBool();
    }

    void text(const QJsonObject &obj, const QString &path, const QString &key, QString &out,
              const QStringList &choices = {})
    {
        const QJsonValue v = obj.value(key);
        if (v.isUndefined())
            return;
        const QString full = join(path, key);
        if (!v.isString()) {
            fail(full, QStringLiteral("\"%1\" must be a string").arg(full));
            return;
        }
        if (!choices.isEmpty() && !choices.contains(v.toString())) {
            fail(full, QStringLiteral("\"%1\" is \"%2\"; it must be one of %3")
                           .arg(full, v.toString(), choices.join(QStringLiteral(" | "))));
            return;
        }
        out = v.toString();
    }

    void hostPort(const QJsonValue &v, const QString &path, HostPortSpec &out)
    {
        const QString s = v.toString();
        const qsizetype colon = s.lastIndexOf(QLatin1Char(':'));
        bool okPort = false;
        const uint port = colon > 0 ? s.mid(colon + 1).toUInt(&okPort) : 0;
        if (!v.isString() || colon <= 0 || !okPort || port > 65535) {
            fail(path, QStringLiteral("\"%1\" must be \"HOST:PORT\" (PORT 0 = pick a free one), got %2")
                           .arg(path, v.isString() ? QStringLiteral("\"%1\"").arg(s) : QStringLiteral("a non-string")));
            return;
        }
        out.host = s.left(colon);
        out.port = quint16(port);
    }

    void pool(const QJsonObject &pools, PoolSpec &out)
    {
        const QString path = QStringLiteral("pools.") + out.name;
        if (!pools.contains(out.name))
            return;
        const QJsonObject o = object(pools, QStringLiteral("pools"), out.name);
        onlyKeys(o, path, {QStringLiteral("nodes"), QStringLiteral("weights"), QStringLiteral("weight")});
        integer(o, path, QStringLiteral("nodes"), 0, 64, out.nodes);
        int all = 1;
        integer(o, path, QStringLiteral("weight"), 1, 256, all);
        out.weights = QList<int>(out.nodes, all);
        if (o.contains(QStringLiteral("weights"))) {
            const QString wpath = path + QStringLiteral(".weights");
            const QJsonValue wv = o.value(QStringLiteral("weights"));
            if (!wv.isArray()) {
                fail(wpath, QStringLiteral("\"%1\" must be an array of integers, one per node").arg(wpath));
                return;
            }
            const QJsonArray arr = wv.toArray();
            if (arr.size() != out.nodes) {
                fail(wpath, QStringLiteral("\"%1\" has %2 entries but the pool has %3 nodes; give one weight per node")
                                .arg(wpath).arg(arr.size()).arg(out.nodes));
                return;
            }
            for (int i = 0; i < arr.size(); ++i) {
                const double d = arr[i].toDouble(-1);
                const QString ep = QStringLiteral("%1[%2]").arg(wpath).arg(i);
                if (!arr[i].isDouble() || d < 1 || d > 256 || d != double(int(d))) {
                    fail(ep, QStringLiteral("\"%1\" must be an integer weight from 1 to 256").arg(ep));
                    return;
                }
                out.weights[i] = int(d);
            }
        }
    }

    JsonLocator m_locator;
    QString m_source;
    QString m_error;
};

}  // namespace

const PoolSpec *ClusterProfile::pool(const QString &poolName) const
{
    if (poolName == primary.name)
        return &primary;
    if (poolName == secondary.name)
        return &secondary;
    return nullptr;
}

PoolSpec *ClusterProfile::pool(const QString &poolName)
{
    return const_cast<PoolSpec *>(std::as_const(*this).pool(poolName));
}

Result<ClusterProfile> ProfileLoader::loadFile(const QString &path)
{
    QFile f(path);
    if (!f.open(QIODevice::ReadOnly))
        return Error{QStringLiteral("%1: cannot read the profile: %2").arg(path, f.errorString())};
    return loadBytes(f.readAll(), path);
}

Result<ClusterProfile> ProfileLoader::loadBytes(const QByteArray &json, const QString &sourceName)
{
    QJsonParseError pe{};
    const QJsonDocument doc = QJsonDocument::fromJson(json, &pe);
    if (pe.error != QJsonParseError::NoError)
        return Error{QStringLiteral("%1:%2: invalid JSON: %3").arg(sourceName, jsonPosition(json, pe.offset), pe.errorString())};
    if (!doc.isObject())
        return Error{QStringLiteral("%1:1: the profile must be a JSON object ({ ... })").arg(sourceName)};

    ClusterProfile p;
    p.sourceFile = sourceName;
    ProfileReader r(json, sourceName);
    const QJsonObject root = doc.object();
    const QString none;
    r.onlyKeys(root, none,
               {QStringLiteral("$schema"), QStringLiteral("name"), QStringLiteral("store"), QStringLiteral("server"),
                QStringLiteral("pools"), QStringLiteral("redis"), QStringLiteral("balancer"), QStringLiteral("ports"),
                QStringLiteral("scrape"), QStringLiteral("supervision"), QStringLiteral("autoscale"),
                QStringLiteral("failover")});
    r.text(root, none, QStringLiteral("name"), p.name);
    if (!r.failed() && !QRegularExpression(QStringLiteral("^[A-Za-z0-9._-]{1,40}$")).match(p.name).hasMatch())
        r.fail(QStringLiteral("name"), QStringLiteral("\"name\" must be 1-40 characters of A-Z a-z 0-9 . _ - (it names the run directory)"));
    r.text(root, none, QStringLiteral("store"), p.store, {QStringLiteral("memory"), QStringLiteral("redis")});

    const QString sp = QStringLiteral("server");
    const QJsonObject server = r.object(root, none, sp);
    r.onlyKeys(server, sp, {QStringLiteral("binary"), QStringLiteral("threads"), QStringLiteral("durability"),
                            QStringLiteral("drainTimeoutMs"), QStringLiteral("debugToken"), QStringLiteral("retryWindowMs")});
    r.text(server, sp, QStringLiteral("binary"), p.serverBinary);
    r.integer(server, sp, QStringLiteral("threads"), 1, 64, p.serverThreads);
    r.text(server, sp, QStringLiteral("durability"), p.durability, {QStringLiteral("sync"), QStringLiteral("async")});
    r.integer(server, sp, QStringLiteral("drainTimeoutMs"), 0, 600000, p.drainTimeoutMs);
    r.integer(server, sp, QStringLiteral("retryWindowMs"), 0, 60000, p.retryWindowMs);
    r.boolean(server, sp, QStringLiteral("debugToken"), p.debugToken);

    const QJsonObject pools = r.object(root, none, QStringLiteral("pools"));
    r.onlyKeys(pools, QStringLiteral("pools"), {QStringLiteral("primary"), QStringLiteral("secondary")});
    r.pool(pools, p.primary);
    r.pool(pools, p.secondary);

    const QString rp = QStringLiteral("redis");
    const QJsonObject redis = r.object(root, none, rp);
    r.onlyKeys(redis, rp, {QStringLiteral("mode"), QStringLiteral("replica"), QStringLiteral("sentinels"),
                           QStringLiteral("master"), QStringLiteral("downAfterMs"), QStringLiteral("minReplicasToWrite"),
                           QStringLiteral("minReplicasMaxLagS"), QStringLiteral("address"), QStringLiteral("password")});
    r.text(redis, rp, QStringLiteral("mode"), p.redisMode,
           {QStringLiteral("embedded"), QStringLiteral("external"), QStringLiteral("sentinel")});
    r.boolean(redis, rp, QStringLiteral("replica"), p.redisReplica);
    r.text(redis, rp, QStringLiteral("master"), p.sentinelMaster);
    r.integer(redis, rp, QStringLiteral("downAfterMs"), 100, 600000, p.sentinelDownAfterMs);
    r.integer(redis, rp, QStringLiteral("minReplicasToWrite"), 0, 16, p.minReplicasToWrite);
    r.integer(redis, rp, QStringLiteral("minReplicasMaxLagS"), 1, 3600, p.minReplicasMaxLagS);
    if (redis.contains(QStringLiteral("address")))
        r.hostPort(redis.value(QStringLiteral("address")), QStringLiteral("redis.address"), p.redisAddress);
    if (redis.contains(QStringLiteral("sentinels"))) {
        const QJsonValue sv = redis.value(QStringLiteral("sentinels"));
        if (sv.isDouble()) {
            r.integer(redis, rp, QStringLiteral("sentinels"), 0, 9, p.sentinelCount);
        } else if (sv.isArray()) {
            const QJsonArray arr = sv.toArray();
            for (int i = 0; i < arr.size(); ++i) {
                HostPortSpec hp;
                r.hostPort(arr[i], QStringLiteral("redis.sentinels[%1]").arg(i), hp);
                p.sentinels << hp;
            }
            p.sentinelCount = int(p.sentinels.size());
        } else {
            r.fail(QStringLiteral("redis.sentinels"),
                   QStringLiteral("\"redis.sentinels\" must be a count (embedded) or an array of \"HOST:PORT\" (sentinel mode)"));
        }
    }
    const QString pp = QStringLiteral("redis.password");
    const QJsonObject pw = r.object(redis, rp, QStringLiteral("password"));
    r.onlyKeys(pw, pp, {QStringLiteral("source"), QStringLiteral("env"), QStringLiteral("file")});
    r.text(pw, pp, QStringLiteral("source"), p.passwordSource,
           {QStringLiteral("none"), QStringLiteral("generated"), QStringLiteral("env"), QStringLiteral("file")});
    r.text(pw, pp, QStringLiteral("env"), p.passwordEnv);
    r.text(pw, pp, QStringLiteral("file"), p.passwordFile);

    const QString bp = QStringLiteral("balancer");
    const QJsonObject bal = r.object(root, none, bp);
    r.onlyKeys(bal, bp, {QStringLiteral("listen"), QStringLiteral("algorithm"), QStringLiteral("healthCheck"),
                         QStringLiteral("retries")});
    if (bal.contains(QStringLiteral("listen")))
        r.hostPort(bal.value(QStringLiteral("listen")), QStringLiteral("balancer.listen"), p.balancerListen);
    r.text(bal, bp, QStringLiteral("algorithm"), p.algorithm,
           {QStringLiteral("roundrobin"), QStringLiteral("weighted"), QStringLiteral("leastconn")});
    r.integer(bal, bp, QStringLiteral("retries"), 0, 10, p.retries);
    const QString hp = QStringLiteral("balancer.healthCheck");
    const QJsonObject hc = r.object(bal, bp, QStringLiteral("healthCheck"));
    r.onlyKeys(hc, hp, {QStringLiteral("intervalMs"), QStringLiteral("rise"), QStringLiteral("fall")});
    r.integer(hc, hp, QStringLiteral("intervalMs"), 50, 60000, p.healthIntervalMs);
    r.integer(hc, hp, QStringLiteral("rise"), 1, 100, p.healthRise);
    r.integer(hc, hp, QStringLiteral("fall"), 1, 100, p.healthFall);

    const QString portp = QStringLiteral("ports");
    const QJsonObject ports = r.object(root, none, portp);
    r.onlyKeys(ports, portp, {QStringLiteral("mode"), QStringLiteral("base"), QStringLiteral("onConflict")});
    r.text(ports, portp, QStringLiteral("mode"), p.portsMode, {QStringLiteral("auto"), QStringLiteral("fixed")});
    r.integer(ports, portp, QStringLiteral("base"), 1024, 65000, p.portsBase);
    r.text(ports, portp, QStringLiteral("onConflict"), p.portsOnConflict, {QStringLiteral("fail"), QStringLiteral("next")});

    const QJsonObject scrape = r.object(root, none, QStringLiteral("scrape"));
    r.onlyKeys(scrape, QStringLiteral("scrape"), {QStringLiteral("intervalMs")});
    r.integer(scrape, QStringLiteral("scrape"), QStringLiteral("intervalMs"), 100, 3600000, p.scrapeIntervalMs);

    const QString supp = QStringLiteral("supervision");
    const QJsonObject sup = r.object(root, none, supp);
    r.onlyKeys(sup, supp, {QStringLiteral("restartLimit"), QStringLiteral("restartWindowS"),
                           QStringLiteral("backoffInitialMs"), QStringLiteral("backoffMaxMs")});
    r.integer(sup, supp, QStringLiteral("restartLimit"), 0, 1000, p.restartLimit);
    r.integer(sup, supp, QStringLiteral("restartWindowS"), 1, 86400, p.restartWindowS);
    r.integer(sup, supp, QStringLiteral("backoffInitialMs"), 0, 600000, p.backoffInitialMs);
    r.integer(sup, supp, QStringLiteral("backoffMaxMs"), 0, 600000, p.backoffMaxMs);

    const QString ap = QStringLiteral("autoscale");
    const QJsonObject as = r.object(root, none, ap);
    r.onlyKeys(as, ap, {QStringLiteral("enabled"), QStringLiteral("pool"), QStringLiteral("min"), QStringLiteral("max"),
                        QStringLiteral("cpuHighPercent"), QStringLiteral("reqPerNodeHigh"), QStringLiteral("cpuLowPercent"),
                        QStringLiteral("reqPerNodeLow"), QStringLiteral("sustainS"), QStringLiteral("cooldownS")});
    r.boolean(as, ap, QStringLiteral("enabled"), p.autoscaleEnabled);
    r.text(as, ap, QStringLiteral("pool"), p.autoscalePool, {QStringLiteral("primary"), QStringLiteral("secondary")});
    r.integer(as, ap, QStringLiteral("min"), 0, 64, p.autoscaleMin);
    r.integer(as, ap, QStringLiteral("max"), 1, 64, p.autoscaleMax);
    r.number(as, ap, QStringLiteral("cpuHighPercent"), 1, 10000, p.autoscaleCpuHigh);
    r.number(as, ap, QStringLiteral("reqPerNodeHigh"), 1, 1e9, p.autoscaleReqHigh);
    r.number(as, ap, QStringLiteral("cpuLowPercent"), 0, 10000, p.autoscaleCpuLow);
    r.number(as, ap, QStringLiteral("reqPerNodeLow"), 0, 1e9, p.autoscaleReqLow);
    r.integer(as, ap, QStringLiteral("sustainS"), 1, 86400, p.autoscaleSustainS);
    r.integer(as, ap, QStringLiteral("cooldownS"), 0, 86400, p.autoscaleCooldownS);

    const QString fp = QStringLiteral("failover");
    const QJsonObject fo = r.object(root, none, fp);
    r.onlyKeys(fo, fp, {QStringLiteral("auto"), QStringLiteral("afterMs"), QStringLiteral("stepTimeoutMs"),
                        QStringLiteral("maxLagBytes"), QStringLiteral("asyncGap")});
    r.boolean(fo, fp, QStringLiteral("auto"), p.failoverAuto);
    r.integer(fo, fp, QStringLiteral("afterMs"), 0, 600000, p.failoverAfterMs);
    r.integer(fo, fp, QStringLiteral("stepTimeoutMs"), 100, 600000, p.failoverStepTimeoutMs);
    {
        int lag = int(p.failoverMaxLagBytes);
        r.integer(fo, fp, QStringLiteral("maxLagBytes"), 0, 1 << 30, lag);
        p.failoverMaxLagBytes = lag;
    }
    r.integer(fo, fp, QStringLiteral("asyncGap"), 0, 1000000000, p.failoverAsyncGap);

    if (r.failed())
        return Error{r.error()};

    // Cross-field rules: point at the key that has to change.
    const Result<void> v = validate(p);
    if (!v.ok()) {
        QString key = QStringLiteral("store");
        const QString msg = v.error();
        if (msg.contains(QLatin1String("autoscale")))
            key = QStringLiteral("autoscale");
        else if (msg.contains(QLatin1String("redis.address")))
            key = QStringLiteral("redis.mode");
        else if (msg.contains(QLatin1String("redis.sentinels")))
            key = QStringLiteral("redis.sentinels");
        else if (msg.contains(QLatin1String("password")))
            key = QStringLiteral("redis.password");
        else if (msg.contains(QLatin1String("primary pool")))
            key = QStringLiteral("pools.primary");
        r.fail(key, msg);
        return Error{r.error()};
    }
    return p;
}

Result<void> ProfileLoader::validate(const ClusterProfile &p)
{
    if (p.store == QLatin1String("memory") && p.totalNodes() != 1)
        return Error{QStringLiteral(
                         "store \"memory\" keeps the counters inside one turno-server process, so two nodes would "
                         "hand out the same numbers; this profile has %1 nodes (primary %2, secondary %3). Use "
                         "\"store\": \"redis\", or give exactly one node in total (e.g. primary 1, secondary 0)")
                         .arg(p.totalNodes()).arg(p.primary.nodes).arg(p.secondary.nodes)};
    if (p.primary.nodes < 1)
        return Error{QStringLiteral("the primary pool needs at least one node (pools.primary.nodes)")};
    if (p.store == QLatin1String("redis")) {
        if (p.redisMode == QLatin1String("external") && p.redisAddress.port == 0)
            return Error{QStringLiteral("redis.mode \"external\" needs redis.address \"HOST:PORT\" of the Redis primary")};
        if (p.redisMode == QLatin1String("sentinel") && p.sentinels.isEmpty())
            return Error{QStringLiteral("redis.mode \"sentinel\" needs redis.sentinels as an array of \"HOST:PORT\"")};
        if (p.redisMode == QLatin1String("embedded") && !p.sentinels.isEmpty())
            return Error{QStringLiteral("with redis.mode \"embedded\", redis.sentinels is a count of sentinels to start, not addresses")};
        if (p.passwordSource == QLatin1String("file") && p.passwordFile.isEmpty())
            return Error{QStringLiteral("redis.password.source \"file\" needs redis.password.file (a file of mode 0600)")};
        if (p.passwordSource == QLatin1String("generated") && p.redisMode != QLatin1String("embedded"))
            return Error{QStringLiteral("redis.password.source \"generated\" only works with embedded Redis; use none, env or file")};
    }
    if (p.autoscaleEnabled && p.autoscaleMin > p.autoscaleMax)
        return Error{QStringLiteral("autoscale.min (%1) is above autoscale.max (%2)").arg(p.autoscaleMin).arg(p.autoscaleMax)};
    return {};
}

Result<ClusterProfile> ProfileLoader::loadDefault()
{
    QStringList candidates;
    const QByteArray env = qgetenv("TURNO_PROFILE_DIR");
    if (!env.isEmpty())
        candidates << QString::fromLocal8Bit(env) + QStringLiteral("/default.json");
    // From a build tree inside the source tree, walk up to resources/.
    QDir d(QCoreApplication::instance() ? QCoreApplication::applicationDirPath() : QDir::currentPath());
    for (int i = 0; i < 6; ++i) {
        candidates << d.filePath(QStringLiteral("resources/profiles/default.json"));
        if (!d.cdUp())
            break;
    }
    candidates << QStringLiteral("/usr/share/turno-ops/profiles/default.json");
    for (const QString &c : candidates)
        if (QFileInfo::exists(c))
            return loadFile(c);
    return Error{QStringLiteral("the default profile was not found (looked in %1); pass --profile FILE or set TURNO_PROFILE_DIR")
                     .arg(candidates.join(QStringLiteral(", ")))};
}

QByteArray ProfileLoader::toJson(const ClusterProfile &p)
{
    auto weights = [](const PoolSpec &ps) {
        QJsonArray a;
        for (int w : ps.weights)
            a << w;
        return QJsonObject{{QStringLiteral("nodes"), ps.nodes}, {QStringLiteral("weights"), a}};
    };
    QJsonObject redis{{QStringLiteral("mode"), p.redisMode},
                      {QStringLiteral("replica"), p.redisReplica},
                      {QStringLiteral("master"), p.sentinelMaster},
                      {QStringLiteral("downAfterMs"), p.sentinelDownAfterMs},
                      {QStringLiteral("minReplicasToWrite"), p.minReplicasToWrite},
                      {QStringLiteral("minReplicasMaxLagS"), p.minReplicasMaxLagS}};
    if (p.redisMode == QLatin1String("sentinel")) {
        QJsonArray s;
        for (const HostPortSpec &h : p.sentinels)
            s << h.text();
        redis.insert(QStringLiteral("sentinels"), s);
    } else {
        redis.insert(QStringLiteral("sentinels"), p.sentinelCount);
    }
    if (p.redisMode == QLatin1String("external"))
        redis.insert(QStringLiteral("address"), p.redisAddress.text());
    QJsonObject pw{{QStringLiteral("source"), p.passwordSource}, {QStringLiteral("env"), p.passwordEnv}};
    if (!p.passwordFile.isEmpty())
        pw.insert(QStringLiteral("file"), p.passwordFile);
    redis.insert(QStringLiteral("password"), pw);
    QJsonObject server{{QStringLiteral("threads"), p.serverThreads},
                       {QStringLiteral("durability"), p.durability},
                       {QStringLiteral("drainTimeoutMs"), p.drainTimeoutMs},
                       {QStringLiteral("retryWindowMs"), p.retryWindowMs}};
    if (p.debugToken)
        server.insert(QStringLiteral("debugToken"), true);
    if (!p.serverBinary.isEmpty())
        server.insert(QStringLiteral("binary"), p.serverBinary);
    const QJsonObject root{
        {QStringLiteral("name"), p.name},
        {QStringLiteral("store"), p.store},
        {QStringLiteral("server"), server},
        {QStringLiteral("pools"), QJsonObject{{QStringLiteral("primary"), weights(p.primary)},
                                              {QStringLiteral("secondary"), weights(p.secondary)}}},
        {QStringLiteral("redis"), redis},
        {QStringLiteral("balancer"),
         QJsonObject{{QStringLiteral("listen"), p.balancerListen.text()},
                     {QStringLiteral("algorithm"), p.algorithm},
                     {QStringLiteral("retries"), p.retries},
                     {QStringLiteral("healthCheck"), QJsonObject{{QStringLiteral("intervalMs"), p.healthIntervalMs},
                                                                 {QStringLiteral("rise"), p.healthRise},
                                                                 {QStringLiteral("fall"), p.healthFall}}}}},
        {QStringLiteral("ports"), QJsonObject{{QStringLiteral("mode"), p.portsMode},
                                              {QStringLiteral("base"), p.portsBase},
                                              {QStringLiteral("onConflict"), p.portsOnConflict}}},
        {QStringLiteral("scrape"), QJsonObject{{QStringLiteral("intervalMs"), p.scrapeIntervalMs}}},
        {QStringLiteral("supervision"), QJsonObject{{QStringLiteral("restartLimit"), p.restartLimit},
                                                    {QStringLiteral("restartWindowS"), p.restartWindowS},
                                                    {QStringLiteral("backoffInitialMs"), p.backoffInitialMs},
                                                    {QStringLiteral("backoffMaxMs"), p.backoffMaxMs}}},
        {QStringLiteral("autoscale"), QJsonObject{{QStringLiteral("enabled"), p.autoscaleEnabled},
                                                  {QStringLiteral("pool"), p.autoscalePool},
                                                  {QStringLiteral("min"), p.autoscaleMin},
                                                  {QStringLiteral("max"), p.autoscaleMax},
                                                  {QStringLiteral("cpuHighPercent"), p.autoscaleCpuHigh},
                                                  {QStringLiteral("reqPerNodeHigh"), p.autoscaleReqHigh},
                                                  {QStringLiteral("cpuLowPercent"), p.autoscaleCpuLow},
                                                  {QStringLiteral("reqPerNodeLow"), p.autoscaleReqLow},
                                                  {QStringLiteral("sustainS"), p.autoscaleSustainS},
                                                  {QStringLiteral("cooldownS"), p.autoscaleCooldownS}}},
        {QStringLiteral("failover"), QJsonObject{{QStringLiteral("auto"), p.failoverAuto},
                                                 {QStringLiteral("afterMs"), p.failoverAfterMs},
                                                 {QStringLiteral("stepTimeoutMs"), p.failoverStepTimeoutMs},
                                                 {QStringLiteral("maxLagBytes"), p.failoverMaxLagBytes},
                                                 {QStringLiteral("asyncGap"), p.failoverAsyncGap}}},
    };
    return QJsonDocument(root).toJson(QJsonDocument::Indented);
}

QByteArray ProfileLoader::defaultProfileJson()
{
    return toJson(ClusterProfile{});
}

}  // namespace turno
