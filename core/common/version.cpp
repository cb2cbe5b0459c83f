#include "common/version.h"

#include "turno_version.h"

namespace turno {

QString versionString()
{
    return QStringLiteral(TURNO_VERSION);
}

}  // namespace turno
