// ScrapeResult and TargetHealth: what one scrape produced and how a target has
// been doing, the same facts Prometheus keeps (up, scrape duration, last error).
#pragma once

#include "metrics/metrics_scrape.h"

#include <QMetaType>
#include <QString>
#include <QUrl>
#include <memory>

namespace turno {

struct ScrapeResult {
    int target = -1;  // index from HttpScraper::addTarget; -1 for scrapeOnce
    QString name;
    QUrl url;
    bool up = false;
    double durationSeconds = 0;
    qint64 timestampMs = 0;  // wall clock when the scrape started
    qint64 bodyBytes = 0;    // after content decoding
    QString error;           // empty when up
    QByteArray contentType;  // as the target answered it
    bool openMetrics = false;  // the body was read as OpenMetrics text (else Prometheus 0.0.4)
    std::shared_ptr<const MetricsScrape> scrape;  // null when down
};

struct TargetHealth {
    bool up = false;
    double lastDurationSeconds = 0;
    qint64 lastScrapeMs = 0;
    QString lastError;
    qint64 scrapes = 0;
    qint64 failures = 0;
    qint64 samples = 0;  // of the last good scrape
};

}  // namespace turno

Q_DECLARE_METATYPE(turno::ScrapeResult)
