package org.yishi.report;

import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Pool;
import org.yishi.platform.audit.AuditEntry;
import org.yishi.platform.audit.AuditLog;
import org.yishi.platform.config.AppConfig;
import org.yishi.platform.events.DomainEvent;
import org.yishi.platform.events.DomainEvents;
import org.yishi.platform.http.AppException;
import org.yishi.platform.schedule.Cron;
import org.yishi.platform.security.Jurisdiction;
import org.yishi.platform.security.Principal;
import org.yishi.platform.security.Role;
import org.yishi.platform.web.I18n;
import org.yishi.platform.web.PageRequest;

import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.YearMonth;
import java.time.ZoneId;
import java.time.ZonedDateTime;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Roll-up reports for the city and district committees: scheduled generation with catch-up of
 * missed periods, regeneration on demand as a new version, the schedules (configuration defaults,
 * admin overrides), and reading issued snapshots within the caller's jurisdiction.
 *
 * <p>Exactly one report per period: the scheduler runs {@link #runDue} under the cluster-wide lock
 * {@link #LOCK} (the fast path), and each report is written in one transaction whose insert of
 * version 1 does nothing when that period already has a report (the unique key on kind, unit,
 * period and version is the guarantee). A node that dies while generating has written nothing; the
 * lock passes to another member, which generates the period in full.
 */
public final class ReportService {
  /** The cluster-wide lock of scheduled generation. */
  public static final String LOCK = "yishi.reports";
  private static final Logger LOG = Logger.getLogger(ReportService.class.getName());
  /** A scheduled run within this long after its fire time counts as on schedule; later ones as catch-up. */
  private static final Duration ON_TIME = Duration.ofHours(1);

  /**
   * Test hook: when set, each scheduled generation first waits for the future it returns (given
   * {@code kind:unit:period}), after the lock was taken and before anything is written. Tests use it to
   * hold a node mid-generation and kill it. Never set in production.
   */
  static volatile Function<String, Future<Void>> beforeScheduledIssue;

  private final Pool pool;
  private final AppConfig.ReportSettings settings;
  private final String node;
  private final ReportStore store;
  private final ReportBuilder builder;
  private final ReportSources committees;
  private final DomainEvents events;

  /** @param sources what reports are made of, from the features that own it (see {@link ReportSources}) */
  public ReportService(Pool pool, AppConfig.ReportSettings settings, String node, ReportSources sources) {
    this(pool, settings, node, sources, null);
  }

  /** @param events where {@code report.issued} is published after a report commits (null: nowhere) */
  public ReportService(Pool pool, AppConfig.ReportSettings settings, String node, ReportSources sources, DomainEvents events) {
    this.events = events;
    this.pool = pool;
    this.settings = settings;
    this.node = node;
    this.store = new ReportStore(pool, settings.zone());
    this.builder = new ReportBuilder(sources, settings.zone());
    this.committees = sources;
  }

  public ReportStore store() {
    return store;
  }

  public ZoneId zone() {
    return settings.zone();
  }

  // ------------------------------------------------------------------ schedules

  /**
   * One schedule as in force: its cron expression and whether it runs, from the admins' override
   * when there is one, else from the configuration.
   */
  public record Schedule(String id, String level, ReportPeriod.Kind kind, String cron, boolean enabled,
                         String defaultCron, boolean defaultEnabled, boolean overridden, int version, String updatedAt) {
    public JsonObject toJson(ZoneId zone, Instant now) {
      JsonObject j = new JsonObject().put("id", id).put("level", level).put("kind", kind.key()).put("cron", cron)
          .put("enabled", enabled).put("defaultCron", defaultCron).put("defaultEnabled", defaultEnabled)
          .put("source", overridden ? "admin" : "config").put("version", version).put("updatedAt", updatedAt)
          .put("zone", zone.getId());
      Optional<ZonedDateTime> next = enabled ? Cron.parse(cron).next(now.atZone(zone), zone) : Optional.empty();
      return j.put("nextRun", next.map(t -> t.toOffsetDateTime().toString()).orElse(null))
          .put("nextPeriod", next.map(t -> ReportPeriod.before(kind, t.toLocalDate()).key()).orElse(null));
    }
  }

  static String levelOf(String scheduleId) {
    return scheduleId.substring(0, scheduleId.indexOf('_'));
  }

  static ReportPeriod.Kind kindOf(String scheduleId) {
    return ReportPeriod.Kind.fromKey(scheduleId.substring(scheduleId.indexOf('_') + 1));
  }

  /** The schedules in force, in display order. */
  public Future<List<Schedule>> schedules() {
    return store.scheduleOverrides().map(overrides -> {
      List<Schedule> out = new ArrayList<>();
      for (String id : AppConfig.ReportSettings.IDS) {
        String configured = settings.schedules().get(id);
        boolean defaultEnabled = !"off".equals(configured);
        String defaultCron = defaultEnabled ? configured : AppConfig.DEFAULT_SCHEDULES.get(id);
        ReportStore.ScheduleRow row = overrides.get(id);
        out.add(row == null
            ? new Schedule(id, levelOf(id), kindOf(id), defaultCron, defaultEnabled, defaultCron, defaultEnabled, false, 0, null)
            : new Schedule(id, levelOf(id), kindOf(id), row.cron(), row.enabled(), defaultCron, defaultEnabled, true,
                row.version(), row.updatedAt()));
      }
      return out;
    });
  }

  /**
   * Changes a schedule (admins): a valid five-field cron expression (422 naming the problem
   * otherwise), on or off, at the version the admin saw (409 when someone saved in between; 0 when
   * it still follows the configuration). Audited.
   */
  public Future<Schedule> saveSchedule(Principal actor, String id, String cron, boolean enabled, int version) {
    if (!actor.is(Role.ADMIN)) {
      return Future.failedFuture(AppException.forbidden("Only admins change report schedules"));
    }
    if (!AppConfig.ReportSettings.IDS.contains(id)) {
      return Future.failedFuture(AppException.notFound("No such report schedule"));
    }
    String normalised;
    try {
      normalised = Cron.parse(cron).toString();
    } catch (Cron.CronException e) {
      return Future.failedFuture(AppException.invalid("cron", "report.error.cron", e.getMessage()));
    }
    return pool.withTransaction(tx -> store.saveSchedule(tx, id, normalised, enabled, actor.id(), version)
            .compose(saved -> saved
                ? AuditLog.record(tx, new AuditEntry(actor.id(), actor.username(), "report.schedule", "report_schedule", id,
                    null, null, new JsonObject().put("cron", normalised).put("enabled", enabled))).map(true)
                : Future.succeededFuture(false)))
        .compose(saved -> saved ? schedules()
            : Future.failedFuture(AppException.conflict("The schedule was changed by someone else; reload and try again")))
        .map(all -> all.stream().filter(s -> s.id().equals(id)).findFirst().orElseThrow())
        .onSuccess(s -> {
          if (events != null) {
            events.publish(DomainEvent.REPORT_SCHEDULES_CHANGED, new JsonObject().put("id", id)); // the city's queue lists the next runs
          }
        });
  }

  // ------------------------------------------------------------------ scheduled generation

  /** One report a schedule owes: its kind, unit, period and whether it is on time or caught up. */
  record Due(ReportPeriod period, String unitCode, String trigger) {
    String key() {
      return period.kind().key() + ":" + unitCode + ":" + period.key();
    }
  }

  /**
   * Generates every report the schedules owe at {@code now} that has not been issued: for each
   * enabled schedule, the periods of its last fire times (at most {@code catchUpPeriods} of them, none
   * before this installation started), for each unit of its level (the city committees' cities, the
   * district committees' districts). Runs the reports one after another; a failed one is logged and
   * tried again at the next run. Answers how many were issued and how many were already there.
   */
  public Future<JsonObject> runDue(Instant now) {
    Future<Instant> installed = store.installedAt();
    Future<List<Schedule>> schedules = schedules();
    Future<JsonArray> units = committees.committees("");
    return Future.all(installed, schedules, units)
        .compose(v -> owed(now, installed.result(), schedules.result(), units.result()))
        .compose(due -> {
          int[] counts = new int[3];
          Future<Void> chain = Future.succeededFuture();
          for (Due d : due) {
            chain = chain.compose(x -> issueScheduled(d)
                .map(id -> {
                  counts[id == null ? 1 : 0]++;
                  return (Void) null;
                })
                .recover(err -> {
                  counts[2]++;
                  LOG.log(Level.WARNING, "Report " + d.key() + " failed; tried again at the next run", err);
                  return Future.succeededFuture();
                }));
          }
          return chain.map(x -> new JsonObject().put("issued", counts[0]).put("existing", counts[1]).put("failed", counts[2]));
        });
  }

  private Future<List<Due>> owed(Instant now, Instant installedAt, List<Schedule> schedules, JsonArray units) {
    List<Due> all = new ArrayList<>();
    Future<Void> chain = Future.succeededFuture();
    for (Schedule s : schedules) {
      if (!s.enabled()) {
        continue;
      }
      List<String> codes = new ArrayList<>();
      for (Object o : units) {
        JsonObject c = (JsonObject) o;
        if (s.level().equals(c.getString("level"))) {
          codes.add(c.getString("divisionCode"));
        }
      }
      if (codes.isEmpty()) {
        continue;
      }
      // the periods of the last fire times, newest first; the newest is on time when it fired within the hour
      Cron cron = Cron.parse(s.cron());
      Set<ReportPeriod> periods = new LinkedHashSet<>();
      ReportPeriod onTime = null;
      Optional<ZonedDateTime> fire = cron.previous(now.atZone(settings.zone()), settings.zone());
      int limit = Math.max(1, settings.catchUpPeriods());
      while (fire.isPresent() && !fire.get().toInstant().isBefore(installedAt) && periods.size() < limit) {
        ReportPeriod p = ReportPeriod.before(s.kind(), fire.get().toLocalDate());
        if (periods.isEmpty() && Duration.between(fire.get().toInstant(), now).compareTo(ON_TIME) <= 0) {
          onTime = p;
        }
        periods.add(p);
        fire = cron.previous(fire.get().minusMinutes(1), settings.zone());
      }
      if (periods.isEmpty()) {
        continue;
      }
      ReportPeriod current = onTime;
      List<ReportPeriod> oldestFirst = new ArrayList<>(periods);
      java.util.Collections.reverse(oldestFirst);
      chain = chain.compose(v -> store.existing(s.kind().key(), oldestFirst.stream().map(ReportPeriod::key).toList())
          .map(existing -> {
            for (ReportPeriod p : oldestFirst) {
              for (String code : codes) {
                if (!existing.contains(code + "|" + p.key())) {
                  all.add(new Due(p, code, p.equals(current) ? "schedule" : "catch_up"));
                }
              }
            }
            return null;
          }));
    }
    return chain.map(v -> all);
  }

  /** Issues version 1 of a report owed by a schedule; null when another node already issued it. */
  private Future<Long> issueScheduled(Due d) {
    Function<String, Future<Void>> hook = beforeScheduledIssue;
    Future<Void> ready = hook == null ? Future.succeededFuture() : hook.apply(d.key());
    return ready.compose(v -> build(d.unitCode(), d.period()))
        .compose(b -> issueFirst(issue(b, d.trigger(), null)))
        .onSuccess(id -> {
          if (id != null) {
            LOG.info(() -> "Report " + d.key() + " issued (" + d.trigger() + ") as #" + id);
          }
        });
  }

  /** Issues version 1 (null when it existed), announcing a new one ({@link #announce}). */
  private Future<Long> issueFirst(ReportStore.Issue issue) {
    return store.issueFirst(issue).onSuccess(id -> announce(issue, id));
  }

  /**
   * Publishes {@code report.issued} for a report committed ({@code id} not null): the city's work
   * queue lists the last reports, and their readers' notifications were queued with it.
   */
  private void announce(ReportStore.Issue issue, Long id) {
    if (id != null && events != null) {
      events.publish(DomainEvent.REPORT_ISSUED, new JsonObject().put("id", id).put("divisionCode", issue.unitCode()));
    }
  }

  /** A built snapshot and how long building it took. */
  private record Built(ReportPeriod period, JsonObject content, long millis) {
  }

  private Future<Built> build(String unitCode, ReportPeriod period) {
    long started = System.nanoTime();
    return builder.build(unitCode, period, LocalDate.now(settings.zone()))
        .map(content -> new Built(period, content, (System.nanoTime() - started) / 1_000_000));
  }

  private ReportStore.Issue issue(Built b, String trigger, Long requestedBy) {
    JsonObject unit = b.content().getJsonObject("unit");
    String title = I18n.t(I18n.ZH, "report.notify.title", unit.getString("name"),
        ReportText.periodLabel(I18n.ZH, b.period().kind().key(), b.period().key()),
        I18n.t(I18n.ZH, "report.kind." + b.period().kind().key()));
    return new ReportStore.Issue(b.period(), unit.getString("code"), unit.getString("name"), unit.getString("level"), trigger,
        requestedBy, node, b.millis(), b.content(), title);
  }

  /** Issues the report of a demo city's last month (version 1; nothing when it exists). */
  public Future<Long> issueForDemo(String unitCode, YearMonth month) {
    ReportPeriod period = ReportPeriod.containing(ReportPeriod.Kind.MONTHLY, month);
    return build(unitCode, period).compose(b -> issueFirst(issue(b, "demo", null)));
  }

  // ------------------------------------------------------------------ on demand

  /**
   * Generates a report now as a new version (the first, or the next after the versions issued):
   * city or district staff for units in their jurisdiction, admins for any unit. Answers
   * {@code {id, version, elapsedMs}}. The period must have begun and the unit must exist; units below
   * a district (townships) get no reports.
   */
  public Future<JsonObject> generate(Principal actor, ReportPeriod period, String unitCode) {
    if (actor.is(Role.STATION_COORDINATOR)) {
      return Future.failedFuture(AppException.forbidden("Only committee staff generate reports"));
    }
    actor.jurisdiction().requireDivision(unitCode);
    String prefix = Jurisdiction.prefixOf(unitCode);
    if (prefix.length() > 6) {
      return Future.failedFuture(AppException.invalid("unit", "report.field.unitLevel"));
    }
    if (period.from().isAfter(YearMonth.now(settings.zone()))) {
      return Future.failedFuture(AppException.invalid("period", "report.field.periodFuture"));
    }
    long started = System.nanoTime();
    return build(unitCode, period).compose(b -> issueNext(b, actor, 5))
        .map(r -> r.put("elapsedMs", (System.nanoTime() - started) / 1_000_000).put("kind", period.kind().key())
            .put("unitCode", unitCode).put("period", period.key()));
  }

  /** Inserts the next version, trying again when a concurrent regeneration took the number. */
  private Future<JsonObject> issueNext(Built b, Principal actor, int attempts) {
    ReportStore.Issue issue = issue(b, "manual", actor.id());
    return store.issueNext(issue).compose(r -> {
      if (r != null) {
        announce(issue, r.getLong("id"));
        return Future.succeededFuture(r);
      }
      return attempts > 1 ? issueNext(b, actor, attempts - 1)
          : Future.failedFuture(AppException.conflict("Another regeneration of this report is in progress; try again"));
    });
  }

  /** Regenerates the report of {@code id} (same kind, unit and period) as a new version. */
  public Future<JsonObject> regenerate(Principal actor, long id) {
    return get(id).compose(r -> generate(actor,
        ReportPeriod.parse(ReportPeriod.Kind.fromKey(r.getString("kind")), r.getString("period"), "period"), r.getString("unitCode")));
  }

  // ------------------------------------------------------------------ reading

  /** One issued report with its snapshot (404 when there is none). */
  public Future<JsonObject> get(long id) {
    return store.byId(id).compose(r -> r == null ? Future.failedFuture(AppException.notFound("No such report"))
        : Future.succeededFuture(r));
  }

  /** A page of the reports the caller may read: everything for admins, their city's or district's for staff. */
  public Future<JsonObject> list(Principal me, String kind, String unitCode, String period, PageRequest page) {
    Jurisdiction j = me.jurisdiction();
    String prefix = j.isAll() ? "" : j.sqlPrefix();
    if (prefix == null) {
      return Future.failedFuture(AppException.forbidden("Reports are for committee staff"));
    }
    return store.list(new ReportStore.Filter(prefix, kind, unitCode, period), page);
  }

  /** Every version of the report {@code r} belongs to, newest first. */
  public Future<JsonArray> versions(JsonObject r) {
    return store.versions(r.getString("kind"), r.getString("unitCode"), r.getString("period"));
  }

  // ---------------------------------------------------------------- reads the routes need (the store's, forwarded)

  /** {@link ReportStore#scopeOf}, for the routes. */
  public Future<org.yishi.platform.security.Access.Scope> scopeOf(long id) {
    return store().scopeOf(id);
  }

  /** The scheduled job of this feature: the due reports (with catch-up of missed periods), under {@link #LOCK}. */
  public org.yishi.platform.schedule.SchedulerVerticle.Job job() {
    return new org.yishi.platform.schedule.SchedulerVerticle.Job("reports", LOCK, this::runDue);
  }
}
