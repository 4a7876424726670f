package org.yishi.fault;

import io.vertx.core.json.JsonObject;

import java.io.IOException;
import java.net.CookieManager;
import java.net.CookiePolicy;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * The steady write load of the fault suite: clients that each make one logical write after the
 * other, as a real client would, retrying it with the same idempotency key (API) or form token
 * (pages) until it is answered, and moving to the next node when theirs does not answer (connection
 * refused or reset, timeout, 503). Every logical write ends acknowledged (a 2xx), 'lost' (the
 * server says it was carried out but its answer was not kept) or unresolved (given up), and its
 * unique title lets the test find it in the database.
 */
final class Workload {
  /** How one logical write ended. */
  enum Outcome { ACKED, LOST, UNRESOLVED, REFUSED }

  /** One client: a user, a station, the API or the pages. */
  static final class Client {
    final String name;
    final String token;          // API clients
    final CookieManager cookies; // page clients (a signed-in session)
    final long station;
    /** Meeting clients: approved topics still to schedule (station, topic id, slot); empty for topic clients. */
    final java.util.Deque<long[]> meetings = new java.util.ArrayDeque<>();
    /** Upload clients: the meetings their photos go to, {@link #UPLOADS_PER_MEETING} each; empty for the others. */
    final List<Long> uploadMeetings = new ArrayList<>();
    int uploads;
    final Map<String, Outcome> writes = new ConcurrentHashMap<>();
    final List<String> problems = new ArrayList<>();
    final AtomicInteger attempts = new AtomicInteger();
    final AtomicInteger failovers = new AtomicInteger();
    final AtomicInteger inProgress = new AtomicInteger();
    final AtomicInteger unavailable = new AtomicInteger();
    /** The node the client starts each phase on (so that every node has clients when its fault comes). */
    final int home;
    int node;
    int seq;
    HttpClient http;

    Client(String name, String token, CookieManager cookies, long station, int node) {
      this.name = name;
      this.token = token;
      this.cookies = cookies;
      this.station = station;
      this.home = node;
      this.node = node;
      HttpClient.Builder b = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
          .connectTimeout(Duration.ofSeconds(2)).followRedirects(HttpClient.Redirect.NEVER);
      this.http = (cookies == null ? b : b.cookieHandler(cookies)).build();
    }

    boolean api() {
      return token != null;
    }
  }

  private static final Pattern CSRF = Pattern.compile("name=\"_csrf\" value=\"([^\"]+)\"");
  private static final Pattern TOPIC_FORM = Pattern.compile("(?s)<form[^>]*action=\"/topics\"[^>]*>(.*?)</form>");
  private static final Pattern TOKEN = Pattern.compile("name=\"_idempotency\" value=\"([^\"]+)\"");
  private static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(5);
  private static final long GIVE_UP_MILLIS = 150_000;
  /** Fewer than a meeting's limit (30), so that no upload of the load is refused for it. */
  static final int UPLOADS_PER_MEETING = 25;

  private final List<String> nodes;
  private final List<Client> clients;
  private final List<Thread> threads = new ArrayList<>();
  private volatile boolean running;

  Workload(List<String> nodes, List<Client> clients) {
    this.nodes = nodes;
    this.clients = clients;
  }

  List<Client> clients() {
    return clients;
  }

