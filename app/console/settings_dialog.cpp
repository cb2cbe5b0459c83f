#include "settings_dialog.h"

#include <QCheckBox>
#include <QComboBox>
#include <QDialogButtonBox>
#include <QFormLayout>
#include <QSettings>
#include <QSpinBox>
#include <algorithm>

namespace turno::console {

namespace {
const QString kInterval = QStringLiteral("settings/scrapeIntervalMs");
const QString kNotify = QStringLiteral("settings/notifications");
const QString kTheme = QStringLiteral("ui/theme");
}

SettingsDialog::SettingsDialog(QWidget *parent) : QDialog(parent)
{
    setWindowTitle(tr("Settings"));
    setObjectName(QStringLiteral("settingsDialog"));
    auto *form = new QFormLayout(this);
    m_interval = new QSpinBox(this);
    m_interval->setRange(0, 60000);
    m_interval->setSingleStep(250);
    m_interval->setSuffix(tr(" ms"));
    m_interval->setSpecialValueText(tr("as the profile says"));
    m_interval->setValue(scrapeIntervalMs());
    form->addRow(tr("Scrape interval (next launch):"), m_interval);
    m_theme = new QComboBox(this);
    m_theme->addItems({tr("Follow the system"), tr("Light"), tr("Dark")});
    m_theme->setCurrentIndex(theme());
    form->addRow(tr("Theme:"), m_theme);
    m_notify = new QCheckBox(tr("Desktop notifications for alerts and crashes"), this);
    m_notify->setChecked(notificationsEnabled());
    form->addRow(m_notify);
    auto *buttons = new QDialogButtonBox(QDialogButtonBox::Ok | QDialogButtonBox::Cancel, this);
    form->addRow(buttons);
    connect(buttons, &QDialogButtonBox::accepted, this, [this] {
        save();
        accept();
    });
    connect(buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);
}

int SettingsDialog::scrapeIntervalMs()
{
    return QSettings().value(kInterval, 0).toInt();
}

bool SettingsDialog::notificationsEnabled()
{
    return QSettings().value(kNotify, true).toBool();
}

int SettingsDialog::theme()
{
    return std::clamp(QSettings().value(kTheme, 0).toInt(), 0, 2);
}

void SettingsDialog::setScrapeIntervalMs(int ms)
{
    m_interval->setValue(ms);
}

void SettingsDialog::setNotifications(bool on)
{
    m_notify->setChecked(on);
}

void SettingsDialog::setTheme(int t)
{
    m_theme->setCurrentIndex(t);
}

void SettingsDialog::save()
{
    QSettings s;
    s.setValue(kInterval, m_interval->value());
    s.setValue(kNotify, m_notify->isChecked());
    s.setValue(kTheme, m_theme->currentIndex());
}

}  // namespace turno::console
