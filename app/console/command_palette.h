// CommandPalette: every menu action in one filterable list (Ctrl+K), so an
// operator reaches any action by typing a few letters of its name.
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
    CommandPalette(QList<QAction *> actions, QWidget *parent = nullptr);
    // Shows the enabled actions whose text contains every word of filter.
    void setFilter(const QString &filter);
    QStringList visibleCommands() const;
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
