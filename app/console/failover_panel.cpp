#include "failover_panel.h"

#include "failover/failover_controller.h"
#include "fleet/fleet_supervisor.h"
#include "models/fleet_nodes_model.h"
#include "role_delegate.h"
#include "failover/failover_readiness.h"
#include "runtime/failover_commands.h"
#include "runtime/fleet_monitor.h"
#include "state_style.h"

#include <QApplication>
#include <QCheckBox>
#include <QGroupBox>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QMessageBox>
#include <QProgressBar>
#include <QPushButton>
#include <QRegularExpression>
#include <QSet>
#include <QSortFilterProxyModel>
#include <QTableView>
#include <QTableWidget>
#include <QTimer>
#include <QVBoxLayout>

namespace turno::console {

namespace {

// Every step a switch may run, in order (a memory store skips the Redis ones; gap is for a
// lost primary under async durability only).
const QStringList kSteps{QStringLiteral("gate"),  QStringLiteral("probe"),   QStringLiteral("drain"),
                         QStringLiteral("pause"), QStringLiteral("catch-up"), QStringLiteral("promote"),
                         QStringLiteral("gap"),   QStringLiteral("fence"), QStringLiteral("activate"), QStringLiteral("verify"),
                         QStringLiteral("sentinel")};

QTableWidgetItem *item(const QString &text)
{
    auto *i = new QTableWidgetItem(text);
    i->setFlags(i->flags() & ~Qt::ItemIsEditable);
    return i;
}

constexpr qint64 kSentinelInfoPeriodMs = 10000;

bool dark()
{
    return QApplication::palette().color(QPalette::Base).lightness() < 128;
}

}  // namespace

FailoverPanel::FailoverPanel(FleetMonitor *monitor, QWidget *parent) : QWidget(parent), m_monitor(monitor)
{
    setObjectName(QStringLiteral("failoverPanel"));
    auto *layout = new QVBoxLayout(this);

    m_active = new QLabel(this);
    m_active->setObjectName(QStringLiteral("failoverActive"));
    QFont big = m_active->font();
    big.setPointSizeF(big.pointSizeF() * 1.6);
    big.setBold(true);
    m_active->setFont(big);
    m_detail = new QLabel(this);
    m_detail->setWordWrap(true);
    layout->addWidget(m_active);
    layout->addWidget(m_detail);
    // The gate's verdict at the top: what a switch now would meet, with the failing check.
    m_gateBanner = new QLabel(this);
    m_gateBanner->setObjectName(QStringLiteral("failoverGateBanner"));
    m_gateBanner->setWordWrap(true);
    m_gateBanner->setTextInteractionFlags(Qt::TextSelectableByMouse);
    layout->addWidget(m_gateBanner);

    // The Redis nodes as the Fleet tab shows them: names stay, the Role column follows the primary.
    auto *redisRows = new QSortFilterProxyModel(this);
    redisRows->setSourceModel(m_monitor->nodesModel());
    redisRows->setFilterRole(FleetNodesModel::KindRole);
    redisRows->setFilterRegularExpression(QRegularExpression(QStringLiteral("^redis$")));
    m_redis = new QTableView(this);
    m_redis->setObjectName(QStringLiteral("failoverRedis"));
    m_redis->setModel(redisRows);
    m_redis->setItemDelegateForColumn(FleetNodesModel::RoleColumn, new RoleDelegate(FleetNodesModel::RedisRoleRole, m_redis));
    for (int c = 0; c < FleetNodesModel::ColumnCount; ++c)
        m_redis->setColumnHidden(c, c != FleetNodesModel::NameColumn && c != FleetNodesModel::RoleColumn &&
                                        c != FleetNodesModel::StateColumn && c != FleetNodesModel::AddressColumn);
    m_redis->verticalHeader()->hide();
    m_redis->horizontalHeader()->setSectionResizeMode(QHeaderView::ResizeToContents);
    m_redis->setSelectionMode(QAbstractItemView::NoSelection);
    m_redis->setSizeAdjustPolicy(QAbstractScrollArea::AdjustToContents);
    m_redis->setVerticalScrollBarPolicy(Qt::ScrollBarAlwaysOff);
    layout->addWidget(m_redis);

    auto *actions = new QHBoxLayout;
    m_switch = new QPushButton(QIcon(QStringLiteral(":/icons/failover.svg")), tr("Switch…"), this);
    m_switch->setObjectName(QStringLiteral("failoverSwitch"));
    m_force = new QCheckBox(tr("Force past a failed gate"), this);
    m_force->setToolTip(tr("Switch even when a pre-flight check fails (e.g. the primary is gone)"));
    m_auto = new QCheckBox(tr("Automatic failover"), this);
    m_auto->setObjectName(QStringLiteral("failoverAutomatic"));
    m_auto->setToolTip(tr("Switch by itself when the active pool is DOWN or the Redis primary is unreachable "
                          "(profile: failover.auto, failover.afterMs)"));
    m_check = new QPushButton(tr("Check gate now"), this);
    actions->addWidget(m_switch);
    actions->addWidget(m_force);
    actions->addStretch(1);
    actions->addWidget(m_auto);
    actions->addWidget(m_check);
    layout->addLayout(actions);

    auto *gateBox = new QGroupBox(tr("Pre-flight gate"), this);
    auto *gateLayout = new QVBoxLayout(gateBox);
    m_gateSummary = new QLabel(gateBox);
    m_gate = new QTableWidget(0, 3, gateBox);
    m_gate->setObjectName(QStringLiteral("failoverGate"));
    m_gate->setHorizontalHeaderLabels({tr("Check"), tr("State"), tr("Detail")});
    m_gate->horizontalHeader()->setSectionResizeMode(2, QHeaderView::Stretch);
    m_gate->verticalHeader()->hide();
    m_gate->setSelectionMode(QAbstractItemView::NoSelection);
    // The detail column takes the width left (a long detail is elided, whole in its tooltip).
    m_gate->setHorizontalScrollBarPolicy(Qt::ScrollBarAlwaysOff);
    m_gate->setVerticalScrollBarPolicy(Qt::ScrollBarAlwaysOff);
    m_gate->setWordWrap(false);
    gateLayout->addWidget(m_gateSummary);
    gateLayout->addWidget(m_gate);
    // The gate is as tall as its checks; the steps below take what is left.
    layout->addWidget(gateBox);
    fitGateToRows();

    auto *stepsBox = new QGroupBox(tr("Switch progress"), this);
    auto *stepsLayout = new QVBoxLayout(stepsBox);
    m_progress = new QProgressBar(stepsBox);
    m_progress->setObjectName(QStringLiteral("failoverProgress"));
    m_progress->setRange(0, int(kSteps.size()));
    m_progress->setValue(0);
    m_progress->setFormat(tr("idle"));
    m_steps = new QTableWidget(int(kSteps.size()), 4, stepsBox);
    m_steps->setObjectName(QStringLiteral("failoverSteps"));
    m_steps->setHorizontalHeaderLabels({tr("Step"), tr("At"), tr("Took"), tr("Detail")});
    m_steps->horizontalHeader()->setStretchLastSection(true);
    m_steps->verticalHeader()->hide();
    m_steps->setSelectionMode(QAbstractItemView::NoSelection);
    for (int r = 0; r < kSteps.size(); ++r) {
        m_steps->setItem(r, 0, item(kSteps[r]));
        for (int c = 1; c < 4; ++c)
            m_steps->setItem(r, c, item({}));
    }
    m_result = new QLabel(stepsBox);
    m_result->setObjectName(QStringLiteral("failoverResult"));
    m_result->setWordWrap(true);
    m_result->setTextInteractionFlags(Qt::TextSelectableByMouse);
    stepsLayout->addWidget(m_progress);
    stepsLayout->addWidget(m_steps);
    stepsLayout->addWidget(m_result);
    layout->addWidget(stepsBox, 1);

    m_gateTimer = new QTimer(this);
    m_gateTimer->setInterval(3000);
    connect(m_gateTimer, &QTimer::timeout, this, [this] {
        if (isVisible())
            refreshGate();
    });
    m_gateTimer->start();

    connect(m_switch, &QPushButton::clicked, this, [this] { requestSwitch(true); });
    connect(m_force, &QCheckBox::toggled, this, &FailoverPanel::updateState);
    connect(m_check, &QPushButton::clicked, this, &FailoverPanel::refreshGate);
    connect(m_auto, &QCheckBox::toggled, this, [this](bool on) {
        if (m_controller && m_controller->automatic() != on) {
            m_controller->setAutomatic(on);
            emit message(on ? tr("Automatic failover on") : tr("Automatic failover off"));
        }
    });
    connect(m_monitor, &FleetMonitor::stateChanged, this, &FailoverPanel::updateState);
    if (FailoverCommands *commands = FailoverCommands::of(monitor)) {
        connect(commands, &FailoverCommands::readinessChanged, this, &FailoverPanel::updateState);
        connect(commands, &FailoverCommands::controllerChanged, this, &FailoverPanel::setController);
        setController(commands->controller());
    }
    updateState();
}

void FailoverPanel::setController(FailoverController *controller)
{
    if (m_controller == controller)
        return;
    if (m_controller)
        disconnect(m_controller, nullptr, this, nullptr);
    m_controller = controller;
    m_gate->setRowCount(0);
    fitGateToRows();
    m_gateOk = false;
    if (controller) {
        connect(controller, &FailoverController::stateChanged, this, &FailoverPanel::updateState);
        connect(controller, &FailoverController::stepStarted, this, &FailoverPanel::onStepStarted);
        connect(controller, &FailoverController::stepFinished, this, &FailoverPanel::onStepFinished);
        connect(controller, &FailoverController::finished, this, &FailoverPanel::onFinished);
    }
    updateState();
}

QString FailoverPanel::activeText() const
{
    return m_active->text();
}

void FailoverPanel::updateState()
{
    FleetSupervisor *supervisor = m_monitor->supervisor();
    const bool readOnly = m_monitor->isReadOnly();
    if (!m_controller || !supervisor) {
        m_active->setText(readOnly ? tr("Attached (read-only)") : tr("No cluster"));
        m_detail->setText(readOnly ? m_monitor->readOnlyReason()
                                   : tr("Launch a cluster with a primary and a secondary pool to switch between them."));
        for (QWidget *w : {static_cast<QWidget *>(m_switch), static_cast<QWidget *>(m_auto), static_cast<QWidget *>(m_check),
                           static_cast<QWidget *>(m_force)})
            w->setEnabled(false);
        m_switch->setToolTip(readOnly ? m_monitor->readOnlyReason() : tr("No cluster is running"));
        return;
    }
    const QString state = m_controller->stateName();
    const QString active = m_controller->activePool();
    using State = FailoverController::State;
    if (m_controller->state() == State::SwitchingOver || m_controller->state() == State::SwitchingBack)
        // Not active before the switch is done: the target is what it moves to.
        m_active->setText(tr("Switching to the %1 pool…")
                              .arg(m_controller->state() == State::SwitchingOver ? QStringLiteral("secondary") : QStringLiteral("primary")));
    else
        m_active->setText(tr("Active: %1 pool").arg(active));
    const bool bad = m_controller->state() == FailoverController::State::Degraded;
    const bool busy = m_controller->busy();
    const QColor colour = bad ? QColor(dark() ? 0xff6b6b : 0xc0392b) : busy ? QColor(dark() ? 0xf5b041 : 0xb9770e)
                                                                            : QColor(dark() ? 0x82e0aa : 0x1e8449);
    m_active->setStyleSheet(QStringLiteral("color: %1").arg(colour.name()));
    m_detail->setText(tr("State %1 · Redis primary %2 · automatic failover %3")
                          .arg(state, supervisor->redisPrimaryNode(), m_controller->automatic() ? tr("on") : tr("off")));
    const bool ready = supervisor->state() == FleetSupervisor::State::Ready;
    const GateVerdict verdict = gateVerdict();
    updateBanner(verdict);
    // A refusing gate disables the switch; with Force it is the explicit force action.
    const bool forced = m_force->isChecked();
    const QString towards = active == QLatin1String("primary") ? tr("Fail over to secondary…") : tr("Fail back to primary…");
    m_switch->setText(forced && !verdict.passes ? tr("Force: %1").arg(towards) : towards);
    m_switch->setEnabled(ready && !busy && (verdict.passes || forced));
    m_switch->setToolTip(busy     ? tr("A switch is running")
                         : !ready ? tr("The cluster is not ready")
                         : verdict.passes ? tr("Switch traffic and the Redis primary to the other side")
                         : forced ? tr("Switch although the gate refuses: %1").arg(verdict.text)
                                  : tr("The gate refuses (%1); tick \"Force past a failed gate\" to switch anyway").arg(verdict.text));
    m_force->setEnabled(ready && !busy);
    m_check->setEnabled(ready && !busy);
    m_auto->setEnabled(ready);
    {
        const QSignalBlocker block(m_auto);
        m_auto->setChecked(m_controller->automatic());
    }
}

FailoverPanel::GateVerdict FailoverPanel::gateVerdict() const
{
    GateVerdict v;
    const FailoverCommands *commands = FailoverCommands::of(m_monitor);
    const FailoverReadiness *readiness = commands ? commands->readiness() : nullptr;
    if (readiness && readiness->known()) {
        // The readiness polls the gate on its own: the verdict of now, not of the last click.
        v.known = true;
        v.passes = readiness->ready();
        v.text = readiness->waitingFor();
        if (!v.passes && v.text.startsWith(QLatin1String("sentinel-replica")) && readiness->sinceArmMs() >= 0) {
            // Sentinel learns a demoted node from the primary's INFO, every 10 s: say when to expect it.
            const qint64 left = std::max<qint64>(1, (kSentinelInfoPeriodMs - readiness->sinceArmMs() + 999) / 1000);
            v.eta = tr("gate ready in about %n s (Sentinel reads INFO every 10 s)", nullptr, int(left));
        }
        return v;
    }
    if (m_gate->rowCount() > 0) {
        v.known = true;
        v.passes = m_gateOk;
        v.text = m_gateFailures;
    }
    return v;
}

void FailoverPanel::updateBanner(const GateVerdict &v)
{
    const bool busy = m_controller && m_controller->busy();
    const QString target = m_controller ? m_controller->otherPool() : QString();
    QString text;
    NodeHealth health = NodeHealth::Idle;
    if (busy) {
        text = tr("A switch is running: the gate is asked again when it ends.");
        health = NodeHealth::Busy;
    } else if (!v.known) {
        text = tr("Gate: not asked yet.");
    } else if (v.passes) {
        text = tr("Gate passes: a switch to the %1 pool would pass every check.").arg(target);
        health = NodeHealth::Good;
    } else {
        text = tr("Gate refuses a switch to the %1 pool: %2").arg(target, v.text) +
               (v.eta.isEmpty() ? QString() : QStringLiteral(" — ") + v.eta);
        health = NodeHealth::Warning;
    }
    m_gateBanner->setText(text);
    m_gateBanner->setStyleSheet(QStringLiteral("QLabel { background: %1; color: %2; padding: 4px; border-radius: 3px; }")
                                    .arg(healthColor(health, dark()).name(), dark() ? QStringLiteral("#e0e0e0") : QStringLiteral("#202020")));
}

QString FailoverPanel::gateBannerText() const
{
    return m_gateBanner->text();
}

void FailoverPanel::refreshGate()
{
    if (!m_controller || m_gatePending || m_controller->busy() || !m_monitor->isReady())
        return;
    m_gatePending = true;
    const QString target = m_controller->otherPool();
    QPointer<FailoverPanel> self(this);
    m_controller->preflight(target, [self, target](FailoverGate gate) {
        if (!self)
            return;
        self->m_gatePending = false;
        self->m_gateOk = gate.ok();
        self->m_gateFailures = gate.failures();
        self->m_gate->setRowCount(int(gate.checks.size()));
        for (int r = 0; r < gate.checks.size(); ++r) {
            const FailoverCheck &c = gate.checks[r];
            self->m_gate->setItem(r, 0, item(c.name));
            auto *st = item(c.ok ? self->tr("pass") : self->tr("FAIL"));
            st->setIcon(healthIcon(c.ok ? NodeHealth::Good : NodeHealth::Bad));
            self->m_gate->setItem(r, 1, st);
            auto *detail = item(c.detail);
            detail->setToolTip(c.detail);
            self->m_gate->setItem(r, 2, detail);
        }
        self->m_gate->resizeColumnToContents(0);
        self->m_gate->resizeColumnToContents(1);
        self->fitGateToRows();
        self->m_gateSummary->setText(gate.ok() ? self->tr("A switch to the %1 pool would pass the gate.").arg(target)
                                               : self->tr("A switch to the %1 pool would be refused: %2").arg(target, gate.failures()));
        self->updateState();
    });
}

void FailoverPanel::fitGateToRows()
{
    // Every check in view without scrolling: header, rows and frame, nothing more.
    m_gate->resizeRowsToContents();
    int height = m_gate->horizontalHeader()->sizeHint().height() + 2 * m_gate->frameWidth();
    for (int r = 0; r < m_gate->rowCount(); ++r)
        height += m_gate->rowHeight(r);
    m_gate->setFixedHeight(height);
}

void FailoverPanel::requestSwitch(bool confirm)
{
    if (!m_controller || m_controller->busy())
        return;
    if (m_monitor->isReadOnly()) {
        emit message(m_monitor->readOnlyReason());
        return;
    }
    if (!confirm)
        return startSwitch();
    const QString target = m_controller->otherPool();
    QString text = tr("Switch the traffic to the %1 pool and make %2 the Redis primary?\n\n"
                      "The %3 pool is drained, writes pause on the Redis primary until the replica has all of them, "
                      "Sentinel promotes the replica, the old primary is fenced, and a probe number checks the result. "
                      "Requests wait during the switch (about half a second) rather than fail.")
                       .arg(target, m_monitor->supervisor() ? QStringLiteral("the other Redis node") : QString(), m_controller->activePool());
    if (!m_gateOk && !m_gateSummary->text().isEmpty())
        text += QStringLiteral("\n\n") + m_gateSummary->text() + (m_force->isChecked() ? tr(" (forced)") : QString());
    auto *box = new QMessageBox(QMessageBox::Question, tr("Switch to the %1 pool").arg(target), text,
                                QMessageBox::Yes | QMessageBox::Cancel, this);
    box->setDefaultButton(QMessageBox::Cancel);
    box->setAttribute(Qt::WA_DeleteOnClose);
    connect(box, &QMessageBox::finished, this, [this](int result) {
        if (result == QMessageBox::Yes)
            startSwitch();
    });
    box->open();
}

void FailoverPanel::requestTowards(bool primaryPool)
{
    if (!m_controller) {
        emit message(m_monitor->isAttached() ? m_monitor->readOnlyReason()
                                             : tr("No cluster to fail over: launch one first (File > Launch cluster)"));
        return;
    }
    const QString first = m_monitor->supervisor() ? m_monitor->supervisor()->profile().primary.name : QStringLiteral("primary");
    if ((m_controller->activePool() == first) == primaryPool) {
        emit message(tr("The %1 pool is already active").arg(m_controller->activePool()));
        return;
    }
    requestSwitch(true);
}

void FailoverPanel::startSwitch()
{
    if (!m_controller)
        return;
    for (int r = 0; r < m_steps->rowCount(); ++r) {
        for (int c = 1; c < 4; ++c)
            m_steps->item(r, c)->setText({});
        m_steps->item(r, 0)->setIcon(QIcon());
    }
    m_progress->setValue(0);
    m_progress->setFormat(tr("switching to %1…").arg(m_controller->otherPool()));
    m_result->clear();
    const bool force = m_force->isChecked();
    QPointer<FailoverPanel> self(this);
    m_controller->switchTo(m_controller->otherPool(), force, tr("operator (console)"), [self](FailoverReport r) {
        // A refusal before any step (already switching, not ready) has no finished() signal.
        if (self && r.steps.isEmpty())
            self->onFinished(r);
    });
    updateState();
}

void FailoverPanel::onStepStarted(const QString &name)
{
    const int row = int(kSteps.indexOf(name));
    if (row < 0)
        return;
    m_steps->item(row, 0)->setIcon(healthIcon(NodeHealth::Busy));
    m_steps->item(row, 3)->setText(tr("running…"));
    m_progress->setFormat(tr("%1…").arg(name));
    updateState();
}

void FailoverPanel::onStepFinished(const FailoverStep &step)
{
    const int row = int(kSteps.indexOf(step.name));
    if (row < 0)
        return;
    m_steps->item(row, 0)->setIcon(healthIcon(step.ok ? NodeHealth::Good : NodeHealth::Bad));
    m_steps->item(row, 1)->setText(tr("+%1 ms").arg(step.startMs));
    m_steps->item(row, 2)->setText(tr("%1 ms").arg(step.durationMs));
    m_steps->item(row, 3)->setText(step.detail);
    m_steps->item(row, 3)->setToolTip(step.detail);
    m_progress->setValue(std::max(m_progress->value(), row + 1));
}

void FailoverPanel::onFinished(const FailoverReport &report)
{
    // The rows the switch did not run say why, rather than stay blank.
    QSet<QString> ran;
    for (const FailoverStep &st : report.steps)
        ran.insert(st.name);
    for (int r = 0; r < m_steps->rowCount(); ++r) {
        const QString name = kSteps[r];
        if (ran.contains(name) || report.steps.isEmpty())
            continue;
        QString why;
        if (!report.ok)
            why = tr("not run: the switch stopped at %1").arg(report.steps.last().name);
        else if (name == QLatin1String("gap"))
            why = tr("skipped: only after a lost primary under async durability");
        else
            why = tr("skipped: not needed for this switch (e.g. no Redis)");
        m_steps->item(r, 0)->setIcon(healthIcon(NodeHealth::Idle));
        m_steps->item(r, 2)->setText(tr("skipped"));
        m_steps->item(r, 3)->setText(why);
        m_steps->item(r, 3)->setToolTip(why);
    }
    m_progress->setValue(report.ok ? m_progress->maximum() : m_progress->value());
    m_progress->setFormat(report.ok ? tr("done in %1 ms").arg(report.totalMs)
                                    : report.rolledBack ? tr("rolled back") : tr("not done"));
    m_result->setText(report.ok ? tr("%1 → %2 done in %3 ms (clients served by the new side); Sentinel agreed after %4 ms. %5")
                                      .arg(report.from, report.to).arg(report.totalMs).arg(report.settledMs)
                                      .arg(report.probeAfter >= 0 ? tr("Probe turno %1 after, %2 before.").arg(report.probeAfter).arg(report.probeBefore)
                                                                  : QString())
                                : report.message);
    m_result->setStyleSheet(report.ok ? QString() : QStringLiteral("color: %1").arg(QColor(dark() ? 0xff6b6b : 0xc0392b).name()));
    emit switchFinished(report.ok, report.ok ? tr("Switched to the %1 pool in %2 ms").arg(report.to).arg(report.totalMs) : report.message);
    emit message(report.ok ? tr("Switched to the %1 pool in %2 ms").arg(report.to).arg(report.totalMs)
                           : tr("Switch to the %1 pool: %2").arg(report.to, report.message));
    updateState();
    refreshGate();
}

}  // namespace turno::console
