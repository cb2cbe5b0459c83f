// CommandPalette: every menu action in one filterable list (Ctrl+K), so an
// operator reaches any action by typing a few letters of its name. It opens on
// a harmless entry (never one marked risky: stop, quit, kill, failover), and
// Esc closes it.
#pragma once

#include <QDialog>
#include <QList>

class QAction;
class QLineEdit;
class QListWidget;

namespace turno::console {

class CommandPalette : public QDialog {
    Q_OBJECT
public:
    // An action with this property set to true is never the palette's entry
    // until the operator moves to it or types its name.
    static constexpr const char *kRiskyProperty = "turnoRisky";

    CommandPalette(QList<QAction *> actions, QWidget *parent = nullptr);
    // Shows the enabled actions whose text contains every word of filter.
    void setFilter(const QString &filter);
    QStringList visibleCommands() const;
    // The highlighted entry (what Enter runs), empty when none.
    QString currentCommand() const;
    // Triggers the highlighted action and closes.
    void runCurrent();

protected:
    bool eventFilter(QObject *watched, QEvent *event) override;

private:
    QList<QAction *> m_actions;
    QLineEdit *m_filter = nullptr;
    QListWidget *m_list = nullptr;
};

}  // namespace turno::console