  void start() {
    running = true;
    threads.clear();
    for (Client c : clients) {
      // back to its own node: the failovers of the previous phase may have moved every client off one
      c.node = c.home;
      Thread t = new Thread(() -> {
        while (running) {
          String title = "F-" + c.name + "-" + (++c.seq);
          if (c.api() && c.station == 0) { // the meeting client: one meeting per approved topic, then idle
            long[] next = c.meetings.poll();
            if (next == null) {
              pause(200);
              continue;
            }
            c.writes.put(title, Outcome.UNRESOLVED);
            c.writes.put(title, apiWrite(c, title, "/api/v1/meetings", "application/json",
                HttpRequest.BodyPublishers.ofString(meeting(title, next))));
            pause(1_000);
            continue;
          }
          if (!c.uploadMeetings.isEmpty()) { // the upload client: photos of its meetings, then idle
            if (c.uploads >= c.uploadMeetings.size() * UPLOADS_PER_MEETING) {
              pause(200);
              continue;
            }
            long meeting = c.uploadMeetings.get(c.uploads++ / UPLOADS_PER_MEETING);
            c.writes.put(title, Outcome.UNRESOLVED);
            c.writes.put(title, apiWrite(c, title, "/api/v1/attachments?meetingId=" + meeting + "&name=" + title,
                "image/png", HttpRequest.BodyPublishers.ofByteArray(photo(title, c.uploads))));
            pause(300);
            continue;
          }
          c.writes.put(title, Outcome.UNRESOLVED);
          c.writes.put(title, c.api() ? apiWrite(c, title, "/api/v1/topics", "application/json",
              HttpRequest.BodyPublishers.ofString(topic(c, title))) : formWrite(c, title));
        }
      }, "load-" + c.name);
      t.setDaemon(true);
      threads.add(t);
      t.start();
    }
  }

  /** Stops after each client's write in progress has ended. */
  void stop() throws InterruptedException {
    running = false;
    for (Thread t : threads) {
      t.join(GIVE_UP_MILLIS + 30_000);
      if (t.isAlive()) {
        throw new AssertionError(t.getName() + " did not finish its write");
      }
    }
  }

  private String base(Client c) {
    return nodes.get(c.node);
  }

  private void failover(Client c) {
    c.node = (c.node + 1) % nodes.size();
    c.failovers.incrementAndGet();
    pause(150);
  }

  private static String topic(Client c, String title) {
    return new JsonObject().put("stationId", c.station).put("title", title).put("category", "livelihood")
        .put("source", "residents").put("description", "故障测试负载").put("q1Answer", true).put("q1Reason", "热点")
        .put("q2Answer", true).put("q2Reason", "多部门").encode();
  }

  /** Meeting {@code slot} of its station: 10 minutes every quarter hour from an hour ahead, so none clash; the venue names the write. */
  static final java.time.OffsetDateTime FIRST_SLOT = java.time.OffsetDateTime.now().plusHours(1).withNano(0).withSecond(0);

  private static String meeting(String title, long[] next) {
    java.time.OffsetDateTime start = FIRST_SLOT.plusMinutes(15 * next[2]);
    return new JsonObject().put("topicId", next[1]).put("startsAt", start.toString()).put("endsAt", start.plusMinutes(10).toString())
        .put("venue", title).put("format", "on_site").put("kind", "forum")
        .put("participants", new io.vertx.core.json.JsonArray().add(new JsonObject().put("role", "responder")
            .put("name", "区住建局").put("contact", String.format("139%08d", next[1]))))
        .encode();
  }

  /** A PNG-headed photo whose bytes name the write: 100 KB, every fifth one 600 KB (three chunks). */
  static byte[] photo(String title, int n) {
    byte[] b = new byte[n % 5 == 0 ? 600_000 : 100_000];
    new java.util.Random(title.hashCode()).nextBytes(b);
    byte[] head = {(byte) 0x89, 'P', 'N', 'G', 0x0D, 0x0A, 0x1A, 0x0A};
    System.arraycopy(head, 0, b, 0, head.length);
    byte[] name = title.getBytes(StandardCharsets.UTF_8);
    System.arraycopy(name, 0, b, head.length, name.length);
    return b;
  }

