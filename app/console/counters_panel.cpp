#include "counters_panel.h"

#include "runtime/counter_watch.h"
#include "models/counters_model.h"
#include "runtime/fleet_monitor.h"

#include <QApplication>
#include <QDateTime>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QIdentityProxyModel>
#include <QLabel>
#include <QPalette>
#include <QSortFilterProxyModel>
#include <QSpinBox>
#include <QTableView>
#include <QVBoxLayout>

namespace turno::console {

namespace {

// Colours the issued-vs-stored check (core models carry no colours).
class CheckColours : public QIdentityProxyModel {
public:
    using QIdentityProxyModel::QIdentityProxyModel;
    QVariant data(const QModelIndex &index, int role) const override
    {
        if (role == Qt::BackgroundRole || role == Qt::ForegroundRole) {
            const auto check = CountersModel::Check(index.data(CountersModel::CheckRole).toInt());
            const bool dark = QApplication::palette().color(QPalette::Base).lightness() < 128;
            if (check == CountersModel::Check::StoredBelowIssued)
                return role == Qt::BackgroundRole ? QColor(dark ? 0x7a1f1f : 0xf5b7b1) : QColor(dark ? 0xffffff : 0x641e16);
            if (check == CountersModel::Check::Ok && index.column() == CountersModel::CheckColumn && role == Qt::ForegroundRole)
                return QColor(dark ? 0x82e0aa : 0x1e8449);
        }
        return QIdentityProxyModel::data(index, role);
    }
};

}  // namespace

CountersPanel::CountersPanel(FleetMonitor *monitor, QWidget *parent) : QWidget(parent), m_monitor(monitor)
{
    setObjectName(QStringLiteral("countersPanel"));
    m_watch = new CounterWatch(monitor, this);
    auto *layout = new QVBoxLayout(this);
    auto *bar = new QHBoxLayout;
    m_status = new QLabel(tr("No Redis yet: launch a cluster or attach to one."), this);
    m_status->setObjectName(QStringLiteral("countersStatus"));
    m_status->setWordWrap(true);
    m_topN = new QSpinBox(this);
    m_topN->setObjectName(QStringLiteral("countersTopN"));
    m_topN->setRange(1, 1000);
    m_topN->setValue(m_watch->topN());
    m_topN->setPrefix(tr("top "));
    m_topN->setSuffix(tr(" ids"));
    m_topN->setToolTip(tr("Only the N highest counters are read (SCAN is bounded too), plus the ids of the last load test"));
    bar->addWidget(m_status, 1);
    bar->addWidget(m_topN);
    layout->addLayout(bar);
    m_check = new QLabel(this);
    m_check->setObjectName(QStringLiteral("countersCheck"));
    m_check->setWordWrap(true);
    layout->addWidget(m_check);

    auto *colours = new CheckColours(this);
    colours->setSourceModel(m_watch->model());
    m_proxy = new QSortFilterProxyModel(this);
    m_proxy->setSourceModel(colours);
    m_proxy->setSortRole(CountersModel::SortRole);
    m_table = new QTableView(this);
    m_table->setObjectName(QStringLiteral("countersTable"));
    m_table->setModel(m_proxy);
    m_table->setSortingEnabled(true);
    m_table->sortByColumn(CountersModel::TurnoColumn, Qt::DescendingOrder);
    m_table->verticalHeader()->hide();
    m_table->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_table->horizontalHeader()->setStretchLastSection(true);
    m_table->horizontalHeader()->setSectionResizeMode(QHeaderView::ResizeToContents);
    layout->addWidget(m_table, 1);

    connect(m_topN, &QSpinBox::valueChanged, this, [this](int n) { m_watch->setTopN(n); });
    connect(m_watch, &CounterWatch::updated, this, &CountersPanel::updateStatus);
    connect(m_watch, &CounterWatch::readFailed, this, &CountersPanel::updateStatus);
    connect(m_watch->model(), &QAbstractItemModel::dataChanged, this, &CountersPanel::updateStatus);
    updateStatus();
}

QString CountersPanel::statusText() const
{
    return m_status->text() + QLatin1Char('\n') + m_check->text();
}

void CountersPanel::updateStatus()
{
    CountersModel *model = m_watch->model();
    if (!m_watch->lastError().isEmpty()) {
        m_status->setText(tr("Counters not read: %1").arg(m_watch->lastError()));
    } else if (model->lastReadMs() > 0) {
        const Result<RedisEndpoint> primary = m_monitor->redisPrimary();
        m_status->setText(tr("%n id(s) from the Redis primary %1, read at %2", nullptr, model->rowCount())
                              .arg(primary.ok() ? QStringLiteral("%1:%2").arg(primary->host).arg(primary->port) : QStringLiteral("?"),
                                   QDateTime::fromMSecsSinceEpoch(model->lastReadMs()).toString(QStringLiteral("HH:mm:ss"))));
    }
    const int checked = int(model->issued().size());
    const int bad = model->violationCount();
    if (checked == 0)
        m_check->setText(tr("Issued vs stored: no load test yet (run one from the Load test tab)."));
    else if (bad == 0)
        m_check->setText(tr("Issued vs stored: all %n id(s) of the last load test hold at least the highest number it was handed.",
                            nullptr, checked));
    else
        m_check->setText(tr("<b style='color:#c0392b'>Issued vs stored: %1 of %2 ids hold LESS than the load test was handed "
                            "— those numbers could be handed out again.</b>").arg(bad).arg(checked));
}

}  // namespace turno::console
