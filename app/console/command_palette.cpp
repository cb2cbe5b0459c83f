#include "command_palette.h"

#include <QAction>
#include <QKeyEvent>
#include <QLineEdit>
#include <QListWidget>
#include <QMenu>
#include <QPointer>
#include <QTimer>
#include <QVBoxLayout>
#include <algorithm>

namespace turno::console {

namespace {
QString plain(const QAction *a)
{
    return a->text().remove(QLatin1Char('&')).remove(QStringLiteral("…"));
}
}

CommandPalette::CommandPalette(QList<QAction *> actions, QWidget *parent) : QDialog(parent), m_actions(std::move(actions))
{
    setWindowTitle(tr("Command palette"));
    setObjectName(QStringLiteral("commandPalette"));
    auto *layout = new QVBoxLayout(this);
    m_filter = new QLineEdit(this);
    m_filter->setPlaceholderText(tr("Type a command…"));
    m_filter->installEventFilter(this);
    m_list = new QListWidget(this);
    layout->addWidget(m_filter);
    layout->addWidget(m_list);
    connect(m_filter, &QLineEdit::textChanged, this, &CommandPalette::setFilter);
    connect(m_filter, &QLineEdit::returnPressed, this, &CommandPalette::runCurrent);
    connect(m_list, &QListWidget::itemActivated, this, &CommandPalette::runCurrent);
    setFilter({});
    resize(460, 360);
}

void CommandPalette::setFilter(const QString &filter)
{
    m_list->clear();
    const QStringList words = filter.split(QLatin1Char(' '), Qt::SkipEmptyParts);
    for (int i = 0; i < m_actions.size(); ++i) {
        QAction *a = m_actions[i];
        if (!a->isEnabled() || a->isSeparator() || a->menu() || plain(a).isEmpty())
            continue;
        const QString text = plain(a);
        if (!std::all_of(words.cbegin(), words.cend(), [&text](const QString &w) { return text.contains(w, Qt::CaseInsensitive); }))
            continue;
        auto *item = new QListWidgetItem(a->icon(), a->shortcut().isEmpty()
                                                        ? text
                                                        : QStringLiteral("%1\t%2").arg(text, a->shortcut().toString(QKeySequence::NativeText)),
                                         m_list);
        item->setData(Qt::UserRole, i);
    }
    // With nothing typed, Enter must not run something that stops or kills:
    // the first entry not marked risky. Once a filter is typed, the first match.
    int row = 0;
    if (words.isEmpty())
        for (row = 0; row < m_list->count(); ++row)
            if (!m_actions[m_list->item(row)->data(Qt::UserRole).toInt()]->property(kRiskyProperty).toBool())
                break;
    m_list->setCurrentRow(row < m_list->count() ? row : -1);
}

QString CommandPalette::currentCommand() const
{
    const QListWidgetItem *item = m_list->currentItem();
    return item ? plain(m_actions[item->data(Qt::UserRole).toInt()]) : QString();
}

QStringList CommandPalette::visibleCommands() const
{
    QStringList out;
    for (int i = 0; i < m_list->count(); ++i)
        out << plain(m_actions[m_list->item(i)->data(Qt::UserRole).toInt()]);
    return out;
}

void CommandPalette::runCurrent()
{
    QListWidgetItem *item = m_list->currentItem();
    if (!item)
        return;
    QPointer<QAction> action = m_actions[item->data(Qt::UserRole).toInt()];
    accept();
    // After the palette has closed, so a dialog the action opens gets the focus.
    QTimer::singleShot(0, action, [action] {
        if (action)
            action->trigger();
    });
}

bool CommandPalette::eventFilter(QObject *watched, QEvent *event)
{
    // Up and down move in the list while the typing stays in the filter field.
    if (watched == m_filter && event->type() == QEvent::KeyPress) {
        const int key = static_cast<QKeyEvent *>(event)->key();
        if (key == Qt::Key_Escape) {
            reject();
            return true;
        }
        if (key == Qt::Key_Down || key == Qt::Key_Up) {
            const int row = m_list->currentRow() + (key == Qt::Key_Down ? 1 : -1);
            if (row >= 0 && row < m_list->count())
                m_list->setCurrentRow(row);
            return true;
        }
    }
    return QDialog::eventFilter(watched, event);
}

}  // namespace turno::console
