package org.yishi.bench;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.VerticleBase;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpVersion;
import io.vertx.core.http.PoolOptions;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import io.vertx.ext.web.client.WebClientOptions;
import org.HdrHistogram.Histogram;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;

/**
 * A closed-loop HTTP/1.1 load generator: {@code users} virtual users, each on its own keep-alive
 * connection, run an operation (one or more requests) again and again. A warm-up comes first and is
 * not counted; the measured part ends at the time limit or after {@code maxOps} operations,
 * whichever comes first. Every request's latency goes into one HdrHistogram, every operation's into
 * another. Loopback targets only: {@link #checkLoopback} refuses anything else.
 */
public final class Load {
  private Load() {
  }

  /** One operation of a virtual user; it sends its requests through {@link Meter#time}. */
  public interface Op {
    Future<?> run(Meter meter, int user);
  }

  /**
   * How long, how many, how wide. {@code finishInFlight}: operations still running at the time limit
   * are waited for and counted, the measured time running to the last one (for slow operations such
   * as the naive SQL, where a window could otherwise end before the first one).
   */
  public record Options(int users, Duration warmup, Duration duration, long maxOps, int eventLoops, boolean finishInFlight) {
    public Options(int users, Duration warmup, Duration duration, long maxOps, int eventLoops) {
      this(users, warmup, duration, maxOps, eventLoops, false);
    }
  }

  /** The measured requests and operations. */
  public record Result(Summary requests, Summary ops, String firstError) {
  }

  /** Times requests of one event loop's users (no locking: used from that loop only). */
  public static final class Meter {
    final Histogram requests = Summary.histogram();
    final Histogram ops = Summary.histogram();
    long requestCount;
    long requestErrors;
    long opCount;
    long opErrors;
    volatile boolean recording;
    String firstError;

    /** Records the latency of {@code request}; a status outside {@code expected} fails the returned future. */
    public Future<HttpResponse<Buffer>> time(Future<HttpResponse<Buffer>> request, int... expected) {
      long start = System.nanoTime();
      return request.transform(ar -> {
        boolean ok = ar.succeeded() && expectedStatus(ar.result().statusCode(), expected);
        if (recording) {
          requests.recordValue(Math.max(1, (System.nanoTime() - start) / 1000));
          requestCount++;
          if (!ok) {
            requestErrors++;
          }
        }
        if (ok) {
          return Future.succeededFuture(ar.result());
        }
        String why = ar.failed() ? ar.cause().toString()
            : "HTTP " + ar.result().statusCode() + " " + truncate(ar.result().bodyAsString());
        if (firstError == null) {
          firstError = why;
        }
        return Future.failedFuture(why);
      });
    }

    /** Records the latency of a non-HTTP step (a database call: the ceilings and floors). */
    public <T> Future<T> timed(Future<T> step) {
      long start = System.nanoTime();
      return step.andThen(ar -> {
        if (recording) {
          requests.recordValue(Math.max(1, (System.nanoTime() - start) / 1000));
          requestCount++;
          if (ar.failed()) {
            requestErrors++;
            if (firstError == null) {
              firstError = String.valueOf(ar.cause());
            }
          }
        }
      });
    }

    private static boolean expectedStatus(int status, int[] expected) {
      if (expected.length == 0) {
        return status / 100 == 2;
      }
      for (int e : expected) {
        if (e == status) {
          return true;
        }
      }
      return false;
    }
  }

  static String truncate(String s) {
    return s == null ? "" : s.length() > 200 ? s.substring(0, 200) + "…" : s;
  }

  /** Refuses any target that is not on this machine's loopback. */
  /**
   * Whether {@code body} holds the UTF-8 bytes {@code text}: a page's check that reads the bytes as
   * received instead of decoding the whole page into a String first (which cost the load generator,
   * on the same cores as the node, more than the check itself).
   */
  public static boolean contains(Buffer body, byte[] text) {
    if (body == null) {
      return false;
    }
    byte[] b = body.getBytes();
    outer:
    for (int i = 0, last = b.length - text.length; i <= last; i++) {
      for (int j = 0; j < text.length; j++) {
        if (b[i + j] != text[j]) {
          continue outer;
        }
      }
      return true;
    }
    return false;
  }

  public static void checkLoopback(String host) {
    if (!(host.equals("localhost") || host.startsWith("127.") || host.equals("::1") || host.equals("[::1]"))) {
      throw new IllegalArgumentException("the benchmark sends load to loopback addresses only, not to " + host);
    }
  }

