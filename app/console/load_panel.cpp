#include "load_panel.h"

#include "capacity_chart.h"
#include "incidents/incident_store.h"
#include "load/capacity_run.h"
#include "load/load_config.h"
#include "load/load_run.h"
#include "load/load_thresholds.h"
#include "load/load_timeline_event.h"
#include "runtime/fleet_monitor.h"

#include <QCheckBox>
#include <QComboBox>
#include <QDateTime>
#include <QDoubleSpinBox>
#include <QFile>
#include <QFileDialog>
#include <QFontDatabase>
#include <QFormLayout>
#include <QGridLayout>
#include <QGroupBox>
#include <QHBoxLayout>
#include <QJsonDocument>
#include <QLabel>
#include <QLineEdit>
#include <QPlainTextEdit>
#include <QProgressBar>
#include <QPushButton>
#include <QSpinBox>
#include <QVBoxLayout>

namespace turno::console {

namespace {

QString ms(double v)
{
    return QStringLiteral("%1 ms").arg(v, 0, 'f', v < 10 ? 3 : 1);
}

Result<void> writeFile(const QString &path, const QByteArray &data)
{
    QFile f(path);
    if (!f.open(QIODevice::WriteOnly | QIODevice::Truncate) || f.write(data) != data.size())
        return Error{QObject::tr("cannot write %1: %2").arg(path, f.errorString())};
    return {};
}

}  // namespace

LoadPanel::LoadPanel(FleetMonitor *monitor, QWidget *parent) : QWidget(parent), m_monitor(monitor)
{
    setObjectName(QStringLiteral("loadPanel"));
    buildForm();
    connect(m_monitor, &FleetMonitor::ready, this, &LoadPanel::defaultTarget);
    connect(m_monitor, &FleetMonitor::stateChanged, this, &LoadPanel::updateButtons);
    defaultTarget();
    setMode(Mode::Load);
}

LoadPanel::~LoadPanel()
{
    // LoadRun/CapacityRun join their thread when deleted (they are children).
    stop();
}

void LoadPanel::buildForm()
{
    auto *layout = new QHBoxLayout(this);
    auto *left = new QVBoxLayout;
    left->addWidget(buildRunBox());
    left->addWidget(buildCapacityBox());
    left->addLayout(buildButtons());
    left->addStretch(1);
    layout->addLayout(left, 0);

    auto *right = new QVBoxLayout;
    right->addWidget(buildLiveBox());
    m_chart = new CapacityChart(this);
    right->addWidget(m_chart, 2);
    m_summary = new QPlainTextEdit(this);
    m_summary->setObjectName(QStringLiteral("loadSummary"));
    m_summary->setReadOnly(true);
    m_summary->setFont(QFontDatabase::systemFont(QFontDatabase::FixedFont));
    m_summary->setPlaceholderText(tr("The summary of the last run shows here, as turnoctl bench prints it."));
    right->addWidget(m_summary, 1);
    layout->addLayout(right, 1);

    connectForm();
}

QGroupBox *LoadPanel::buildRunBox()
{
    auto *run = new QGroupBox(tr("Load test"), this);
    auto *form = new QFormLayout(run);
    m_mode = new QComboBox(run);
    m_mode->setObjectName(QStringLiteral("loadMode"));
    m_mode->addItem(tr("Load (check every answer)"));
    m_mode->addItem(tr("Capacity (step the rate up to the SLO)"));
    form->addRow(tr("&Mode:"), m_mode);
    m_target = new QLineEdit(run);
    m_target->setObjectName(QStringLiteral("loadTarget"));
    m_target->setPlaceholderText(QStringLiteral("http://127.0.0.1:7017"));
    m_target->setToolTip(tr("http://IPv4[:port][/prefix/]; loopback only, as turnoctl bench without --allow-remote"));
    form->addRow(tr("&Target:"), m_target);
    m_duration = new QDoubleSpinBox(run);
    m_duration->setObjectName(QStringLiteral("loadDuration"));
    m_duration->setRange(0.1, 86400);
    m_duration->setDecimals(1);
    m_duration->setValue(10);
    m_duration->setSuffix(tr(" s"));
    form->addRow(tr("&Duration:"), m_duration);
    m_requests = new QSpinBox(run);
    m_requests->setObjectName(QStringLiteral("loadRequests"));
    m_requests->setRange(0, 2'000'000'000);
    m_requests->setSpecialValueText(tr("no limit"));
    form->addRow(tr("&Requests:"), m_requests);
    m_connections = new QSpinBox(run);
    m_connections->setObjectName(QStringLiteral("loadConnections"));
    m_connections->setRange(1, 10000);
    m_connections->setValue(16);
    form->addRow(tr("&Connections:"), m_connections);
    m_threads = new QSpinBox(run);
    m_threads->setObjectName(QStringLiteral("loadThreads"));
    m_threads->setRange(1, 256);
    m_threads->setValue(2);
    form->addRow(tr("T&hreads:"), m_threads);
    m_rate = new QDoubleSpinBox(run);
    m_rate->setObjectName(QStringLiteral("loadRate"));
    m_rate->setRange(0, 1e8);
    m_rate->setDecimals(0);
    m_rate->setSpecialValueText(tr("closed loop"));
    m_rate->setSuffix(tr(" req/s"));
    m_rate->setToolTip(tr("Open loop at this total rate, latency from the intended send time (coordinated omission corrected)"));
    form->addRow(tr("R&ate:"), m_rate);
    m_ids = new QSpinBox(run);
    m_ids->setObjectName(QStringLiteral("loadIds"));
    m_ids->setRange(1, 10'000'000);
    m_ids->setValue(1);
    form->addRow(tr("&Ids (K):"), m_ids);
    m_zipf = new QCheckBox(tr("&Zipf over the K ids (else uniform)"), run);
    m_zipf->setObjectName(QStringLiteral("loadZipf"));
    form->addRow(QString(), m_zipf);
    m_maxP99 = new QDoubleSpinBox(run);
    m_maxP99->setObjectName(QStringLiteral("loadMaxP99"));
    m_maxP99->setRange(0, 1e6);
    m_maxP99->setDecimals(1);
    m_maxP99->setSpecialValueText(tr("none"));
    m_maxP99->setSuffix(tr(" ms"));
    form->addRow(tr("p99 threshold:"), m_maxP99);
    m_allowGaps = new QCheckBox(tr("Allow gaps (other clients share these ids)"), run);
    form->addRow(QString(), m_allowGaps);
    return run;
}

QWidget *LoadPanel::buildCapacityBox()
{
    m_capacityBox = new QGroupBox(tr("Capacity search"), this);
    auto *cap = new QFormLayout(m_capacityBox);
    m_slo = new QDoubleSpinBox(m_capacityBox);
    m_slo->setObjectName(QStringLiteral("capacitySlo"));
    m_slo->setRange(0.01, 1e6);
    m_slo->setValue(10);
    m_slo->setSuffix(tr(" ms"));
    cap->addRow(tr("p99 &SLO:"), m_slo);
    m_startRate = new QDoubleSpinBox(m_capacityBox);
    m_startRate->setRange(1, 1e8);
    m_startRate->setDecimals(0);
    m_startRate->setValue(1000);
    m_startRate->setSuffix(tr(" req/s"));
    cap->addRow(tr("Start rate:"), m_startRate);
    m_growth = new QDoubleSpinBox(m_capacityBox);
    m_growth->setRange(1.01, 10);
    m_growth->setValue(1.5);
    m_growth->setPrefix(QStringLiteral("×"));
    cap->addRow(tr("Step growth:"), m_growth);
    m_stepSeconds = new QDoubleSpinBox(m_capacityBox);
    m_stepSeconds->setRange(0.1, 3600);
    m_stepSeconds->setValue(5);
    m_stepSeconds->setSuffix(tr(" s"));
    cap->addRow(tr("Step duration:"), m_stepSeconds);
    m_maxSteps = new QSpinBox(m_capacityBox);
    m_maxSteps->setRange(1, 100);
    m_maxSteps->setValue(12);
    cap->addRow(tr("Max steps:"), m_maxSteps);
    return m_capacityBox;
}

QGridLayout *LoadPanel::buildButtons()
{
    auto *buttons = new QGridLayout;
    m_start = new QPushButton(QIcon(QStringLiteral(":/icons/launch.svg")), tr("&Start"), this);
    m_start->setObjectName(QStringLiteral("loadStart"));
    m_stop = new QPushButton(QIcon(QStringLiteral(":/icons/stop.svg")), tr("St&op"), this);
    m_stop->setObjectName(QStringLiteral("loadStop"));
    m_saveJson = new QPushButton(tr("Save &JSON…"), this);
    m_saveCsv = new QPushButton(tr("Save CS&V…"), this);
    m_attach = new QPushButton(QIcon(QStringLiteral(":/icons/timeline.svg")), tr("Attach to &timeline"), this);
    m_attach->setObjectName(QStringLiteral("loadAttach"));
    m_attach->setToolTip(tr("Record the run as a load.run event, as turnoctl bench --record"));
    buttons->addWidget(m_start, 0, 0);
    buttons->addWidget(m_stop, 0, 1);
    buttons->addWidget(m_saveJson, 1, 0);
    buttons->addWidget(m_saveCsv, 1, 1);
    buttons->addWidget(m_attach, 2, 0, 1, 2);
    return buttons;
}

QGroupBox *LoadPanel::buildLiveBox()
{
    auto *live = new QGroupBox(tr("Live (every second)"), this);
    auto *grid = new QGridLayout(live);
    m_bar = new QProgressBar(live);
    m_bar->setObjectName(QStringLiteral("loadProgress"));
    m_bar->setRange(0, 100);
    m_bar->setValue(0);
    grid->addWidget(m_bar, 0, 0, 1, 6);
    m_state = new QLabel(tr("Idle"), live);
    m_state->setObjectName(QStringLiteral("loadState"));
    m_state->setWordWrap(true);
    grid->addWidget(m_state, 1, 0, 1, 6);
    const QList<QPair<QString, QString>> figures{
        {QStringLiteral("rps"), tr("req/s")},         {QStringLiteral("answers"), tr("answers")},
        {QStringLiteral("p50"), tr("p50")},           {QStringLiteral("p90"), tr("p90")},
        {QStringLiteral("p99"), tr("p99")},           {QStringLiteral("p999"), tr("p99.9")},
        {QStringLiteral("duplicates"), tr("duplicates")}, {QStringLiteral("gaps"), tr("gaps")},
        {QStringLiteral("errors"), tr("errors")}};
    QFont big = font();
    big.setPointSizeF(big.pointSizeF() * 1.4);
    big.setBold(true);
    for (int i = 0; i < figures.size(); ++i) {
        const int row = 2 + (i / 3) * 2;
        const int col = (i % 3) * 2;
        auto *name = new QLabel(figures[i].second, live);
        auto *value = new QLabel(QStringLiteral("–"), live);
        value->setObjectName(QStringLiteral("loadFigure_") + figures[i].first);
        value->setFont(big);
        value->setTextInteractionFlags(Qt::TextSelectableByMouse);
        if (figures[i].first == QLatin1String("errors")) {
            value->setWordWrap(true);
            grid->addWidget(name, row, col);
            grid->addWidget(value, row + 1, col, 1, 6);
        } else {
            grid->addWidget(name, row, col);
            grid->addWidget(value, row + 1, col);
        }
        m_figures.insert(figures[i].first, value);
    }
    for (int c = 0; c < 6; c += 2)
        grid->setColumnStretch(c, 1);
    return live;
}

void LoadPanel::connectForm()
{
    connect(m_mode, &QComboBox::currentIndexChanged, this, [this](int i) { setMode(Mode(i)); });
    connect(m_target, &QLineEdit::textEdited, this, [this] { m_targetEdited = true; });
    connect(m_start, &QPushButton::clicked, this, [this] {
        const Result<void> r = start();
        if (!r.ok()) {
            m_state->setText(tr("Cannot start: %1").arg(r.error()));
            emit message(r.error());
        }
    });
    connect(m_stop, &QPushButton::clicked, this, &LoadPanel::stop);
    connect(m_saveJson, &QPushButton::clicked, this, [this] { saveWithDialog(true); });
    connect(m_saveCsv, &QPushButton::clicked, this, [this] { saveWithDialog(false); });
    connect(m_attach, &QPushButton::clicked, this, [this] {
        const Result<qint64> r = attachToTimeline();
        emit message(r.ok() ? tr("Load run recorded in the timeline (event %1)").arg(r.value())
                            : tr("Cannot record the run: %1").arg(r.error()));
    });
}

void LoadPanel::setMode(Mode mode)
{
    if (m_mode->currentIndex() != int(mode))
        m_mode->setCurrentIndex(int(mode));
    const bool capacity = mode == Mode::Capacity;
    m_capacityBox->setVisible(capacity);
    m_chart->setVisible(capacity);
    // The finder sets the rate and duration of each step itself.
    m_rate->setEnabled(!capacity);
    m_duration->setEnabled(!capacity);
    m_requests->setEnabled(!capacity);
    updateButtons();
}

LoadPanel::Mode LoadPanel::mode() const
{
    return Mode(m_mode->currentIndex());
}

void LoadPanel::setTarget(const QString &url)
{
    // Only typing marks the target as the operator's: a set one follows the next cluster's balancer.
    m_target->setText(url);
}

QString LoadPanel::target() const
{
    return m_target->text().trimmed();
}

void LoadPanel::setDuration(double seconds) { m_duration->setValue(seconds); }
void LoadPanel::setRequests(qint64 requests) { m_requests->setValue(int(std::min<qint64>(requests, m_requests->maximum()))); }
void LoadPanel::setConnections(int n) { m_connections->setValue(n); }
void LoadPanel::setThreads(int n) { m_threads->setValue(n); }
void LoadPanel::setRate(double perSecond) { m_rate->setValue(perSecond); }
void LoadPanel::setIds(int k) { m_ids->setValue(k); }
void LoadPanel::setZipf(bool zipf) { m_zipf->setChecked(zipf); }
void LoadPanel::setSlo(double p99Ms) { m_slo->setValue(p99Ms); }

void LoadPanel::setCapacitySteps(double startRate, double growth, double stepSeconds, int maxSteps)
{
    m_startRate->setValue(startRate);
    m_growth->setValue(growth);
    m_stepSeconds->setValue(stepSeconds);
    m_maxSteps->setValue(maxSteps);
}

void LoadPanel::defaultTarget()
{
    // The running cluster's balancer, until the operator types another target.
    if (m_targetEdited || !m_monitor->balancerPort())
        return;
    m_target->setText(QStringLiteral("http://127.0.0.1:%1").arg(m_monitor->balancerPort()));
}

Result<LoadConfig> LoadPanel::config() const
{
    LoadConfig c;
    const QString url = target().isEmpty() ? m_target->placeholderText() : target();
    if (const Result<void> r = parseLoadTarget(url, &c); !r.ok())
        return Error{r.error()};
    c.durationSeconds = m_duration->value();
    c.requests = uint64_t(m_requests->value());
    c.connections = m_connections->value();
    c.threads = std::min(m_threads->value(), m_connections->value());
    c.rate = m_rate->value();
    c.idCount = uint32_t(m_ids->value());
    c.pattern = c.idCount > 1 ? (m_zipf->isChecked() ? IdPattern::Zipf : IdPattern::Uniform) : IdPattern::Single;
    if (const Result<void> r = validateLoadConfig(c); !r.ok())
        return Error{r.error()};
    return c;
}

bool LoadPanel::isRunning() const
{
    return (m_load && m_load->isRunning()) || (m_capacityRun && m_capacityRun->isRunning());
}

Result<void> LoadPanel::start()
{
    if (m_readOnly)
        return Error{m_readOnlyReason};
    if (isRunning())
        return Error{tr("a load test is already running; wait for it or stop it")};
    const Result<LoadConfig> c = config();
    if (!c.ok())
        return Error{c.error()};
    const Result<void> r = mode() == Mode::Capacity ? startCapacity(c.value()) : startLoad(c.value());
    updateButtons();
    if (r.ok())
        emit runningChanged(true);
    return r;
}

Result<void> LoadPanel::startLoad(const LoadConfig &config)
{
    if (m_load)
        m_load->deleteLater();
    m_load = new LoadRun(config, this);
    connect(m_load, &LoadRun::progress, this, &LoadPanel::showProgress);
    // Its client-side p99 is drawn beside the nodes' and the frontend's.
    m_monitor->followLoad(m_load);
    connect(m_load, &LoadRun::finished, this, &LoadPanel::showReport);
    const Result<void> r = m_load->start();
    if (!r.ok())
        return r;
    m_runSeconds = config.durationSeconds;
    m_runRequests = config.requests;
    m_progress = LoadProgress{};
    m_bar->setRange(0, 100);
    m_bar->setValue(0);
    m_bar->setFormat(tr("%p%"));
    for (QLabel *l : std::as_const(m_figures))
        l->setText(QStringLiteral("–"));
    m_state->setText(tr("Running against %1: %2 connections on %3 threads, %4")
                         .arg(config.url()).arg(config.connections).arg(config.threads)
                         .arg(config.rate > 0 ? tr("open loop at %1 req/s").arg(config.rate, 0, 'f', 0) : tr("closed loop")));
    return {};
}

Result<void> LoadPanel::startCapacity(const LoadConfig &config)
{
    CapacityConfig c;
    c.base = config;
    c.sloP99Ms = m_slo->value();
    c.startRate = m_startRate->value();
    c.growth = m_growth->value();
    c.stepSeconds = m_stepSeconds->value();
    c.maxSteps = m_maxSteps->value();
    if (m_capacityRun)
        m_capacityRun->deleteLater();
    m_capacityRun = new CapacityRun(c, this);
    connect(m_capacityRun, &CapacityRun::stepDone, this, [this](const CapacityStep &s) {
        ++m_capacitySteps;
        m_chart->addStep(s);
        m_bar->setValue(std::min(m_bar->maximum(), m_capacitySteps));
        m_bar->setFormat(tr("step %1: %2 req/s").arg(m_capacitySteps).arg(s.rate, 0, 'f', 0));
        setFigure(QStringLiteral("rps"), QString::number(s.achieved, 'f', 0));
        setFigure(QStringLiteral("p99"), ms(s.latency.p99Ms));
        setFigure(QStringLiteral("p50"), ms(s.latency.p50Ms));
        setFigure(QStringLiteral("p90"), ms(s.latency.p90Ms));
        setFigure(QStringLiteral("p999"), ms(s.latency.p999Ms));
        setFigure(QStringLiteral("duplicates"), QString::number(s.duplicates));
        setFigure(QStringLiteral("errors"), QStringLiteral("%1%").arg(100.0 * s.errorRate, 0, 'f', 2));
        m_state->setText(tr("Step %1 req/s: achieved %2, p99 %3 → %4")
                             .arg(s.rate, 0, 'f', 0).arg(s.achieved, 0, 'f', 0).arg(ms(s.latency.p99Ms),
                                  s.sustainable ? tr("sustainable") : s.why));
        emit capacityStep(s);
    });
    connect(m_capacityRun, &CapacityRun::finished, this, &LoadPanel::showCapacity);
    const Result<void> r = m_capacityRun->start();
    if (!r.ok())
        return r;
    m_capacitySteps = 0;
    m_chart->clear();
    m_chart->setSlo(c.sloP99Ms);
    // Steps up to maxSteps plus the bisections after the first failure.
    m_bar->setRange(0, c.maxSteps + c.refineSteps);
    m_bar->setValue(0);
    m_bar->setFormat(tr("searching"));
    m_state->setText(tr("Capacity search against %1 from %2 req/s, SLO p99 %3")
                         .arg(config.url()).arg(c.startRate, 0, 'f', 0).arg(ms(c.sloP99Ms)));
    return {};
}

void LoadPanel::stop()
{
    if (m_load)
        m_load->stop();
    if (m_capacityRun)
        m_capacityRun->stop();
}

void LoadPanel::setFigure(const QString &name, const QString &text)
{
    if (QLabel *l = m_figures.value(name))
        l->setText(text);
}

QString LoadPanel::figure(const QString &name) const
{
    const QLabel *l = m_figures.value(name);
    return l ? l->text() : QString();
}

void LoadPanel::showProgress(const LoadProgress &p)
{
    m_progress = p;
    int percent = m_runSeconds > 0 ? int(100 * p.elapsedSeconds / m_runSeconds) : 0;
    if (m_runRequests > 0)
        percent = std::max(percent, int(100 * double(p.answersTotal) / double(m_runRequests)));
    m_bar->setValue(std::min(100, percent));
    m_bar->setFormat(tr("%1 s · %2 req/s").arg(p.elapsedSeconds, 0, 'f', 0).arg(p.requestsPerSecond, 0, 'f', 0));
    setFigure(QStringLiteral("rps"), QString::number(p.requestsPerSecond, 'f', 0));
    setFigure(QStringLiteral("answers"), QString::number(p.answersTotal));
    setFigure(QStringLiteral("p50"), ms(p.latency.p50Ms));
    setFigure(QStringLiteral("p90"), ms(p.latency.p90Ms));
    setFigure(QStringLiteral("p99"), ms(p.latency.p99Ms));
    setFigure(QStringLiteral("p999"), ms(p.latency.p999Ms));
    setFigure(QStringLiteral("duplicates"), QString::number(p.duplicatesSoFar));
    setFigure(QStringLiteral("gaps"), tr("at the end"));
    QStringList errors;
    for (int k = 0; k < kLoadErrorKinds; ++k)
        if (p.errorsTotal[size_t(k)])
            errors << QStringLiteral("%1 %2").arg(QString::fromLatin1(loadErrorName(LoadErrorKind(k)))).arg(p.errorsTotal[size_t(k)]);
    setFigure(QStringLiteral("errors"), errors.isEmpty() ? QStringLiteral("0") : errors.join(QStringLiteral(", ")));
    emit progressed(p);
}

QStringList LoadPanel::brokenThresholds() const
{
    LoadThresholds t;
    if (m_maxP99->value() > 0)
        t.maxP99Ms = m_maxP99->value();
    t.allowGaps = m_allowGaps->isChecked();
    return brokenLoadThresholds(m_report, t);
}

void LoadPanel::showReport(const LoadReport &r)
{
    m_report = r;
    m_hasReport = true;
    m_recorded = false;
    m_lastWasCapacity = false;
    m_bar->setValue(100);
    m_bar->setFormat(tr("done"));
    setFigure(QStringLiteral("rps"), QString::number(r.requestsPerSecond, 'f', 0));
    setFigure(QStringLiteral("answers"), QString::number(r.answers));
    setFigure(QStringLiteral("p50"), ms(r.latency.p50Ms));
    setFigure(QStringLiteral("p90"), ms(r.latency.p90Ms));
    setFigure(QStringLiteral("p99"), ms(r.latency.p99Ms));
    setFigure(QStringLiteral("p999"), ms(r.latency.p999Ms));
    setFigure(QStringLiteral("duplicates"), QString::number(r.duplicates));
    setFigure(QStringLiteral("gaps"), QString::number(r.gaps));
    QStringList errors;
    for (int k = 0; k < kLoadErrorKinds; ++k)
        if (r.errors[size_t(k)])
            errors << QStringLiteral("%1 %2").arg(QString::fromLatin1(loadErrorName(LoadErrorKind(k)))).arg(r.errors[size_t(k)]);
    setFigure(QStringLiteral("errors"), errors.isEmpty() ? QStringLiteral("0") : errors.join(QStringLiteral(", ")));
    const QStringList broken = brokenThresholds();
    QString text = r.toText();
    for (const QString &b : broken)
        text += tr("threshold broken: %1\n").arg(b);
    m_summary->setPlainText(text);
    m_state->setText(r.answers == 0 ? tr("No answers from %1: is the cluster running?").arg(r.url)
                     : broken.isEmpty() ? tr("Passed: %1 answers, 0 duplicates, %2 gaps").arg(r.answers).arg(r.gaps)
                                        : tr("Failed: %1").arg(broken.join(QStringLiteral("; "))));
    updateButtons();
    emit runningChanged(false);
    emit finished(r);
}

void LoadPanel::showCapacity(const CapacityReport &r)
{
    m_capacity = r;
    m_hasCapacity = true;
    m_lastWasCapacity = true;
    m_chart->setReport(r);
    m_bar->setValue(m_bar->maximum());
    m_bar->setFormat(tr("done"));
    m_summary->setPlainText(r.toText());
    m_state->setText(r.highestSustainable > 0
                         ? tr("Highest sustainable rate %1 req/s, knee at %2 req/s%3")
                               .arg(r.highestSustainable, 0, 'f', 0).arg(r.knee, 0, 'f', 0)
                               .arg(r.foundLimit ? QString() : tr(" (no limit found within the steps)"))
                         : tr("Even the first step broke the SLO or the error limit"));
    updateButtons();
    emit runningChanged(false);
    emit capacityFinished(r);
}

QString LoadPanel::summaryText() const
{
    return m_summary->toPlainText();
}

Result<void> LoadPanel::saveJson(const QString &path) const
{
    if (m_lastWasCapacity ? !m_hasCapacity : !m_hasReport)
        return Error{tr("no finished run to save yet")};
    const QJsonObject json = m_lastWasCapacity ? m_capacity.toJson() : m_report.toJson();
    return writeFile(path, QJsonDocument(json).toJson(QJsonDocument::Indented));
}

Result<void> LoadPanel::saveCsv(const QString &path) const
{
    if (m_lastWasCapacity ? !m_hasCapacity : !m_hasReport)
        return Error{tr("no finished run to save yet")};
    return writeFile(path, (m_lastWasCapacity ? m_capacity.toCsv() : m_report.toCsv()).toUtf8());
}

void LoadPanel::saveWithDialog(bool json)
{
    const QString suggested = m_lastWasCapacity ? QStringLiteral("turno-capacity") : QStringLiteral("turno-load");
    const QString file = QFileDialog::getSaveFileName(this, json ? tr("Save results as JSON") : tr("Save results as CSV"),
                                                      suggested + (json ? QStringLiteral(".json") : QStringLiteral(".csv")),
                                                      json ? tr("JSON (*.json)") : tr("CSV (*.csv)"));
    if (file.isEmpty())
        return;
    const Result<void> r = json ? saveJson(file) : saveCsv(file);
    emit message(r.ok() ? tr("Saved %1").arg(file) : r.error());
}

Result<qint64> LoadPanel::attachToTimeline()
{
    if (!m_hasReport)
        return Error{tr("no finished load run to record yet")};
    if (m_recorded)
        return Error{tr("this run is already in the timeline")};
    IncidentStore *store = m_monitor->history();
    if (!store || !store->isOpen())
        return Error{tr("the timeline (incident database) is not open")};
    const auto ids = store->append({loadRunEvent(m_report, brokenThresholds(), QDateTime::currentMSecsSinceEpoch())});
    if (!ids.ok())
        return Error{ids.error()};
    m_recorded = true;
    updateButtons();
    return ids.value().value(0);
}

void LoadPanel::setReadOnly(bool readOnly, const QString &reason)
{
    m_readOnly = readOnly;
    m_readOnlyReason = reason;
    updateButtons();
}

void LoadPanel::setDark(bool dark)
{
    m_chart->setDark(dark);
}

void LoadPanel::updateButtons()
{
    const bool running = isRunning();
    m_start->setEnabled(!running && !m_readOnly);
    m_start->setToolTip(m_readOnly ? tr("Read-only: %1").arg(m_readOnlyReason) : tr("Start the run the form describes"));
    m_stop->setEnabled(running);
    const bool result = m_lastWasCapacity ? m_hasCapacity : m_hasReport;
    m_saveJson->setEnabled(!running && result);
    m_saveCsv->setEnabled(!running && result);
    m_attach->setEnabled(!running && m_hasReport && !m_lastWasCapacity && !m_recorded);
    m_attach->setText(m_recorded && !m_lastWasCapacity ? tr("Recorded in the timeline") : tr("Attach to &timeline"));
}

}  // namespace turno::console
