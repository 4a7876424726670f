package org.yishi.meeting;

import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import org.yishi.outcome.OutcomeService;
import org.yishi.platform.App;

import java.time.Clock;
import java.util.concurrent.TimeUnit;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * The scheduler: every interval, the node that takes the cluster-wide lock creates the due
 * reminders, sends the outbox and escalates overdue outcomes. The lock keeps the work on one node (the fast path); the unique
 * dedupe keys and SKIP LOCKED claims keep it exactly-once even if two nodes held it at once
 * (Hazelcast's locks are not partition-safe without its CP subsystem).
 */
public final class SchedulerVerticle extends VerticleBase {
  private static final Logger LOG = Logger.getLogger(SchedulerVerticle.class.getName());
  private static final String LOCK = "yishi.scheduler";
  private final App app;
  private final ReminderService reminders;
  private final Clock clock;
  private final OutcomeService outcomes;
  private long timer;

  public SchedulerVerticle(App app, ReminderService reminders, Clock clock) {
    this.app = app;
    this.reminders = reminders;
    this.clock = clock;
    this.outcomes = new OutcomeService(app.pool(), app.events());
  }

  @Override
  public Future<?> start() {
    long interval = TimeUnit.SECONDS.toMillis(app.config().schedulerIntervalSeconds());
    timer = vertx.setPeriodic(interval, interval, id -> tick());
    return Future.succeededFuture();
  }

  private void tick() {
    vertx.sharedData().getLockWithTimeout(LOCK, 100)
        .onSuccess(lock -> reminders.runOnce(clock.instant())
            .compose(r -> reminders.sendOutbox(app.cluster().getNodeId()))
            .onFailure(err -> LOG.log(Level.WARNING, "Reminder run failed; retried next interval", err))
            .transform(ar -> outcomes.escalateOverdue(clock.instant()))
            .onFailure(err -> LOG.log(Level.WARNING, "Overdue escalation failed; retried next interval", err))
            .onComplete(ar -> lock.release()));
    // not getting the lock means another node is on it this time
  }

  @Override
  public Future<?> stop() {
    vertx.cancelTimer(timer);
    return Future.succeededFuture();
  }
}
