// IncidentEditor: the incidents of the store (IncidentListModel) and the
// write-up of the selected one: title, severity, summary, impact, root cause,
// action plan (item, owner, due, done), notes, close. Exports the report as
// Markdown, HTML or PDF with the calls `turnoctl report` makes (IncidentReport,
// ReportWriter, IncidentPdfWriter), written off the UI thread with a progress bar.
#pragma once

#include "common/result.h"
#include "incidents/incident.h"
#include "incidents/incident_report.h"

#include <functional>

#include <QPointer>
#include <QWidget>

class QComboBox;
class QLabel;
class QLineEdit;
class QPlainTextEdit;
class QProgressBar;
class QPushButton;
class QTableView;
class QTableWidget;
class QThread;
class QTimer;

namespace turno {
class IncidentListModel;
class IncidentStore;
}

namespace turno::console {

class IncidentEditor : public QWidget {
    Q_OBJECT
public:
    enum class Format { Markdown, Html, Pdf };

    explicit IncidentEditor(IncidentStore *store, QWidget *parent = nullptr);
    ~IncidentEditor() override;

    QTableView *list() const { return m_list; }
    IncidentListModel *model() const { return m_model; }
    bool selectIncident(qint64 id);
    qint64 currentId() const { return m_id; }

    // As `turnoctl incident open TITLE --severity S [--node N]`; selects the new incident.
    Result<qint64> openIncident(const QString &title, Severity severity, const QString &node = {});
    // The form (what save() writes).
    void setTitle(const QString &title);
    void setSummary(const QString &text);
    void setImpact(const QString &text);
    void setRootCause(const QString &text);
    void setActionItems(const QList<ActionItem> &items);
    QString summary() const;
    QString impact() const;
    QString rootCause() const;
    // The action plan table as items; an error names a row whose due date is not a date.
    Result<QList<ActionItem>> actionItems() const;
    // Writes the form to the store (as `turnoctl incident set` and `incident action`).
    // An invalid action plan row is refused (the error names it) but the rest is written.
    Result<void> save();
    // Edits not in the store yet (the mark above the form says so; autosaved a moment
    // after the last keystroke, and when the editor is left).
    bool isDirty() const { return m_dirty; }
    QString saveStateText() const;
    // Saves now when there are unsaved edits (leaving, quitting); ok when there were none.
    Result<void> saveIfDirty();
    // An operator note in the timeline, naming this incident (as `turnoctl incident note --incident`).
    Result<qint64> addNote(const QString &text);
    // Saves the form, then closes the incident (as `turnoctl incident close`).
    Result<void> closeCurrent();

    // Starts writing the report of the current incident; exported() follows.
    Result<void> exportReport(Format format, const QString &path);
    bool isExporting() const;
    // Charts of an incident's window (the console's series) to put in its reports.
    void setChartRenderer(std::function<QList<ReportImage>(qint64 fromMs, qint64 toMs)> renderer)
    {
        m_charts = std::move(renderer);
    }
    QProgressBar *exportProgress() const { return m_progress; }

signals:
    void exported(bool ok, const QString &pathOrError);
    void message(const QString &text);

protected:
    void hideEvent(QHideEvent *event) override;

private:
    void markDirty();
    void load(qint64 id);
    void updateButtons();
    void exportWithDialog();
    void openWithDialog();

    IncidentStore *m_store;
    IncidentListModel *m_model = nullptr;
    qint64 m_id = 0;
    QTableView *m_list = nullptr;
    QWidget *m_form = nullptr;
    QLabel *m_header = nullptr;
    QLineEdit *m_title = nullptr;
    QComboBox *m_severity = nullptr;
    QPlainTextEdit *m_summary = nullptr;
    QPlainTextEdit *m_impact = nullptr;
    QPlainTextEdit *m_rootCause = nullptr;
    QTableWidget *m_actions = nullptr;
    QLineEdit *m_note = nullptr;
    QPushButton *m_save = nullptr;
    QLabel *m_saveState = nullptr;
    QTimer *m_autosave = nullptr;
    bool m_dirty = false;
    bool m_loading = false;
    QPushButton *m_close = nullptr;
    QPushButton *m_export = nullptr;
    QComboBox *m_format = nullptr;
    QProgressBar *m_progress = nullptr;
    QPointer<QThread> m_exportThread;
    std::function<QList<ReportImage>(qint64, qint64)> m_charts;
};

}  // namespace turno::console
