package org.yishi.platform.schedule;

import io.vertx.core.Future;
import io.vertx.core.VerticleBase;

import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * The scheduler: every interval, for each {@link Job}, the node that takes the job's cluster-wide
 * lock runs it with the time of the injectable {@link Clock} (tests move it). The lock keeps a job
 * on one node at a time (the fast path); each job keeps itself exactly-once in PostgreSQL (unique
 * keys, conditional updates, SKIP LOCKED claims), because Hazelcast's locks are not partition-safe
 * without its CP subsystem. A job still running on this node is not started again; a failed run is
 * logged and retried at the next interval.
 */
public final class SchedulerVerticle extends VerticleBase {
  private static final Logger LOG = Logger.getLogger(SchedulerVerticle.class.getName());

  /**
   * One piece of cluster-wide periodic work.
   *
   * @param name what the log calls it
   * @param lock the cluster-wide lock it runs under (one name per job, so jobs do not wait for each other)
   * @param run  the work for the clock's current time; its future ends when the work is committed
   */
  public record Job(String name, String lock, Function<Instant, Future<?>> run) {
  }

  private final Clock clock;
  private final long intervalMillis;
  private final List<Job> jobs;
  private final Set<String> running = ConcurrentHashMap.newKeySet();
  private long timer;

  public SchedulerVerticle(Clock clock, long intervalMillis, List<Job> jobs) {
    this.clock = clock;
    this.intervalMillis = intervalMillis;
    this.jobs = List.copyOf(jobs);
  }

  @Override
  public Future<?> start() {
    timer = vertx.setPeriodic(intervalMillis, intervalMillis, id -> jobs.forEach(this::tick));
    return Future.succeededFuture();
  }

  private void tick(Job job) {
    if (!running.add(job.name())) {
      return; // still at it on this node
    }
    vertx.sharedData().getLockWithTimeout(job.lock(), 100)
        .onFailure(err -> running.remove(job.name())) // another node is on it this time
        .onSuccess(lock -> {
          Future<?> work;
          try {
            work = job.run().apply(clock.instant());
          } catch (RuntimeException e) {
            work = Future.failedFuture(e);
          }
          work.onFailure(err -> LOG.log(Level.WARNING, "Scheduled job '" + job.name() + "' failed; retried next interval", err))
              .onComplete(ar -> {
                lock.release();
                running.remove(job.name());
              });
        });
  }

  @Override
  public Future<?> stop() {
    vertx.cancelTimer(timer);
    return Future.succeededFuture();
  }
}
