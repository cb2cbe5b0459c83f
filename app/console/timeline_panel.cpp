#include "timeline_panel.h"

#include "models/timeline_model.h"

#include <QComboBox>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QLineEdit>
#include <QTableView>
#include <QVBoxLayout>

namespace turno::console {

TimelinePanel::TimelinePanel(IncidentStore *store, QWidget *parent) : QWidget(parent)
{
    setObjectName(QStringLiteral("timelinePanel"));
    auto *layout = new QVBoxLayout(this);
    auto *bar = new QHBoxLayout;
    m_text = new QLineEdit(this);
    m_text->setObjectName(QStringLiteral("timelineText"));
    m_text->setPlaceholderText(tr("Search summary, node, kind…"));
    m_text->setClearButtonEnabled(true);
    m_nodes = new QLineEdit(this);
    m_nodes->setObjectName(QStringLiteral("timelineNodes"));
    m_nodes->setPlaceholderText(tr("Nodes (comma separated)"));
    m_severity = new QComboBox(this);
    m_severity->setObjectName(QStringLiteral("timelineSeverity"));
    for (Severity s : {Severity::Info, Severity::Warning, Severity::Error, Severity::Critical})
        m_severity->addItem(tr("%1 and above").arg(severityName(s)), int(s));
    bar->addWidget(new QLabel(tr("Filter:"), this));
    bar->addWidget(m_text, 2);
    bar->addWidget(m_nodes, 1);
    bar->addWidget(m_severity);
    layout->addLayout(bar);

    m_model = new TimelineModel(store, this);
    m_table = new QTableView(this);
    m_table->setObjectName(QStringLiteral("timelineTable"));
    m_table->setModel(m_model);
    m_table->verticalHeader()->hide();
    m_table->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_table->horizontalHeader()->setStretchLastSection(true);
    m_table->horizontalHeader()->setSectionResizeMode(QHeaderView::ResizeToContents);
    layout->addWidget(m_table, 1);

    connect(m_text, &QLineEdit::textChanged, this, &TimelinePanel::applyFilter);
    connect(m_nodes, &QLineEdit::editingFinished, this, &TimelinePanel::applyFilter);
    connect(m_severity, &QComboBox::currentIndexChanged, this, &TimelinePanel::applyFilter);
}

void TimelinePanel::applyFilter()
{
    EventFilter f = m_model->filter();
    f.text = m_text->text().trimmed();
    f.minSeverity = Severity(m_severity->currentData().toInt());
    f.nodes.clear();
    for (const QString &n : m_nodes->text().split(QLatin1Char(','), Qt::SkipEmptyParts))
        f.nodes << n.trimmed();
    m_model->setFilter(f);
}

}  // namespace turno::console
