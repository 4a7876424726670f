package org.yishi.request;

import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import org.yishi.platform.events.DomainEvent;
import org.yishi.platform.events.DomainEvents;
import io.vertx.sqlclient.SqlClient;
import org.yishi.platform.audit.AuditEntry;
import org.yishi.platform.audit.AuditLog;
import org.yishi.platform.config.AppConfig;
import org.yishi.platform.http.AppException;
import org.yishi.platform.http.ErrorKind;
import org.yishi.platform.security.Principal;
import org.yishi.platform.security.Role;
import org.yishi.platform.web.I18n;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.OffsetDateTime;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Locale;

/**
 * The rules of residents' requests: submission under cluster-wide limits (per address, station and
 * phone number, counted in PostgreSQL in the submission's own transaction), triage by the station's
 * coordinator, the phone-number retention, and the text messages to residents who left a number.
 */
public final class RequestService {
  private final ZoneId zone;
  /** The triage actions, as posted by the coordinator's form. */
  public static final List<String> ACTIONS = List.of("accept", "answer", "decline", "merge", "hide");

  /**
   * What triage needs of the topic feature: a draft topic made from a request, in the same
   * transaction (owned here, implemented where the node is composed).
   */
  public interface TopicDrafts {
    Future<Long> draft(SqlClient tx, long stationId, String title, String description, String category, Principal actor);
  }

  private final RequestStore store;
  private final AppConfig.RequestSettings settings;
  private final TopicDrafts topics;
  private final DomainEvents events;

  /**
   * Publishes {@code request.changed} for the station's requests (committed): the coordinators' work
   * queue lists those waiting for triage.
   */
  private void announce(long stationId) {
    if (events != null) {
      events.publish(DomainEvent.REQUEST_CHANGED, new JsonObject().put("stationId", stationId));
    }
  }

  public RequestService(RequestStore store, AppConfig.RequestSettings settings, TopicDrafts topics, ZoneId zone) {
    this(store, settings, topics, zone, null);
  }

  /** @param events where {@code request.changed} is published after a request is received or triaged (null: nowhere) */
  public RequestService(RequestStore store, AppConfig.RequestSettings settings, TopicDrafts topics, ZoneId zone,
                        DomainEvents events) {
    this.events = events;
    this.zone = zone;
    this.store = store;
    this.settings = settings;
    this.topics = topics;
  }

  public RequestStore store() {
    return store;
  }

  public AppConfig.RequestSettings settings() {
    return settings;
  }

  /** The limit counters one submission counts against: address (hour), station (hour), phone (day). */
  public List<RequestStore.Limit> limits(String address, long stationId, String phone, Instant now) {
    OffsetDateTime hour = OffsetDateTime.ofInstant(now.truncatedTo(ChronoUnit.HOURS), ZoneOffset.UTC);
    OffsetDateTime day = OffsetDateTime.ofInstant(now.truncatedTo(ChronoUnit.DAYS), ZoneOffset.UTC);
    List<RequestStore.Limit> out = new java.util.ArrayList<>(List.of(
        new RequestStore.Limit("address:" + address, hour, settings.perAddressHour()),
        new RequestStore.Limit("station:" + stationId, hour, settings.perStationHour())));
    if (phone != null) {
      out.add(new RequestStore.Limit("phone:" + phone, day, settings.perPhoneDay()));
    }
    return out;
  }

  /**
   * Whether the next submission needs the challenge: the address has submitted {@code challengeAfter}
   * times this hour, or any limit is at least half used.
   */
  public Future<Boolean> challengeNeeded(List<RequestStore.Limit> limits) {
    return store.hits(limits).map(hits -> {
      if (hits[0] >= settings.challengeAfter()) {
        return true;
      }
      for (int i = 0; i < hits.length; i++) {
        if (hits[i] * 2 >= limits.get(i).max()) {
          return true;
        }
      }
      return false;
    });
  }

  /** The photo of a submission, already read and sniffed. */
  public record Photo(String mediaType, Buffer bytes) {
  }

  /** Too many submissions: 429 naming which limit (address, station or phone). */
  public static final class LimitReached extends AppException.RetryLater {
    private final String which;

    LimitReached(String which, long retryAfterSeconds) {
      super(ErrorKind.TOO_MANY_REQUESTS, "Too many requests from this " + which + "; try again later", retryAfterSeconds);
      this.which = which;
    }

    public String which() {
      return which;
    }
  }

