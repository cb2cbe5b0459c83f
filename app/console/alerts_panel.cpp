#include "alerts_panel.h"

#include "alerts/alertmanager_client.h"
#include "models/alert_history_model.h"
#include "models/alertmanager_silences_model.h"
#include "runtime/alert_commands.h"
#include "models/alert_list_model.h"
#include "incidents/incident_store.h"
#include "runtime/fleet_monitor.h"

#include <QDateTime>
#include <QJsonArray>
#include <QJsonObject>
#include <QHeaderView>
#include <QLabel>
#include <QPalette>
#include <QPointer>
#include <QStyledItemDelegate>
#include <QTableView>
#include <QTimer>
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
    m_empty = new QLabel(this);
    m_empty->setObjectName(QStringLiteral("alertsEmpty"));
    m_empty->setAlignment(Qt::AlignCenter);
    layout->addWidget(m_empty, 1);

    auto *historyTitle = new QLabel(tr("<b>History</b>: alerts that ended (resolved after firing, or cleared before firing)"), this);
    layout->addWidget(historyTitle);
    m_history = new AlertHistoryModel(this);
    m_history->follow(m_monitor->alerts());
    m_historyTable = new QTableView(this);
    m_historyTable->setObjectName(QStringLiteral("alertHistoryTable"));
    m_historyTable->setModel(m_history);
    m_historyTable->verticalHeader()->hide();
    m_historyTable->horizontalHeader()->setStretchLastSection(true);
    m_historyTable->horizontalHeader()->setSectionResizeMode(QHeaderView::ResizeToContents);
    m_historyTable->setSelectionBehavior(QAbstractItemView::SelectRows);
    layout->addWidget(m_historyTable, 1);
    m_historyEmpty = new QLabel(tr("No alert has ended yet."), this);
    m_historyEmpty->setObjectName(QStringLiteral("alertHistoryEmpty"));
    m_historyEmpty->setAlignment(Qt::AlignCenter);
    layout->addWidget(m_historyEmpty, 1);
    connect(m_history, &QAbstractItemModel::rowsInserted, this, &AlertsPanel::refreshEmptyStates);
    connect(m_history, &QAbstractItemModel::modelReset, this, &AlertsPanel::refreshEmptyStates);

    auto *amTitle = new QLabel(tr("<b>Alertmanager</b>"), this);
    layout->addWidget(amTitle);
    m_amLabel = new QLabel(this);
    m_amLabel->setObjectName(QStringLiteral("alertmanagerStatus"));
    m_amLabel->setWordWrap(true);
    m_amLabel->setTextInteractionFlags(Qt::TextSelectableByMouse);
    layout->addWidget(m_amLabel);
    m_amSilences = new AlertmanagerSilencesModel(this);
    m_amTable = new QTableView(this);
    m_amTable->setObjectName(QStringLiteral("alertmanagerSilencesTable"));
    m_amTable->setModel(m_amSilences);
    m_amTable->verticalHeader()->hide();
    m_amTable->horizontalHeader()->setStretchLastSection(true);
    m_amTable->horizontalHeader()->setSectionResizeMode(QHeaderView::ResizeToContents);
    m_amTable->setMaximumHeight(140);
    layout->addWidget(m_amTable);
    auto *amTimer = new QTimer(this);
    connect(amTimer, &QTimer::timeout, this, [this] {
        if (isVisible())
            refreshAlertmanager();
    });
    amTimer->start(10000);
    refreshAlertmanager();

    AlertListModel *model = m_monitor->alertModel();
    auto counts = [this, model] {
        refreshEmptyStates();
        emit countsChanged(model->count(Alert::State::Firing), model->count(Alert::State::Pending));
    };
    connect(m_monitor->alerts(), &AlertEngine::alertsChanged, this, &AlertsPanel::refreshEmptyStates);
    refreshEmptyStates();
    connect(model, &QAbstractItemModel::rowsInserted, this, counts);
    connect(model, &QAbstractItemModel::rowsRemoved, this, counts);
    connect(model, &QAbstractItemModel::dataChanged, this, counts);
}

void AlertsPanel::loadHistory()
{
    if (!m_monitor->history() || !m_monitor->history()->isOpen())
        return;
    const Result<int> loaded = m_history->loadFrom(*m_monitor->history());
    if (!loaded)
        emit message(tr("Alert history unavailable: %1").arg(loaded.error()));
}

void AlertsPanel::refreshAlertmanager()
{
    AlertCommands *commands = AlertCommands::of(m_monitor);
    AlertmanagerClient *am = commands ? commands->alertmanager() : nullptr;
    if (!am || am->urls().isEmpty()) {
        m_amLabel->setText(tr("No Alertmanager configured: alerts go only where the rules file's \"notify\" says "
                              "(add \"alertmanager\": [\"http://HOST:9093\", …] to send them to one)."));
        m_amSilences->setSilences({});
        m_amTable->hide();
        return;
    }
    QStringList lines;
    for (const QJsonValue &v : am->statusJson()) {
        const QString url = v[QStringLiteral("url")].toString();
        const int failing = v[QStringLiteral("failuresInARow")].toInt();
        lines << (failing > 0 ? tr("%1: failing (%2 in a row: %3); retried, the others still get every alert")
                                    .arg(url).arg(failing).arg(v[QStringLiteral("lastError")].toString())
                              : tr("%1: %2 batches delivered").arg(url).arg(v[QStringLiteral("sent")].toInt()));
    }
    m_amLabel->setText(lines.join(QLatin1Char('\n')));
    m_amTable->show();
    if (m_amPending)
        return;
    m_amPending = true;
    QPointer<AlertsPanel> self(this);
    am->fetchSilences(m_monitor->alerts()->alerts(), [self, lines](QList<AlertmanagerSilence> silences, QStringList errors) {
        if (!self)
            return;
        self->m_amPending = false;
        self->m_amSilences->setSilences(silences);
        QStringList text = lines;
        text << (silences.isEmpty() ? tr("No Alertmanager silence covers this cluster's alerts.")
                                    : tr("%n silence(s) cover this cluster's alerts:", nullptr, int(silences.size())));
        for (const QString &e : errors)
            text << tr("silences unreadable from %1").arg(e);
        self->m_amLabel->setText(text.join(QLatin1Char('\n')));
    });
}

void AlertsPanel::refreshEmptyStates()
{
    const AlertListModel *model = m_monitor->alertModel();
    const bool none = model->rowCount() == 0;
    const int rules = int(m_monitor->alerts()->rules().rules.size());
    const double seconds = m_monitor->scrapeIntervalMs() / 1000.0;
    m_empty->setText(tr("No alert is firing or pending (%1 evaluated every %2 s)")
                         .arg(rules == 1 ? tr("1 rule") : tr("%1 rules").arg(rules), QString::number(seconds, 'g', 3)));
    m_empty->setVisible(none);
    m_table->setVisible(!none);
    const bool noHistory = m_history->rowCount() == 0;
    m_historyEmpty->setVisible(noHistory);
    m_historyTable->setVisible(!noHistory);
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
