package org.yishi.platform.reliability;

import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.MultiMap;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.FileUpload;
import io.vertx.ext.web.RoutingContext;
import io.vertx.sqlclient.Pool;
import org.yishi.platform.http.AppException;
import org.yishi.platform.http.ErrorKind;
import org.yishi.platform.security.Principal;
import org.yishi.platform.security.Security;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.List;
import java.util.TreeSet;
import java.util.UUID;
import java.util.function.Predicate;
import java.util.function.Supplier;
import java.util.logging.Logger;

/**
 * Idempotency keys for state-changing submissions (POST, PUT, PATCH) of signed-in callers: the API's
 * {@code Idempotency-Key} header and the hidden {@code _idempotency} field that every rendered form
 * carries ({@link FormTokens}). The first request with a key reserves it in PostgreSQL before its
 * work runs and stores its answer before sending it; a retry with the same key and the same request
 * gets that answer again ({@code Idempotent-Replayed: true}) instead of doing the work twice.
 * <ul>
 *   <li>same key, different request: 422 (the key belongs to another submission);</li>
 *   <li>same key while the first is still running: the API gets 409 with {@code Retry-After}; a form
 *       waits a few seconds for the first to finish and then shows its answer (a double click);</li>
 *   <li>the first attempt's node died or froze (no longer a cluster member, or silent for
 *       {@link #PENDING_TIMEOUT_SECONDS}): a retry takes the key over, and the fence that opens each of
 *       the old attempt's transactions ({@link Attempt#fence}) rolls the old one back should it wake up;</li>
 *   <li>the first attempt failed (an error answer, the database down) and wrote nothing: the key is
 *       released and a retry runs afresh.</li>
 * </ul>
 * Requests without a key, and sign-in (no caller yet), are not affected.
 */
public final class Idempotency {
  public static final String HEADER = "Idempotency-Key";
  public static final String FIELD = "_idempotency";
  public static final String REPLAYED = "Idempotent-Replayed";
  /** A reservation whose node says nothing for this long is considered abandoned. */
  static final long PENDING_TIMEOUT_SECONDS = 60;
  /** How long a form submission waits for an identical one in progress before answering 409. */
  private static final long FORM_WAIT_MILLIS = 4_000;
  private static final int MAX_STORED_BODY = 1 << 20;
  private static final List<String> KEPT_HEADERS = List.of("Content-Type", "Location", "Cache-Control", "Content-Disposition");
  private static final Logger LOG = Logger.getLogger(Idempotency.class.getName());

  private final Vertx vertx;
  private final IdempotencyStore store;
  private final Supplier<String> nodeId;
  private final Predicate<String> isMember;
  private final int retentionHours;

  /**
   * @param pool     the node's raw pool (the bookkeeping is never fenced itself)
   * @param nodeId   this node's cluster id
   * @param isMember whether a node id is a current cluster member
   */
  public Idempotency(Vertx vertx, Pool pool, Supplier<String> nodeId, Predicate<String> isMember, int retentionHours) {
    this.vertx = vertx;
    this.store = new IdempotencyStore(pool);
    this.nodeId = nodeId;
    this.isMember = isMember;
    this.retentionHours = retentionHours;
  }

  /** Deletes expired keys every hour (any node may; the deletes are idempotent). */
  public void startExpiry() {
    vertx.setPeriodic(60_000, 3_600_000, id -> store.expire(retentionHours)
        .onSuccess(n -> {
          if (n > 0) {
            LOG.fine(() -> "expired " + n + " idempotency keys");
          }
        }));
  }

  /** The route handler, placed after the security guard (it needs the caller) and before the route's own. */
  public Handler<RoutingContext> handler() {
    return this::handle;
  }

  private void handle(RoutingContext ctx) {
    HttpMethod method = ctx.request().method();
    Principal caller = Security.principal(ctx);
    if (caller == null || !(method == HttpMethod.POST || method == HttpMethod.PUT || method == HttpMethod.PATCH)
        || ctx.get(Attempt.CTX_KEY) != null) {
      ctx.next();
      return;
    }
    String key = ctx.request().getHeader(HEADER);
    String field = HEADER;
    boolean form = false;
    if (key == null && isForm(ctx)) {
      key = ctx.request().getFormAttribute(FIELD);
      field = FIELD;
      form = key != null;
    }
    if (key == null) {
      ctx.next();
      return;
    }
    if (key.isEmpty() || key.length() > 255 || !key.chars().allMatch(c -> c > 0x20 && c < 0x7f)) {
      ctx.fail(AppException.invalid(field, "idempotency.error.key"));
      return;
    }
    Request request = new Request(caller.id(), key, field, form, hash(ctx), method.name(),
        truncate(ctx.request().uri(), 2000), System.currentTimeMillis());
    decide(ctx, request, null);
  }

  private record Request(long accountId, String key, String field, boolean form, byte[] hash, String method,
                         String path, long startedAt) {
  }

