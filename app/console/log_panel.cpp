#include "log_panel.h"

#include "models/fleet_nodes_model.h"
#include "runtime/fleet_monitor.h"

#include <QComboBox>
#include <QFontDatabase>
#include <QHBoxLayout>
#include <QLabel>
#include <QPlainTextEdit>
#include <QScrollBar>
#include <QTimer>
#include <QVBoxLayout>

namespace turno::console {

LogPanel::LogPanel(FleetMonitor *monitor, QWidget *parent) : QWidget(parent), m_monitor(monitor)
{
    setObjectName(QStringLiteral("logPanel"));
    auto *layout = new QVBoxLayout(this);
    auto *bar = new QHBoxLayout;
    m_node = new QComboBox(this);
    m_node->setObjectName(QStringLiteral("logNode"));
    m_node->setMinimumContentsLength(16);
    bar->addWidget(new QLabel(tr("Process:"), this));
    bar->addWidget(m_node);
    bar->addStretch(1);
    layout->addLayout(bar);
    m_view = new QPlainTextEdit(this);
    m_view->setObjectName(QStringLiteral("logView"));
    m_view->setReadOnly(true);
    m_view->setLineWrapMode(QPlainTextEdit::NoWrap);
    m_view->setFont(QFontDatabase::systemFont(QFontDatabase::FixedFont));
    layout->addWidget(m_view, 1);
    m_timer = new QTimer(this);
    m_timer->setInterval(1000);
    connect(m_timer, &QTimer::timeout, this, &LogPanel::refresh);
    connect(m_node, &QComboBox::currentIndexChanged, this, [this] {
        m_shown.clear();
        refresh();
    });
    FleetNodesModel *model = m_monitor->nodesModel();
    connect(model, &QAbstractItemModel::rowsInserted, this, &LogPanel::refreshNodes);
    connect(model, &QAbstractItemModel::rowsRemoved, this, &LogPanel::refreshNodes);
    connect(model, &QAbstractItemModel::modelReset, this, &LogPanel::refreshNodes);
}

void LogPanel::refreshNodes()
{
    const QString current = m_node->currentText();
    QStringList names;
    FleetNodesModel *model = m_monitor->nodesModel();
    for (int i = 0; i < model->rowCount(); ++i)
        names << model->nodeAt(i).name;
    QSignalBlocker block(m_node);
    m_node->clear();
    m_node->addItems(names);
    m_node->setCurrentIndex(std::max(0, int(names.indexOf(current))));
}

void LogPanel::showNode(const QString &node)
{
    refreshNodes();
    m_node->setCurrentIndex(m_node->findText(node));
    refresh();
}

QString LogPanel::text() const
{
    return m_view->toPlainText();
}

void LogPanel::refresh()
{
    const QByteArray out = m_monitor->processOutput(m_node->currentText(), 500);
    if (out == m_shown)
        return;
    m_shown = out;
    const bool atEnd = m_view->verticalScrollBar()->value() == m_view->verticalScrollBar()->maximum();
    m_view->setPlainText(QString::fromLocal8Bit(out));
    if (atEnd)
        m_view->verticalScrollBar()->setValue(m_view->verticalScrollBar()->maximum());
}

void LogPanel::showEvent(QShowEvent *event)
{
    QWidget::showEvent(event);
    refreshNodes();
    refresh();
    m_timer->start();
}

void LogPanel::hideEvent(QHideEvent *event)
{
    QWidget::hideEvent(event);
    m_timer->stop();
}

}  // namespace turno::console
