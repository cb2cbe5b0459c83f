#include "failover/failover_run.h"

#include "failover/failover_preflight.h"
#include "failover/resp_text.h"

#include <QDateTime>
#include <QPointer>
#include <QTimer>
#include <array>
#include <memory>

namespace turno {

namespace {

constexpr int kPollMs = 10;
constexpr int kServePollMs = 20;  // activate, verify and sentinel: each check is a request through HAProxy or Sentinel
constexpr int kSlackMs = 500;

// Raises each counter among KEYS by ARGV[1], never past 2^53-1; other keys (the node
// registry's JSON, anything not a positive integer) are left alone. Returns how many rose.
const QByteArray kGapScript =
    "local n = 0\n"
    "local limit = 9007199254740991\n"
    "for _, k in ipairs(KEYS) do\n"
    "  local v = redis.pcall('GET', k)\n"
    "  local x = type(v) == 'string' and string.match(v, '^%d+$') and tonumber(v) or nil\n"
    "  if x and x >= 1 and x < limit then\n"
    "    local g = math.min(tonumber(ARGV[1]), limit - x)\n"
    "    redis.call('INCRBY', k, g)\n"
    "    n = n + 1\n"
    "  end\n"
    "end\n"
    "return n\n";

QString firstError(const Result<QList<RespValue>> &r)
{
    return r.ok() ? respText(r.value().value(0)) : r.error();
}

bool refused(const Result<QList<RespValue>> &r)
{
    return !r.ok() || r.value().value(0).type == RespValue::Type::Error;
}

}  // namespace

// A step's (or the rollback's) lifetime: requests are its children, answers are
// delivered only while it is open.
class FailoverRun::Scope : public QObject {
public:
    Scope(FailoverRun *run, qint64 start) : QObject(run), startMs(start) {}
    const StepSpec *step = nullptr;  // null for the rollback
    qint64 startMs;
    bool open = true;
};

// The step table: the order they run in, when each applies, its body, its bound
// and whether its failure may roll back. Past promote nothing rolls back (see
// pastPointOfNoReturn); the gate refuses instead; sentinel only warns.
const FailoverRun::StepSpec &FailoverRun::spec(FailoverStepId id)
{
    using R = FailoverRun;
    static const std::array<StepSpec, 11> table{{
        {FailoverStepId::Gate, nullptr, &R::stepGate, kSlackMs, false},
        {FailoverStepId::Probe, nullptr, &R::stepProbe, kSlackMs, true},
        {FailoverStepId::Drain, nullptr, &R::stepDrain, kSlackMs, true},
        {FailoverStepId::Pause, &R::hasRedisPair, &R::stepPause, kSlackMs, true},
        {FailoverStepId::CatchUp, &R::wasPaused, &R::stepCatchUp, kSlackMs, true},
        {FailoverStepId::Promote, &R::hasRedisPair, &R::stepPromote, kSlackMs, true},
        {FailoverStepId::Gap, &R::needsGap, &R::stepGap, kSlackMs, true},
        {FailoverStepId::Fence, &R::hasRedisPair, &R::stepFence, kSlackMs, true},
        {FailoverStepId::Activate, nullptr, &R::stepActivate, kSlackMs, true},
        {FailoverStepId::Verify, nullptr, &R::stepVerify, kSlackMs, true},
        {FailoverStepId::Sentinel, &R::sentinelFollows, &R::stepSentinel, kSlackMs, false},
    }};
    Q_ASSERT(table[size_t(id)].id == id);
    return table[size_t(id)];
}

FailoverRun::FailoverRun(FailoverFleet *fleet, Plan plan, QObject *parent)
    : QObject(parent), m_fleet(fleet), m_settings(fleet->settings()), m_plan(std::move(plan))
{
    m_report.from = m_plan.from;
    m_report.to = m_plan.to;
    m_report.trigger = m_plan.trigger;
    m_report.forced = m_plan.force;
    m_report.startedAtMs = QDateTime::currentMSecsSinceEpoch();
    m_oldPrimary = fleet->redisPrimary();
    m_newPrimary = fleet->redisReplica();
    m_report.redisPrimaryBefore = m_oldPrimary;
}

// The scopes are children: their requests go with them.
FailoverRun::~FailoverRun() = default;

void FailoverRun::start()
{
    m_clock.start();
    advance();
}

// ---- the dispatcher ---------------------------------------------------------

void FailoverRun::advance()
{
    if (m_finished)
        return;
    for (int i = m_index + 1; i <= int(FailoverStepId::Sentinel); ++i) {
        const StepSpec &s = spec(FailoverStepId(i));
        if (s.applies && !(this->*s.applies)())
            continue;
        m_index = i;
        return enter(s);
    }
    finish(Outcome::Done, m_report.message);
}

void FailoverRun::enter(const StepSpec &s)
{
    Scope *scope = openScope();
    scope->step = &s;
    emit stepStarted(stepName(s.id));
    // Every step is bounded, whatever its body waits for; the bound closes the step's scope.
    const int bound = m_settings.stepTimeoutMs + s.slackMs;
    QTimer::singleShot(bound, scope, [this, scope, bound] {
        endStep(scope, false, QStringLiteral("step timed out after %1 ms").arg(bound));
    });
    (this->*s.body)(scope);
}

void FailoverRun::endStep(Scope *scope, bool ok, const QString &detail)
{
    if (!scope->open || m_finished)
        return;  // the step's bound or its answer came first
    const StepSpec &s = *scope->step;
    closeScope(scope);
    const QString name = stepName(s.id);
    FailoverStep step{name, scope->startMs, m_clock.elapsed() - scope->startMs, ok, detail, s.id};
    m_report.steps << step;
    emit stepFinished(step);
    emit event(QStringLiteral("failover.step"), {},
               QStringLiteral("%1 %2 in %3 ms: %4").arg(name, ok ? QStringLiteral("ok") : QStringLiteral("FAILED"))
                   .arg(step.durationMs).arg(detail));
    if (ok)
        return advance();
    if (s.id == FailoverStepId::Gate)
        return finish(Outcome::Refused, QStringLiteral("refused by the pre-flight gate: %1. Fix it, or pass --force to switch anyway")
                                            .arg(detail));
    if (s.mayRollBack && !pastPointOfNoReturn())
        return rollback(QStringLiteral("%1 failed: %2").arg(name, detail));
    finish(Outcome::Degraded, QStringLiteral("%1 failed after the Redis roles changed: %2").arg(name, detail));
}

FailoverRun::Scope *FailoverRun::openScope()
{
    m_scope = new Scope(this, m_clock.elapsed());
    return m_scope;
}

void FailoverRun::closeScope(Scope *scope)
{
    scope->open = false;
    // Later, not now: the answer that ends the step may be running inside one of its requests.
    scope->deleteLater();
    if (m_scope == scope)
        m_scope = nullptr;
}

void FailoverRun::rollback(const QString &why)
{
    Scope *scope = openScope();
    const QString source = m_report.from;
    QTimer::singleShot(m_settings.stepTimeoutMs + kSlackMs, scope, [this, scope, why, source] {
        closeScope(scope);
        finish(Outcome::Degraded, QStringLiteral("%1; rolling back did not finish in time: put the %2 pool back by hand "
                                                 "(turnoctl enable NODE)").arg(why, source));
    });
    auto undoLayout = [this, scope, why, source] {
        setLayout(scope, source, [this, scope, why, source](Result<void> r) {
            closeScope(scope);
            m_report.rolledBack = r.ok();
            if (!r.ok())
                return finish(Outcome::Degraded, QStringLiteral("%1; rolling back the balancer failed too (%2): put the %3 pool back "
                                                                "by hand (turnoctl enable NODE)").arg(why, r.error(), source));
            finish(Outcome::RolledBack, QStringLiteral("%1; rolled back: the %2 pool serves as before, Redis roles unchanged")
                                            .arg(why, source));
        });
    };
    if (m_paused && m_primaryReachable) {
        m_paused = false;
        return redis(scope, m_oldPrimary, {{"CLIENT", "UNPAUSE"}}, 500, [undoLayout](Result<QList<RespValue>>) { undoLayout(); });
    }
    undoLayout();
}

void FailoverRun::finish(Outcome outcome, const QString &message)
{
    if (m_finished)
        return;
    m_finished = true;
    if (m_scope)
        closeScope(m_scope);
    m_report.ok = outcome == Outcome::Done;
    m_report.message = message;
    m_report.totalMs = m_report.switchMs >= 0 ? m_report.switchMs : m_clock.elapsed();
    m_report.settledMs = m_clock.elapsed();
    if (outcome == Outcome::Degraded) {
        if (m_report.message.isEmpty())
            m_report.message = QStringLiteral("stopped half way");
        m_report.message += QStringLiteral(". The cluster is degraded: check `turnoctl status`, the Redis roles "
                                           "(redis-cli ROLE) and Sentinel's view, then run `turnoctl failover --force` or "
                                           "`turnoctl failback --force`");
    }
    emit finished(m_report, outcome);
}

// ---- the fleet within a scope -----------------------------------------------

template <typename F>
auto FailoverRun::within(Scope *scope, F fn)
{
    // The scope is a child of the run: alive and open means the run is alive too.
    return [scope = QPointer<Scope>(scope), fn = std::move(fn)](auto &&...args) mutable {
        if (scope && scope->open)
            fn(std::forward<decltype(args)>(args)...);
    };
}

void FailoverRun::redis(Scope *s, const QString &node, const QList<QList<QByteArray>> &commands, int timeoutMs,
                        FailoverFleet::RedisDone done)
{
    m_fleet->redis(s, node, commands, timeoutMs, within(s, std::move(done)));
}

void FailoverRun::sentinel(Scope *s, const QList<QByteArray> &command, FailoverFleet::SentinelDone done)
{
    m_fleet->sentinel(s, command, within(s, std::move(done)));
}

void FailoverRun::info(Scope *s, const QString &node, std::function<void(Result<RedisInfo>)> done)
{
    m_fleet->info(s, node, within(s, std::move(done)));
}

void FailoverRun::poll(Scope *s, std::function<void(Done)> check, int intervalMs, int timeoutMs, Done done)
{
    struct Poll {
        std::function<void(Done)> check;
        Done done;
        int intervalMs, timeoutMs;
        QElapsedTimer clock;
        std::function<void()> attempt;  // set below; captures only a weak reference to this Poll
    };
    auto p = std::make_shared<Poll>(Poll{std::move(check), std::move(done), intervalMs, timeoutMs, {}, {}});
    p->clock.start();
    std::weak_ptr<Poll> weak = p;
    p->attempt = [this, s, weak] {
        const std::shared_ptr<Poll> keep = weak.lock();
        if (!keep)
            return;
        keep->check(within(s, [s, keep](bool ok, QString detail) {
            if (ok)
                return keep->done(true, detail);
            if (keep->clock.elapsed() >= keep->timeoutMs)
                return keep->done(false, QStringLiteral("not within %1 ms: %2").arg(keep->timeoutMs).arg(detail));
            QTimer::singleShot(keep->intervalMs, s, [keep] { keep->attempt(); });
        }));
    };
    // Each attempt's pending answer (or its timer, a child of the scope) holds the poll.
    p->attempt();
}

void FailoverRun::setLayout(Scope *s, const QString &active, std::function<void(Result<void>)> done)
{
    // HAProxy server states for `active` serving: its pool ready; the primary pool
    // drained while the secondary (HAProxy backup servers) serves.
    QList<BalancerServerSetting> settings;
    for (const FailoverTurnoNode &n : m_fleet->turnoNodes()) {
        if (n.removing)
            continue;
        const bool drain = active == QLatin1String("secondary") && n.pool == QLatin1String("primary");
        settings << BalancerServerSetting{n.name, drain ? BalancerServerSetting::Action::Drain : BalancerServerSetting::Action::Ready};
    }
    m_fleet->setBalancerServers(s, settings, within(s, std::move(done)));
}

FailoverRun::Done FailoverRun::stepDone(Scope *s)
{
    return within(s, [this, s](bool ok, QString detail) { endStep(s, ok, detail); });
}

// ---- when steps apply ---------------------------------------------------------

bool FailoverRun::hasRedisPair() const
{
    // Memory store or no replica: the switch moves traffic only.
    return !m_oldPrimary.isEmpty() && !m_newPrimary.isEmpty();
}

bool FailoverRun::needsGap() const
{
    // Async durability answers before the replica has the increment: a lost primary may take
    // acknowledged numbers with it. A planned switch waited for the replica to hold everything
    // (catch-up) and needs no gap.
    return hasRedisPair() && m_settings.asyncDurability && !m_paused && m_settings.asyncGap > 0;
}

bool FailoverRun::sentinelFollows() const
{
    return m_fleet->hasSentinels() && !m_report.redisPrimaryAfter.isEmpty();
}

// ---- the steps ----------------------------------------------------------------

void FailoverRun::stepGate(Scope *s)
{
    auto *gate = new FailoverPreflight(m_fleet, m_plan.to, s);
    gate->run(within(s, [this, s, gate](FailoverGate result) {
        m_primaryReachable = !gate->primaryUnreachable();
        if (result.ok())
            return endStep(s, true, QStringLiteral("%1 checks passed").arg(result.checks.size()));
        if (m_plan.force)
            return endStep(s, true, QStringLiteral("forced past: ") + result.failures());
        endStep(s, false, result.failures());
    }));
}

void FailoverRun::stepProbe(Scope *s)
{
    if (!m_primaryReachable)
        return endStep(s, true, QStringLiteral("skipped: the Redis primary is unreachable, nothing can answer"));
    m_fleet->probeTurno(s, m_plan.probeId, 500, within(s, [this, s](Result<qint64> r) {
        if (r.ok()) {
            m_report.probeBefore = r.value();
            return endStep(s, true, QStringLiteral("probe turno %1 through the balancer").arg(r.value()));
        }
        // Nothing answers (the reason for an automatic switch, usually): verify needs an answer only.
        endStep(s, true, QStringLiteral("no answer before the switch (%1); verify checks the answer only").arg(r.error()));
    }));
}

void FailoverRun::stepDrain(Scope *s)
{
    const QString target = m_report.to;
    setLayout(s, target, [this, s, target](Result<void> r) {
        if (!r.ok())
            return endStep(s, false, r.error());
        endStep(s, true, target == QLatin1String("secondary")
                             ? QStringLiteral("primary pool drained at HAProxy; the secondary pool takes new requests")
                             : QStringLiteral("primary pool ready at HAProxy; the secondary pool (backup) takes no new requests"));
    });
}

void FailoverRun::stepPause(Scope *s)
{
    if (!m_primaryReachable)
        return endStep(s, true, QStringLiteral("%1 unreachable: nothing to pause; it is treated as lost").arg(m_oldPrimary));
    const int pauseMs = m_settings.stepTimeoutMs * 3;
    redis(s, m_oldPrimary, {{"CLIENT", "PAUSE", QByteArray::number(pauseMs), "WRITE"}, {"INFO", "replication"}}, 500,
          [this, s, pauseMs](Result<QList<RespValue>> r) {
        if (!r.ok()) {
            m_primaryReachable = false;
            return endStep(s, true, QStringLiteral("%1 unreachable (%2): nothing to pause; it is treated as lost").arg(m_oldPrimary, r.error()));
        }
        if (r.value().value(0).type == RespValue::Type::Error)
            return endStep(s, false, QStringLiteral("CLIENT PAUSE refused: ") + respText(r.value().value(0)));
        m_paused = true;
        const Result<RedisInfo> info = RedisInfo::parse(r.value().value(1).text);
        if (!info.ok())
            return endStep(s, false, QStringLiteral("writes paused on %1, but its INFO does not parse: %2").arg(m_oldPrimary, info.error()));
        m_pausedOffset = info->masterReplOffset();
        endStep(s, true, QStringLiteral("writes paused on %1 (at most %2 ms) at offset %3").arg(m_oldPrimary).arg(pauseMs).arg(m_pausedOffset));
    });
}

void FailoverRun::stepCatchUp(Scope *s)
{
    poll(s, [this, s](Done check) {
        info(s, m_newPrimary, [this, check](Result<RedisInfo> r) {
            if (!r.ok())
                return check(false, r.error());
            const qint64 offset = r->slaveReplOffset();
            check(offset >= m_pausedOffset, QStringLiteral("replica at offset %1, primary at %2").arg(offset).arg(m_pausedOffset));
        });
    }, kPollMs, m_settings.stepTimeoutMs, stepDone(s));
}

void FailoverRun::stepPromote(Scope *s)
{
    const QByteArray master = m_settings.sentinelMaster.toUtf8();
    if (m_fleet->hasSentinels()) {
        return sentinel(s, {"SENTINEL", "FAILOVER", master}, [this, s](Result<RespValue> r) {
            if (!r.ok())
                return endStep(s, false, r.error());
            const QString answer = respText(r.value());
            if (r.value().type == RespValue::Type::Error && !answer.startsWith(QLatin1String("INPROG")))
                return endStep(s, false, QStringLiteral("SENTINEL FAILOVER refused: ") + answer);
            promoteAccepted(s, QStringLiteral("SENTINEL FAILOVER: ") + answer);
        });
    }
    if (m_primaryReachable) {
        // The replica already holds every byte (pause + catch-up above); FAILOVER's own wait for the
        // replica's next ACK (up to a second) adds nothing, so FORCE it after 100 ms.
        const QByteArray port = QByteArray::number(m_fleet->redisPort(m_newPrimary));
        return redis(s, m_oldPrimary, {{"FAILOVER", "TO", "127.0.0.1", port, "FORCE", "TIMEOUT", "100"}}, 1000,
                     [this, s](Result<QList<RespValue>> r) {
            if (refused(r))
                return endStep(s, false, QStringLiteral("FAILOVER refused: ") + firstError(r));
            promoteAccepted(s, QStringLiteral("FAILOVER on %1").arg(m_oldPrimary));
        });
    }
    redis(s, m_newPrimary, {{"REPLICAOF", "NO", "ONE"}}, 1000, [this, s](Result<QList<RespValue>> r) {
        if (refused(r))
            return endStep(s, false, QStringLiteral("REPLICAOF NO ONE refused: ") + firstError(r));
        promoteAccepted(s, QStringLiteral("REPLICAOF NO ONE on %1 (the primary is gone)").arg(m_newPrimary));
    });
}

void FailoverRun::promoteAccepted(Scope *s, const QString &how)
{
    // The point of no return: the Redis roles may change under us from here on.
    m_promoteAccepted = true;
    poll(s, [this, s](Done check) {
        redis(s, m_newPrimary, {{"ROLE"}}, 1000, [this, check](Result<QList<RespValue>> r) {
            const RespValue role = r.ok() ? r.value().value(0) : RespValue{};
            const QByteArray name = role.items.isEmpty() ? QByteArray() : role.items.first().text;
            // Done at the role change: the demoted primary then names it to the nodes (they follow
            // a replica's primary at once) and Sentinel confirms within its INFO period, checked
            // after verify.
            check(name == "master", name == "master" ? QStringLiteral("%1 is primary").arg(m_newPrimary)
                                                     : QStringLiteral("%1 role is %2").arg(m_newPrimary, r.ok() ? QString::fromUtf8(name) : r.error()));
        });
    }, kPollMs, m_settings.stepTimeoutMs, [this, s, how](bool ok, QString detail) {
        // Still a replica: nothing changed after all (Sentinel took the request but did not act,
        // e.g. in TILT mode on a starved machine), so this is rolled back like an earlier step.
        // Should Sentinel promote later, the controller follows its view.
        if (!ok && detail.contains(QLatin1String("role is slave")))
            m_stillReplica = true;
        endStep(s, ok, how + QStringLiteral("; ") + detail);
    });
}

void FailoverRun::stepGap(Scope *s)
{
    // Before any node writes to the promoted replica, every counter jumps by the profile's gap,
    // so numbers a lost primary acknowledged are not handed out again.
    // The promoted node counts no replica yet (min-replicas-to-write): lift that for these writes only.
    redis(s, m_newPrimary, {{"CONFIG", "GET", "min-replicas-to-write"}, {"CONFIG", "SET", "min-replicas-to-write", "0"}}, 1000,
          [this, s](Result<QList<RespValue>> r) {
        if (!r.ok())
            return endStep(s, false, r.error());
        raiseCounters(s, "0", r.value().value(0).items.value(1).text, 0);
    });
}

void FailoverRun::raiseCounters(Scope *s, const QByteArray &cursor, const QByteArray &before, qint64 raised)
{
    const QByteArray gap = QByteArray::number(m_settings.asyncGap);
    auto restore = [this, s, before](bool ok, const QString &detail) {
        redis(s, m_newPrimary, {{"CONFIG", "SET", "min-replicas-to-write", before.isEmpty() ? QByteArray("1") : before}}, 1000,
              [this, s, ok, detail](Result<QList<RespValue>>) { endStep(s, ok, detail); });
    };
    redis(s, m_newPrimary, {{"SCAN", cursor, "MATCH", "turno:*", "COUNT", "1000"}}, 2000,
          [this, s, gap, before, raised, restore](Result<QList<RespValue>> scan) {
        if (!scan.ok() || scan.value().value(0).items.size() != 2)
            return restore(false, QStringLiteral("SCAN failed: ") + firstError(scan));
        const RespValue page = scan.value().value(0);
        const QByteArray next = page.items[0].text;
        QList<QByteArray> eval{"EVAL", kGapScript, QByteArray::number(page.items[1].items.size())};
        for (const RespValue &k : page.items[1].items)
            eval << k.text;
        eval << gap;
        redis(s, m_newPrimary, {eval}, 2000, [this, s, next, gap, before, raised, restore](Result<QList<RespValue>> e) {
            if (refused(e))
                return restore(false, QStringLiteral("raising the counters failed: ") + firstError(e));
            const qint64 total = raised + e.value().value(0).integer;
            if (next == "0")
                return restore(true, QStringLiteral("%1 counters raised by %2 (async durability, the primary was lost)")
                                         .arg(total).arg(QString::fromLatin1(gap)));
            raiseCounters(s, next, before, total);
        });
    });
}

void FailoverRun::stepFence(Scope *s)
{
    m_fleet->setRedisPrimary(m_newPrimary);
    m_report.redisPrimaryAfter = m_newPrimary;
    if (!m_primaryReachable) {
        m_fleet->restartRedisAsReplica(s, m_oldPrimary, within(s, [this, s](Result<void> r) {
            if (!r.ok())
                return endStep(s, false, QStringLiteral("%1 is lost and could not be restarted as a replica: %2").arg(m_oldPrimary, r.error()));
            waitForReplica(s, QStringLiteral("%1 was lost; restarted empty as a replica of %2").arg(m_oldPrimary, m_newPrimary));
        }));
        return;
    }
    // Demote (what Sentinel would do once it notices), cut its clients off, then let the paused ones go: they
    // find a replica (READONLY, nothing consumed) or a closed connection, and follow Sentinel.
    const QByteArray newPort = QByteArray::number(m_fleet->redisPort(m_newPrimary));
    redis(s, m_oldPrimary, {{"REPLICAOF", "127.0.0.1", newPort}, {"CLIENT", "KILL", "TYPE", "normal"}, {"CLIENT", "UNPAUSE"}}, 1000,
          [this, s](Result<QList<RespValue>> r) {
        if (!r.ok()) {
            // It went away meanwhile: treat it as lost.
            m_primaryReachable = false;
            m_fleet->restartRedisAsReplica(s, m_oldPrimary, within(s, [this, s](Result<void> rr) {
                if (!rr.ok())
                    return endStep(s, false, rr.error());
                waitForReplica(s, QStringLiteral("%1 vanished during the fence; restarted as a replica").arg(m_oldPrimary));
            }));
            return;
        }
        m_paused = false;
        QStringList answers;
        for (const RespValue &v : r.value())
            answers << respText(v);
        waitForReplica(s, QStringLiteral("%1 demoted, clients cut off, unpaused (%2)").arg(m_oldPrimary, answers.join(QStringLiteral(", "))));
    });
}

void FailoverRun::waitForReplica(Scope *s, const QString &how)
{
    // The new primary accepts writes once it counts a replica (min-replicas-to-write): the old primary, demoted.
    poll(s, [this, s](Done check) {
        info(s, m_newPrimary, [check](Result<RedisInfo> r) {
            if (!r.ok())
                return check(false, r.error());
            const QString slave = r->value(QStringLiteral("slave0"));
            check(slave.contains(QLatin1String("state=online")),
                  slave.isEmpty() ? QStringLiteral("no replica attached yet") : QStringLiteral("replica ") + slave);
        });
    }, kPollMs, m_settings.stepTimeoutMs, [this, s, how](bool ok, QString detail) { endStep(s, ok, how + QStringLiteral("; ") + detail); });
}

void FailoverRun::stepActivate(Scope *s)
{
    const QString target = m_report.to;
    // Nodes that failed their checks while Redis was away would need `rise` more checks to
    // come back; the data tier is fine again, so mark running ones up now. The next check
    // still overrules: a node that is really broken goes DOWN again.
    QList<BalancerServerSetting> up;
    for (const FailoverTurnoNode &n : m_fleet->turnoNodes())
        if (n.pool == target && !n.removing && n.running)
            up << BalancerServerSetting{n.name, BalancerServerSetting::Action::HealthUp};
    if (!up.isEmpty())
        m_fleet->setBalancerServers(s, up, [](Result<void>) {});
    poll(s, [this, s, target](Done check) {
        m_fleet->balancerServers(s, within(s, [this, target, check](Result<QList<BalancerServerState>> servers) {
            if (!servers.ok())
                return check(false, servers.error());
            QStringList serving;
            for (const FailoverTurnoNode &n : m_fleet->turnoNodes())
                for (const BalancerServerState &st : servers.value())
                    if (st.server == n.name && n.pool == target && st.balancer() == BalancerState::Up)
                        serving << n.name;
            check(!serving.isEmpty(), QStringLiteral("%1 pool serving: %2")
                                          .arg(target, serving.isEmpty() ? QStringLiteral("none UP") : serving.join(QStringLiteral(", "))));
        }));
    }, kServePollMs, m_settings.stepTimeoutMs, [this, s, target](bool ok, QString detail) {
        if (ok)
            emit activated(target);
        endStep(s, ok, detail);
    });
}

void FailoverRun::stepVerify(Scope *s)
{
    poll(s, [this, s](Done check) {
        // Nodes hold a request while their Redis link comes back (retry window): wait for the answer.
        // Should the step's bound come first, closing the scope aborts this probe and drops its answer.
        m_fleet->probeTurno(s, m_plan.probeId, m_settings.stepTimeoutMs, within(s, [this, check](Result<qint64> r) {
            if (!r.ok())
                return check(false, r.error());
            m_report.probeAfter = r.value();
            check(true, {});
        }));
    }, kServePollMs, m_settings.stepTimeoutMs, [this, s](bool ok, QString detail) {
        const qint64 before = m_report.probeBefore, after = m_report.probeAfter;
        if (!ok)
            return endStep(s, false, QStringLiteral("no good turno through the balancer: ") + detail);
        if (before >= 0 && after <= before)
            return endStep(s, false, QStringLiteral("ALARM: the probe answered %1, not above %2 issued before the switch: "
                                                    "the data tier lost writes").arg(after).arg(before));
        endStep(s, true, before >= 0 ? QStringLiteral("probe turno %1 > %2 issued before").arg(after).arg(before)
                                     : QStringLiteral("probe turno %1").arg(after));
    });
}

void FailoverRun::stepSentinel(Scope *s)
{
    // Not part of the switch's own time (clients are served already); the next switch's gate needs it.
    m_report.switchMs = s->startMs;
    const QByteArray master = m_settings.sentinelMaster.toUtf8();
    const QByteArray newPort = QByteArray::number(m_fleet->redisPort(m_newPrimary));
    poll(s, [this, s, master, newPort](Done check) {
        sentinel(s, {"SENTINEL", "GET-MASTER-ADDR-BY-NAME", master}, [this, newPort, check](Result<RespValue> r) {
            const bool named = r.ok() && r.value().items.size() == 2 && r.value().items[1].text == newPort;
            check(named, named ? QStringLiteral("Sentinel names %1").arg(m_newPrimary)
                               : QStringLiteral("Sentinel still names %1").arg(r.ok() ? respText(r.value()) : r.error()));
        });
    }, kServePollMs, m_settings.stepTimeoutMs, [this, s](bool ok, QString detail) {
        // Clients are served already and the nodes follow the demoted primary; a Sentinel that is
        // slow to agree (a starved machine) is worth a warning, not a degraded cluster. The next
        // gate waits for it, and the controller keeps following Sentinel's view.
        if (!ok)
            m_report.message = QStringLiteral("warning: Sentinel did not name %1 within the step's bound (%2); "
                                              "the next switch waits for it").arg(m_newPrimary, detail);
        endStep(s, true, ok ? detail : QStringLiteral("not yet: ") + detail);
    });
}

}  // namespace turno
