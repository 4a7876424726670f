package org.yishi.bench;

import io.vertx.core.json.JsonObject;
import org.HdrHistogram.Histogram;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The members' benchmarks (issue 23), run by {@code scripts/bench.sh --only checkin,ranking} on the
 * generated city data set against node 1:
 * <ul>
 *   <li>{@code checkin}: a forum meeting starting in 10 minutes where 500 people check in within one
 *       minute through {@code POST /api/v1/checkin} (300 members signed in with their own accounts,
 *       200 guests by role), arrivals spread at random over the minute, plus 50 second scans; the
 *       rows are counted afterwards (every check-in once);</li>
 *   <li>{@code ranking}: {@code GET /api/v1/member-ranking} for the whole city and a year whose
 *       check-ins were generated from the data set's attendance (every named attendee of a held
 *       meeting checked in), 10 times one after the other after one warm-up.</li>
 * </ul>
 */
final class MemberBenchmarks {
  private static final String CITY = "120100000000";
  private static final int MEMBERS = 300;
  private static final int GUESTS = 200;
  private static final int SECOND_SCANS = 50;
  private static final String[] GUEST_ROLES = {"residents", "departments", "experts", "others"};

  private final Map<String, String> o;
  private final Path results;
  private final URI node;
  private final CopyLoader.Jdbc jdbc;
  private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();

  private MemberBenchmarks(Map<String, String> o, Path results) {
    this.o = o;
    this.results = results;
    this.node = URI.create(Bench.required(o, "nodes").split(",")[0]);
    Load.checkLoopback(node.getHost());
    this.jdbc = CopyLoader.Jdbc.of(Bench.required(o, "pg"));
  }

  static void run(Map<String, String> o, Path results) throws Exception {
    MemberBenchmarks b = new MemberBenchmarks(o, results);
    List<String> only = List.of(o.getOrDefault("only", "checkin,ranking").split(","));
    if (only.contains("checkin")) {
      b.checkin();
    }
    if (only.contains("ranking")) {
      b.ranking();
    }
  }

  // ------------------------------------------------------------------ HTTP

  private HttpResponse<String> send(String method, String path, String token, JsonObject body) throws Exception {
    return http.send(request(method, path, token, body), HttpResponse.BodyHandlers.ofString());
  }

