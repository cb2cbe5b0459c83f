// Fixture loading for the metrics tests: files under tests/metrics/fixtures.
#pragma once

#include "test_support.h"

#include <QFile>
#include <QTest>

namespace turno::test {

inline QByteArray metricsFixture(const QString &name)
{
    QFile f(envPath("TURNO_SOURCE_DIR") + QStringLiteral("/tests/metrics/fixtures/") + name);
    if (!f.open(QIODevice::ReadOnly))
        qFatal("cannot open fixture %s", qPrintable(f.fileName()));
    return f.readAll();
}

}  // namespace turno::test
