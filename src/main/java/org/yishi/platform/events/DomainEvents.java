package org.yishi.platform.events;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;

import java.time.Instant;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;

/**
 * Domain events on the clustered event bus ({@code yishi.events.<type>}, published to every node).
 * {@link #afterCommit} publishes only when the write's future succeeded, i.e. after its
 * transaction committed: a rolled-back change never produces an event. Events notify (live
 * refresh, caches); numbers that must be exact are kept in PostgreSQL, not derived from events.
 */
public final class DomainEvents {
  public static final String PREFIX = "yishi.events.";
  private final Vertx vertx;
  private final List<Consumer<JsonObject>> onThisNode = new CopyOnWriteArrayList<>();

  public DomainEvents(Vertx vertx) {
    this.vertx = vertx;
  }

  /**
   * Calls {@code listener} with every event this node publishes, synchronously and before the event
   * goes on the bus, so before the answer to the action that caused it is sent: for a cache of this
   * node that must never serve a page from before its user's own action (the work queue's shared
   * sections). Events of other nodes arrive on the bus only. A listener must be quick and not throw.
   */
  public void onPublish(Consumer<JsonObject> listener) {
    onThisNode.add(listener);
  }

  /** Publishes the catalogued {@code event} with {@code payload} (plus {@code type} and {@code at}). */
  public void publish(DomainEvent event, JsonObject payload) {
    publish(event.type(), payload);
  }

  /** {@link #afterCommit(String, Future)} for a catalogued event. */
  public Future<JsonObject> afterCommit(DomainEvent event, Future<JsonObject> write) {
    return afterCommit(event.type(), write);
  }

  /**
   * Publishes {@code type} with {@code payload} (plus {@code type} and {@code at}). Prefer the
   * {@link DomainEvent} overload: every type should be in that catalogue.
   */
  public void publish(String type, JsonObject payload) {
    JsonObject event = payload.copy().put("type", type).put("at", Instant.now().toString());
    for (Consumer<JsonObject> listener : onThisNode) {
      listener.accept(event);
    }
    vertx.eventBus().publish(PREFIX + type, event);
  }

  /**
   * Returns {@code write} unchanged, publishing {@code type} with the committed result once it
   * succeeds. Use it on the future returned by {@code pool.withTransaction(...)}.
   */
  public Future<JsonObject> afterCommit(String type, Future<JsonObject> write) {
    return write.onSuccess(result -> publish(type, result));
  }
}
