// TimelinePanel: the incident store's events (TimelineModel) with text,
// severity, node and kind filters, newest first, updated live; beside it the
// incidents and their editor (IncidentEditor).
#pragma once

#include <QWidget>

class QComboBox;
class QLineEdit;
class QSplitter;
class QTableView;

namespace turno {
class IncidentStore;
class TimelineModel;
}

namespace turno::console {

class IncidentEditor;

class TimelinePanel : public QWidget {
    Q_OBJECT
public:
    explicit TimelinePanel(IncidentStore *store, QWidget *parent = nullptr);
    TimelineModel *model() const { return m_model; }
    QTableView *table() const { return m_table; }
    IncidentEditor *incidents() const { return m_incidents; }
    QSplitter *splitter() const { return m_split; }

    // The filter bar, as an operator sets it (tests, the command line).
    void setTextFilter(const QString &text);
    void setNodeFilter(const QString &commaSeparated);
    // A kind ("alert.firing") or a family ("alert"); empty: every kind.
    void setKindFilter(const QString &kind);
    void setMinimumSeverityIndex(int index);

private:
    void applyFilter();
    void refreshChoices();

    IncidentStore *m_store;
    TimelineModel *m_model = nullptr;
    QTableView *m_table = nullptr;
    QLineEdit *m_text = nullptr;
    QComboBox *m_nodes = nullptr;
    QComboBox *m_kind = nullptr;
    QComboBox *m_severity = nullptr;
    QSplitter *m_split = nullptr;
    IncidentEditor *m_incidents = nullptr;
};

}  // namespace turno::console
