// PromTextParser: the driver. Checks the body limits, walks the body line by
// line and hands each line to the metadata or sample reader.
#include "metrics/prom_text_internal.h"

namespace turno {

using promtext::quoted;

bool PromTextParserImpl::run()
{
    if (m_opt.maxBodyBytes > 0 && m_end - m_begin > m_opt.maxBodyBytes)
        return fail(m_begin, QStringLiteral("body is %1 bytes, over the limit of %2 bytes (body_size_limit); "
                                            "raise the limit or shrink the exporter's output")
                                 .arg(qint64(m_end - m_begin))
                                 .arg(qint64(m_opt.maxBodyBytes)));
    if (m_end - m_begin > qint64(UINT32_MAX / 2))
        return fail(m_begin, QStringLiteral("body over 2 GiB cannot be parsed"));
    const size_t size = size_t(m_end - m_begin);
    m_out.m_arena.reserve(size);
    m_out.m_samples.reserve(size / 48 + 8);
    m_out.m_labels.reserve(size / 40 + 8);
    m_out.m_families.reserve(size / 200 + 8);
    m_state.reserve(size / 200 + 8);

    while (m_p < m_end) {
        m_lineStart = m_p;
        if (m_sawEof)
            return fail(m_p, QStringLiteral("content after '# EOF' (it must be the last line)"));
        if (m_om) {
            if (*m_p == '\n' || (!m_strict && *m_p == '\r')) {
                if (m_strict)
                    return fail(m_p, QStringLiteral("empty lines are not allowed in OpenMetrics"));
                ++m_p;
                if (m_p[-1] == '\r' && m_p < m_end && *m_p == '\n')
                    ++m_p;
                ++m_line;
                continue;
            }
            if (!m_strict)
                skipBlanks();
        } else {
            skipBlanks();
        }
        bool ok;
        if (atLineEnd())
            ok = endLine();
        else if (*m_p == '#')
            ok = metadataLine();
        else
            ok = sampleLine();
        if (!ok)
            return false;
        ++m_line;
    }
    m_lineStart = m_p;
    if (m_om && !m_sawEof)
        return fail(m_p, QStringLiteral("missing '# EOF' (OpenMetrics requires it as the last line)"));
    return true;
}

Result<MetricsScrape> PromTextParser::parse(std::string_view body) const
{
    MetricsScrape out;
    PromTextParserImpl p(m_options, body, out);
    if (!p.run())
        return Error{p.error};
    return out;
}

PromTextParser::Format PromTextParser::formatForContentType(QByteArrayView contentType)
{
    return QByteArrayView(contentType).trimmed().startsWith("application/openmetrics-text") ? Format::OpenMetrics
                                                                                         : Format::Prometheus;
}

}  // namespace turno
