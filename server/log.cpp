#include "log.h"

#include <algorithm>
#include <cstdarg>
#include <cstdio>
#include <ctime>
#include <sys/time.h>

namespace turno::server {

void logLine(const char *fmt, ...)
{
    char buf[1024];
    timeval tv;
    gettimeofday(&tv, nullptr);
    tm t;
    gmtime_r(&tv.tv_sec, &t);
    int n = int(strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%S", &t));
    n += snprintf(buf + n, sizeof buf - size_t(n), ".%03dZ turno-server: ", int(tv.tv_usec / 1000));
    va_list ap;
    va_start(ap, fmt);
    int m = vsnprintf(buf + n, sizeof buf - size_t(n) - 2, fmt, ap);
    va_end(ap);
    if (m < 0)
        m = 0;
    n = std::min<int>(n + m, int(sizeof buf) - 2);
    buf[n++] = '\n';
    fwrite(buf, 1, size_t(n), stderr);
}

}  // namespace turno::server
