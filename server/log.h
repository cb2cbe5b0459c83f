// logLine: one timestamped line on stderr per event (supervisors capture it).
#pragma once

namespace turno::server {
void logLine(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
}
