// RunFiles: the small file and program helpers every part of a local cluster's
// supervision shares: writing a file of the run directory readable by its owner
// only, and finding a system daemon (haproxy, redis-server) on PATH or in sbin.
#pragma once

#include <QByteArray>
#include <QString>

namespace turno::RunFiles {

// Writes data to path (truncating), owner read/write only; false and *why on failure.
bool write(const QString &path, const QByteArray &data, QString *why);
// The program's absolute path, or empty: PATH first, then /usr/sbin, /usr/bin, /sbin.
QString findSystemProgram(const QString &name);

}  // namespace turno::RunFiles
