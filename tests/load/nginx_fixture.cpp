#include "nginx_fixture.h"

#include <QFile>

namespace turno::test {

bool NginxFixture::start(QString *why, const QString &cpuList)
{
    const QString nginx = findProgram(QStringLiteral("nginx"));
    if (nginx.isEmpty()) {
        *why = QStringLiteral("nginx is not installed (apt-get install nginx-light)");
        return false;
    }
    if (!m_dir.isValid()) {
        *why = QStringLiteral("no temporary directory");
        return false;
    }
    m_port = freePort();
    const QString d = m_dir.path();
    const QString conf = QStringLiteral(
        "daemon off; master_process off; worker_processes 1;\n"
        "error_log %1/error.log; pid %1/nginx.pid;\n"
        "events { worker_connections 4096; }\n"
        "http { access_log off; client_body_temp_path %1; proxy_temp_path %1; fastcgi_temp_path %1;\n"
        "  uwsgi_temp_path %1; scgi_temp_path %1; keepalive_requests 100000000; keepalive_timeout 120s;\n"
        "  server { listen 127.0.0.1:%2;\n"
        "    location ~ ^/turno/(.+)$ { default_type application/json; return 200 '{\"id\":\"$1\",\"turno\":1}'; }\n"
        "  }\n"
        "}\n").arg(d).arg(m_port);
    QFile f(d + QStringLiteral("/nginx.conf"));
    if (!f.open(QIODevice::WriteOnly) || f.write(conf.toUtf8()) < 0) {
        *why = QStringLiteral("cannot write %1").arg(f.fileName());
        return false;
    }
    f.close();
    QStringList args{QStringLiteral("-p"), d, QStringLiteral("-c"), f.fileName(), QStringLiteral("-e"), d + QStringLiteral("/error.log")};
    QString program = nginx;
    if (!cpuList.isEmpty()) {
        args = QStringList{QStringLiteral("-c"), cpuList, nginx} + args;
        program = findProgram(QStringLiteral("taskset"));
    }
    if (!m_process.start(program, args, d + QStringLiteral("/stdout.log"), {}, why))
        return false;
    if (!m_process.waitForPort(m_port, 10000)) {
        *why = QStringLiteral("nginx did not listen on %1: %2").arg(m_port).arg(m_process.log());
        return false;
    }
    return true;
}

}  // namespace turno::test
