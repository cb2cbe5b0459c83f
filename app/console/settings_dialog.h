// SettingsDialog: the console's own preferences (scrape interval override,
// theme, desktop notifications), kept with QSettings between runs.
#pragma once

#include <QDialog>

class QCheckBox;
class QComboBox;
class QSpinBox;

namespace turno::console {

class SettingsDialog : public QDialog {
    Q_OBJECT
public:
    explicit SettingsDialog(QWidget *parent = nullptr);

    // 0: use the profile's scrape interval.
    static int scrapeIntervalMs();
    static bool notificationsEnabled();
    static int theme();  // int(MainWindow::Theme)

    void setScrapeIntervalMs(int ms);
    void setNotifications(bool on);
    void setTheme(int theme);
    // Writes the fields to QSettings (what OK does).
    void save();

private:
    QSpinBox *m_interval = nullptr;
    QComboBox *m_theme = nullptr;
    QCheckBox *m_notify = nullptr;
};

}  // namespace turno::console
