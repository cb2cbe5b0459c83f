// readSecretFile: the one way a Redis password (or token) is read from a file.
// The file must be a regular file that only its owner can read (mode 0600 or
// stricter) and must not be empty; the error names the file and the fix.
#pragma once

#include "result.h"

#include <QString>

namespace turno {

// what: how the error names the file's use, e.g. "the Redis password file".
Result<QString> readSecretFile(const QString &path, const QString &what);

}  // namespace turno
