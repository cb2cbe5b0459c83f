#include "launch_dialog.h"

#include <QComboBox>
#include <QDialogButtonBox>
#include <QFile>
#include <QFileDialog>
#include <QFontDatabase>
#include <QHBoxLayout>
#include <QLabel>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QSettings>
#include <QVBoxLayout>

namespace turno::console {

namespace {
const QString kRecentKey = QStringLiteral("profiles/recent");
constexpr int kRecentMax = 8;
}

LaunchDialog::LaunchDialog(QWidget *parent) : QDialog(parent)
{
    setWindowTitle(tr("Launch cluster"));
    setObjectName(QStringLiteral("launchDialog"));
    auto *layout = new QVBoxLayout(this);
    auto *row = new QHBoxLayout;
    m_recent = new QComboBox(this);
    m_recent->setObjectName(QStringLiteral("recentProfiles"));
    m_recent->addItem(tr("Built-in default profile"));
    m_recent->addItems(recentProfiles());
    row->addWidget(new QLabel(tr("Profile:"), this));
    row->addWidget(m_recent, 1);
    auto *browse = new QPushButton(tr("&Browse…"), this);
    row->addWidget(browse);
    layout->addLayout(row);

    m_editor = new QPlainTextEdit(this);
    m_editor->setObjectName(QStringLiteral("profileEditor"));
    m_editor->setFont(QFontDatabase::systemFont(QFontDatabase::FixedFont));
    m_editor->setLineWrapMode(QPlainTextEdit::NoWrap);
    layout->addWidget(m_editor, 1);

    m_status = new QLabel(this);
    m_status->setObjectName(QStringLiteral("profileStatus"));
    m_status->setWordWrap(true);
    m_status->setTextInteractionFlags(Qt::TextSelectableByMouse);
    layout->addWidget(m_status);

    m_buttons = new QDialogButtonBox(QDialogButtonBox::Ok | QDialogButtonBox::Cancel, this);
    m_buttons->button(QDialogButtonBox::Ok)->setText(tr("&Launch"));
    QPushButton *check = m_buttons->addButton(tr("&Validate"), QDialogButtonBox::ActionRole);
    layout->addWidget(m_buttons);

    connect(browse, &QPushButton::clicked, this, &LaunchDialog::browse);
    connect(check, &QPushButton::clicked, this, &LaunchDialog::validate);
    connect(m_buttons, &QDialogButtonBox::accepted, this, [this] {
        if (validate())
            accept();
    });
    connect(m_buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);
    connect(m_recent, &QComboBox::activated, this, [this](int index) {
        if (index == 0)
            setText(QString::fromUtf8(ProfileLoader::defaultProfileJson()), QStringLiteral("default.json"));
        else
            openFile(m_recent->itemText(index));
    });
    connect(m_editor, &QPlainTextEdit::textChanged, this, [this] { m_status->clear(); });
    setText(QString::fromUtf8(ProfileLoader::defaultProfileJson()), QStringLiteral("default.json"));
    resize(640, 560);
}

QStringList LaunchDialog::recentProfiles()
{
    return QSettings().value(kRecentKey).toStringList();
}

void LaunchDialog::rememberProfile(const QString &path)
{
    QStringList recent = recentProfiles();
    recent.removeAll(path);
    recent.prepend(path);
    while (recent.size() > kRecentMax)
        recent.removeLast();
    QSettings().setValue(kRecentKey, recent);
}

void LaunchDialog::browse()
{
    const QString file = QFileDialog::getOpenFileName(this, tr("Open cluster profile"), {}, tr("Profiles (*.json)"));
    if (!file.isEmpty())
        openFile(file);
}

bool LaunchDialog::openFile(const QString &path)
{
    QFile f(path);
    if (!f.open(QIODevice::ReadOnly)) {
        m_status->setText(tr("%1: cannot read it (%2)").arg(path, f.errorString()));
        return false;
    }
    setText(QString::fromUtf8(f.readAll()), path);
    return validate();
}

void LaunchDialog::setText(const QString &json, const QString &sourceName)
{
    m_source = sourceName;
    m_editor->setPlainText(json);
    m_status->clear();
}

bool LaunchDialog::validate()
{
    const Result<ClusterProfile> r = ProfileLoader::loadBytes(m_editor->toPlainText().toUtf8(), m_source);
    if (!r.ok()) {
        m_status->setText(QStringLiteral("<span style='color:#c0392b'>%1</span>").arg(r.error().toHtmlEscaped()));
        return false;
    }
    m_profile = r.value();
    m_status->setText(tr("Valid: cluster \"%1\", %2 turno nodes, store %3, balancer %4.")
                          .arg(m_profile.name).arg(m_profile.totalNodes()).arg(m_profile.store, m_profile.balancerListen.text()));
    if (m_source.contains(QLatin1Char('/')))
        rememberProfile(m_source);
    return true;
}

QString LaunchDialog::errorText() const
{
    return m_status->text();
}

}  // namespace turno::console