  /**
   * Stores a submission in one transaction with its photo, its limit counts and (when a number was
   * left) the text message that confirms it, in the language of the form; answers the tracking code.
   * The form's one-time {@code token} makes it idempotent: when a request was stored with that token
   * already (the same form sent twice, even at once, to any node), nothing is written or counted and
   * the answer is that request's code. A limit exceeded rolls the whole transaction back and fails
   * with {@link LimitReached}.
   */
  public Future<String> submit(RequestStore.NewRequest in, Photo photo, List<RequestStore.Limit> limits, Instant now,
                               String token, Locale locale) {
    String code = TrackingCode.next();
    // the insert comes first: a second post of the token waits here for the first one's transaction
    return store.pool().withTransaction(tx -> store.insert(tx, in, code, token, I18n.tag(locale)).compose(id -> id == null
        ? store.codeOfToken(tx, token)
        : store.count(tx, limits)
        .compose(over -> {
          if (over >= 0) {
            String which = limits.get(over).key().substring(0, limits.get(over).key().indexOf(':'));
            long retry = "phone".equals(which) ? Duration.between(now, now.truncatedTo(ChronoUnit.DAYS).plus(Duration.ofDays(1))).toSeconds()
                : Duration.between(now, now.truncatedTo(ChronoUnit.HOURS).plus(Duration.ofHours(1))).toSeconds();
            return Future.failedFuture(new LimitReached(which, Math.max(1, retry)));
          }
          return photo == null ? Future.succeededFuture() : store.insertPhoto(tx, id, photo.mediaType(), photo.bytes());
        })
        .compose(v -> in.phone() == null ? Future.succeededFuture()
            : Sms.queue(tx, new Sms.Message(id, in.phone(), "received", code, locale)))
        .map(code))).onSuccess(c -> announce(in.stationId()));
  }

  /** The tracking code of the request sent with a form's one-time token, or null when none was. */
  public Future<String> sentWith(String token) {
    return store.codeOfToken(store.pool(), token);
  }

  /** The day by which the station promises an answer to a request received at {@code now}. */
  public LocalDate dueOn(Instant now) {
    return LocalDate.ofInstant(now, zone).plusDays(settings.promisedDays());
  }

  /** Triage input: the action and what it needs (a reply, a topic title, the request merged into). */
  public record Triage(String action, String reply, String title, Long target) {
  }

  /**
   * Moves a received request on, in one transaction with its audit entry and the resident's text
   * message. Only the coordinator of the request's station (or an admin) triages; 409 when the
   * request has been triaged already.
   */
  public Future<JsonObject> triage(Principal actor, long id, Triage t) {
    if (!actor.is(Role.STATION_COORDINATOR) && !actor.is(Role.ADMIN)) {
      return Future.failedFuture(AppException.forbidden("Only the station's coordinator triages its residents' requests"));
    }
    return store.pool().withTransaction(tx -> store.byIdForUpdate(tx, id).compose(before -> {
      if (before == null) {
        return Future.failedFuture(AppException.notFound("No such request"));
      }
      if (!actor.jurisdiction().coversStation(before.getLong("stationId"), before.getString("divisionCode"))) {
        return Future.failedFuture(AppException.forbidden("The request's station lies outside your jurisdiction"));
      }
      if (!"received".equals(before.getString("status"))) {
        return Future.failedFuture(AppException.conflict("The request has been triaged already"));
      }
      return apply(tx, actor, before, t)
          .compose(v -> store.byId(tx, id))
          .compose(after -> AuditLog.record(tx, AuditEntry.by(actor, "request." + t.action(), "resident_request", id,
                  after.getString("divisionCode"), masked(before), masked(after)))
              .compose(x -> before.getString("phone") == null ? Future.succeededFuture()
                  : store.localeOf(tx, id).compose(tag -> Sms.queue(tx, new Sms.Message(id, before.getString("phone"),
                      t.action(), before.getString("trackingCode"), Sms.locale(tag)))))
              .map(after));
    })).onSuccess(after -> announce(after.getLong("stationId")));
  }

  private static JsonObject masked(JsonObject r) {
    return r.copy().put("phone", PhoneNumbers.mask(r.getString("phone")));
  }

