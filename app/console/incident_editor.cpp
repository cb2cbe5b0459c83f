#include "incident_editor.h"

#include "incident_pdf_writer.h"
#include "incidents/incident_report.h"
#include "incidents/incident_store.h"
#include "incidents/report_writer.h"
#include "models/incident_list_model.h"

#include <QComboBox>
#include <QDateTime>
#include <QFileDialog>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QInputDialog>
#include <QLabel>
#include <QLineEdit>
#include <QPlainTextEdit>
#include <QProgressBar>
#include <QPushButton>
#include <QHideEvent>
#include <QTime>
#include <QScopedValueRollback>
#include <QTimer>
#include <QScrollArea>
#include <QSplitter>
#include <QTableView>
#include <QTableWidget>
#include <QThread>
#include <QVBoxLayout>
#include <memory>

namespace turno::console {

namespace {
constexpr int kAutosaveMs = 1500;
}  // namespace

namespace {

enum ActionColumn { ItemColumn, OwnerColumn, DueColumn, DoneColumn, ActionColumns };

QPlainTextEdit *textBox(QWidget *parent, const QString &name, const QString &placeholder)
{
    auto *e = new QPlainTextEdit(parent);
    e->setObjectName(name);
    e->setPlaceholderText(placeholder);
    e->setTabChangesFocus(true);
    e->setMinimumHeight(48);
    e->setMaximumHeight(90);
    return e;
}

}  // namespace

IncidentEditor::IncidentEditor(IncidentStore *store, QWidget *parent) : QWidget(parent), m_store(store)
{
    setObjectName(QStringLiteral("incidentEditor"));
    auto *layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    auto *bar = new QHBoxLayout;
    auto *open = new QPushButton(QIcon(QStringLiteral(":/icons/alert.svg")), tr("&Open incident…"), this);
    open->setObjectName(QStringLiteral("incidentOpen"));
    m_format = new QComboBox(this);
    m_format->setObjectName(QStringLiteral("incidentExportFormat"));
    m_format->addItems({tr("Markdown"), tr("HTML"), tr("PDF")});
    m_export = new QPushButton(tr("E&xport report…"), this);
    m_export->setObjectName(QStringLiteral("incidentExport"));
    m_progress = new QProgressBar(this);
    m_progress->setObjectName(QStringLiteral("incidentExportProgress"));
    m_progress->setMaximumWidth(160);
    m_progress->setRange(0, 1);
    m_progress->setValue(0);
    m_progress->setTextVisible(false);
    m_progress->hide();
    bar->addWidget(new QLabel(tr("<b>Incidents</b>"), this));
    bar->addStretch(1);
    bar->addWidget(open);
    bar->addWidget(m_format);
    bar->addWidget(m_export);
    bar->addWidget(m_progress);
    layout->addLayout(bar);

    auto *split = new QSplitter(Qt::Vertical, this);
    m_model = new IncidentListModel(store, this);
    m_list = new QTableView(split);
    m_list->setObjectName(QStringLiteral("incidentList"));
    m_list->setModel(m_model);
    m_list->verticalHeader()->hide();
    m_list->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_list->setSelectionMode(QAbstractItemView::SingleSelection);
    m_list->horizontalHeader()->setStretchLastSection(true);
    m_list->horizontalHeader()->setSectionResizeMode(QHeaderView::ResizeToContents);
    split->addWidget(m_list);

    auto *scroll = new QScrollArea(split);
    scroll->setWidgetResizable(true);
    m_form = new QWidget(scroll);
    auto *form = new QFormLayout(m_form);
    m_header = new QLabel(tr("Select an incident, or open one by hand."), m_form);
    m_header->setObjectName(QStringLiteral("incidentHeader"));
    m_header->setWordWrap(true);
    form->addRow(m_header);
    // Nothing typed is lost: a mark while a change is not in the store, autosaved a moment later
    // and whenever the editor is left (another incident, another tab, quit).
    m_saveState = new QLabel(m_form);
    m_saveState->setObjectName(QStringLiteral("incidentSaveState"));
    form->addRow(m_saveState);
    m_title = new QLineEdit(m_form);
    m_title->setObjectName(QStringLiteral("incidentTitle"));
    form->addRow(tr("T&itle:"), m_title);
    m_severity = new QComboBox(m_form);
    m_severity->setObjectName(QStringLiteral("incidentSeverity"));
    for (Severity s : {Severity::Info, Severity::Warning, Severity::Error, Severity::Critical})
        m_severity->addItem(severityName(s), int(s));
    form->addRow(tr("Se&verity:"), m_severity);
    m_summary = textBox(m_form, QStringLiteral("incidentSummary"), tr("What happened, in two or three sentences"));
    form->addRow(tr("&Summary:"), m_summary);
    m_impact = textBox(m_form, QStringLiteral("incidentImpact"), tr("Who was affected, how much, for how long"));
    form->addRow(tr("I&mpact:"), m_impact);
    m_rootCause = textBox(m_form, QStringLiteral("incidentRootCause"), tr("Why it happened"));
    form->addRow(tr("&Root cause:"), m_rootCause);
    m_actions = new QTableWidget(0, ActionColumns, m_form);
    m_actions->setObjectName(QStringLiteral("incidentActions"));
    m_actions->setHorizontalHeaderLabels({tr("Item"), tr("Owner"), tr("Due"), tr("Done")});
    m_actions->horizontalHeader()->setSectionResizeMode(QHeaderView::ResizeToContents);
    m_actions->horizontalHeader()->setSectionResizeMode(ItemColumn, QHeaderView::Stretch);
    m_actions->setWordWrap(true);
    m_actions->verticalHeader()->hide();
    m_actions->setMinimumHeight(90);
    m_actions->setToolTip(tr("Due dates as YYYY-MM-DD; tick Done when an item is finished"));
    auto *actionButtons = new QHBoxLayout;
    auto *addItem = new QPushButton(tr("&Add item"), m_form);
    auto *removeItem = new QPushButton(tr("Remove item"), m_form);
    actionButtons->addWidget(addItem);
    actionButtons->addWidget(removeItem);
    actionButtons->addStretch(1);
    auto *actionBox = new QVBoxLayout;
    actionBox->addWidget(m_actions);
    actionBox->addLayout(actionButtons);
    form->addRow(tr("Action plan:"), actionBox);
    auto *noteRow = new QHBoxLayout;
    m_note = new QLineEdit(m_form);
    m_note->setObjectName(QStringLiteral("incidentNote"));
    m_note->setPlaceholderText(tr("A note for the timeline (Enter adds it)"));
    auto *noteButton = new QPushButton(tr("Add &note"), m_form);
    noteRow->addWidget(m_note, 1);
    noteRow->addWidget(noteButton);
    form->addRow(tr("Note:"), noteRow);
    auto *saveRow = new QHBoxLayout;
    m_save = new QPushButton(tr("Sa&ve"), m_form);
    m_save->setObjectName(QStringLiteral("incidentSave"));
    m_close = new QPushButton(tr("&Close incident"), m_form);
    m_close->setObjectName(QStringLiteral("incidentClose"));
    saveRow->addStretch(1);
    saveRow->addWidget(m_save);
    saveRow->addWidget(m_close);
    form->addRow(saveRow);
    scroll->setWidget(m_form);
    split->addWidget(scroll);
    split->setStretchFactor(0, 1);
    split->setStretchFactor(1, 3);
    layout->addWidget(split, 1);

    connect(m_list->selectionModel(), &QItemSelectionModel::currentRowChanged, this, [this](const QModelIndex &current) {
        load(current.isValid() ? current.data(IncidentListModel::IncidentIdRole).toLongLong() : 0);
    });
    connect(open, &QPushButton::clicked, this, &IncidentEditor::openWithDialog);
    connect(m_export, &QPushButton::clicked, this, &IncidentEditor::exportWithDialog);
    connect(addItem, &QPushButton::clicked, this, [this] {
        const int row = m_actions->rowCount();
        m_actions->insertRow(row);
        auto *done = new QTableWidgetItem;
        done->setFlags(Qt::ItemIsUserCheckable | Qt::ItemIsEnabled | Qt::ItemIsSelectable);
        done->setCheckState(Qt::Unchecked);
        m_actions->setItem(row, DoneColumn, done);
        auto *item = new QTableWidgetItem;
        m_actions->setItem(row, ItemColumn, item);
        m_actions->editItem(item);
    });
    connect(removeItem, &QPushButton::clicked, this, [this] {
        if (m_actions->currentRow() >= 0)
            m_actions->removeRow(m_actions->currentRow());
    });
    auto note = [this] {
        const Result<qint64> r = addNote(m_note->text());
        emit message(r.ok() ? tr("Note recorded (event %1)").arg(r.value()) : r.error());
        if (r.ok())
            m_note->clear();
    };
    connect(noteButton, &QPushButton::clicked, this, note);
    connect(m_note, &QLineEdit::returnPressed, this, note);
    m_autosave = new QTimer(this);
    m_autosave->setSingleShot(true);
    m_autosave->setInterval(kAutosaveMs);
    connect(m_autosave, &QTimer::timeout, this, [this] { saveIfDirty(); });
    connect(m_title, &QLineEdit::textEdited, this, &IncidentEditor::markDirty);
    connect(m_severity, &QComboBox::currentIndexChanged, this, &IncidentEditor::markDirty);
    for (QPlainTextEdit *e : {m_summary, m_impact, m_rootCause})
        connect(e, &QPlainTextEdit::textChanged, this, &IncidentEditor::markDirty);
    connect(m_actions, &QTableWidget::itemChanged, this, &IncidentEditor::markDirty);
    connect(m_actions->model(), &QAbstractItemModel::rowsRemoved, this, &IncidentEditor::markDirty);
    connect(m_save, &QPushButton::clicked, this, [this] {
        const Result<void> r = save();
        emit message(r.ok() ? tr("Incident #%1 saved").arg(m_id) : r.error());
    });
    connect(m_close, &QPushButton::clicked, this, [this] {
        const Result<void> r = closeCurrent();
        emit message(r.ok() ? tr("Incident #%1 closed").arg(m_id) : r.error());
    });
    connect(m_model, &QAbstractItemModel::modelReset, this, [this] {
        if (m_id)
            selectIncident(m_id);
    });
    load(0);
    // The newest incident is the one an operator most likely came to write up.
    if (m_model->rowCount() > 0)
        selectIncident(m_model->incidentAt(0).id);
}

IncidentEditor::~IncidentEditor()
{
    // A report being written holds only its own copy of the data; let it finish.
    if (m_exportThread) {
        m_exportThread->wait();
        delete m_exportThread;  // its finished() handler, which would delete it, dies with this editor
    }
}

bool IncidentEditor::isExporting() const
{
    return !m_exportThread.isNull();
}

bool IncidentEditor::selectIncident(qint64 id)
{
    const int row = m_model->rowOf(id);
    if (row < 0)
        return false;
    const QModelIndex index = m_model->index(row, 0);
    if (m_list->currentIndex().row() != row)
        m_list->setCurrentIndex(index);
    m_list->selectRow(row);
    if (m_id != id)
        load(id);
    return true;
}

void IncidentEditor::markDirty()
{
    if (m_loading || !m_id)
        return;
    m_dirty = true;
    m_saveState->setText(tr("● Unsaved changes (saved automatically in a moment)"));
    m_autosave->start();
}

QString IncidentEditor::saveStateText() const
{
    return m_saveState->text();
}

Result<void> IncidentEditor::saveIfDirty()
{
    if (!m_dirty || !m_id)
        return {};
    const Result<void> r = save();
    if (!r.ok())
        emit message(tr("Incident #%1 not fully saved: %2").arg(m_id).arg(r.error()));
    return r;
}

void IncidentEditor::hideEvent(QHideEvent *event)
{
    // Another tab, or the window going: what was typed goes to the store now.
    saveIfDirty();
    QWidget::hideEvent(event);
}

void IncidentEditor::load(qint64 id)
{
    if (m_id && m_id != id)
        saveIfDirty();  // leaving an incident with changes: keep them
    m_autosave->stop();
    m_dirty = false;
    m_saveState->clear();
    const QScopedValueRollback<bool> loading(m_loading, true);
    m_id = id;
    m_actions->setRowCount(0);
    if (!id) {
        m_header->setText(tr("Select an incident, or open one by hand."));
        for (QPlainTextEdit *e : {m_summary, m_impact, m_rootCause})
            e->clear();
        m_title->clear();
        updateButtons();
        return;
    }
    const Result<Incident> inc = m_store->incident(id);
    if (!inc.ok()) {
        m_header->setText(inc.error());
        m_id = 0;
        updateButtons();
        return;
    }
    const Incident &i = inc.value();
    const qint64 now = QDateTime::currentMSecsSinceEpoch();
    m_header->setText(tr("<b>#%1</b> · %2 · opened %3 by %4%5 · %6")
                          .arg(i.id)
                          .arg(incidentStateName(i.state), formatEventTime(i.openedMs), i.openedBy.toHtmlEscaped(),
                               i.triggerRule.isEmpty() ? QString() : tr(" (%1 on %2)").arg(i.triggerRule, i.triggerNode).toHtmlEscaped(),
                               i.isOpen() ? tr("open for %1").arg(formatDuration(i.durationMs(now)))
                                          : tr("closed %1, lasted %2").arg(formatEventTime(i.closedMs), formatDuration(i.durationMs(now)))));
    m_title->setText(i.title);
    m_severity->setCurrentIndex(m_severity->findData(int(i.severity)));
    m_summary->setPlainText(i.summary);
    m_impact->setPlainText(i.impact);
    m_rootCause->setPlainText(i.rootCause);
    setActionItems(i.actionItems);
    updateButtons();
}

void IncidentEditor::updateButtons()
{
    const bool any = m_id != 0;
    m_form->setEnabled(any);
    m_export->setEnabled(any && !isExporting());
    bool open = false;
    if (any)
        if (const Result<Incident> inc = m_store->incident(m_id); inc.ok())
            open = inc->isOpen();
    m_close->setEnabled(open);
}

Result<qint64> IncidentEditor::openIncident(const QString &title, Severity severity, const QString &node)
{
    if (title.trimmed().isEmpty())
        return Error{tr("give the incident a title")};
    const Result<qint64> id = m_store->openIncident(title.trimmed(), severity, node);
    if (!id.ok())
        return id;
    m_model->reload();
    selectIncident(id.value());
    return id;
}

void IncidentEditor::openWithDialog()
{
    auto *dialog = new QInputDialog(this);
    dialog->setAttribute(Qt::WA_DeleteOnClose);
    dialog->setWindowTitle(tr("Open incident"));
    dialog->setLabelText(tr("Title (the timeline starts 10 minutes before now; severity critical, change it after):"));
    connect(dialog, &QInputDialog::textValueSelected, this, [this](const QString &title) {
        const Result<qint64> r = openIncident(title, Severity::Critical);
        emit message(r.ok() ? tr("Incident #%1 opened").arg(r.value()) : r.error());
    });
    dialog->open();
}

void IncidentEditor::setTitle(const QString &title) { m_title->setText(title); }
void IncidentEditor::setSummary(const QString &text) { m_summary->setPlainText(text); }
void IncidentEditor::setImpact(const QString &text) { m_impact->setPlainText(text); }
void IncidentEditor::setRootCause(const QString &text) { m_rootCause->setPlainText(text); }
QString IncidentEditor::summary() const { return m_summary->toPlainText(); }
QString IncidentEditor::impact() const { return m_impact->toPlainText(); }
QString IncidentEditor::rootCause() const { return m_rootCause->toPlainText(); }

void IncidentEditor::setActionItems(const QList<ActionItem> &items)
{
    m_actions->setRowCount(0);
    for (const ActionItem &a : items) {
        const int row = m_actions->rowCount();
        m_actions->insertRow(row);
        m_actions->setItem(row, ItemColumn, new QTableWidgetItem(a.item));
        m_actions->setItem(row, OwnerColumn, new QTableWidgetItem(a.owner));
        m_actions->setItem(row, DueColumn, new QTableWidgetItem(a.due.isValid() ? a.due.toString(Qt::ISODate) : QString()));
        auto *done = new QTableWidgetItem;
        done->setFlags(Qt::ItemIsUserCheckable | Qt::ItemIsEnabled | Qt::ItemIsSelectable);
        done->setCheckState(a.done ? Qt::Checked : Qt::Unchecked);
        m_actions->setItem(row, DoneColumn, done);
    }
}

Result<QList<ActionItem>> IncidentEditor::actionItems() const
{
    QList<ActionItem> items;
    auto text = [this](int row, int column) {
        const QTableWidgetItem *item = m_actions->item(row, column);
        return item ? item->text().trimmed() : QString();
    };
    for (int row = 0; row < m_actions->rowCount(); ++row) {
        ActionItem a;
        a.item = text(row, ItemColumn);
        a.owner = text(row, OwnerColumn);
        const QString due = text(row, DueColumn);
        if (!due.isEmpty()) {
            a.due = QDate::fromString(due, Qt::ISODate);
            if (!a.due.isValid())
                return Error{tr("action plan row %1: due '%2' is not a date like 2026-12-01").arg(row + 1).arg(due)};
        }
        const QTableWidgetItem *done = m_actions->item(row, DoneColumn);
        a.done = done && done->checkState() == Qt::Checked;
        if (a.item.isEmpty() && a.owner.isEmpty() && !a.due.isValid())
            continue;  // an empty row the operator added and left
        if (a.item.isEmpty())
            return Error{tr("action plan row %1: say what is to be done (the item is empty)").arg(row + 1)};
        items << a;
    }
    return items;
}

Result<void> IncidentEditor::save()
{
    if (!m_id)
        return Error{tr("no incident selected")};
    Result<Incident> inc = m_store->incident(m_id);
    if (!inc.ok())
        return Error{inc.error()};
    const Result<QList<ActionItem>> items = actionItems();
    Incident &i = inc.value();
    if (!m_title->text().trimmed().isEmpty())
        i.title = m_title->text().trimmed();
    i.severity = Severity(m_severity->currentData().toInt());
    i.summary = m_summary->toPlainText();
    i.impact = m_impact->toPlainText();
    i.rootCause = m_rootCause->toPlainText();
    // An action plan row that cannot be stored does not hold back the prose: that is
    // written, the plan stays as stored, and the mark stays until the row is fixed.
    if (items.ok())
        i.actionItems = items.value();
    const Result<void> written = m_store->updateIncident(i);
    const QString at = QTime::currentTime().toString(QStringLiteral("HH:mm:ss"));
    if (!written.ok()) {
        m_saveState->setText(tr("● Not saved: %1").arg(written.error()));
        return written;
    }
    if (!items.ok()) {
        m_saveState->setText(tr("● Text saved at %1; the action plan is not: %2").arg(at, items.error()));
        return Error{items.error()};
    }
    m_dirty = false;
    m_autosave->stop();
    m_saveState->setText(tr("Saved at %1").arg(at));
    return {};
}

Result<qint64> IncidentEditor::addNote(const QString &text)
{
    if (text.trimmed().isEmpty())
        return Error{tr("the note is empty")};
    QJsonObject details;
    if (m_id)
        details.insert(QStringLiteral("incident"), m_id);
    const QString user = qEnvironmentVariable("USER");
    if (!user.isEmpty())
        details.insert(QStringLiteral("user"), user);
    m_store->record(QStringLiteral("operator"), QString(), QString::fromLatin1(EventKind::Note), Severity::Info, text.trimmed(),
                    details);
    return m_store->flush();
}

Result<void> IncidentEditor::closeCurrent()
{
    if (const Result<void> saved = save(); !saved.ok())
        return saved;
    const Result<void> r = m_store->closeIncident(m_id);
    if (r.ok())
        load(m_id);
    return r;
}

Result<void> IncidentEditor::exportReport(Format format, const QString &path)
{
    if (!m_id)
        return Error{tr("no incident selected")};
    if (isExporting())
        return Error{tr("a report is being written; wait for it")};
    if (path.isEmpty())
        return Error{tr("give the file to write")};
    // Read on this thread (the store's connection belongs to it); write on another.
    QList<ReportImage> charts;
    if (m_charts)
        if (const Result<Incident> inc = m_store->incident(m_id); inc.ok())
            charts = m_charts(inc->windowStartMs, inc->windowEndMs(QDateTime::currentMSecsSinceEpoch()));
    Result<IncidentReport> built = IncidentReport::build(*m_store, m_id, {}, charts);
    if (!built.ok())
        return Error{built.error()};
    auto result = std::make_shared<Result<void>>();
    QThread *thread = QThread::create([report = built.value(), format, path, result]() mutable {
        switch (format) {
        case Format::Markdown:
            *result = ReportWriter::writeMarkdown(report, path);
            break;
        case Format::Html:
            *result = ReportWriter::writeHtml(report, path);
            break;
        case Format::Pdf:
            // As turno-report-pdf (what `turnoctl report --format pdf` runs): the store's events chart.
            report.images.append(ReportImage{QStringLiteral("Events in the window"),
                                             IncidentPdfWriter::eventRateChartPng(report, report.generatedMs)});
            // And the fleet's stored samples of the window (there even when the live series are gone).
            report.images.append(IncidentPdfWriter::fleetChartImages(report));
            *result = IncidentPdfWriter::write(report, path);
            break;
        }
    });
    m_exportThread = thread;
    connect(thread, &QThread::finished, this, [this, thread, result, path] {
        thread->deleteLater();
        m_exportThread = nullptr;
        m_progress->setRange(0, 1);
        m_progress->setValue(1);
        m_progress->hide();
        updateButtons();
        emit exported(result->ok(), result->ok() ? path : result->error());
        emit message(result->ok() ? tr("Report written to %1").arg(path) : tr("Report not written: %1").arg(result->error()));
    });
    m_progress->setRange(0, 0);
    m_progress->show();
    updateButtons();
    thread->start();
    return {};
}

void IncidentEditor::exportWithDialog()
{
    const auto format = Format(m_format->currentIndex());
    const QString ext = format == Format::Markdown ? QStringLiteral("md") : format == Format::Html ? QStringLiteral("html")
                                                                                                   : QStringLiteral("pdf");
    const QString file = QFileDialog::getSaveFileName(this, tr("Export incident report"),
                                                      QStringLiteral("incident-%1.%2").arg(m_id).arg(ext),
                                                      tr("%1 (*.%2)").arg(m_format->currentText(), ext));
    if (file.isEmpty())
        return;
    if (const Result<void> r = exportReport(format, file); !r.ok())
        emit message(r.error());
}

}  // namespace turno::console
