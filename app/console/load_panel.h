// LoadPanel: the Load test tab. A form over LoadConfig (target, duration or
// requests, connections, threads, open-loop rate, ids, Zipf), Start/Stop, live
// progress every second and the final summary; results saved as JSON/CSV and
// attached to the timeline, all through the core calls `turnoctl bench [--record]`
// makes (LoadRun, LoadReport, loadRunEvent). Capacity mode runs CapacityRun and
// draws each step on the capacity chart.
#pragma once

#include "common/result.h"
#include "load/capacity_finder.h"
#include "load/load_report.h"

#include <QHash>
#include <QPointer>
#include <QWidget>

class QCheckBox;
class QComboBox;
class QDoubleSpinBox;
class QGridLayout;
class QGroupBox;
class QLabel;
class QLineEdit;
class QPlainTextEdit;
class QProgressBar;
class QPushButton;
class QSpinBox;

namespace turno {
class CapacityRun;
class FleetMonitor;
class LoadRun;
}

namespace turno::console {

class CapacityChart;

class LoadPanel : public QWidget {
    Q_OBJECT
public:
    enum class Mode { Load, Capacity };

    explicit LoadPanel(FleetMonitor *monitor, QWidget *parent = nullptr);
    ~LoadPanel() override;

    // The form, for the menu's quick run, the command line and tests.
    void setMode(Mode mode);
    Mode mode() const;
    void setTarget(const QString &url);
    QString target() const;
    void setDuration(double seconds);
    void setRequests(qint64 requests);  // 0: bounded by duration only
    void setConnections(int n);
    void setThreads(int n);
    void setRate(double perSecond);     // 0: closed loop
    void setIds(int k);
    void setZipf(bool zipf);
    void setSlo(double p99Ms);
    void setCapacitySteps(double startRate, double growth, double stepSeconds, int maxSteps);

    // The LoadConfig the form describes (validated as turnoctl bench validates its flags).
    Result<LoadConfig> config() const;
    // Starts a load run or a capacity search, per the mode.
    Result<void> start();
    void stop();
    bool isRunning() const;

    bool hasReport() const { return m_hasReport; }
    const LoadReport &lastReport() const { return m_report; }
    const CapacityReport &lastCapacity() const { return m_capacity; }
    const LoadProgress &lastProgress() const { return m_progress; }
    // The thresholds the last run broke (any duplicate always does).
    QStringList brokenThresholds() const;
    QString summaryText() const;
    QProgressBar *progressBar() const { return m_bar; }
    CapacityChart *capacityChart() const { return m_chart; }
    // The live figure a label shows: "rps", "p50", "p90", "p99", "p999", "errors", "duplicates", "gaps", "answers".
    QString figure(const QString &name) const;

    // Saves the last result (load report or capacity report) as turnoctl bench's --out-json / --out-csv do.
    Result<void> saveJson(const QString &path) const;
    Result<void> saveCsv(const QString &path) const;
    // Records the last load run in the timeline (event load.run), as `turnoctl bench --record`.
    Result<qint64> attachToTimeline();

    // Attached read-only: a load test would take real numbers from the fleet's counters.
    void setReadOnly(bool readOnly, const QString &reason);
    void setDark(bool dark);

signals:
    void progressed(const turno::LoadProgress &progress);
    void finished(const turno::LoadReport &report);
    void capacityStep(const turno::CapacityStep &step);
    void capacityFinished(const turno::CapacityReport &report);
    void runningChanged(bool running);
    void message(const QString &text);

private:
    void buildForm();
    QGroupBox *buildRunBox();
    QWidget *buildCapacityBox();
    QGridLayout *buildButtons();
    QGroupBox *buildLiveBox();
    void connectForm();
    void updateButtons();
    void defaultTarget();
    void showProgress(const LoadProgress &p);
    void showReport(const LoadReport &r);
    void showCapacity(const CapacityReport &r);
    void setFigure(const QString &name, const QString &text);
    Result<void> startLoad(const LoadConfig &config);
    Result<void> startCapacity(const LoadConfig &config);
    void saveWithDialog(bool json);

    FleetMonitor *m_monitor;
    QPointer<LoadRun> m_load;
    QPointer<CapacityRun> m_capacityRun;
    LoadReport m_report;
    CapacityReport m_capacity;
    LoadProgress m_progress;
    bool m_hasReport = false;
    bool m_hasCapacity = false;
    bool m_lastWasCapacity = false;
    bool m_recorded = false;
    bool m_targetEdited = false;
    bool m_readOnly = false;
    QString m_readOnlyReason;
    double m_runSeconds = 0;
    quint64 m_runRequests = 0;
    int m_capacitySteps = 0;

    QComboBox *m_mode = nullptr;
    QLineEdit *m_target = nullptr;
    QDoubleSpinBox *m_duration = nullptr;
    QSpinBox *m_requests = nullptr;
    QSpinBox *m_connections = nullptr;
    QSpinBox *m_threads = nullptr;
    QDoubleSpinBox *m_rate = nullptr;
    QSpinBox *m_ids = nullptr;
    QCheckBox *m_zipf = nullptr;
    QDoubleSpinBox *m_maxP99 = nullptr;
    QCheckBox *m_allowGaps = nullptr;
    QDoubleSpinBox *m_slo = nullptr;
    QDoubleSpinBox *m_startRate = nullptr;
    QDoubleSpinBox *m_growth = nullptr;
    QDoubleSpinBox *m_stepSeconds = nullptr;
    QSpinBox *m_maxSteps = nullptr;
    QWidget *m_capacityBox = nullptr;
    QPushButton *m_start = nullptr;
    QPushButton *m_stop = nullptr;
    QPushButton *m_saveJson = nullptr;
    QPushButton *m_saveCsv = nullptr;
    QPushButton *m_attach = nullptr;
    QProgressBar *m_bar = nullptr;
    QLabel *m_state = nullptr;
    QHash<QString, QLabel *> m_figures;
    QPlainTextEdit *m_summary = nullptr;
    CapacityChart *m_chart = nullptr;
};

}  // namespace turno::console
