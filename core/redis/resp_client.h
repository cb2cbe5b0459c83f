// RespClient: a few pipelined Redis commands on one short-lived connection,
// without blocking the caller's thread (registry heartbeats, discovery).
#pragma once

#include "common/result.h"

#include <QByteArray>
#include <QList>
#include <QObject>
#include <QString>
#include <functional>

namespace turno {

struct RespValue {
    enum class Type { Simple, Error, Integer, Bulk, Null, Array };
    Type type = Type::Null;
    QByteArray text;   // Simple, Error, Bulk
    qint64 integer = 0;
    QList<RespValue> items;
};

class RespClient : public QObject {
    Q_OBJECT
public:
    RespClient(QString host, quint16 port, QString password = {}, QObject *parent = nullptr);

    // Sends every command (AUTH first when a password is set) and delivers one
    // reply per command, or an error naming the address.
    void run(const QList<QList<QByteArray>> &commands, std::function<void(Result<QList<RespValue>>)> done,
             int timeoutMs = 2000);

    static QByteArray encode(const QList<QByteArray> &args);
    // Parses one reply at pos; returns false when more bytes are needed.
    static bool parse(const QByteArray &buf, qsizetype &pos, RespValue &out);

private:
    QString m_host;
    quint16 m_port;
    QString m_password;
};

}  // namespace turno