  private HttpRequest request(String method, String path, String token, JsonObject body) {
    HttpRequest.Builder b = HttpRequest.newBuilder(node.resolve(path)).timeout(Duration.ofSeconds(60))
        .header("Content-Type", "application/json")
        .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body.encode()));
    if (token != null) {
      b.header("Authorization", "Bearer " + token);
    }
    return b.build();
  }

  private String token(String username, String password) throws Exception {
    HttpResponse<String> r = send("POST", "/api/v1/auth/token", null,
        new JsonObject().put("username", username).put("password", password));
    if (r.statusCode() != 200) {
      throw new IllegalStateException("sign-in as " + username + " answered " + r.statusCode() + ": " + r.body());
    }
    return new JsonObject(r.body()).getString("token");
  }

  private static long scalar(Connection c, String sql, Object... args) throws SQLException {
    try (PreparedStatement s = c.prepareStatement(sql)) {
      for (int i = 0; i < args.length; i++) {
        s.setObject(i + 1, args[i]);
      }
      try (ResultSet rs = s.executeQuery()) {
        return rs.next() ? rs.getLong(1) : 0;
      }
    }
  }

  // ------------------------------------------------------------------ check-in

  /** One person's scan: when it is sent (ms after the start of the minute), with which token and body. */
  private record Scan(long atMillis, String token, JsonObject body, boolean second) {
  }

  private void checkin() throws Exception {
    String password = Bench.required(o, "password");
    String admin = token("admin", password);
    long meeting;
    List<Long> members = new ArrayList<>();
    try (Connection c = jdbc.open()) {
      meeting = forumMeetingStartingSoon(c);
      try (PreparedStatement s = c.prepareStatement(
          "SELECT mb.id FROM member mb WHERE mb.active AND NOT EXISTS (SELECT 1 FROM account a WHERE a.member_id = mb.id)"
              + " ORDER BY mb.id LIMIT " + MEMBERS)) {
        try (ResultSet rs = s.executeQuery()) {
          while (rs.next()) {
            members.add(rs.getLong(1));
          }
        }
      }
      // invite them (as the meeting page would); members with an overlapping meeting stay uninvited (flagged at check-in)
      try (PreparedStatement s = c.prepareStatement("""
          INSERT INTO meeting_member (meeting_id, member_id, starts_at, ends_at)
          SELECT m.id, x, m.starts_at, m.ends_at FROM meeting m, unnest(?::bigint[]) AS x
           WHERE m.id = ? AND NOT EXISTS (SELECT 1 FROM meeting_member o WHERE o.member_id = x AND o.active
                                           AND tstzrange(o.starts_at, o.ends_at) && tstzrange(m.starts_at, m.ends_at))
          ON CONFLICT DO NOTHING""")) {
        s.setArray(1, c.createArrayOf("bigint", members.toArray()));
        s.setLong(2, meeting);
        s.executeUpdate();
      }
    }
    System.out.println("   checkin: meeting " + meeting + "; " + members.size() + " member accounts with a bearer token each ...");
    List<String> tokens = memberTokens(members);
    HttpResponse<String> codes = send("GET", "/api/v1/meetings/" + meeting + "/checkins", admin, null);
    if (codes.statusCode() != 200) {
      throw new IllegalStateException("the meeting's code answered " + codes.statusCode() + ": " + codes.body());
    }
    String code = new JsonObject(codes.body()).getString("code");

    long minute = Long.parseLong(o.getOrDefault("checkin-millis", "60000"));
    Random random = new Random(20260101);
    List<Scan> scans = new ArrayList<>();
    for (String t : tokens) {
      scans.add(new Scan(random.nextInt((int) minute), t, new JsonObject().put("code", code), false));
    }
    for (int g = 0; g < GUESTS; g++) {
      JsonObject body = new JsonObject().put("code", code).put("role", GUEST_ROLES[g % GUEST_ROLES.length])
          .put("deviceKey", String.format("bench-device-%08d", g));
      if (g % 3 == 0) {
        body.put("name", "来宾" + g);
      }
      scans.add(new Scan(random.nextInt((int) minute), null, body, false));
    }
    List<Scan> firsts = new ArrayList<>(scans);
    Collections.shuffle(firsts, random);
    for (int i = 0; i < SECOND_SCANS; i++) {
      Scan first = firsts.get(i);
      // a second scan of the same phone, within the same minute, after the first one was sent
      long at = first.atMillis() + random.nextInt((int) Math.max(1, minute - first.atMillis()));
      scans.add(new Scan(at, first.token(), first.body(), true));
    }
    System.out.println("   checkin: " + tokens.size() + " members and " + GUESTS + " guests check in within "
        + minute / 1000 + " s (+ " + SECOND_SCANS + " second scans) ...");

    Histogram latencies = Summary.histogram();
    AtomicInteger created = new AtomicInteger();
    AtomicInteger repeated = new AtomicInteger();
    AtomicInteger errors = new AtomicInteger();
    AtomicReference<String> firstError = new AtomicReference<>();
    ScheduledExecutorService timer = Executors.newScheduledThreadPool(4);
    List<CompletableFuture<?>> all = Collections.synchronizedList(new ArrayList<>());
    CompletableFuture<Void> scheduled = new CompletableFuture<>();
    AtomicInteger toSchedule = new AtomicInteger(scans.size());
    long started = System.nanoTime();
    for (Scan s : scans) {
      timer.schedule(() -> {
        long t0 = System.nanoTime();
        all.add(http.sendAsync(request("POST", "/api/v1/checkin", s.token(), s.body()), HttpResponse.BodyHandlers.ofString())
            .whenComplete((r, e) -> {
              synchronized (latencies) {
                latencies.recordValue(Math.max(1, (System.nanoTime() - t0) / 1000));
              }
              int status = r == null ? -1 : r.statusCode();
              if (status == 201) {
                created.incrementAndGet();
              } else if (status == 200) {
                repeated.incrementAndGet();
              } else {
                errors.incrementAndGet();
                firstError.compareAndSet(null, e != null ? e.toString() : status + ": " + Load.truncate(r.body()));
              }
            }));
        if (toSchedule.decrementAndGet() == 0) {
          scheduled.complete(null);
        }
      }, s.atMillis(), TimeUnit.MILLISECONDS);
    }
    scheduled.get(minute + 60_000, TimeUnit.MILLISECONDS);
    CompletableFuture.allOf(all.toArray(new CompletableFuture<?>[0])).handle((v, e) -> null).get(5, TimeUnit.MINUTES);
    double seconds = (System.nanoTime() - started) / 1e9;
    timer.shutdownNow();

    long rows;
    long memberRows;
    long guestRows;
    try (Connection c = jdbc.open()) {
      rows = scalar(c, "SELECT count(*) FROM meeting_checkin WHERE meeting_id = ?", meeting);
      memberRows = scalar(c, "SELECT count(DISTINCT member_id) FROM meeting_checkin WHERE meeting_id = ? AND member_id IS NOT NULL", meeting);
      guestRows = scalar(c, "SELECT count(DISTINCT device_key) FROM meeting_checkin WHERE meeting_id = ? AND device_key IS NOT NULL", meeting);
    }
    int people = tokens.size() + GUESTS;
    Summary summary = Summary.of(latencies, scans.size(), errors.get(), seconds);
    boolean once = rows == people && memberRows == tokens.size() && guestRows == GUESTS && created.get() == people
        && repeated.get() == SECOND_SCANS;
    JsonObject e = Results.entry("checkin_forum", people + " people (" + tokens.size() + " members signed in, " + GUESTS
            + " guests) check in within " + minute / 1000 + " s through POST /api/v1/checkin, + " + SECOND_SCANS + " second scans",
        summary.p99(), "ms p99")
        .put("requests", summary.toJson())
        .put("answered_201", created.get()).put("answered_200_again", repeated.get()).put("errors", errors.get())
        .put("rows_after", rows).put("member_rows", memberRows).put("guest_rows", guestRows)
        .put("every_checkin_once", once);
    if (firstError.get() != null) {
      e.put("first_error", firstError.get());
    }
    Results.target(e, "p99 ≤ 100 ms, every check-in counted once", summary.p99() <= 100 && once);
    Results.add(results, e);
    System.out.println("   checkin_forum: " + summary.toJson().encode() + "; rows " + rows + " of " + people + (once ? " (each once)" : " (MISMATCH)"));
  }

  /**
   * An account for each member (role member, scope their committee, as {@code POST /api/v1/members/{id}/account} opens
   * it) and a bearer token for each (as {@code POST /api/v1/auth/token} issues them: only the SHA-256 stored), written
   * straight to the database: opening 300 accounts and signing 300 people in is not what is measured.
   */
  private List<String> memberTokens(List<Long> members) throws Exception {
    List<String> tokens = new ArrayList<>();
    java.security.SecureRandom random = new java.security.SecureRandom();
    try (Connection c = jdbc.open()) {
      c.setAutoCommit(false);
      try (PreparedStatement account = c.prepareStatement("""
          INSERT INTO account (username, display_name, password_hash, role, scope_code, member_id)
          SELECT 'bench-member-' || mb.id, mb.name, 'bench-no-password', 'member', co.division_code, mb.id
            FROM member mb JOIN committee co ON co.id = mb.committee_id WHERE mb.id = ?
          RETURNING id""");
           PreparedStatement token = c.prepareStatement(
               "INSERT INTO api_token (account_id, token_hash, expires_at) VALUES (?, ?, now() + interval '1 day')")) {
        for (long m : members) {
          account.setLong(1, m);
          long id;
          try (ResultSet rs = account.executeQuery()) {
            rs.next();
            id = rs.getLong(1);
          }
          byte[] raw = new byte[32];
          random.nextBytes(raw);
          String t = "yst_" + java.util.Base64.getUrlEncoder().withoutPadding().encodeToString(raw);
          token.setLong(1, id);
          token.setBytes(2, java.security.MessageDigest.getInstance("SHA-256").digest(t.getBytes(java.nio.charset.StandardCharsets.UTF_8)));
          token.executeUpdate();
          tokens.add(t);
        }
      }
      c.commit();
    }
    return tokens;
  }

  /**
   * One of the data set's scheduled meetings that has no record yet (the write benchmark's fixture, of
   * the last 40 days; the latest of them) moved to start in 10 minutes as a 2-hour forum; its id.
   */
  private static long forumMeetingStartingSoon(Connection c) throws SQLException {
    c.setAutoCommit(true);
    SQLException last = null;
    try (PreparedStatement candidates = c.prepareStatement("""
        SELECT m.id FROM meeting m JOIN station s ON s.id = m.station_id
         WHERE m.status = 'scheduled' AND m.starts_at < now() AND s.division_code LIKE '1201%'
           AND NOT EXISTS (SELECT 1 FROM meeting_record r WHERE r.meeting_id = m.id)
         ORDER BY m.starts_at DESC LIMIT 50""");
         ResultSet rs = candidates.executeQuery()) {
      while (rs.next()) {
        long id = rs.getLong(1);
        try (PreparedStatement move = c.prepareStatement("UPDATE meeting SET kind = 'forum', starts_at = now() + interval '10 minutes',"
            + " ends_at = now() + interval '130 minutes' WHERE id = ?")) {
          move.setLong(1, id);
          move.executeUpdate();
          return id;
        } catch (SQLException overlap) {
          // another meeting at that station overlaps the new times: the next candidate
          last = overlap;
        }
      }
    }
    throw new IllegalStateException("no scheduled meeting of the data set could be moved to now", last);
  }

  // ------------------------------------------------------------------ ranking

  private void ranking() throws Exception {
    int year;
    long generated;
    try (Connection c = jdbc.open(); Statement s = c.createStatement()) {
      // the last year with a whole year of held meetings in the data set (it ends 6 weeks ago)
      try (ResultSet rs = s.executeQuery("SELECT extract(year FROM now() - interval '6 weeks')::int - 1")) {
        rs.next();
        year = rs.getInt(1);
      }
      // every named attendee of that year's held meetings checked in (by the coordinator), once
      generated = s.executeUpdate("""
          INSERT INTO meeting_checkin (meeting_id, role, member_id, invited, arrival, minutes_off, source, at)
          SELECT a.meeting_id, 'members', a.member_id, true,
                 (ARRAY['on_time', 'on_time', 'on_time', 'late', 'early'])[1 + (a.meeting_id + a.member_id) %% 5],
                 ((a.meeting_id + a.member_id) %% 30)::int - 10, 'coordinator', m.starts_at
            FROM meeting_attendee a JOIN meeting m ON m.id = a.meeting_id
           WHERE m.status = 'held' AND m.starts_at >= make_timestamptz(%d, 1, 1, 0, 0, 0, 'Asia/Shanghai')
             AND m.starts_at < make_timestamptz(%d, 1, 1, 0, 0, 0, 'Asia/Shanghai')
          ON CONFLICT DO NOTHING""".formatted(year, year + 1));
      s.execute("ANALYZE meeting_checkin");
    }
    long checkins;
    long members;
    try (Connection c = jdbc.open()) {
      checkins = scalar(c, "SELECT count(*) FROM meeting_checkin WHERE member_id IS NOT NULL");
      members = scalar(c, "SELECT count(*) FROM member mb JOIN committee c ON c.id = mb.committee_id WHERE mb.active"
          + " AND c.division_code LIKE '12%'");
    }
    System.out.println("   ranking: " + year + ", " + members + " members, " + checkins + " member check-ins (" + generated + " new) ...");
    String admin = token("admin", Bench.required(o, "password"));
    String path = "/api/v1/member-ranking?year=" + year + "&division=" + CITY;
    HttpResponse<String> warm = send("GET", path, admin, null);
    if (warm.statusCode() != 200) {
      throw new IllegalStateException("the ranking answered " + warm.statusCode() + ": " + Load.truncate(warm.body()));
    }
    int ranked = new JsonObject(warm.body()).getJsonArray("items").size();
    Histogram latencies = Summary.histogram();
    int runs = Integer.parseInt(o.getOrDefault("ranking-runs", "10"));
    long started = System.nanoTime();
    for (int i = 0; i < runs; i++) {
      long t0 = System.nanoTime();
      HttpResponse<String> r = send("GET", path, admin, null);
      latencies.recordValue(Math.max(1, (System.nanoTime() - t0) / 1000));
      if (r.statusCode() != 200) {
        throw new IllegalStateException("the ranking answered " + r.statusCode());
      }
    }
    Summary summary = Summary.of(latencies, runs, 0, (System.nanoTime() - started) / 1e9);
    JsonObject e = Results.entry("ranking_city", "GET /api/v1/member-ranking for 天津市 and " + year + ": " + ranked
            + " members ranked over the data set's meetings, attendance and " + checkins + " member check-ins; " + runs
            + " requests one after the other", summary.max(), "ms max")
        .put("requests", summary.toJson()).put("year", year).put("members_ranked", ranked).put("member_checkins", checkins);
    Results.target(e, "≤ 1 s", summary.max() <= 1000);
    Results.add(results, e);
    System.out.println("   ranking_city: " + ranked + " members; " + summary.toJson().encode());
  }
}
