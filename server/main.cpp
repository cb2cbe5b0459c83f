// turno-server entry point: options, then the server runs until SIGTERM/SIGINT.
#include "options.h"
#include "server.h"

#include <cstdio>
#include <cstdlib>

int main(int argc, char **argv)
{
    const auto parsed = turno::server::parseOptions(argc, argv, [](const char *n) -> const char * { return std::getenv(n); });
    if (parsed.exitNow) {
        std::fputs(parsed.message.c_str(), parsed.ok ? stdout : stderr);
        if (!parsed.ok)
            std::fputc('\n', stderr);
        return parsed.exitCode;
    }
    return turno::server::runServer(parsed.options);
}
