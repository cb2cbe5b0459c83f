#include "fleet_panel.h"

#include "models/fleet_nodes_model.h"
#include "runtime/fleet_monitor.h"
#include "state_style.h"

#include <QAction>
#include <QApplication>
#include <QHeaderView>
#include <QInputDialog>
#include <QLabel>
#include <QMenu>
#include <QMessageBox>
#include <QPalette>
#include <QSortFilterProxyModel>
#include <QStyledItemDelegate>
#include <QTableView>
#include <QToolBar>
#include <QVBoxLayout>

namespace turno::console {

namespace {

// Paints each row in its state's colour and puts the state icon in the State column;
// a Redis node's Role cell is in its role's colour.
class StateDelegate : public QStyledItemDelegate {
public:
    using QStyledItemDelegate::QStyledItemDelegate;

protected:
    void initStyleOption(QStyleOptionViewItem *option, const QModelIndex &index) const override
    {
        QStyledItemDelegate::initStyleOption(option, index);
        const auto health = NodeHealth(index.data(FleetNodesModel::HealthRole).toInt());
        const bool dark = option->palette.color(QPalette::Base).lightness() < 128;
        option->backgroundBrush = healthColor(health, dark);
        if (index.column() == FleetNodesModel::RoleColumn)
            if (const QColor c = roleColor(index.data(FleetNodesModel::RedisRoleRole).toString(), dark); c.isValid())
                option->backgroundBrush = c;
        if (index.column() == FleetNodesModel::StateColumn) {
            option->icon = healthIcon(health);
            option->features |= QStyleOptionViewItem::HasDecoration;
        }
    }
};

}  // namespace

FleetPanel::FleetPanel(FleetMonitor *monitor, QWidget *parent) : QWidget(parent), m_monitor(monitor)
{
    setObjectName(QStringLiteral("fleetPanel"));
    auto *layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    auto *bar = new QToolBar(this);
    bar->setToolButtonStyle(Qt::ToolButtonTextBesideIcon);
    m_drain = bar->addAction(QIcon(QStringLiteral(":/icons/drain.svg")), tr("&Drain"), this, &FleetPanel::drainSelected);
    m_enable = bar->addAction(QIcon(QStringLiteral(":/icons/enable.svg")), tr("&Enable"), this, &FleetPanel::enableSelected);
    m_weight = bar->addAction(QIcon(QStringLiteral(":/icons/weight.svg")), tr("&Weight…"), this, &FleetPanel::weightSelected);
    bar->addSeparator();
    m_restart = bar->addAction(QIcon(QStringLiteral(":/icons/restart.svg")), tr("&Restart"), this, &FleetPanel::restartSelected);
    m_kill = bar->addAction(QIcon(QStringLiteral(":/icons/kill.svg")), tr("&Kill (chaos)"), this, &FleetPanel::killSelected);
    bar->addSeparator();
    m_logs = bar->addAction(QIcon(QStringLiteral(":/icons/logs.svg")), tr("&Logs"), this, [this] {
        if (!selectedNode().isEmpty())
            emit showLogs(selectedNode());
    });
    m_drain->setShortcut(QKeySequence(Qt::CTRL | Qt::Key_D));
    m_enable->setShortcut(QKeySequence(Qt::CTRL | Qt::Key_E));
    m_weight->setShortcut(QKeySequence(Qt::CTRL | Qt::Key_W));
    m_restart->setShortcut(QKeySequence(Qt::CTRL | Qt::Key_R));
    m_kill->setShortcut(QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_K));
    m_logs->setShortcut(QKeySequence(Qt::CTRL | Qt::Key_G));
    for (QAction *a : nodeActions())
        a->setShortcutContext(Qt::WindowShortcut);
    layout->addWidget(bar);
    m_readOnlyBanner = new QLabel(this);
    m_readOnlyBanner->setObjectName(QStringLiteral("readOnlyBanner"));
    m_readOnlyBanner->setWordWrap(true);
    m_readOnlyBanner->setStyleSheet(QStringLiteral("QLabel { background: #fdebd0; color: #6e2c00; padding: 4px 8px; }"));
    m_readOnlyBanner->hide();
    layout->addWidget(m_readOnlyBanner);

    m_proxy = new QSortFilterProxyModel(this);
    m_proxy->setSourceModel(m_monitor->nodesModel());
    m_proxy->setSortRole(FleetNodesModel::SortRole);
    m_table = new QTableView(this);
    m_table->setObjectName(QStringLiteral("fleetTable"));
    m_table->setModel(m_proxy);
    m_table->setItemDelegate(new StateDelegate(m_table));
    m_table->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_table->setSelectionMode(QAbstractItemView::SingleSelection);
    m_table->setSortingEnabled(true);
    m_table->sortByColumn(-1, Qt::AscendingOrder);
    m_table->verticalHeader()->hide();
    m_table->horizontalHeader()->setStretchLastSection(true);  // the table fills the tab's width
    // Sized to their contents only while on screen (showEvent): off screen, Qt measures every
    // cell of every row again at each update, 200 nodes' worth every second behind the Charts tab.
    m_table->horizontalHeader()->setSectionResizeMode(QHeaderView::Interactive);
    m_table->setContextMenuPolicy(Qt::CustomContextMenu);
    layout->addWidget(m_table, 1);

