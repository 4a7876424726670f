package org.yishi.stats;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.Message;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import org.yishi.platform.events.DomainEvent;
import org.yishi.platform.events.DomainEvents;
import org.yishi.platform.http.AppException;
import org.yishi.platform.security.Jurisdiction;
import org.yishi.platform.security.Principal;
import org.yishi.platform.security.Security;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.function.Function;

/**
 * Live refresh of the dashboards: a server-sent-events stream per open dashboard
 * ({@code GET /stats/live?division=CODE}) that says "refresh" whenever a record or an outcome inside
 * that unit has been committed, on whichever node. The domain events arrive over the clustered event
 * bus (published after commit, see {@link DomainEvents}); the stream carries only the event's type
 * and the division code of the change, never its content, and only for changes inside the unit the
 * caller was allowed to open (so a district's staff never hear of another district).
 *
 * <p>One instance per HTTP verticle: its clients and the event consumers live on that verticle's
 * event loop, so no locking is needed. The consumers are registered with the first client; the
 * stream's {@code ready} event is sent once they are registered cluster-wide. Streams end after
 * {@link #LIFETIME_MS} (the browser reconnects, and the guard checks the session again) and when
 * the node shuts down.
 *
 * <p>A stream outlives the guard's check at its start, so it checks its user again: every
 * {@code YISHI_LIVE_RECHECK_SECONDS} and at once when the account changes anywhere in the cluster
 * ({@code yishi.account.changed}). The stream ends when the account is disabled or gone, when its
 * role, scope, stations or sign-in generation (a password change or reset) differ from those it was
 * opened with, or when the unit no longer lies inside its jurisdiction.
 */
final class StatsLive {
  /**
   * The domain events after which dashboards refresh (and the node's {@link RollupCache} recomputes):
   * every committed change the roll-ups count — meetings scheduled, moved and cancelled, topics
   * created and moved through their lifecycle, records filed and returned, every outcome step.
   */
  static final List<String> EVENTS = events();
  static final long HEARTBEAT_MS = 25_000;
  static final long LIFETIME_MS = 10 * 60_000;
  /** Open streams per HTTP verticle instance; more are answered 503. */
  static final int MAX_CLIENTS = 2_000;

  private final Vertx vertx;
  private final Function<Long, Future<Principal>> accounts;
  private final long recheckMs;
  private final Set<Client> clients = new LinkedHashSet<>();
  private Future<Void> consumers;

  /**
   * @param accounts  the active account with this id read afresh (null when disabled or gone)
   * @param recheckMs how often each stream checks its user again
   */
  StatsLive(Vertx vertx, Function<Long, Future<Principal>> accounts, long recheckMs) {
    this.vertx = vertx;
    this.accounts = accounts;
    this.recheckMs = recheckMs;
  }

  /** The counted events of the one catalogue ({@link DomainEvent}). */
  private static List<String> events() {
    return DomainEvent.countedEvents().stream().map(DomainEvent::type).toList();
  }

  /** One open stream: its user as the guard saw it, the unit, the response, its timers. */
  private final class Client {
    final Principal user;
    final String code;
    final String prefix;
    final HttpServerResponse response;
    long heartbeat = -1;
    long expiry = -1;
    long recheck = -1;

    Client(Principal user, String code, HttpServerResponse response) {
      this.user = user;
      this.code = code;
      this.prefix = Jurisdiction.prefixOf(code);
      this.response = response;
    }

    /** Reads the account again; ends the stream unless it still holds the same grant over the unit. */
    void recheck() {
      accounts.apply(user.id()).onComplete(ar -> {
        if (ar.failed()) {
          return; // the database is unreachable: accounts cannot change meanwhile; check again later
        }
        Principal now = ar.result();
        if (now == null || !user.sameGrant(now) || !now.jurisdiction().coversDivision(code)) {
          end();
        }
      });
    }

    void send(String event, JsonObject data) {
      if (!response.ended() && !response.closed() && !response.writeQueueFull()) {
        response.write("event: " + event + "\ndata: " + data.encode() + "\n\n");
      }
    }

    void end() {
      if (clients.remove(this)) {
        vertx.cancelTimer(heartbeat);
        vertx.cancelTimer(expiry);
        vertx.cancelTimer(recheck);
        if (!response.ended() && !response.closed()) {
          response.end();
        }
      }
    }
  }

  /** Opens a stream for the (already authorised) unit {@code code}. */
  void open(RoutingContext ctx, String code) {
    if (clients.size() >= MAX_CLIENTS) {
      ctx.response().putHeader("Retry-After", "30");
      ctx.fail(AppException.unavailable("Too many live dashboards open on this node"));
      return;
    }
    HttpServerResponse response = ctx.response();
    response.setChunked(true)
        .putHeader(HttpHeaders.CONTENT_TYPE, "text/event-stream; charset=utf-8")
        .putHeader(HttpHeaders.CACHE_CONTROL, "no-store")
        // no compression: it would hold events back in the compressor's buffer
        .putHeader(HttpHeaders.CONTENT_ENCODING, HttpHeaders.IDENTITY)
        .putHeader("X-Accel-Buffering", "no");
    Client client = new Client(Security.require(ctx), code, response);
    clients.add(client);
    response.closeHandler(v -> client.end());
    ctx.request().connection().shutdownHandler(v -> client.end());
    client.heartbeat = vertx.setPeriodic(HEARTBEAT_MS, id -> {
      if (!response.ended() && !response.closed()) {
        response.write(": keep-alive\n\n");
      }
    });
    client.expiry = vertx.setTimer(LIFETIME_MS, id -> client.end());
    client.recheck = vertx.setPeriodic(recheckMs, id -> client.recheck());
    // the browser waits this long before reconnecting after the stream ends
    response.write("retry: 5000\n\n");
    consumers().onSuccess(v -> client.send("ready", new JsonObject().put("division", code)))
        .onFailure(err -> client.end());
  }

  /** Registers the event consumers once (on this verticle's event loop); retried after a failure. */
  private Future<Void> consumers() {
    if (consumers == null) {
      List<Future<Void>> registered = new ArrayList<>();
      for (String type : EVENTS) {
        MessageConsumer<JsonObject> c = vertx.eventBus().consumer(DomainEvents.PREFIX + type, this::deliver);
        registered.add(c.completion());
      }
      MessageConsumer<Long> changed = vertx.eventBus().consumer(org.yishi.platform.security.Authenticator.ACCOUNT_CHANGED, this::accountChanged);
      registered.add(changed.completion());
      consumers = Future.all(registered).mapEmpty();
      consumers.onFailure(err -> consumers = null);
    }
    return consumers;
  }

  /** An account changed somewhere in the cluster: its streams check it again at once. */
  private void accountChanged(Message<Long> message) {
    Long id = message.body();
    for (Client c : List.copyOf(clients)) {
      if (id != null && c.user.id() == id) {
        c.recheck();
      }
    }
  }

  private void deliver(Message<JsonObject> message) {
    JsonObject event = message.body();
    String code = event == null ? null : event.getString("divisionCode");
    if (code == null || clients.isEmpty()) {
      return;
    }
    JsonObject data = new JsonObject().put("type", event.getString("type")).put("division", code);
    for (Client c : List.copyOf(clients)) {
      if (code.startsWith(c.prefix)) {
        c.send("refresh", data);
      }
    }
  }

  /** Open streams on this instance (for tests and metrics). */
  int size() {
    return clients.size();
  }
}
