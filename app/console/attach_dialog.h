// AttachDialog: what to watch of a fleet this console did not launch (as
// `turnoctl attach`): balancer stats, node URLs, Redis or Sentinel, and where
// the Redis password comes from. Checks the form; FleetMonitor::attach does the rest.
#pragma once

#include "common/result.h"
#include "fleet/fleet_attach.h"

#include <QDialog>

class QComboBox;
class QLabel;
class QLineEdit;
class QPlainTextEdit;

namespace turno::console {

class AttachDialog : public QDialog {
    Q_OBJECT
public:
    enum class PasswordSource { None, File, Environment };

    explicit AttachDialog(QWidget *parent = nullptr);

    void setBalancerStats(const QString &socketOrUrl);
    void setNodeUrls(const QStringList &urls);
    void setRedis(const QString &hostPort);
    void setSentinel(const QString &hostPort, const QString &master = QStringLiteral("turno"));
    void setPassword(PasswordSource source, const QString &fileOrVariable = {});
    void setCluster(const QString &name);
    // Through a Prometheus instead: its URL and the turno nodes' scrape job.
    void setPrometheus(const QString &url, const QString &job = QStringLiteral("turno"));
    // The Prometheus URL typed (empty: attach directly), and its job.
    QString prometheusUrl() const;
    QString prometheusJob() const;

    // The target the form describes; the error names the field to fix.
    Result<AttachTarget> target() const;
    QString errorText() const;

    // The last target attached to, to fill the form next time (no password kept).
    static void remember(const AttachDialog &dialog);

private:
    void restore();
    void updatePasswordField();

    QLineEdit *m_cluster = nullptr;
    QLineEdit *m_stats = nullptr;
    QLineEdit *m_prometheus = nullptr;
    QLineEdit *m_job = nullptr;
    QLineEdit *m_backend = nullptr;
    QPlainTextEdit *m_nodes = nullptr;
    QLineEdit *m_redis = nullptr;
    QLineEdit *m_sentinel = nullptr;
    QLineEdit *m_master = nullptr;
    QComboBox *m_passwordSource = nullptr;
    QLineEdit *m_passwordArg = nullptr;
    QLabel *m_error = nullptr;
};

}  // namespace turno::console
