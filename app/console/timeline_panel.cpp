#include "timeline_panel.h"

#include "incident_editor.h"
#include "incidents/incident_store.h"
#include "models/timeline_model.h"

#include <QComboBox>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QLineEdit>
#include <QSet>
#include <QSplitter>
#include <QTableView>
#include <QVBoxLayout>

namespace turno::console {

TimelinePanel::TimelinePanel(IncidentStore *store, QWidget *parent) : QWidget(parent), m_store(store)
{
    setObjectName(QStringLiteral("timelinePanel"));
    auto *outer = new QVBoxLayout(this);
    outer->setContentsMargins(0, 0, 0, 0);
    m_split = new QSplitter(Qt::Horizontal, this);
    m_split->setObjectName(QStringLiteral("timelineSplit"));
    outer->addWidget(m_split);

    auto *events = new QWidget(m_split);
    auto *layout = new QVBoxLayout(events);
    auto *bar = new QHBoxLayout;
    m_text = new QLineEdit(events);
    m_text->setObjectName(QStringLiteral("timelineText"));
    m_text->setPlaceholderText(tr("Search summary, node, kind…"));
    m_text->setClearButtonEnabled(true);
    m_nodes = new QComboBox(events);
    m_nodes->setObjectName(QStringLiteral("timelineNodes"));
    m_nodes->setEditable(true);
    m_nodes->setInsertPolicy(QComboBox::NoInsert);
    m_nodes->lineEdit()->setPlaceholderText(tr("All nodes (or a,b,c)"));
    m_nodes->setMinimumContentsLength(12);
    m_kind = new QComboBox(events);
    m_kind->setObjectName(QStringLiteral("timelineKind"));
    m_severity = new QComboBox(events);
    m_severity->setObjectName(QStringLiteral("timelineSeverity"));
    for (Severity s : {Severity::Info, Severity::Warning, Severity::Error, Severity::Critical})
        m_severity->addItem(tr("%1 and above").arg(severityName(s)), int(s));
    bar->addWidget(new QLabel(tr("Filter:"), events));
    bar->addWidget(m_text, 2);
    bar->addWidget(m_nodes, 1);
    bar->addWidget(m_kind);
    bar->addWidget(m_severity);
    layout->addLayout(bar);

    m_model = new TimelineModel(store, this);
    m_table = new QTableView(events);
    m_table->setObjectName(QStringLiteral("timelineTable"));
    m_table->setModel(m_model);
    m_table->verticalHeader()->hide();
    m_table->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_table->horizontalHeader()->setStretchLastSection(true);
    m_table->horizontalHeader()->setSectionResizeMode(QHeaderView::ResizeToContents);
    layout->addWidget(m_table, 1);
    m_split->addWidget(events);

    m_incidents = new IncidentEditor(store, m_split);
    m_split->addWidget(m_incidents);
    m_split->setStretchFactor(0, 3);
    m_split->setStretchFactor(1, 2);

    refreshChoices();
    connect(m_text, &QLineEdit::textChanged, this, &TimelinePanel::applyFilter);
    connect(m_nodes->lineEdit(), &QLineEdit::editingFinished, this, &TimelinePanel::applyFilter);
    connect(m_nodes, &QComboBox::activated, this, &TimelinePanel::applyFilter);
    connect(m_kind, &QComboBox::currentIndexChanged, this, &TimelinePanel::applyFilter);
    connect(m_severity, &QComboBox::currentIndexChanged, this, &TimelinePanel::applyFilter);
    if (store)
        connect(store, &IncidentStore::eventsAppended, this, [this](const QList<IncidentEvent> &added) {
            // New nodes and kinds join the drop-downs as they appear.
            for (const IncidentEvent &e : added)
                if ((!e.node.isEmpty() && m_nodes->findText(e.node) < 0) || m_kind->findData(e.kind) < 0) {
                    refreshChoices();
                    return;
                }
        });
}

void TimelinePanel::refreshChoices()
{
    // Families first ("alert" matches alert.firing and alert.resolved), then every kind seen.
    const QString currentKind = m_kind->currentData().toString();
    QSignalBlocker blockKind(m_kind);
    m_kind->clear();
    m_kind->addItem(tr("All kinds"), QString());
    QStringList kinds = EventKind::all();
    if (m_store && m_store->isOpen())
        if (const Result<QStringList> seen = m_store->distinctValues(QStringLiteral("kind")); seen.ok())
            kinds += seen.value();
    QStringList families;
    for (const QString &k : std::as_const(kinds))
        if (const QString f = k.section(QLatin1Char('.'), 0, 0); k.contains(QLatin1Char('.')) && !families.contains(f))
            families << f;
    families.sort();
    for (const QString &f : std::as_const(families))
        m_kind->addItem(tr("%1.*").arg(f), f);
    kinds.removeDuplicates();
    kinds.sort();
    for (const QString &k : std::as_const(kinds))
        if (m_kind->findData(k) < 0)
            m_kind->addItem(k, k);
    m_kind->setCurrentIndex(std::max(0, m_kind->findData(currentKind)));

    const QString currentNodes = m_nodes->currentText();
    QSignalBlocker blockNodes(m_nodes);
    m_nodes->clear();
    m_nodes->addItem(QString());
    if (m_store && m_store->isOpen())
        if (const Result<QStringList> nodes = m_store->distinctValues(QStringLiteral("node")); nodes.ok())
            for (const QString &n : nodes.value())
                if (!n.isEmpty())
                    m_nodes->addItem(n);
    m_nodes->setEditText(currentNodes);
}

void TimelinePanel::setTextFilter(const QString &text)
{
    m_text->setText(text);
}

void TimelinePanel::setNodeFilter(const QString &commaSeparated)
{
    m_nodes->setEditText(commaSeparated);
    applyFilter();
}

void TimelinePanel::setKindFilter(const QString &kind)
{
    int index = m_kind->findData(kind);
    if (index < 0 && !kind.isEmpty()) {
        m_kind->addItem(kind, kind);
        index = m_kind->count() - 1;
    }
    m_kind->setCurrentIndex(std::max(0, index));
    applyFilter();
}

void TimelinePanel::setMinimumSeverityIndex(int index)
{
    m_severity->setCurrentIndex(index);
}

void TimelinePanel::applyFilter()
{
    EventFilter f = m_model->filter();
    f.text = m_text->text().trimmed();
    f.minSeverity = Severity(m_severity->currentData().toInt());
    f.nodes.clear();
    for (const QString &n : m_nodes->currentText().split(QLatin1Char(','), Qt::SkipEmptyParts))
        f.nodes << n.trimmed();
    f.kinds.clear();
    if (const QString kind = m_kind->currentData().toString(); !kind.isEmpty())
        f.kinds << kind;
    if (f == m_model->filter())
        return;
    m_model->setFilter(f);
}

}  // namespace turno::console
