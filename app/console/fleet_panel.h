// FleetPanel: the fleet table (FleetNodesModel) with state colours and the
// per-node actions (drain, enable, weight, restart, kill, logs) as FleetMonitor calls.
#pragma once

#include <QWidget>

class QAction;
class QLabel;
class QSortFilterProxyModel;
class QTableView;

namespace turno {
class FleetMonitor;
}

namespace turno::console {

class FleetPanel : public QWidget {
    Q_OBJECT
public:
    explicit FleetPanel(FleetMonitor *monitor, QWidget *parent = nullptr);

    QTableView *table() const { return m_table; }
    // The node of the selected row, empty when none.
    QString selectedNode() const;
    bool selectNode(const QString &name);
    // Destructive actions (restart, kill) ask first unless turned off (tests, scripts).
    void setConfirmDestructive(bool confirm) { m_confirm = confirm; }

    void drainSelected();
    void enableSelected();
    void weightSelected();
    void restartSelected();
    void killSelected();

    QList<QAction *> nodeActions() const;
    // Attached read-only: every action that changes the fleet is disabled and says why.
    void setReadOnly(bool readOnly, const QString &reason);
    bool isReadOnly() const { return m_readOnly; }

signals:
    // An action finished: ok, and a message for the status bar or a dialog.
    void actionDone(bool ok, const QString &message);
    void showLogs(const QString &node);

protected:
    void showEvent(QShowEvent *event) override;
    void hideEvent(QHideEvent *event) override;

private:
    void updateActions();
    bool confirm(const QString &title, const QString &text);
    void report(const QString &what, const QString &node, bool ok, const QString &error);

    FleetMonitor *m_monitor;
    QTableView *m_table = nullptr;
    QSortFilterProxyModel *m_proxy = nullptr;
    QAction *m_drain = nullptr;
    QAction *m_enable = nullptr;
    QAction *m_weight = nullptr;
    QAction *m_restart = nullptr;
    QAction *m_kill = nullptr;
    QAction *m_logs = nullptr;
    QLabel *m_readOnlyBanner = nullptr;
    QString m_readOnlyReason;
    bool m_readOnly = false;
    bool m_confirm = true;
};

}  // namespace turno::console
