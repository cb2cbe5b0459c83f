#include "server.h"

#include <cstdio>

namespace turno::server {
int runServer(const ServerOptions &)
{
    std::fputs("turno-server: serving is not built yet\n", stderr);
    return 2;
}
}  // namespace turno::server
