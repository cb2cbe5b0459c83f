#include "load_config.h"

#include <QHostAddress>
#include <QUrl>

namespace turno {

QString LoadConfig::url() const
{
    return QStringLiteral("http://%1:%2%3").arg(QString::fromStdString(host)).arg(port).arg(QString::fromStdString(pathPrefix));
}

std::string loadIdName(const std::string &prefix, uint32_t k, uint32_t count)
{
    if (count <= 1)
        return prefix;
    return prefix + "-" + std::to_string(k);
}

Result<void> parseLoadTarget(const QString &url, LoadConfig *config)
{
    const QUrl u(url, QUrl::StrictMode);
    if (!u.isValid() || u.scheme() != QLatin1String("http"))
        return Error{QStringLiteral("'%1' is not an http:// URL (example: http://127.0.0.1:7017)").arg(url)};
    QString host = u.host();
    if (host == QLatin1String("localhost"))
        host = QStringLiteral("127.0.0.1");
    QHostAddress addr;
    if (!addr.setAddress(host) || addr.protocol() != QAbstractSocket::IPv4Protocol)
        return Error{QStringLiteral("'%1': give the target as an IPv4 address (e.g. 127.0.0.1); names are not resolved").arg(u.host())};
    const int port = u.port(7017);
    QString path = u.path();
    if (path.isEmpty() || path == QLatin1String("/"))
        path = QStringLiteral("/turno/");
    if (!path.endsWith(QLatin1Char('/')))
        path += QLatin1Char('/');
    config->host = host.toStdString();
    config->port = uint16_t(port);
    config->pathPrefix = path.toStdString();
    config->hostHeader = QStringLiteral("%1:%2").arg(host).arg(port).toStdString();
    return {};
}

Result<void> validateLoadConfig(const LoadConfig &c)
{
    QHostAddress addr;
    if (!addr.setAddress(QString::fromStdString(c.host)))
        return Error{QStringLiteral("target host '%1' is not an IP address").arg(QString::fromStdString(c.host))};
    if (!addr.isLoopback() && !c.allowRemote)
        return Error{QStringLiteral("target %1 is not on loopback; pass --allow-remote if you mean to load it").arg(QString::fromStdString(c.host))};
    if (c.connections < 1 || c.connections > 10000)
        return Error{QStringLiteral("--connections must be 1..10000 (got %1)").arg(c.connections)};
    if (c.threads < 1 || c.threads > 256)
        return Error{QStringLiteral("--threads must be 1..256 (got %1)").arg(c.threads)};
    if (c.threads > c.connections)
        return Error{QStringLiteral("--threads (%1) must not exceed --connections (%2)").arg(c.threads).arg(c.connections)};
    if (!(c.durationSeconds > 0.0) || c.durationSeconds > 24 * 3600.0)
        return Error{QStringLiteral("--duration must be between 0 and 86400 seconds")};
    if (c.rate < 0.0 || c.rate > 1e8)
        return Error{QStringLiteral("--rate must be 0 (closed loop) up to 1e8 requests/s")};
    if (c.idCount < 1 || c.idCount > 10'000'000)
        return Error{QStringLiteral("--ids must be 1..10000000 (got %1)").arg(c.idCount)};
    if (!(c.requestTimeoutSeconds > 0.0))
        return Error{QStringLiteral("--timeout must be positive")};
    const std::string longest = loadIdName(c.idPrefix.empty() ? std::string(16, 'x') : c.idPrefix, c.idCount - 1, c.idCount);
    if (longest.size() > 64)
        return Error{QStringLiteral("ids would be %1 characters; turno ids are at most 64 (shorten --id-prefix)").arg(longest.size())};
    for (char ch : c.idPrefix) {
        const bool ok = (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') || ch == '.' ||
                        ch == '_' || ch == '~' || ch == '-';
        if (!ok)
            return Error{QStringLiteral("--id-prefix may only use A-Z a-z 0-9 . _ ~ -")};
    }
    return {};
}

}  // namespace turno
