#include "alerts_panel.h"

#include "models/alert_list_model.h"
#include "runtime/fleet_monitor.h"

#include <QDateTime>
#include <QHeaderView>
#include <QPalette>
#include <QStyledItemDelegate>
#include <QTableView>
#include <QToolBar>
#include <QVBoxLayout>

namespace turno::console {

namespace {

// Firing rows in red, pending in amber, resolved greyed out.
class AlertDelegate : public QStyledItemDelegate {
public:
    using QStyledItemDelegate::QStyledItemDelegate;

protected:
    void initStyleOption(QStyleOptionViewItem *option, const QModelIndex &index) const override
    {
        QStyledItemDelegate::initStyleOption(option, index);
        const QString state = index.data(AlertListModel::StateRole).toString();
        const bool dark = option->palette.color(QPalette::Base).lightness() < 128;
        if (state == QLatin1String("firing"))
            option->backgroundBrush = dark ? QColor(0x80, 0x2a, 0x2a) : QColor(0xff, 0xc9, 0xc9);
        else if (state == QLatin1String("pending"))
            option->backgroundBrush = dark ? QColor(0x7a, 0x5c, 0x1c) : QColor(0xff, 0xe6, 0xb0);
        else
            option->palette.setColor(QPalette::Text, option->palette.color(QPalette::PlaceholderText));
    }
};

}  // namespace

AlertsPanel::AlertsPanel(FleetMonitor *monitor, QWidget *parent) : QWidget(parent), m_monitor(monitor)
{
    setObjectName(QStringLiteral("alertsPanel"));
    auto *layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    auto *bar = new QToolBar(this);
    bar->addAction(QIcon(QStringLiteral(":/icons/enable.svg")), tr("&Acknowledge"), this, &AlertsPanel::acknowledgeSelected);
    bar->addAction(QIcon(QStringLiteral(":/icons/drain.svg")), tr("&Silence 1 h"), this,
                   [this] { silenceSelected(3600 * 1000); });
    bar->setToolButtonStyle(Qt::ToolButtonTextBesideIcon);
    layout->addWidget(bar);
    m_table = new QTableView(this);
    m_table->setObjectName(QStringLiteral("alertsTable"));
    m_table->setModel(m_monitor->alertModel());
    m_table->setItemDelegate(new AlertDelegate(m_table));
    m_table->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_table->setSelectionMode(QAbstractItemView::SingleSelection);
    m_table->verticalHeader()->hide();
    m_table->horizontalHeader()->setStretchLastSection(true);
    m_table->horizontalHeader()->setSectionResizeMode(QHeaderView::ResizeToContents);
    layout->addWidget(m_table, 1);

    AlertListModel *model = m_monitor->alertModel();
    auto counts = [this, model] {
        emit countsChanged(model->count(Alert::State::Firing), model->count(Alert::State::Pending));
    };
    connect(model, &QAbstractItemModel::rowsInserted, this, counts);
    connect(model, &QAbstractItemModel::rowsRemoved, this, counts);
    connect(model, &QAbstractItemModel::dataChanged, this, counts);
}

int AlertsPanel::firingCount() const
{
    return m_monitor->alertModel()->count(Alert::State::Firing);
}

void AlertsPanel::acknowledgeSelected()
{
    const QModelIndexList rows = m_table->selectionModel()->selectedRows();
    if (rows.isEmpty())
        return;
    const Result<void> r = m_monitor->alerts()->acknowledge(rows.first().data(AlertListModel::AlertIdRole).toString());
    emit message(r.ok() ? tr("Alert acknowledged") : r.error());
}

void AlertsPanel::silenceSelected(qint64 durationMs)
{
    const QModelIndexList rows = m_table->selectionModel()->selectedRows();
    if (rows.isEmpty())
        return;
    const Alert a = m_monitor->alertModel()->alertAt(rows.first().row());
    m_monitor->alerts()->addSilence(a.rule, a.node, durationMs, tr("silenced from the console"),
                                    QDateTime::currentMSecsSinceEpoch());
    emit message(tr("%1 on %2 silenced for %3 min").arg(a.rule, a.node).arg(durationMs / 60000));
}

}  // namespace turno::console