  /**
   * Runs the load: {@code factory} makes each event loop's operation from that loop's client
   * (connections: its share of the users).
   */
  public static Result run(Vertx vertx, Options o, Function<WebClient, Op> factory) {
    List<Driver> drivers = new ArrayList<>();
    AtomicLong done = new AtomicLong();
    long warmupEnd = System.nanoTime() + o.warmup().toNanos();
    long end = warmupEnd + o.duration().toNanos();
    AtomicLong stoppedAt = new AtomicLong();
    AtomicLong lastCompletion = new AtomicLong();
    int loops = Math.max(1, Math.min(o.eventLoops(), o.users()));
    List<Future<String>> deployed = new ArrayList<>();
    for (int i = 0; i < loops; i++) {
      int users = o.users() / loops + (i < o.users() % loops ? 1 : 0);
      Driver d = new Driver(users, i, loops, factory, warmupEnd, end, o.maxOps(), done, stoppedAt,
          o.finishInFlight() ? lastCompletion : null);
      drivers.add(d);
      deployed.add(vertx.deployVerticle(d, new DeploymentOptions()));
    }
    Future.all(deployed).await();
    Future.all(drivers.stream().map(d -> d.finished.future()).toList()).await();
    deployed.forEach(f -> vertx.undeploy(f.result()).await());
    long stop = stoppedAt.get() == 0 ? end : Math.min(stoppedAt.get(), end);
    if (o.finishInFlight()) {
      stop = Math.max(stop, lastCompletion.get());
    }
    double seconds = Math.max(1e-3, (stop - warmupEnd) / 1e9);
    Histogram req = Summary.histogram();
    Histogram ops = Summary.histogram();
    long reqCount = 0;
    long reqErrors = 0;
    long opCount = 0;
    long opErrors = 0;
    String first = null;
    for (Driver d : drivers) {
      req.add(d.meter.requests);
      ops.add(d.meter.ops);
      reqCount += d.meter.requestCount;
      reqErrors += d.meter.requestErrors;
      opCount += d.meter.opCount;
      opErrors += d.meter.opErrors;
      first = first == null ? d.meter.firstError : first;
    }
    return new Result(Summary.of(req, reqCount, reqErrors, seconds), Summary.of(ops, opCount, opErrors, seconds), first);
  }

  private static final class Driver extends VerticleBase {
    final Meter meter = new Meter();
    final Promise<Void> finished = Promise.promise();
    private final int users;
    private final int index;
    private final int stride;
    private final Function<WebClient, Op> factory;
    private final long warmupEnd;
    private final long end;
    private final long maxOps;
    private final AtomicLong done;
    private final AtomicLong stoppedAt;
    private final AtomicLong lastCompletion;
    private WebClient client;
    private Op op;
    private int running;

    Driver(int users, int index, int stride, Function<WebClient, Op> factory, long warmupEnd, long end, long maxOps,
           AtomicLong done, AtomicLong stoppedAt, AtomicLong lastCompletion) {
      this.users = users;
      this.index = index;
      this.stride = stride;
      this.factory = factory;
      this.warmupEnd = warmupEnd;
      this.end = end;
      this.maxOps = maxOps;
      this.done = done;
      this.stoppedAt = stoppedAt;
      this.lastCompletion = lastCompletion;
    }

    @Override
    public Future<?> start() {
      client = WebClient.create(vertx, new WebClientOptions().setProtocolVersion(HttpVersion.HTTP_1_1).setKeepAlive(true)
              .setPipelining(false).setDecompressionSupported(false).setUserAgent("yishi-bench").setConnectTimeout(10_000),
          new PoolOptions().setHttp1MaxSize(Math.max(1, users)).setMaxWaitQueueSize(-1));
      op = factory.apply(client);
      running = users;
      if (users == 0) {
        finished.complete();
      }
      long recordingAt = Math.max(1, (warmupEnd - System.nanoTime()) / 1_000_000);
      vertx.setTimer(recordingAt, t -> meter.recording = true);
      if (lastCompletion == null) {
        vertx.setTimer(Math.max(1, (end - System.nanoTime()) / 1_000_000), t -> meter.recording = false);
      }
      for (int u = 0; u < users; u++) {
        loop(u * stride + index);
      }
      return Future.succeededFuture();
    }

    @Override
    public Future<?> stop() {
      client.close();
      return Future.succeededFuture();
    }

    private boolean over() {
      long now = System.nanoTime();
      if (now >= end || (maxOps > 0 && done.get() >= maxOps)) {
        stoppedAt.compareAndSet(0, now);
        return true;
      }
      return false;
    }

    private void loop(int user) {
      if (over()) {
        if (--running == 0) {
          finished.complete();
        }
        return;
      }
      long start = System.nanoTime();
      Future<?> f;
      try {
        f = op.run(meter, user);
      } catch (RuntimeException e) {
        f = Future.failedFuture(e);
      }
      boolean completedAtOnce = f.isComplete();
      f.onComplete(ar -> {
        long now = System.nanoTime();
        // counted by completion inside the measured window (an operation slower than the warm-up still counts
        // once it completes there), so that the rate is completions per second whatever the latency
        if (meter.recording && now >= warmupEnd && (now <= end || lastCompletion != null)) {
          if (lastCompletion != null) {
            lastCompletion.accumulateAndGet(now, Math::max);
          }
          meter.ops.recordValue(Math.max(1, (now - start) / 1000));
          meter.opCount++;
          if (ar.failed()) {
            meter.opErrors++;
            if (meter.firstError == null) {
              meter.firstError = String.valueOf(ar.cause());
            }
          }
          done.incrementAndGet();
        }
        if (completedAtOnce) {
          // an operation that fails before it starts (a used-up fixture) would otherwise recurse without end
          context.runOnContext(v -> loop(user));
        } else {
          loop(user);
        }
      });
    }
  }
}
