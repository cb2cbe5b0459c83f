// NginxFixture: Debian's nginx on a free loopback port answering every
// /turno/ID with {"id":"ID","turno":1}: a fast, fixed target for the generator.
#pragma once

#include "test_support.h"

#include <QString>
#include <QTemporaryDir>
#include <memory>

namespace turno::test {

class NginxFixture {
public:
    // cpuList: e.g. "1" to pin nginx with taskset; empty for no pinning.
    bool start(QString *why, const QString &cpuList = {});
    quint16 port() const { return m_port; }
    QString url() const { return QStringLiteral("http://127.0.0.1:%1").arg(m_port); }
    pid_t pid() const { return m_process.pid(); }

private:
    QTemporaryDir m_dir;
    ChildProcess m_process;
    quint16 m_port = 0;
};

}  // namespace turno::test