    connect(m_table, &QWidget::customContextMenuRequested, this, [this](const QPoint &pos) {
        if (!m_table->indexAt(pos).isValid())
            return;
        QMenu menu(this);
        menu.addActions(nodeActions());
        menu.exec(m_table->viewport()->mapToGlobal(pos));
    });
    connect(m_table->selectionModel(), &QItemSelectionModel::selectionChanged, this, &FleetPanel::updateActions);
    connect(m_monitor->nodesModel(), &QAbstractItemModel::dataChanged, this, &FleetPanel::updateActions);
    connect(m_table, &QTableView::doubleClicked, this, [this] {
        if (!selectedNode().isEmpty())
            emit showLogs(selectedNode());
    });
    updateActions();
}

void FleetPanel::showEvent(QShowEvent *event)
{
    QWidget::showEvent(event);
    m_table->horizontalHeader()->setSectionResizeMode(QHeaderView::ResizeToContents);
}

void FleetPanel::hideEvent(QHideEvent *event)
{
    QWidget::hideEvent(event);
    // The widths stay as they were last sized.
    m_table->horizontalHeader()->setSectionResizeMode(QHeaderView::Interactive);
}

QList<QAction *> FleetPanel::nodeActions() const
{
    return {m_drain, m_enable, m_weight, m_restart, m_kill, m_logs};
}

QString FleetPanel::selectedNode() const
{
    const QModelIndexList rows = m_table->selectionModel()->selectedRows();
    return rows.isEmpty() ? QString() : rows.first().data(FleetNodesModel::NameRole).toString();
}

bool FleetPanel::selectNode(const QString &name)
{
    const int row = m_monitor->nodesModel()->rowOf(name);
    if (row < 0)
        return false;
    const QModelIndex index = m_proxy->mapFromSource(m_monitor->nodesModel()->index(row, 0));
    m_table->selectionModel()->select(index, QItemSelectionModel::ClearAndSelect | QItemSelectionModel::Rows);
    m_table->setCurrentIndex(index);
    return true;
}

void FleetPanel::updateActions()
{
    const QModelIndexList rows = m_table->selectionModel()->selectedRows();
    const bool any = !rows.isEmpty();
    const bool turno = any && rows.first().data(FleetNodesModel::KindRole).toString() == QLatin1String("turno");
    const bool ready = m_monitor->isReady() && !m_readOnly;
    m_drain->setEnabled(ready && turno);
    m_enable->setEnabled(ready && turno);
    m_weight->setEnabled(ready && turno);
    m_restart->setEnabled(ready && turno);
    m_kill->setEnabled(ready && any);
    m_logs->setEnabled(any && !m_monitor->isAttached());
}

void FleetPanel::setReadOnly(bool readOnly, const QString &reason)
{
    m_readOnly = readOnly;
    m_readOnlyReason = reason;
    m_readOnlyBanner->setText(tr("<b>Read-only.</b> %1").arg(reason.toHtmlEscaped()));
    m_readOnlyBanner->setVisible(readOnly);
    for (QAction *a : {m_drain, m_enable, m_weight, m_restart, m_kill}) {
        // The text says what it would do; the tip says why it cannot now.
        const QString base = a->text().remove(QLatin1Char('&'));
        a->setToolTip(readOnly ? tr("%1 — disabled: %2").arg(base, reason) : base);
        a->setStatusTip(readOnly ? tr("Read-only: %1").arg(reason) : QString());
    }
    updateActions();
}

bool FleetPanel::confirm(const QString &title, const QString &text)
{
    if (!m_confirm)
        return true;
    return QMessageBox::question(this, title, text, QMessageBox::Yes | QMessageBox::Cancel, QMessageBox::Cancel) ==
           QMessageBox::Yes;
}

void FleetPanel::report(const QString &what, const QString &node, bool ok, const QString &error)
{
    emit actionDone(ok, ok ? tr("%1 %2: done").arg(what, node) : tr("%1 %2 failed: %3").arg(what, node, error));
}

void FleetPanel::drainSelected()
{
    const QString node = selectedNode();
    if (node.isEmpty())
        return;
    m_monitor->drain(node, [this, node](Result<void> r) { report(tr("Drain"), node, r.ok(), r.error()); });
}

void FleetPanel::enableSelected()
{
    const QString node = selectedNode();
    if (node.isEmpty())
        return;
    m_monitor->enable(node, [this, node](Result<void> r) { report(tr("Enable"), node, r.ok(), r.error()); });
}

void FleetPanel::weightSelected()
{
    const QString node = selectedNode();
    if (node.isEmpty())
        return;
    const int row = m_monitor->nodesModel()->rowOf(node);
    bool ok = false;
    const int weight = QInputDialog::getInt(this, tr("Weight of %1").arg(node), tr("Balancer weight (1–256):"),
                                            m_monitor->nodesModel()->nodeAt(row).weight, 1, 256, 1, &ok);
    if (!ok)
        return;
    m_monitor->setWeight(node, weight, [this, node](Result<void> r) { report(tr("Weight"), node, r.ok(), r.error()); });
}

void FleetPanel::restartSelected()
{
    const QString node = selectedNode();
    if (node.isEmpty() || !confirm(tr("Restart %1").arg(node),
                                   tr("Stop %1 with SIGTERM and let the supervisor start it again?").arg(node)))
        return;
    m_monitor->restart(node, [this, node](Result<void> r) { report(tr("Restart"), node, r.ok(), r.error()); });
}

void FleetPanel::killSelected()
{
    const QString node = selectedNode();
    if (node.isEmpty() || !confirm(tr("Kill %1").arg(node),
                                   tr("Send SIGKILL to %1, as a crash would? The supervisor restarts turno nodes; a "
                                      "killed Redis primary waits for failover.").arg(node)))
        return;
    m_monitor->kill(node, [this, node](Result<void> r) { report(tr("Kill"), node, r.ok(), r.error()); });
}

}  // namespace turno::console