  private void decide(RoutingContext ctx, Request request, IdempotencyStore.Existing existing) {
    if (existing == null) { // first sight of the key, or released meanwhile: reserve it
      UUID token = UUID.randomUUID();
      store.reserve(request.accountId, request.key, request.hash, request.method, request.path, nodeId.get(), token)
          .onFailure(ctx::fail)
          .onSuccess(e -> {
            if (e == null) {
              proceed(ctx, new Attempt(this, request.accountId, request.key, token));
            } else {
              decide(ctx, request, e);
            }
          });
      return;
    }
    if (!Arrays.equals(existing.requestHash(), request.hash)) {
      ctx.fail(AppException.invalid(request.field, "idempotency.error.reused"));
      return;
    }
    switch (existing.state()) {
      case "done" -> replay(ctx, existing);
      case "lost" -> ctx.fail(lost());
      default -> pending(ctx, request, existing);
    }
  }

  private void pending(RoutingContext ctx, Request request, IdempotencyStore.Existing existing) {
    boolean abandoned = !isMember.test(existing.ownerNode()) || existing.ageSeconds() > PENDING_TIMEOUT_SECONDS;
    if (abandoned && existing.workCommitted()) {
      store.markLost(request.accountId, request.key, existing.ownerToken())
          .onComplete(ar -> ctx.fail(lost()));
      return;
    }
    if (abandoned) {
      UUID token = UUID.randomUUID();
      store.takeOver(request.accountId, request.key, existing.ownerToken(), token, nodeId.get())
          .onFailure(ctx::fail)
          .onSuccess(outcome -> {
            switch (outcome) {
              case TAKEN -> proceed(ctx, new Attempt(this, request.accountId, request.key, token));
              case CHANGED -> store.find(request.accountId, request.key).onFailure(ctx::fail)
                  .onSuccess(e -> decide(ctx, request, e));
              default -> waitOrRefuse(ctx, request);
            }
          });
      return;
    }
    waitOrRefuse(ctx, request);
  }

  /** A form waits for the identical submission in progress (a double click); the API is told to retry. */
  private void waitOrRefuse(RoutingContext ctx, Request request) {
    if (!request.form || System.currentTimeMillis() - request.startedAt > FORM_WAIT_MILLIS || ctx.response().closed()) {
      ctx.fail(new InProgress());
      return;
    }
    vertx.setTimer(250, id -> store.find(request.accountId, request.key).onFailure(ctx::fail)
        .onSuccess(e -> decide(ctx, request, e)));
  }

  private static AppException lost() {
    return new AlreadyDone();
  }

  /** 409: the same submission is still being carried out (elsewhere); retry shortly for its answer. */
  public static final class InProgress extends AppException.RetryLater {
    InProgress() {
      super(ErrorKind.CONFLICT, "A request with this idempotency key is still in progress; retry shortly to get its answer", 1);
    }
  }

  /** 409: the same submission was carried out, but its answer was not kept (its node died in between). */
  public static final class AlreadyDone extends AppException {
    AlreadyDone() {
      super(ErrorKind.CONFLICT, "A request with this idempotency key was already carried out, but its answer was not kept; "
          + "check the result before submitting again with a new key");
    }
  }

  private void proceed(RoutingContext ctx, Attempt attempt) {
    attempt.bind(ctx);
    ctx.addEndHandler(ar -> {
      // a failed end is the client going away (its timeout): the work goes on, and settles when it answers
      if (ar.succeeded()) {
        settle(attempt, ctx.response().getStatusCode(), ctx.response());
      }
    });
    ctx.next();
  }

  /**
   * The request failed (called by the error handler before it answers): the key is released for
   * a retry, or marked 'lost' when the attempt's work committed all the same.
   */
  public static Future<Void> failed(RoutingContext ctx, int status) {
    Attempt a = ctx.get(Attempt.CTX_KEY);
    if (a == null) {
      return Future.succeededFuture();
    }
    // waited for briefly: when the database is unreachable the step is retried in the background
    return a.owner.settle(a, status, null).timeout(2, java.util.concurrent.TimeUnit.SECONDS).otherwiseEmpty();
  }

  /** The answer went out without passing {@link #end}: keep what can be kept, or release the key. */
  private Future<Void> settle(Attempt attempt, int status, HttpServerResponse res) {
    if (attempt.settled) {
      return Future.succeededFuture();
    }
    attempt.settled = true;
    JsonObject headers = res == null ? new JsonObject() : kept(res);
    Supplier<Future<Void>> step = status < 400 || attempt.hasCommitted()
        ? () -> store.fill(attempt, status, headers, null)
        : () -> store.release(attempt, status);
    return step.get().recover(err -> {
      persist(attempt, step, 1);
      return Future.failedFuture(err);
    });
  }

