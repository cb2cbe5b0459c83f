#include "redis/redis_info.h"

#include <QRegularExpression>
#include <algorithm>

namespace turno {

namespace {

// "a=1,b=x" → pairs; a subfield without '=' is refused, unknown keys are kept.
bool subfields(QStringView text, QHash<QString, QString> &out)
{
    for (QStringView part : text.split(QLatin1Char(','))) {
        const qsizetype eq = part.indexOf(QLatin1Char('='));
        if (eq <= 0)
            return false;
        out.insert(part.left(eq).toString(), part.mid(eq + 1).toString());
    }
    return true;
}

bool toInt(const QString &s, qint64 &out)
{
    bool ok = false;
    out = s.toLongLong(&ok);
    return ok;
}

}  // namespace

Result<RedisInfo> RedisInfo::parse(QByteArrayView text)
{
    RedisInfo info;
    QString section;
    int lineNo = 0;
    qsizetype pos = 0;
    while (pos < text.size()) {
        qsizetype nl = text.indexOf('\n', pos);
        if (nl < 0)
            nl = text.size();
        QByteArrayView line = text.sliced(pos, nl - pos);
        pos = nl + 1;
        ++lineNo;
        if (line.endsWith('\r'))
            line.chop(1);
        if (line.trimmed().isEmpty())
            continue;
        if (line.startsWith('#')) {
            section = QString::fromUtf8(line.sliced(1)).trimmed();
            if (!info.m_sectionOrder.contains(section))
                info.m_sectionOrder.append(section);
            continue;
        }
        // Values may contain colons (executable paths, IPv6 addresses); keys never do.
        const qsizetype colon = line.indexOf(':');
        if (colon <= 0)
            return Error{QStringLiteral("INFO line %1: expected 'field:value', got '%2'")
                             .arg(lineNo)
                             .arg(QString::fromUtf8(line.first(std::min<qsizetype>(line.size(), 60))))};
        const QString key = QString::fromUtf8(line.first(colon));
        const QString value = QString::fromUtf8(line.sliced(colon + 1));
        info.m_fields.insert(key, value);
        info.m_fieldSection.insert(key, section);

        static const QRegularExpression dbKey(QStringLiteral("^db(\\d+)$"));
        static const QRegularExpression slaveKey(QStringLiteral("^slave(\\d+)$"));
        if (const auto m = dbKey.match(key); m.hasMatch()) {
            QHash<QString, QString> sub;
            Keyspace ks;
            ks.db = m.captured(1).toInt();
            if (!subfields(value, sub) || !toInt(sub.value(QStringLiteral("keys")), ks.keys))
                return Error{QStringLiteral("INFO line %1: keyspace entry '%2' has no keys=N").arg(lineNo).arg(key)};
            toInt(sub.value(QStringLiteral("expires")), ks.expires);
            toInt(sub.value(QStringLiteral("avg_ttl")), ks.avgTtlMs);
            info.m_keyspace.append(ks);
        } else if (const auto s = slaveKey.match(key); s.hasMatch()) {
            // Redis < 2.8 wrote "slave0:ip,port,state"; only the key=value form is read.
            QHash<QString, QString> sub;
            if (!subfields(value, sub))
                return Error{QStringLiteral("INFO line %1: replica entry '%2' is not key=value pairs").arg(lineNo).arg(key)};
            Replica r;
            r.index = s.captured(1).toInt();
            r.ip = sub.value(QStringLiteral("ip"));
            r.port = sub.value(QStringLiteral("port")).toInt();
            r.state = sub.value(QStringLiteral("state"));
            toInt(sub.value(QStringLiteral("offset")), r.offset);
            toInt(sub.value(QStringLiteral("lag")), r.lagSeconds);
            info.m_replicas.append(r);
        } else if (key.startsWith(QLatin1String("errorstat_"))) {
            QHash<QString, QString> sub;
            qint64 count = 0;
            if (!subfields(value, sub) || !toInt(sub.value(QStringLiteral("count")), count))
                return Error{QStringLiteral("INFO line %1: '%2' has no count=N").arg(lineNo).arg(key)};
            info.m_errorStats.insert(key.mid(10), count);
        }
    }
    if (info.m_fields.isEmpty())
        return Error{QStringLiteral("INFO reply is empty (is this a Redis server?)")};
    return info;
}

bool RedisInfo::hasSection(const QString &section) const
{
    for (const QString &s : m_sectionOrder) {
        if (s.compare(section, Qt::CaseInsensitive) == 0)
            return true;
    }
    return false;
}

std::optional<double> RedisInfo::number(const QString &field) const
{
    const auto it = m_fields.constFind(field);
    if (it == m_fields.constEnd())
        return std::nullopt;
    QString v = *it;
    // Some fields carry a unit sign: used_memory_peak_perc:36.33%
    if (v.endsWith(QLatin1Char('%')))
        v.chop(1);
    bool ok = false;
    const double d = v.toDouble(&ok);
    if (!ok)
        return std::nullopt;
    return d;
}

qint64 RedisInfo::integer(const QString &field, qint64 fallback) const
{
    const auto it = m_fields.constFind(field);
    if (it == m_fields.constEnd())
        return fallback;
    bool ok = false;
    const qint64 v = it->toLongLong(&ok);
    return ok ? v : fallback;
}

qint64 RedisInfo::totalKeys() const
{
    qint64 n = 0;
    for (const Keyspace &k : m_keyspace)
        n += k.keys;
    return n;
}

std::optional<double> RedisInfo::cpuPercent(const RedisInfo &before, const RedisInfo &after, double elapsedSeconds)
{
    if (elapsedSeconds <= 0 || restartedBetween(before, after))
        return std::nullopt;
    const auto b1 = before.number(QStringLiteral("used_cpu_sys"));
    const auto b2 = before.number(QStringLiteral("used_cpu_user"));
    const auto a1 = after.number(QStringLiteral("used_cpu_sys"));
    const auto a2 = after.number(QStringLiteral("used_cpu_user"));
    if (!b1 || !b2 || !a1 || !a2)
        return std::nullopt;
    const double used = (*a1 + *a2) - (*b1 + *b2);
    if (used < 0)
        return std::nullopt;
    return used / elapsedSeconds * 100.0;
}

bool RedisInfo::restartedBetween(const RedisInfo &before, const RedisInfo &after)
{
    const QString a = before.runId();
    const QString b = after.runId();
    if (!a.isEmpty() && !b.isEmpty())
        return a != b;
    // Without run_id, uptime going backwards is the tell.
    return after.uptimeSeconds() < before.uptimeSeconds();
}

}  // namespace turno
