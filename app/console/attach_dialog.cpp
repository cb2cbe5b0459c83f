#include "attach_dialog.h"

#include "common/secret_file.h"

#include <QComboBox>
#include <QDialogButtonBox>
#include <QFile>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QSettings>
#include <QUrl>
#include <QVBoxLayout>

namespace turno::console {

namespace {

// "HOST:PORT" -> host and port; false when it is not one.
bool splitHostPort(const QString &text, QString *host, quint16 *port)
{
    const QString t = text.trimmed();
    const qsizetype colon = t.lastIndexOf(QLatin1Char(':'));
    if (colon <= 0)
        return false;
    bool ok = false;
    const uint p = t.mid(colon + 1).toUInt(&ok);
    if (!ok || p == 0 || p > 65535)
        return false;
    *host = t.left(colon);
    *port = quint16(p);
    return true;
}

}  // namespace

AttachDialog::AttachDialog(QWidget *parent) : QDialog(parent)
{
    setWindowTitle(tr("Attach to a fleet"));
    setObjectName(QStringLiteral("attachDialog"));
    auto *layout = new QVBoxLayout(this);
    auto *intro = new QLabel(tr("Watch a fleet launched elsewhere. The console launches nothing and changes nothing there: "
                                "while attached it is read-only."), this);
    intro->setWordWrap(true);
    layout->addWidget(intro);
    auto *form = new QFormLayout;
    m_cluster = new QLineEdit(QStringLiteral("local"), this);
    m_cluster->setObjectName(QStringLiteral("attachCluster"));
    m_cluster->setToolTip(tr("The cluster name the nodes announce themselves under in Redis (turno:registry:NAME:NODE)"));
    form->addRow(tr("&Cluster name:"), m_cluster);
    m_prometheus = new QLineEdit(this);
    m_prometheus->setObjectName(QStringLiteral("attachPrometheus"));
    m_prometheus->setPlaceholderText(tr("http://prometheus:9090 — the fleet from Prometheus alone (the fields below stay empty)"));
    form->addRow(tr("&Prometheus:"), m_prometheus);
    m_job = new QLineEdit(QStringLiteral("turno"), this);
    m_job->setObjectName(QStringLiteral("attachJob"));
    m_job->setToolTip(tr("The scrape job of the turno nodes in Prometheus"));
    form->addRow(tr("Prometheus &job:"), m_job);
    m_stats = new QLineEdit(this);
    m_stats->setObjectName(QStringLiteral("attachStats"));
    m_stats->setPlaceholderText(tr("/run/haproxy/admin.sock or http://10.0.0.5:8404/stats"));
    form->addRow(tr("&Balancer stats:"), m_stats);
    m_backend = new QLineEdit(QStringLiteral("turno_nodes"), this);
    m_backend->setObjectName(QStringLiteral("attachBackend"));
    form->addRow(tr("Balancer &backend:"), m_backend);
    m_nodes = new QPlainTextEdit(this);
    m_nodes->setObjectName(QStringLiteral("attachNodes"));
    m_nodes->setPlaceholderText(tr("http://10.0.0.11:7017\nhttp://10.0.0.12:7017"));
    m_nodes->setMaximumHeight(80);
    form->addRow(tr("&Node URLs:"), m_nodes);
    m_redis = new QLineEdit(this);
    m_redis->setObjectName(QStringLiteral("attachRedis"));
    m_redis->setPlaceholderText(QStringLiteral("10.0.0.20:6379"));
    form->addRow(tr("&Redis:"), m_redis);
    m_sentinel = new QLineEdit(this);
    m_sentinel->setObjectName(QStringLiteral("attachSentinel"));
    m_sentinel->setPlaceholderText(tr("10.0.0.21:26379 (instead of Redis: the primary it names)"));
    form->addRow(tr("&Sentinel:"), m_sentinel);
    m_master = new QLineEdit(QStringLiteral("turno"), this);
    form->addRow(tr("Sentinel &master name:"), m_master);
    m_passwordSource = new QComboBox(this);
    m_passwordSource->setObjectName(QStringLiteral("attachPasswordSource"));
    m_passwordSource->addItems({tr("No password"), tr("Password file (mode 0600)"), tr("Environment variable")});
    m_passwordArg = new QLineEdit(this);
    m_passwordArg->setObjectName(QStringLiteral("attachPasswordArg"));
    auto *password = new QHBoxLayout;
    password->addWidget(m_passwordSource);
    password->addWidget(m_passwordArg, 1);
    form->addRow(tr("Redis &password:"), password);
    layout->addLayout(form);
    m_error = new QLabel(this);
    m_error->setObjectName(QStringLiteral("attachError"));
    m_error->setWordWrap(true);
    layout->addWidget(m_error);
    auto *buttons = new QDialogButtonBox(QDialogButtonBox::Ok | QDialogButtonBox::Cancel, this);
    buttons->button(QDialogButtonBox::Ok)->setText(tr("&Attach"));
    layout->addWidget(buttons);
    connect(buttons, &QDialogButtonBox::accepted, this, [this] {
        const Result<AttachTarget> t = target();
        if (!t.ok()) {
            m_error->setText(QStringLiteral("<span style='color:#c0392b'>%1</span>").arg(t.error().toHtmlEscaped()));
            return;
        }
        remember(*this);
        accept();
    });
    connect(buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);
    connect(m_passwordSource, &QComboBox::currentIndexChanged, this, &AttachDialog::updatePasswordField);
    restore();
    updatePasswordField();
    resize(560, 420);
}

void AttachDialog::updatePasswordField()
{
    const auto source = PasswordSource(m_passwordSource->currentIndex());
    m_passwordArg->setEnabled(source != PasswordSource::None);
    m_passwordArg->setPlaceholderText(source == PasswordSource::File ? tr("/etc/turno/redis.pass")
                                      : source == PasswordSource::Environment ? QStringLiteral("TURNO_REDIS_PASSWORD")
                                                                              : QString());
}

void AttachDialog::setBalancerStats(const QString &socketOrUrl) { m_stats->setText(socketOrUrl); }

void AttachDialog::setPrometheus(const QString &url, const QString &job)
{
    m_prometheus->setText(url);
    m_job->setText(job);
}

QString AttachDialog::prometheusUrl() const
{
    return m_prometheus->text().trimmed();
}

QString AttachDialog::prometheusJob() const
{
    const QString job = m_job->text().trimmed();
    return job.isEmpty() ? QStringLiteral("turno") : job;
}
void AttachDialog::setNodeUrls(const QStringList &urls) { m_nodes->setPlainText(urls.join(QLatin1Char('\n'))); }
void AttachDialog::setRedis(const QString &hostPort) { m_redis->setText(hostPort); }
void AttachDialog::setCluster(const QString &name) { m_cluster->setText(name); }

void AttachDialog::setSentinel(const QString &hostPort, const QString &master)
{
    m_sentinel->setText(hostPort);
    m_master->setText(master);
}

void AttachDialog::setPassword(PasswordSource source, const QString &fileOrVariable)
{
    m_passwordSource->setCurrentIndex(int(source));
    m_passwordArg->setText(fileOrVariable);
}

QString AttachDialog::errorText() const
{
    return m_error->text();
}

Result<AttachTarget> AttachDialog::target() const
{
    AttachTarget t;
    t.cluster = m_cluster->text().trimmed().isEmpty() ? QStringLiteral("local") : m_cluster->text().trimmed();
    t.balancerStats = m_stats->text().trimmed();
    if (!t.balancerStats.isEmpty() && t.balancerStats.startsWith(QLatin1String("http")) && !QUrl(t.balancerStats).isValid())
        return Error{tr("Balancer stats: '%1' is neither a socket path nor an http:// URL").arg(t.balancerStats)};
    if (!m_backend->text().trimmed().isEmpty())
        t.backend = m_backend->text().trimmed();
    for (const QString &line : m_nodes->toPlainText().split(QLatin1Char('\n'), Qt::SkipEmptyParts)) {
        const QUrl url(line.trimmed());
        if (!url.isValid() || url.scheme() != QLatin1String("http") || url.host().isEmpty())
            return Error{tr("Node URLs: '%1' is not an http://HOST:PORT URL").arg(line.trimmed())};
        t.nodeUrls << line.trimmed();
    }
    if (!m_redis->text().trimmed().isEmpty() && !splitHostPort(m_redis->text(), &t.redisHost, &t.redisPort))
        return Error{tr("Redis: give HOST:PORT, not '%1'").arg(m_redis->text().trimmed())};
    if (!m_sentinel->text().trimmed().isEmpty()) {
        if (!splitHostPort(m_sentinel->text(), &t.sentinelHost, &t.sentinelPort))
            return Error{tr("Sentinel: give HOST:PORT, not '%1'").arg(m_sentinel->text().trimmed())};
        t.masterName = m_master->text().trimmed().isEmpty() ? QStringLiteral("turno") : m_master->text().trimmed();
    }
    if (t.balancerStats.isEmpty() && t.nodeUrls.isEmpty() && t.redisHost.isEmpty() && t.sentinelHost.isEmpty())
        return Error{tr("give at least one of the balancer stats, node URLs, Redis or Sentinel")};
    const QString arg = m_passwordArg->text().trimmed();
    switch (PasswordSource(m_passwordSource->currentIndex())) {
    case PasswordSource::None:
        break;
    case PasswordSource::File: {
        const Result<QString> pw = readSecretFile(arg, tr("Redis password: the file"));
        if (!pw.ok())
            return Error{pw.error()};
        t.redisPassword = pw.value();
        break;
    }
    case PasswordSource::Environment: {
        const QString name = arg.isEmpty() ? QStringLiteral("TURNO_REDIS_PASSWORD") : arg;
        if (!qEnvironmentVariableIsSet(name.toLocal8Bit().constData()))
            return Error{tr("Redis password: the environment variable %1 is not set").arg(name)};
        t.redisPassword = qEnvironmentVariable(name.toLocal8Bit().constData());
        break;
    }
    }
    return t;
}

void AttachDialog::remember(const AttachDialog &d)
{
    QSettings s;
    s.beginGroup(QStringLiteral("attach"));
    s.setValue(QStringLiteral("cluster"), d.m_cluster->text());
    s.setValue(QStringLiteral("stats"), d.m_stats->text());
    s.setValue(QStringLiteral("prometheus"), d.m_prometheus->text());
    s.setValue(QStringLiteral("job"), d.m_job->text());
    s.setValue(QStringLiteral("backend"), d.m_backend->text());
    s.setValue(QStringLiteral("nodes"), d.m_nodes->toPlainText());
    s.setValue(QStringLiteral("redis"), d.m_redis->text());
    s.setValue(QStringLiteral("sentinel"), d.m_sentinel->text());
    s.setValue(QStringLiteral("master"), d.m_master->text());
    // Where the password comes from, never the password itself.
    s.setValue(QStringLiteral("passwordSource"), d.m_passwordSource->currentIndex());
    s.setValue(QStringLiteral("passwordArg"), d.m_passwordArg->text());
}

void AttachDialog::restore()
{
    QSettings s;
    s.beginGroup(QStringLiteral("attach"));
    if (!s.contains(QStringLiteral("cluster")))
        return;
    m_cluster->setText(s.value(QStringLiteral("cluster")).toString());
    m_stats->setText(s.value(QStringLiteral("stats")).toString());
    m_prometheus->setText(s.value(QStringLiteral("prometheus")).toString());
    m_job->setText(s.value(QStringLiteral("job"), QStringLiteral("turno")).toString());
    m_backend->setText(s.value(QStringLiteral("backend"), QStringLiteral("turno_nodes")).toString());
    m_nodes->setPlainText(s.value(QStringLiteral("nodes")).toString());
    m_redis->setText(s.value(QStringLiteral("redis")).toString());
    m_sentinel->setText(s.value(QStringLiteral("sentinel")).toString());
    m_master->setText(s.value(QStringLiteral("master"), QStringLiteral("turno")).toString());
    m_passwordSource->setCurrentIndex(s.value(QStringLiteral("passwordSource"), 0).toInt());
    m_passwordArg->setText(s.value(QStringLiteral("passwordArg")).toString());
}

}  // namespace turno::console
