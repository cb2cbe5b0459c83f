// runServer: starts the event loops for the given options and runs until a
// SIGTERM/SIGINT drain completes. Returns the process exit code.
#pragma once

#include "options.h"

namespace turno::server {
int runServer(const ServerOptions &options);
}
