// The project's version as the core reports it (one source: CMake's project()).
#pragma once

#include <QString>

namespace turno {
QString versionString();
}
