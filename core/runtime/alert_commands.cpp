#include "runtime/alert_commands.h"

#include "alerts/alertmanager_client.h"

#include "alerts/alert_engine.h"
#include "alerts/alert_notifier.h"
#include "alerts/alert_rule.h"
#include "fleet/fleet_supervisor.h"
#include "incidents/incident_store.h"
#include "runtime/fleet_monitor.h"

#include <QDateTime>
#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QFileSystemWatcher>
#include <QJsonArray>
#include <QJsonDocument>
#include <QSaveFile>
#include <QTimer>

namespace turno {

namespace {

constexpr qint64 kMaxSilenceMs = 30LL * 24 * 3600 * 1000;

qint64 nowMs()
{
    return QDateTime::currentMSecsSinceEpoch();
}

QString isoTime(qint64 ms)
{
    return QDateTime::fromMSecsSinceEpoch(ms).toUTC().toString(Qt::ISODate);
}

QString silenceScope(const AlertSilence &s)
{
    if (s.rule.isEmpty())
        return QStringLiteral("every alert on %1").arg(s.node);
    if (s.node.isEmpty())
        return QStringLiteral("%1 on every node").arg(s.rule);
    return QStringLiteral("%1 on %2").arg(s.rule, s.node);
}

}  // namespace

AlertCommands::AlertCommands(FleetMonitor *monitor)
    : QObject(monitor),
      m_monitor(monitor),
      m_notifier(new AlertNotifier(this)),
      m_alertmanager(new AlertmanagerClient(this)),
      m_watcher(new QFileSystemWatcher(this)),
      m_reloadDelay(new QTimer(this))
{
    AlertEngine *engine = monitor->alerts();
    setObjectName(QStringLiteral("alert-commands"));
    connect(engine, &AlertEngine::transition, this, &AlertCommands::onTransition);
    connect(engine, &AlertEngine::transition, m_alertmanager, &AlertmanagerClient::onTransition);
    // The console's silences as they are at each send, not as they were when the alert fired.
    m_alertmanager->setSilencedNow([engine](const Alert &a) { return engine->silenceCovering(a, nowMs()) != 0; });
    // A URL that stops answering is recorded when it starts failing and when a batch is given up;
    // and again when it answers.
    connect(m_alertmanager, &AlertmanagerClient::failed, this, [this](const QString &url, const QString &why, int attempt, bool givingUp) {
        const bool newlyFailing = !m_failingAlertmanagers.contains(url);
        m_failingAlertmanagers.insert(url);
        if (!newlyFailing && !givingUp)
            return;
        record({}, QStringLiteral("alert.notify-failed"), Severity::Warning,
               givingUp ? QStringLiteral("Alertmanager %1 did not take the alerts after %2 attempts (%3); they go again at the "
                                         "next re-send")
                              .arg(url).arg(attempt).arg(why)
                        : QStringLiteral("Alertmanager %1 does not answer (%2); retrying, the other Alertmanagers still get "
                                         "every alert")
                              .arg(url, why),
               {{QStringLiteral("channel"), QStringLiteral("alertmanager")}, {QStringLiteral("url"), url},
                {QStringLiteral("error"), why}, {QStringLiteral("attempt"), attempt}});
    });
    connect(m_alertmanager, &AlertmanagerClient::delivered, this, [this](const QString &url, int) {
        if (!m_failingAlertmanagers.remove(url))
            return;
        record({}, QStringLiteral("alert.notify-recovered"), Severity::Info,
               QStringLiteral("Alertmanager %1 takes alerts again").arg(url),
               {{QStringLiteral("channel"), QStringLiteral("alertmanager")}, {QStringLiteral("url"), url}});
    });

    connect(engine, &AlertEngine::silencesChanged, this, &AlertCommands::onSilencesChanged);
    connect(engine, &AlertEngine::acknowledged, this, &AlertCommands::onAcknowledged);
    connect(monitor, &FleetMonitor::stateChanged, this, &AlertCommands::onStateChanged);
    connect(m_notifier, &AlertNotifier::failed, this, [this](const QString &id, const QString &channel, const QString &why) {
        record({}, QStringLiteral("alert.notify-failed"), Severity::Warning,
               QStringLiteral("could not send alert %1 by %2: %3").arg(id, channel, why),
               {{QStringLiteral("alert"), id}, {QStringLiteral("channel"), channel}, {QStringLiteral("error"), why}});
    });
    // Editors save in bursts (truncate, write, rename): reload once things settle.
    m_reloadDelay->setSingleShot(true);
    m_reloadDelay->setInterval(300);
    connect(m_watcher, &QFileSystemWatcher::fileChanged, this, [this] { m_reloadDelay->start(); });
    connect(m_reloadDelay, &QTimer::timeout, this, &AlertCommands::onRulesFileChanged);

    const QString fromEnv = qEnvironmentVariable("TURNO_ALERT_RULES");
    if (!fromEnv.isEmpty()) {
        const Result<AlertRuleSet> r = reloadRules(QFileInfo(fromEnv).absoluteFilePath());
        if (!r.ok())
            qWarning("alert rules: %s; the built-in defaults are in force", qPrintable(r.error()));
    }

    monitor->addControlCommand(QStringLiteral("alerts"), [this](const QJsonObject &req, ControlServer::Reply reply) {
        reply(listAlerts(req));
    });
    // Delivery to each Alertmanager, and its silences that cover this cluster's alerts.
    monitor->addStatusPart(QStringLiteral("alertmanager"), [this]() -> QJsonValue {
        return m_alertmanager->urls().isEmpty() ? QJsonValue(QJsonValue::Undefined) : QJsonValue(m_alertmanager->statusJson());
    });
    monitor->addControlCommand(QStringLiteral("alertmanager-silences"), [this](const QJsonObject &, ControlServer::Reply reply) {
        if (m_alertmanager->urls().isEmpty())
            return reply(Error{QStringLiteral("no Alertmanager configured: add \"notify\": {\"alertmanager\": [URL, ...]} to the "
                                              "alert rules file")});
        m_alertmanager->fetchSilences(m_monitor->alerts()->alerts(), [this, reply](QList<AlertmanagerSilence> silences, QStringList errors) {
            QJsonArray out;
            for (const AlertmanagerSilence &s : silences)
                out << QJsonObject{{QStringLiteral("id"), s.id},
                                   {QStringLiteral("url"), s.url},
                                   {QStringLiteral("state"), s.state},
                                   {QStringLiteral("matchers"), s.matchers},
                                   {QStringLiteral("createdBy"), s.createdBy},
                                   {QStringLiteral("comment"), s.comment},
                                   {QStringLiteral("endsAt"), QDateTime::fromMSecsSinceEpoch(s.endsAtMs).toUTC().toString(Qt::ISODate)},
                                   {QStringLiteral("alerts"), QJsonArray::fromStringList(s.matchedAlerts)}};
            reply(QJsonValue(QJsonObject{{QStringLiteral("silences"), out},
                                         {QStringLiteral("errors"), QJsonArray::fromStringList(errors)},
                                         {QStringLiteral("delivery"), m_alertmanager->statusJson()}}));
        });
    });
    monitor->addControlCommand(QStringLiteral("silence"), [this](const QJsonObject &req, ControlServer::Reply reply) {
        reply(silence(req));
    });
    monitor->addControlCommand(QStringLiteral("ack"), [this](const QJsonObject &req, ControlServer::Reply reply) {
        reply(acknowledge(req));
    });
    monitor->addControlCommand(QStringLiteral("reload-rules"), [this](const QJsonObject &req, ControlServer::Reply reply) {
        reply(reloadCommand(req));
    });
}

QString AlertCommands::silencesPath(const QString &runDir)
{
    return runDir + QStringLiteral("/alert-silences.json");
}

QJsonObject AlertCommands::alertJson(const Alert &a)
{
    const qint64 since = a.state == Alert::State::Firing ? a.firingSinceMs
                         : a.state == Alert::State::Resolved ? a.resolvedAtMs
                                                             : a.pendingSinceMs;
    QJsonObject o{{QStringLiteral("id"), a.id},
                  {QStringLiteral("rule"), a.rule},
                  {QStringLiteral("severity"), a.severity},
                  {QStringLiteral("node"), a.node},
                  {QStringLiteral("instance"), a.instance},
                  {QStringLiteral("state"), Alert::stateName(a.state)},
                  {QStringLiteral("value"), a.value},
                  {QStringLiteral("threshold"), a.threshold},
                  {QStringLiteral("summary"), a.summary},
                  {QStringLiteral("sinceMs"), since},
                  {QStringLiteral("pendingSinceMs"), a.pendingSinceMs},
                  {QStringLiteral("firingSinceMs"), a.firingSinceMs},
                  {QStringLiteral("silenced"), a.silenced},
                  {QStringLiteral("acknowledged"), a.acknowledged}};
    if (a.silenced)
        o.insert(QStringLiteral("silencedBy"), a.silencedBy);
    if (a.acknowledged) {
        o.insert(QStringLiteral("acknowledgedBy"), a.acknowledgedBy);
        o.insert(QStringLiteral("acknowledgedAtMs"), a.acknowledgedAtMs);
    }
    return o;
}

// ---- rules -------------------------------------------------------------------

Result<AlertRuleSet> AlertCommands::reloadRules(const QString &fileOption)
{
    const QString file = fileOption.isEmpty() ? m_rulesFile : fileOption;
    if (file.isEmpty())
        return Error{QStringLiteral("the alert rules in force are the built-in defaults; give a rules FILE to load "
                                    "(turnoctl alerts reload-rules FILE, format in docs/alerts.md)")};
    Result<AlertRuleSet> loaded = AlertRuleLoader::loadFile(file);
    if (!loaded.ok()) {
        m_rulesError = loaded.error();
        record({}, QStringLiteral("alert.rules"), Severity::Warning,
               QStringLiteral("alert rules refused, the previous ones stay in force: %1").arg(loaded.error()),
               {{QStringLiteral("file"), file}, {QStringLiteral("error"), loaded.error()}});
        return loaded;
    }
    applyRules(loaded.value(), file);
    return loaded;
}

void AlertCommands::applyRules(const AlertRuleSet &set, const QString &file)
{
    m_monitor->alerts()->setRules(set);
    m_notifier->setWebhook(set.webhookUrl);
    m_notifier->setCommand(set.command);
    m_alertmanager->setResendIntervalMs(int(set.alertmanagerResendMs));
    m_alertmanager->setUrls(set.alertmanagerUrls);
    m_rulesError.clear();
    if (!m_watcher->files().isEmpty())
        m_watcher->removePaths(m_watcher->files());
    m_rulesFile = file;
    m_watcher->addPath(file);
    record({}, QStringLiteral("alert.rules"), Severity::Info,
           QStringLiteral("alert rules loaded from %1: %2 rules").arg(file).arg(set.rules.size()),
           {{QStringLiteral("file"), file}, {QStringLiteral("rules"), int(set.rules.size())}});
}

void AlertCommands::onRulesFileChanged()
{
    if (m_rulesFile.isEmpty())
        return;
    // A file replaced by rename drops out of the watch; an unreadable one keeps the old rules.
    if (!m_watcher->files().contains(m_rulesFile) && QFile::exists(m_rulesFile))
        m_watcher->addPath(m_rulesFile);
    const Result<AlertRuleSet> r = reloadRules();
    if (!r.ok())
        qWarning("alert rules: %s", qPrintable(r.error()));
}

Result<QJsonValue> AlertCommands::reloadCommand(const QJsonObject &req)
{
    QString file = req.value(QStringLiteral("file")).toString();
    if (!file.isEmpty() && QFileInfo(file).isRelative())
        return Error{QStringLiteral("reload-rules needs an absolute path (got %1)").arg(file)};
    const Result<AlertRuleSet> r = reloadRules(file);
    if (!r.ok())
        return Error{r.error()};
    QJsonObject notify;
    if (!r->webhookUrl.isEmpty())
        notify.insert(QStringLiteral("webhook"), r->webhookUrl);
    if (!r->command.isEmpty())
        notify.insert(QStringLiteral("command"), QJsonArray::fromStringList(r->command));
    return QJsonValue(QJsonObject{{QStringLiteral("file"), m_rulesFile},
                                  {QStringLiteral("rules"), int(r->rules.size())},
                                  {QStringLiteral("notify"), notify}});
}

// ---- alerts and acknowledgement -------------------------------------------------

Result<QJsonValue> AlertCommands::listAlerts(const QJsonObject &req) const
{
    const bool withResolved = req.value(QStringLiteral("resolved")).toBool(false);
    QJsonArray list;
    for (const Alert &a : m_monitor->alerts()->alerts())
        if (a.state != Alert::State::Resolved || withResolved)
            list << alertJson(a);
    QJsonObject result{{QStringLiteral("alerts"), list},
                       {QStringLiteral("nowMs"), nowMs()},
                       {QStringLiteral("lastEvaluationMs"), m_monitor->lastSampleMs()},
                       {QStringLiteral("rulesSource"), m_rulesFile.isEmpty() ? m_monitor->alerts()->rules().source : m_rulesFile},
                       {QStringLiteral("rules"), int(m_monitor->alerts()->rules().rules.size())},
                       {QStringLiteral("silences"), int(m_monitor->alerts()->silences().size())}};
    if (!m_rulesError.isEmpty())
        result.insert(QStringLiteral("rulesError"), m_rulesError);
    return QJsonValue(result);
}

Result<QJsonValue> AlertCommands::acknowledge(const QJsonObject &req)
{
    AlertEngine *engine = m_monitor->alerts();
    const QString id = req.value(QStringLiteral("id")).toString();
    const QString rule = req.value(QStringLiteral("rule")).toString();
    const QString node = ClusterLayout::resolveNodeName(req.value(QStringLiteral("node")).toString());
    const QString by = req.value(QStringLiteral("by")).toString(QStringLiteral("operator"));
    if (id.isEmpty() && (rule.isEmpty() || node.isEmpty()))
        return Error{QStringLiteral("ack needs the alert's rule and node (or its id); `turnoctl alerts` lists them")};
    QJsonArray done;
    for (const Alert &a : engine->alerts()) {
        const bool match = id.isEmpty() ? a.rule == rule && a.node == node : a.id == id;
        if (!match || (a.state != Alert::State::Firing && a.state != Alert::State::Pending))
            continue;
        const Result<void> r = engine->acknowledge(a.id, by, nowMs());
        if (!r.ok())
            return Error{r.error()};
        done << a.id;
    }
    if (done.isEmpty())
        return Error{id.isEmpty() ? QStringLiteral("no firing or pending alert %1 on %2; `turnoctl alerts` lists the active ones")
                                        .arg(rule, node)
                                  : QStringLiteral("no firing or pending alert with id %1; `turnoctl alerts` lists the active ones")
                                        .arg(id)};
    return QJsonValue(QJsonObject{{QStringLiteral("acknowledged"), done}, {QStringLiteral("by"), by}});
}

void AlertCommands::onAcknowledged(const Alert &a)
{
    record(a.node, QStringLiteral("alert.ack"), Severity::Info,
           QStringLiteral("%1 on %2 acknowledged by %3").arg(a.rule, a.node, a.acknowledgedBy.isEmpty() ? QStringLiteral("operator") : a.acknowledgedBy),
           {{QStringLiteral("rule"), a.rule}, {QStringLiteral("alert"), a.id}, {QStringLiteral("by"), a.acknowledgedBy},
            {QStringLiteral("state"), Alert::stateName(a.state)}});
}

// ---- silences -------------------------------------------------------------------

QStringList AlertCommands::knownNodes() const
{
    QStringList nodes;
    if (FleetSupervisor *s = m_monitor->supervisor())
        for (const FleetNode *n : s->nodes())
            nodes << n->name;
    for (const Alert &a : m_monitor->alerts()->alerts())
        nodes << a.node;
    nodes.removeDuplicates();
    return nodes;
}

Result<QJsonValue> AlertCommands::silence(const QJsonObject &req)
{
    AlertEngine *engine = m_monitor->alerts();
    const QString action = req.value(QStringLiteral("action")).toString(QStringLiteral("list"));
    if (action == QLatin1String("list")) {
        QJsonArray list;
        for (const AlertSilence &s : engine->silences())
            list << s.toJson();
        return QJsonValue(QJsonObject{{QStringLiteral("silences"), list}, {QStringLiteral("nowMs"), nowMs()}});
    }
    const QString by = req.value(QStringLiteral("author")).toString(QStringLiteral("operator"));
    if (action == QLatin1String("expire")) {
        const int id = req.value(QStringLiteral("id")).toInt(0);
        AlertSilence found;
        for (const AlertSilence &s : engine->silences())
            if (s.id == id)
                found = s;
        if (found.id == 0)
            return Error{QStringLiteral("there is no active silence #%1; `turnoctl silence --list` shows them").arg(id)};
        m_endedBy.insert(id, by);
        engine->removeSilence(id);
        return QJsonValue(QJsonObject{{QStringLiteral("expired"), found.toJson()}});
    }
    if (action != QLatin1String("add"))
        return Error{QStringLiteral("silence: unknown action \"%1\" (add, list, expire)").arg(action)};

    const QString rule = req.value(QStringLiteral("rule")).toString();
    const QString node = ClusterLayout::resolveNodeName(req.value(QStringLiteral("node")).toString());
    const qint64 durationMs = req.value(QStringLiteral("durationMs")).toInteger(0);
    const QString comment = req.value(QStringLiteral("comment")).toString();
    if (rule.isEmpty() && node.isEmpty())
        return Error{QStringLiteral("a silence needs a rule, a node or both (a silence of everything hides every alert)")};
    if (durationMs <= 0 || durationMs > kMaxSilenceMs)
        return Error{QStringLiteral("a silence lasts more than 0 and at most 30 days (got %1 ms)").arg(durationMs)};
    if (!rule.isEmpty() && !engine->rules().find(rule)) {
        QStringList names;
        for (const AlertRule &r : engine->rules().rules)
            names << r.name;
        return Error{QStringLiteral("there is no alert rule called %1; the rules in force: %2").arg(rule, names.join(QStringLiteral(", ")))};
    }
    const QStringList nodes = knownNodes();
    if (!node.isEmpty() && !nodes.contains(node))
        return Error{QStringLiteral("there is no node called %1; the nodes: %2").arg(node, nodes.join(QStringLiteral(", ")))};
    const qint64 now = nowMs();
    const int id = engine->addSilence(rule, node, durationMs, comment, now, by);
    AlertSilence added;
    for (const AlertSilence &s : engine->silences())
        if (s.id == id)
            added = s;
    QJsonArray matching;
    for (const Alert &a : engine->alerts())
        if (added.matches(a))
            matching << a.id;
    return QJsonValue(QJsonObject{{QStringLiteral("silence"), added.toJson()}, {QStringLiteral("matching"), matching}});
}

void AlertCommands::onSilencesChanged()
{
    QHash<int, AlertSilence> now;
    for (const AlertSilence &s : m_monitor->alerts()->silences())
        now.insert(s.id, s);
    if (!m_loading) {
        // Whoever changed them (this API or the console), the timeline says so.
        const qint64 at = nowMs();
        for (const AlertSilence &s : std::as_const(now)) {
            if (m_knownSilences.contains(s.id))
                continue;
            record(s.node, QStringLiteral("alert.silence"), Severity::Info,
                   QStringLiteral("silence #%1 by %2: %3 until %4%5")
                       .arg(s.id)
                       .arg(s.author.isEmpty() ? QStringLiteral("operator") : s.author, silenceScope(s), isoTime(s.untilMs),
                            s.comment.isEmpty() ? QString() : QStringLiteral(" (%1)").arg(s.comment)),
                   {{QStringLiteral("silence"), s.toJson()}, {QStringLiteral("action"), QStringLiteral("add")}});
        }
        for (const AlertSilence &s : std::as_const(m_knownSilences)) {
            if (now.contains(s.id))
                continue;
            const bool early = s.untilMs > at;
            const QString by = m_endedBy.take(s.id);
            record(s.node, QStringLiteral("alert.silence"), Severity::Info,
                   early ? QStringLiteral("silence #%1 (%2) ended early by %3")
                               .arg(s.id)
                               .arg(silenceScope(s), by.isEmpty() ? QStringLiteral("operator") : by)
                         : QStringLiteral("silence #%1 (%2) expired").arg(s.id).arg(silenceScope(s)),
                   {{QStringLiteral("silence"), s.toJson()},
                    {QStringLiteral("action"), early ? QStringLiteral("expire") : QStringLiteral("expired")}});
        }
    }
    m_knownSilences = now;
    saveSilences();
}

AlertCommands *AlertCommands::of(const FleetMonitor *monitor)
{
    return monitor ? monitor->findChild<AlertCommands *>(QStringLiteral("alert-commands"), Qt::FindDirectChildrenOnly) : nullptr;
}

void AlertCommands::onStateChanged()
{
    // The cluster label Alertmanager groups and silences by.
    if (m_monitor->supervisor() && !m_monitor->isAttached())
        m_alertmanager->setCluster(m_monitor->supervisor()->profile().name);
    FleetSupervisor *s = m_monitor->supervisor();
    if (!s || s->runDir().isEmpty() || s->runDir() == m_runDir)
        return;
    m_runDir = s->runDir();
    loadSilences();
}

void AlertCommands::loadSilences()
{
    QFile f(silencesPath(m_runDir));
    if (!f.open(QIODevice::ReadOnly))
        return;  // none saved yet
    QJsonParseError pe;
    const QJsonDocument doc = QJsonDocument::fromJson(f.readAll(), &pe);
    if (pe.error != QJsonParseError::NoError) {
        qWarning("%s: not valid JSON (%s); the silences in it are ignored", qPrintable(f.fileName()),
                 qPrintable(pe.errorString()));
        return;
    }
    AlertEngine *engine = m_monitor->alerts();
    const qint64 now = nowMs();
    m_loading = true;
    int restored = 0;
    for (const QJsonValue &v : doc.object().value(QStringLiteral("silences")).toArray()) {
        AlertSilence s;
        const bool known = std::any_of(engine->silences().cbegin(), engine->silences().cend(),
                                       [&](const AlertSilence &x) { return x.id == v.toObject().value(QStringLiteral("id")).toInt(); });
        if (!known && AlertSilence::fromJson(v.toObject(), &s) && engine->restoreSilence(s, now))
            ++restored;
    }
    m_loading = false;
    m_knownSilences.clear();
    for (const AlertSilence &s : engine->silences())
        m_knownSilences.insert(s.id, s);
    saveSilences();
    if (restored > 0)
        record({}, QStringLiteral("alert.silence"), Severity::Info,
               QStringLiteral("%1 silence(s) restored from %2").arg(restored).arg(f.fileName()),
               {{QStringLiteral("action"), QStringLiteral("restore")}, {QStringLiteral("count"), restored}});
}

void AlertCommands::saveSilences()
{
    if (m_runDir.isEmpty() || m_loading)
        return;
    QJsonArray list;
    for (const AlertSilence &s : m_monitor->alerts()->silences())
        list << s.toJson();
    QSaveFile f(silencesPath(m_runDir));
    if (!f.open(QIODevice::WriteOnly)) {
        qWarning("cannot save the alert silences to %s: %s", qPrintable(f.fileName()), qPrintable(f.errorString()));
        return;
    }
    f.setPermissions(QFile::ReadOwner | QFile::WriteOwner);
    f.write(QJsonDocument(QJsonObject{{QStringLiteral("version"), 1}, {QStringLiteral("silences"), list}})
                .toJson(QJsonDocument::Indented));
    if (!f.commit())
        qWarning("cannot save the alert silences to %s: %s", qPrintable(f.fileName()), qPrintable(f.errorString()));
}

// ---- timeline -------------------------------------------------------------------

void AlertCommands::onTransition(const AlertTransition &t)
{
    m_notifier->onTransition(t);  // silenced alerts stay quiet there
    // The monitor records unsilenced firing/resolved transitions (and opens
    // incidents); the rest are recorded here: pending and back to inactive,
    // and silenced ones, marked, without an incident.
    const bool firingOrResolved = t.to == Alert::State::Firing || t.to == Alert::State::Resolved;
    if (firingOrResolved && !t.alert.silenced)
        return;
    Severity severity = Severity::Info;
    if (t.to == Alert::State::Firing)
        parseSeverity(t.alert.severity, &severity);
    const QString state = Alert::stateName(t.to);
    QString summary = QStringLiteral("%1 %2 on %3 (value %4)")
                          .arg(t.alert.rule, t.to == Alert::State::Inactive ? QStringLiteral("cleared before firing") : state,
                               t.alert.node)
                          .arg(t.alert.value, 0, 'g', 6);
    if (t.alert.silenced)
        summary += QStringLiteral(", silenced by #%1").arg(t.alert.silencedBy);
    QJsonObject details{{QStringLiteral("rule"), t.alert.rule},
                        {QStringLiteral("severity"), t.alert.severity},
                        {QStringLiteral("state"), state},
                        {QStringLiteral("from"), Alert::stateName(t.from)},
                        {QStringLiteral("value"), t.alert.value},
                        {QStringLiteral("silenced"), t.alert.silenced}};
    if (t.alert.silenced)
        details.insert(QStringLiteral("silence"), t.alert.silencedBy);
    record(t.alert.node, QStringLiteral("alert.") + state, severity, summary, details);
}

void AlertCommands::record(const QString &node, const QString &kind, Severity severity, const QString &summary,
                           const QJsonObject &details)
{
    IncidentStore *history = m_monitor->history();
    if (history && history->isOpen())
        history->record(QStringLiteral("alerts"), node, kind, severity, summary, details);
}

}  // namespace turno
