// TimelinePanel: the incident store's events (TimelineModel) with text,
// severity and node filters; newest first, updated live.
#pragma once

#include <QWidget>

class QComboBox;
class QLineEdit;
class QTableView;

namespace turno {
class IncidentStore;
class TimelineModel;
}

namespace turno::console {

class TimelinePanel : public QWidget {
    Q_OBJECT
public:
    explicit TimelinePanel(IncidentStore *store, QWidget *parent = nullptr);
    TimelineModel *model() const { return m_model; }
    QTableView *table() const { return m_table; }

private:
    void applyFilter();

    TimelineModel *m_model = nullptr;
    QTableView *m_table = nullptr;
    QLineEdit *m_text = nullptr;
    QLineEdit *m_nodes = nullptr;
    QComboBox *m_severity = nullptr;
};

}  // namespace turno::console
