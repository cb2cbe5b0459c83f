// FailoverPanel: which side is active, the pre-flight gate's state, one action
// to switch (with confirmation) and its step-by-step progress, and automatic
// failover on/off, all over the cluster's FailoverController (the calls
// `turnoctl failover|failback` make through the control socket).
#pragma once

#include <QPointer>
#include <QWidget>

class QCheckBox;
class QLabel;
class QProgressBar;
class QPushButton;
class QTableView;
class QTableWidget;
class QTimer;

namespace turno {
class FailoverController;
class FleetMonitor;
struct FailoverReport;
struct FailoverStep;
}

namespace turno::console {

class FailoverPanel : public QWidget {
    Q_OBJECT
public:
    explicit FailoverPanel(FleetMonitor *monitor, QWidget *parent = nullptr);

    // Asks for confirmation (unless confirm is false), then switches to the other pool.
    void requestSwitch(bool confirm = true);
    // The menu's and the palette's entries: fail over moves the traffic off the
    // profile's primary pool, fail back onto it; each says so when its side is
    // already the active one (and asks before switching, as the button does).
    void requestFailover() { requestTowards(false); }
    void requestFailback() { requestTowards(true); }
    // Runs the pre-flight gate now; the table shows its checks.
    void refreshGate();
    QString activeText() const;
    QProgressBar *progressBar() const { return m_progress; }
    QPushButton *switchButton() const { return m_switch; }
    QTableWidget *stepsTable() const { return m_steps; }
    QTableWidget *gateTable() const { return m_gate; }
    // One row per Redis node: name, role (primary | replica, in its colour), state, address.
    QTableView *redisTable() const { return m_redis; }
    QCheckBox *automaticBox() const { return m_auto; }
    QCheckBox *forceBox() const { return m_force; }
    // The gate's verdict at the top of the tab ("Gate passes: …", "Gate refuses …: check: detail").
    QString gateBannerText() const;

signals:
    void switchFinished(bool ok, const QString &message);
    void message(const QString &text);

private:
    struct GateVerdict {
        bool known = false;
        bool passes = false;
        QString text;  // the failing checks
        QString eta;   // "gate ready in about N s" when it can be told
    };
    // From the cluster's FailoverReadiness (it polls), else the last gate this tab ran.
    GateVerdict gateVerdict() const;
    void updateBanner(const GateVerdict &verdict);
    void setController(FailoverController *controller);
    void updateState();
    void onStepStarted(const QString &name);
    void onStepFinished(const FailoverStep &step);
    void onFinished(const FailoverReport &report);
    void startSwitch();
    void requestTowards(bool primaryPool);
    void fitGateToRows();

    FleetMonitor *m_monitor;
    QPointer<FailoverController> m_controller;
    QLabel *m_active = nullptr;
    QLabel *m_detail = nullptr;
    QTableView *m_redis = nullptr;
    QCheckBox *m_auto = nullptr;
    QCheckBox *m_force = nullptr;
    QPushButton *m_switch = nullptr;
    QPushButton *m_check = nullptr;
    QTableWidget *m_gate = nullptr;
    QLabel *m_gateSummary = nullptr;
    QLabel *m_gateBanner = nullptr;
    QString m_gateFailures;
    QTableWidget *m_steps = nullptr;
    QProgressBar *m_progress = nullptr;
    QLabel *m_result = nullptr;
    QTimer *m_gateTimer = nullptr;
    bool m_gatePending = false;
    bool m_gateOk = false;
};

}  // namespace turno::console
