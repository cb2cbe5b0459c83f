#include "redis/resp_client.h"

#include "common/once_with_timeout.h"

#include <QTcpSocket>
#include <QTimer>
#include <memory>

namespace turno {

RespClient::RespClient(QString host, quint16 port, QString password, QObject *parent)
    : QObject(parent), m_host(std::move(host)), m_port(port), m_password(std::move(password))
{
}

QByteArray RespClient::encode(const QList<QByteArray> &args)
{
    QByteArray out = "*" + QByteArray::number(args.size()) + "\r\n";
    for (const QByteArray &a : args)
        out += "$" + QByteArray::number(a.size()) + "\r\n" + a + "\r\n";
    return out;
}

bool RespClient::parse(const QByteArray &buf, qsizetype &pos, RespValue &out)
{
    const qsizetype eol = buf.indexOf("\r\n", pos);
    if (eol < 0)
        return false;
    const char kind = buf[pos];
    const QByteArray line = buf.mid(pos + 1, eol - pos - 1);
    qsizetype next = eol + 2;
    switch (kind) {
    case '+':
        out = RespValue{RespValue::Type::Simple, line, 0, {}};
        break;
    case '-':
        out = RespValue{RespValue::Type::Error, line, 0, {}};
        break;
    case ':':
        out = RespValue{RespValue::Type::Integer, {}, line.toLongLong(), {}};
        break;
    case '$': {
        const qint64 len = line.toLongLong();
        if (len < 0) {
            out = RespValue{};
            break;
        }
        if (buf.size() < next + len + 2)
            return false;
        out = RespValue{RespValue::Type::Bulk, buf.mid(next, len), 0, {}};
        next += len + 2;
        break;
    }
    case '*': {
        const qint64 count = line.toLongLong();
        RespValue arr{count < 0 ? RespValue::Type::Null : RespValue::Type::Array, {}, 0, {}};
        for (qint64 i = 0; i < count; ++i) {
            RespValue item;
            if (!parse(buf, next, item))
                return false;
            arr.items << item;
        }
        out = arr;
        break;
    }
    default:
        out = RespValue{RespValue::Type::Error, "unexpected reply byte", 0, {}};
        break;
    }
    pos = next;
    return true;
}

void RespClient::run(const QList<QList<QByteArray>> &commands, std::function<void(Result<QList<RespValue>>)> done,
                     int timeoutMs)
{
    auto *s = new QTcpSocket(this);
    auto buffer = std::make_shared<QByteArray>();
    const bool auth = !m_password.isEmpty();
    const qsizetype expected = commands.size() + (auth ? 1 : 0);
    const QString where = QStringLiteral("%1:%2").arg(m_host).arg(m_port);
    auto close = [s] {
        s->disconnect();
        s->abort();
        s->deleteLater();
    };
    using Reply = Result<QList<RespValue>>;
    auto finish = onceWithTimeout<Reply>(
        s, timeoutMs, [where, timeoutMs] { return Reply(Error{QStringLiteral("Redis at %1 did not answer within %2 ms").arg(where).arg(timeoutMs)}); },
        [close, done](Reply r) {
            close();
            done(std::move(r));
        });
    connect(s, &QTcpSocket::connected, s, [this, s, commands, auth] {
        QByteArray out;
        if (auth)
            out += encode({"AUTH", m_password.toUtf8()});
        for (const auto &c : commands)
            out += encode(c);
        s->write(out);
    });
    connect(s, &QTcpSocket::readyRead, s, [s, buffer, finish, expected, auth, where] {
        *buffer += s->readAll();
        QList<RespValue> replies;
        qsizetype pos = 0;
        while (replies.size() < expected) {
            RespValue v;
            if (!parse(*buffer, pos, v))
                return;  // wait for more bytes
            replies << v;
        }
        if (auth && replies.first().type == RespValue::Type::Error)
            return finish(Error{QStringLiteral("Redis at %1 refused the password: %2; check the password source")
                                    .arg(where, QString::fromUtf8(replies.first().text))});
        if (auth)
            replies.removeFirst();
        finish(replies);
    });
    connect(s, &QTcpSocket::errorOccurred, s, [s, finish, where] {
        finish(Error{QStringLiteral("cannot reach Redis at %1: %2").arg(where, s->errorString())});
    });
    s->connectToHost(m_host, m_port);
}

}  // namespace turno
