// MainWindow: the console's one window. Docks and tabs over the core models;
// the layout is saved and restored with QSettings.
#pragma once

#include <QMainWindow>

class QTabWidget;
class QLabel;

namespace turno::console {

class MainWindow : public QMainWindow {
    Q_OBJECT
public:
    explicit MainWindow(QWidget *parent = nullptr);
    ~MainWindow() override;

    QTabWidget *tabs() const { return m_tabs; }

protected:
    void closeEvent(QCloseEvent *event) override;

private:
    void buildMenus();
    void restoreLayout();
    void saveLayout();

    QTabWidget *m_tabs = nullptr;
    QLabel *m_health = nullptr;
};

}  // namespace turno::console