  /**
   * Runs a bookkeeping step until it succeeds (the database may be down just then), so that a
   * retry is not told "in progress" for longer than the outage lasts: every second, for up to ten minutes.
   */
  private void persist(Attempt attempt, Supplier<Future<Void>> step, int tries) {
    step.get().onFailure(err -> {
      if (tries <= 1) {
        LOG.warning("idempotency key " + attempt.key + " not settled yet (" + err.getMessage() + "); retrying");
      }
      if (tries < 600) {
        vertx.setTimer(1_000, id -> persist(attempt, step, tries + 1));
      }
    });
  }

  /**
   * Ends the response with {@code body} (may be null); when the request holds an idempotency key
   * and the answer is a success (or its work committed), the answer is stored first, so that a retry
   * sent after a lost response gets it. Every page, redirect and JSON answer goes through here.
   */
  public static Future<Void> end(RoutingContext ctx, Buffer body) {
    HttpServerResponse res = ctx.response();
    Attempt a = ctx.get(Attempt.CTX_KEY);
    if (a == null || a.settled || res.getStatusCode() >= 400 && !a.hasCommitted()) {
      return body == null ? res.end() : res.end(body);
    }
    a.settled = true;
    Buffer stored = body == null || body.length() > MAX_STORED_BODY ? null : body;
    int status = res.getStatusCode();
    JsonObject headers = kept(res);
    return a.owner.store.fill(a, status, headers, stored)
        .recover(err -> {
          // answer now all the same; the answer is stored as soon as the database allows
          a.owner.persist(a, () -> a.owner.store.fill(a, status, headers, stored), 1);
          return Future.succeededFuture();
        })
        .compose(v -> res.ended() ? Future.succeededFuture() : body == null ? res.end() : res.end(body));
  }

  private static JsonObject kept(HttpServerResponse res) {
    JsonObject headers = new JsonObject();
    for (String name : KEPT_HEADERS) {
      String v = res.headers().get(name);
      if (v != null) {
        headers.put(name, v);
      }
    }
    return headers;
  }

  private static void replay(RoutingContext ctx, IdempotencyStore.Existing existing) {
    HttpServerResponse res = ctx.response();
    res.setStatusCode(existing.status() == null ? 200 : existing.status());
    if (existing.headers() != null) {
      existing.headers().forEach(h -> res.putHeader(h.getKey(), String.valueOf(h.getValue())));
    }
    res.putHeader(REPLAYED, "true");
    if (!ctx.request().isEnded()) {
      res.putHeader("Connection", "close"); // an upload's unread body is not read now
    }
    Buffer body = existing.body();
    if (body == null) {
      res.end();
      return;
    }
    String type = existing.headers() == null ? null : existing.headers().getString("Content-Type");
    // forms in a replayed page get fresh tokens: each token names one submission
    res.end(type != null && type.startsWith("text/html") ? Buffer.buffer(FormTokens.refresh(body.toString(StandardCharsets.UTF_8))) : body);
  }

  private static boolean isForm(RoutingContext ctx) {
    String type = ctx.request().getHeader("Content-Type");
    return type != null && (type.startsWith("application/x-www-form-urlencoded") || type.startsWith("multipart/form-data"));
  }

  /**
   * What makes two submissions "the same request": method, path and query, and the body (JSON
   * byte for byte; forms field by field in name order, leaving out the CSRF and idempotency tokens,
   * so a form re-posted from the "nothing was saved" page matches; an upload that streams its own
   * body by its declared type and length).
   */
  private static byte[] hash(RoutingContext ctx) {
    MessageDigest sha;
    try {
      sha = MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
    update(sha, ctx.request().method().name());
    update(sha, ctx.request().uri());
    if (isForm(ctx)) {
      MultiMap attrs = ctx.request().formAttributes();
      for (String name : new TreeSet<>(attrs.names())) {
        if (name.equals(FIELD) || name.equals(org.yishi.platform.security.Csrf.FIELD)) {
          continue;
        }
        for (String v : attrs.getAll(name)) {
          update(sha, name);
          update(sha, v);
        }
      }
      for (FileUpload f : ctx.fileUploads()) {
        update(sha, f.name() + "\u0000" + f.fileName() + "\u0000" + f.size());
      }
    } else if (ctx.body() != null && ctx.body().buffer() != null) {
      update(sha, "body");
      sha.update(ctx.body().buffer().getBytes());
    } else {
      update(sha, String.valueOf(ctx.request().getHeader("Content-Type")));
      update(sha, String.valueOf(ctx.request().getHeader("Content-Length")));
    }
    return sha.digest();
  }

  private static void update(MessageDigest sha, String s) {
    byte[] b = s.getBytes(StandardCharsets.UTF_8);
    sha.update((byte) (b.length >>> 24));
    sha.update((byte) (b.length >>> 16));
    sha.update((byte) (b.length >>> 8));
    sha.update((byte) b.length);
    sha.update(b);
  }

  private static String truncate(String s, int max) {
    return s == null ? "" : s.length() <= max ? s : s.substring(0, max);
  }
}
