#include "secret_file.h"

#include <QFile>
#include <cerrno>
#include <cstring>
#include <sys/stat.h>

namespace turno {

Result<QString> readSecretFile(const QString &path, const QString &what)
{
    if (path.isEmpty())
        return Error{QStringLiteral("%1: no file named").arg(what)};
    struct stat st {};
    const QByteArray native = QFile::encodeName(path);
    if (::stat(native.constData(), &st) != 0)
        return Error{QStringLiteral("%1 %2: %3").arg(what, path, QString::fromLocal8Bit(std::strerror(errno)))};
    if (!S_ISREG(st.st_mode))
        return Error{QStringLiteral("%1 %2 is not a regular file").arg(what, path)};
    if ((st.st_mode & 077) != 0)
        return Error{QStringLiteral("%1 %2 can be read by other users (mode %3); run 'chmod 600 %2'")
                         .arg(what, path, QString::number(st.st_mode & 0777, 8).rightJustified(4, QLatin1Char('0')))};
    QFile f(path);
    if (!f.open(QIODevice::ReadOnly))
        return Error{QStringLiteral("%1 %2: %3").arg(what, path, f.errorString())};
    const QString secret = QString::fromUtf8(f.read(64 * 1024)).trimmed();
    if (secret.isEmpty())
        return Error{QStringLiteral("%1 %2 is empty").arg(what, path)};
    return secret;
}

}  // namespace turno
