#include "fake_turno_server.h"

#include <QMetaObject>
#include <QTcpServer>
#include <QTcpSocket>

namespace turno::test {

FakeTurnoServer::FakeTurnoServer() = default;

FakeTurnoServer::FakeTurnoServer(Faults faults) : m_faults(faults) {}

FakeTurnoServer::~FakeTurnoServer()
{
    if (m_server)
        QMetaObject::invokeMethod(m_server, [this] { delete m_server; m_server = nullptr; }, Qt::BlockingQueuedConnection);
    m_thread.quit();
    m_thread.wait();
}

QHash<QByteArray, int> FakeTurnoServer::perId() const
{
    QMutexLocker lock(&m_mutex);
    return m_perId;
}

QByteArray FakeTurnoServer::answer(const QByteArray &path, bool *close)
{
    const int n = ++m_requests;
    QMutexLocker lock(&m_mutex);
    *close = m_faults.closeEvery5th && n % 5 == 0;
    if (n == m_faults.silentAt)
        return {};
    if (!path.startsWith("/turno/"))
        return "HTTP/1.1 404 Not Found\r\nContent-Type: application/json\r\nContent-Length: 21\r\n\r\n{\"error\":\"not found\"}";
    const QByteArray id = path.mid(7);
    ++m_perId[id];
    qint64 &counter = m_counters[id];
    QByteArray body;
    int status = 200;
    if (n == m_faults.wrongIdAt) {
        body = "{\"id\":\"someone-else\",\"turno\":" + QByteArray::number(counter + 1) + "}";
    } else if (n == m_faults.badJsonAt) {
        body = "{\"id\":\"" + id + "\",\"turno\":";
    } else if (n == m_faults.duplicateAt) {
        body = "{\"id\":\"" + id + "\",\"turno\":" + QByteArray::number(counter) + "}";
    } else if (n == m_faults.status503At) {
        status = 503;
        body = "{\"error\":\"store unavailable\"}";
    } else {
        counter += n == m_faults.skipAt ? 2 : 1;
        // Other spacing and key order than the canonical form now and then,
        // so the slow path of the answer check is exercised too.
        if (n % 7 == 0)
            body = "{ \"turno\": " + QByteArray::number(counter) + ", \"id\": \"" + id + "\" }";
        else
            body = "{\"id\":\"" + id + "\",\"turno\":" + QByteArray::number(counter) + "}";
    }
    const QByteArray reason = status == 200 ? "OK" : "Service Unavailable";
    QByteArray head = "HTTP/1.1 " + QByteArray::number(status) + " " + reason + "\r\nContent-Type: application/json\r\n";
    if (*close)
        head += "Connection: close\r\n";
    if (m_faults.chunkedEvery3rd && n % 3 == 0) {
        const int half = int(body.size() / 2);
        return head + "Transfer-Encoding: chunked\r\n\r\n" + QByteArray::number(half, 16) + "\r\n" + body.left(half) + "\r\n" +
               QByteArray::number(int(body.size()) - half, 16) + "\r\n" + body.mid(half) + "\r\n0\r\n\r\n";
    }
    return head + "Content-Length: " + QByteArray::number(body.size()) + "\r\n\r\n" + body;
}

quint16 FakeTurnoServer::start()
{
    m_thread.start();
    quint16 port = 0;
    // The server must be created on its own thread; a throwaway object living
    // there gives the blocking call a target.
    auto *context = new QObject;
    context->moveToThread(&m_thread);
    QMetaObject::invokeMethod(
        context,
        [this, &port] {
            m_server = new QTcpServer;
            QObject::connect(m_server, &QTcpServer::newConnection, m_server, [this] {
                while (QTcpSocket *s = m_server->nextPendingConnection()) {
                    auto buffer = std::make_shared<QByteArray>();
                    QObject::connect(s, &QTcpSocket::disconnected, s, &QObject::deleteLater);
                    QObject::connect(s, &QTcpSocket::readyRead, s, [this, s, buffer] {
                        buffer->append(s->readAll());
                        for (int guard = 0; guard < 10000; ++guard) {
                            const qsizetype end = buffer->indexOf("\r\n\r\n");
                            if (end < 0)
                                break;
                            const QByteArray head = buffer->left(end);
                            buffer->remove(0, end + 4);
                            const QList<QByteArray> parts = head.left(head.indexOf("\r\n")).split(' ');
                            bool close = false;
                            const QByteArray reply = answer(parts.size() >= 2 ? parts[1] : QByteArray(), &close);
                            s->write(reply);
                            if (close) {
                                s->disconnectFromHost();
                                buffer->clear();
                                break;
                            }
                        }
                    });
                }
            });
            if (m_server->listen(QHostAddress::LocalHost, 0))
                port = m_server->serverPort();
        },
        Qt::BlockingQueuedConnection);
    context->deleteLater();
    return port;
}

}  // namespace turno::test
