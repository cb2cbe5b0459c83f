// ChartsPanel: the live charts (requests, latency, CPU, errors, Redis) with a
// time window and pause; redrawn once per monitor sample, only while visible.
#pragma once

#include <QList>
#include <QWidget>

class QCheckBox;
class QComboBox;

namespace turno {
class FleetMonitor;
}

namespace turno::console {

class LiveChart;

class ChartsPanel : public QWidget {
    Q_OBJECT
public:
    // Compact: requests, p99 and CPU in one row, no controls (the fleet tab's overview).
    enum class Mode { Full, Compact };
    explicit ChartsPanel(FleetMonitor *monitor, Mode mode = Mode::Full, QWidget *parent = nullptr);

    QList<LiveChart *> charts() const { return m_charts; }
    LiveChart *chart(const QString &title) const;
    qint64 windowMs() const;
    void setWindowIndex(int index);
    int windowIndex() const;
    bool paused() const;
    void setDark(bool dark);
    // Rebuilds the lines for the current nodes and redraws now.
    void refresh();

protected:
    void showEvent(QShowEvent *event) override;

private:
    void rebuildLines();

    FleetMonitor *m_monitor;
    QComboBox *m_window = nullptr;
    QCheckBox *m_pause = nullptr;
    QList<LiveChart *> m_charts;
    LiveChart *m_requests = nullptr;
    LiveChart *m_latency = nullptr;
    LiveChart *m_cpu = nullptr;
    LiveChart *m_errors = nullptr;
    LiveChart *m_redisOps = nullptr;
    LiveChart *m_redisMemory = nullptr;
};

}  // namespace turno::console