  private Future<Void> apply(SqlClient tx, Principal actor, JsonObject r, Triage t) {
    long id = r.getLong("id");
    switch (t.action()) {
      case "accept":
        String title = t.title() != null ? t.title() : shortTitle(r.getString("description"));
        return topics.draft(tx, r.getLong("stationId"), title, r.getString("description"), r.getString("category"), actor)
            .compose(topicId -> store.link(tx, topicId, id))
            .compose(v -> moved(store.triage(tx, id, "accepted", null, null, null, actor.id())));
      case "answer":
      case "decline":
        if (t.reply() == null) {
          return Future.failedFuture(AppException.invalid("reply", "field.required"));
        }
        return moved(store.triage(tx, id, "answer".equals(t.action()) ? "answered" : "declined", t.reply(), null, null, actor.id()));
      case "hide":
        if (t.reply() == null) {
          return Future.failedFuture(AppException.invalid("reply", "field.required"));
        }
        return moved(store.triage(tx, id, "hidden", null, null, t.reply(), actor.id()));
      case "merge":
        if (t.target() == null) {
          return Future.failedFuture(AppException.invalid("target", "field.required"));
        }
        return store.byIdForUpdate(tx, t.target()).compose(target -> {
          if (target == null || target.getLong("id") == id || !target.getLong("stationId").equals(r.getLong("stationId"))
              || List.of("merged", "hidden").contains(target.getString("status"))) {
            return Future.failedFuture(AppException.invalid("target", "request.error.target"));
          }
          Future<Void> link = target.getLong("topicId") == null ? Future.succeededFuture()
              : store.link(tx, target.getLong("topicId"), id);
          return link.compose(v -> moved(store.triage(tx, id, "merged", null, target.getLong("id"), null, actor.id())));
        });
      default:
        return Future.failedFuture(AppException.invalid("action", "request.error.action"));
    }
  }

  private static Future<Void> moved(Future<Boolean> update) {
    return update.compose(ok -> ok ? Future.succeededFuture()
        : Future.failedFuture(AppException.conflict("The request has been triaged already")));
  }

  /** A topic title from a request's text: its first line, at most 30 characters. */
  static String shortTitle(String description) {
    String first = description.strip().split("\\R", 2)[0];
    return first.codePointCount(0, first.length()) <= 30 ? first
        : first.substring(0, first.offsetByCodePoints(0, 30));
  }

  /**
   * The scheduler's job for requests: the text messages of later steps ({@link RequestStore#progressSteps}),
   * then the retention ({@link #runRetention}).
   */
  public Future<Integer> runScheduled(Instant now) {
    return store.progressSteps()
        .compose(due -> due.isEmpty() ? Future.succeededFuture(0) : store.pool().withTransaction(tx -> Sms.queue(tx, due)))
        .compose(n -> runRetention(now));
  }

  /**
   * The retention job: erases the phone numbers of requests received more than the retention
   * period before {@code now}, with their copies in the outbox (and old limit counters); answers how
   * many requests' numbers were erased.
   */
  public Future<Integer> runRetention(Instant now) {
    return store.erasePhones(now.minus(Duration.ofDays(settings.phoneRetentionDays())))
        .onSuccess(n -> {
          if (n > 0 && events != null) {
            // their text messages not yet sent were given up with the numbers (the admins' failed messages)
            events.publish(DomainEvent.DELIVERY_FAILED, new JsonObject());
          }
        })
        .compose(n -> store.dropOldCounters(now.minus(Duration.ofDays(2))).map(n));
  }

  /** Whether the caller sees a request's number unmasked: the station's coordinator while it is open. */
  public static boolean seesPhone(Principal p, JsonObject r) {
    return p.is(Role.STATION_COORDINATOR) && "received".equals(r.getString("status"))
        && p.jurisdiction().coversStation(r.getLong("stationId"), r.getString("divisionCode"));
  }

  /** The node's time zone: calendar days of requests and their answers. */
  public ZoneId zone() {
    return zone;
  }

  // ---------------------------------------------------------------- reads the routes need (the store's, forwarded)

  /** A station as the public form and the poster need it, or null. */
  public Future<io.vertx.core.json.JsonObject> station(long id) {
    return store.station(id);
  }

  public Future<io.vertx.core.json.JsonArray> categories() {
    return store.categories();
  }

  public Future<io.vertx.core.json.JsonObject> list(org.yishi.platform.security.Jurisdiction j, RequestStore.Filter f,
                                                    org.yishi.platform.web.PageRequest page) {
    return store.list(j, f, page);
  }

  public Future<org.yishi.platform.security.Access.Scope> scopeOf(long id) {
    return store.scopeOf(id);
  }

  /** The public timeline of a tracking code, or null. */
  public Future<io.vertx.core.json.JsonObject> timeline(String code) {
    return store.timeline(code);
  }

  public Future<io.vertx.core.json.JsonObject> byId(long id) {
    return store.byId(store.pool(), id);
  }

  public Future<io.vertx.core.json.JsonObject> photo(long requestId) {
    return store.photo(requestId);
  }

  public Future<io.vertx.core.json.JsonObject> counters(org.yishi.platform.security.Jurisdiction j, java.time.LocalDate from,
                                                        java.time.LocalDate to) {
    return store.counters(j, from, to);
  }
}