  private Outcome apiWrite(Client c, String title, String path, String contentType, HttpRequest.BodyPublisher body) {
    String key = c.name + ":" + title;
    long deadline = System.currentTimeMillis() + GIVE_UP_MILLIS;
    while (System.currentTimeMillis() < deadline) {
      c.attempts.incrementAndGet();
      HttpResponse<String> r;
      try {
        r = c.http.send(HttpRequest.newBuilder(URI.create(base(c) + path)).timeout(REQUEST_TIMEOUT)
            .header("Authorization", "Bearer " + c.token).header("Content-Type", contentType)
            .header("Idempotency-Key", key).POST(body).build(),
            HttpResponse.BodyHandlers.ofString());
      } catch (IOException e) {
        failover(c); // refused, reset, timed out: try the next node
        continue;
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return Outcome.UNRESOLVED;
      }
      Outcome o = judge(c, title, r.statusCode(), r.body());
      if (o != null) {
        return o;
      }
    }
    return Outcome.UNRESOLVED;
  }

  /** Null: try again (maybe elsewhere); otherwise how the write ended. */
  private Outcome judge(Client c, String title, int status, String body) {
    if (status == 201 || status == 303) {
      return Outcome.ACKED;
    }
    // the API says so in its message, a page in its data-error attribute
    if (status == 409 && (body.contains("in progress") || body.contains("data-error=\"in_progress\""))) {
      c.inProgress.incrementAndGet();
      pause(300);
      return null;
    }
    if (status == 409 && (body.contains("not kept") || body.contains("data-error=\"already_done\""))) {
      return Outcome.LOST;
    }
    if (status == 503 || status == 502) {
      c.unavailable.incrementAndGet();
      failover(c);
      pause(200);
      return null;
    }
    synchronized (c.problems) {
      c.problems.add(title + " -> " + status + " " + body.substring(0, Math.min(300, body.length())));
    }
    return Outcome.REFUSED;
  }

  private Outcome formWrite(Client c, String title) {
    long deadline = System.currentTimeMillis() + GIVE_UP_MILLIS;
    String token = null;
    String csrf = null;
    while (System.currentTimeMillis() < deadline) {
      c.attempts.incrementAndGet();
      try {
        if (token == null) {
          // the form is rendered once; its token names this submission for all its retries
          HttpResponse<String> page = c.http.send(HttpRequest.newBuilder(URI.create(base(c) + "/topics/new?station=" + c.station))
              .timeout(REQUEST_TIMEOUT).GET().build(), HttpResponse.BodyHandlers.ofString());
          if (page.statusCode() != 200) {
            if (page.statusCode() != 503) {
              synchronized (c.problems) {
                c.problems.add(title + " form page -> " + page.statusCode());
              }
              return Outcome.REFUSED;
            }
            c.unavailable.incrementAndGet();
            failover(c);
            continue;
          }
          Matcher form = TOPIC_FORM.matcher(page.body());
          Matcher m = CSRF.matcher(page.body());
          if (!form.find() || !m.find()) {
            throw new AssertionError("no topic form: " + page.body());
          }
          Matcher t = TOKEN.matcher(form.group(1));
          if (!t.find()) {
            throw new AssertionError("the topic form has no idempotency token");
          }
          token = t.group(1);
          csrf = m.group(1);
        }
        Map<String, String> fields = Map.of("_csrf", csrf, "_idempotency", token, "stationId", String.valueOf(c.station),
            "title", title, "category", "livelihood", "source", "residents", "description", "故障测试表单", "intent", "save");
        String encoded = fields.entrySet().stream().map(e -> URLEncoder.encode(e.getKey(), StandardCharsets.UTF_8) + "="
            + URLEncoder.encode(e.getValue(), StandardCharsets.UTF_8)).collect(Collectors.joining("&"));
        HttpResponse<String> r = c.http.send(HttpRequest.newBuilder(URI.create(base(c) + "/topics")).timeout(REQUEST_TIMEOUT)
            .header("Content-Type", "application/x-www-form-urlencoded").POST(HttpRequest.BodyPublishers.ofString(encoded)).build(),
            HttpResponse.BodyHandlers.ofString());
        Outcome o = judge(c, title, r.statusCode(), r.body());
        if (o != null) {
          return o;
        }
      } catch (IOException e) {
        failover(c);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return Outcome.UNRESOLVED;
      }
    }
    return Outcome.UNRESOLVED;
  }

  static void pause(long millis) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
