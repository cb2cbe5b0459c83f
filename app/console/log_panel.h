// LogPanel: the recent output of one supervised process, as the supervisor
// keeps it in memory (no file reads on the UI thread), refreshed while visible.
#pragma once

#include <QWidget>

class QComboBox;
class QPlainTextEdit;
class QTimer;

namespace turno {
class FleetMonitor;
}

namespace turno::console {

class LogPanel : public QWidget {
    Q_OBJECT
public:
    explicit LogPanel(FleetMonitor *monitor, QWidget *parent = nullptr);
    void showNode(const QString &node);
    QString text() const;

protected:
    void showEvent(QShowEvent *event) override;
    void hideEvent(QHideEvent *event) override;

private:
    void refreshNodes();
    void refresh();

    FleetMonitor *m_monitor;
    QComboBox *m_node = nullptr;
    QPlainTextEdit *m_view = nullptr;
    QTimer *m_timer = nullptr;
    QByteArray m_shown;
};

}  // namespace turno::console
