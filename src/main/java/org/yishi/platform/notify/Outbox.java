package org.yishi.platform.notify;

import io.vertx.core.Future;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.RowSet;
import io.vertx.sqlclient.SqlClient;
import io.vertx.sqlclient.Tuple;
import org.yishi.platform.db.Kept;
import org.yishi.platform.config.AppConfig;
import org.yishi.platform.web.I18n;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Queues the messages of a {@link Notice} in the {@code outbox}, in the caller's transaction: the
 * transition that causes them and the messages commit (or roll back) together, and
 * {@link DeliveryService} sends them afterwards from any node. Recipients are resolved inside the
 * transaction: accounts get the channels they chose for the kind of event ({@code notify_preference};
 * by default an e-mail when they have an address), in their language; invited (or named) members
 * the channels staff chose for them for the kind ({@code notify_member_preference}; by default an SMS
 * to their mobile number and an e-mail to their address, as their member record has them);
 * the five parties an SMS or an e-mail as their contact allows (in Chinese). Each message's dedupe key is the notice's key plus the recipient, so writing a notice
 * twice queues nothing new. Every template is rendered before anything is written: a template
 * with a missing variable fails the transaction with a message naming it.
 */
public final class Outbox {
  private static final String MOBILE = "^1[3-9][0-9]{9}$";
  private static final String EMAIL = "^[^@[:space:]]+@[^@[:space:]]+\\.[^@[:space:]]+$";
  private static volatile String publicUrl = "http://127.0.0.1:8080";
  private static volatile List<AppConfig.Robot> robots = List.of();

  private Outbox() {
  }

  /**
   * The address people open Yishi at ({@code YISHI_PUBLIC_URL}); set once by the node at start-up.
   * (Services are built with a pool and the event bus only; the composition root may pass it in instead.)
   */
  public static void publicUrl(String url) {
    publicUrl = url.replaceAll("/+$", "");
  }

  /**
   * The group robots configured on this node ({@code YISHI_ROBOTS}); set once by the node at start-up
   * like the public URL. Each gets every notice whose audience names its station or district.
   */
  public static void robots(List<AppConfig.Robot> configured) {
    robots = List.copyOf(configured);
  }

  /** The link to a page of Yishi as messages carry it. */
  public static String link(String path) {
    return publicUrl + path;
  }

  /** The channels a member record's contacts reach, as {@link Notice.Audience.Member} uses them: sms, email. */
  public static List<String> memberChannels(String phone, String email) {
    List<String> out = new ArrayList<>();
    if (phone != null && phone.matches(MOBILE)) {
      out.add("sms");
    }
    if (email != null && email.matches(EMAIL.replace("[:space:]", "\\s"))) {
      out.add("email");
    }
    return out;
  }

  /** Queues {@code notice}'s messages in {@code tx} (robots: the node's); answers how many were new. */
  public static Future<Integer> queue(SqlClient tx, Notice notice) {
    return queue(tx, notice, robots);
  }

  /** Queues {@code notice}'s messages in {@code tx}, with {@code robotList} as the configured robots. */
  public static Future<Integer> queue(SqlClient tx, Notice notice, List<AppConfig.Robot> robotList) {
    return resolve(tx, notice, robotList).compose(batch -> insert(tx, List.of(notice), batch));
  }

  /**
   * Queues the messages of several notices in {@code tx} (robots: the node's), as {@link #queue} does
   * each, in fewer round trips: their recipients are resolved by statements sent together (the
   * client pipelines them on the transaction's connection) and all their messages are written by one
   * batch. Answers how many were new.
   */
  public static Future<Integer> queueAll(SqlClient tx, List<Notice> notices) {
    if (notices.size() == 1) {
      return queue(tx, notices.get(0));
    }
    List<AppConfig.Robot> robotList = robots;
    List<Future<List<Tuple>>> resolved = new ArrayList<>();
    for (Notice n : notices) {
      resolved.add(resolve(tx, n, robotList));
    }
    return Future.all(resolved).compose(all -> {
      List<Tuple> batch = new ArrayList<>();
      List<Notice> silent = new ArrayList<>();
      for (int i = 0; i < notices.size(); i++) {
        List<Tuple> one = all.resultAt(i);
        batch.addAll(one);
        if (one.isEmpty()) {
          silent.add(notices.get(i));
        }
      }
      silent.forEach(Outbox::renderAll);
      return insert(tx, List.of(), batch);
    });
  }

  private static final String UNIT_CONTACTS = """
      SELECT c.contact, c.unit_name FROM outcome o
        JOIN station s ON s.id = o.station_id
        JOIN notify_unit_contact c ON c.district_code = s.district_code AND c.unit_name = o.responsible_unit
       WHERE\s""";
  private static final String UNIT_CONTACTS_OF_ONE = Kept.sql(UNIT_CONTACTS + "o.id = $1");

  /**
   * The messages of {@code notice} (one tuple per recipient and channel, rendered), its recipients
   * resolved in {@code tx}. An audience kind the notice does not name costs no statement.
   */
  private static Future<List<Tuple>> resolve(SqlClient tx, Notice notice, List<AppConfig.Robot> robotList) {
    List<Long> stations = new ArrayList<>();
    List<Long> districtsOf = new ArrayList<>();
    List<String> units = new ArrayList<>();
    List<Long> accounts = new ArrayList<>();
    List<Long> registrants = new ArrayList<>();
    List<Long> memberMeetings = new ArrayList<>();
    List<Long> members = new ArrayList<>();
    List<Long> partyMeetings = new ArrayList<>();
    List<Long> unitOutcomes = new ArrayList<>();
    List<Long> robotStations = new ArrayList<>();
    List<Long> robotOutcomes = new ArrayList<>();
    List<String> robotUnits = new ArrayList<>();
    for (Notice.Audience a : notice.audiences()) {
      if (a instanceof Notice.Audience.StationCoordinators s) {
        stations.add(s.stationId());
      } else if (a instanceof Notice.Audience.DistrictStaffOfStation d) {
        districtsOf.add(d.stationId());
      } else if (a instanceof Notice.Audience.StaffOfUnit u) {
        units.add(u.unitCode());
      } else if (a instanceof Notice.Audience.Account x) {
        accounts.add(x.accountId());
      } else if (a instanceof Notice.Audience.StationRegistrant r) {
        registrants.add(r.stationId());
      } else if (a instanceof Notice.Audience.MeetingMembers m) {
        memberMeetings.add(m.meetingId());
      } else if (a instanceof Notice.Audience.Member m) {
        members.add(m.memberId());
      } else if (a instanceof Notice.Audience.MeetingParties p) {
        partyMeetings.add(p.meetingId());
      } else if (a instanceof Notice.Audience.OutcomeUnit u) {
        unitOutcomes.add(u.outcomeId());
      } else if (a instanceof Notice.Audience.Robots r) {
        addIfSet(robotStations, r.stationId());
        addIfSet(robotOutcomes, r.outcomeId());
        addIfSet(robotUnits, r.unitCode());
      }
    }
    List<Tuple> batch = new ArrayList<>();
    boolean anyAccount = !(stations.isEmpty() && districtsOf.isEmpty() && units.isEmpty() && accounts.isEmpty()
        && registrants.isEmpty());
    // every statement is sent at once (pipelined); their rows are read in this order
    Future<RowSet<Row>> accountRows = !anyAccount ? Future.succeededFuture(null) : tx.preparedQuery("""
            SELECT a.id, a.email, a.phone, a.display_name, a.locale,
                   coalesce(p.channels -> $6, '["email"]'::jsonb) AS channels
              FROM account a LEFT JOIN notify_preference p ON p.account_id = a.id
             WHERE NOT a.disabled AND (
                   a.id IN (SELECT account_id FROM account_station WHERE station_id = ANY($1))
                OR (a.role = 'district_staff' AND a.scope_code IN (SELECT district_code FROM station WHERE id = ANY($2)))
                OR (a.role IN ('city_staff', 'district_staff') AND a.scope_code = ANY($3))
                OR a.id = ANY($4)
                OR a.id IN (SELECT created_by FROM station WHERE id = ANY($5)))
             ORDER BY a.id""")
        .execute(Tuple.tuple().addArrayOfLong(longs(stations)).addArrayOfLong(longs(districtsOf))
            .addArrayOfString(units.toArray(new String[0])).addArrayOfLong(longs(accounts))
            .addArrayOfLong(longs(registrants)).addString(notice.kind()));
    Future<RowSet<Row>> memberRows = memberMeetings.isEmpty() && members.isEmpty() ? Future.succeededFuture(null) : tx.preparedQuery("""
        SELECT mb.id, mb.phone, mb.email, mb.name, coalesce(mb.phone ~ '%1$s', false) AS sms,
               coalesce(mb.email ~ '%2$s', false) AS mail,
               coalesce(p.channels -> $3, '["sms", "email"]'::jsonb) AS channels
          FROM member mb LEFT JOIN notify_member_preference p ON p.member_id = mb.id
         WHERE (mb.id = ANY($2) OR mb.id IN (SELECT mm.member_id FROM meeting_member mm JOIN meeting m ON m.id = mm.meeting_id
                 WHERE mm.meeting_id = ANY($1)
                   AND (mm.active OR m.status = 'cancelled'))) -- a cancelled meeting releases its members
           AND (mb.phone ~ '%1$s' OR mb.email ~ '%2$s')
         ORDER BY mb.id""".formatted(MOBILE, EMAIL))
        .execute(Tuple.tuple().addArrayOfLong(longs(memberMeetings)).addArrayOfLong(longs(members)).addString(notice.kind()));
    Future<RowSet<Row>> partyRows = partyMeetings.isEmpty() ? Future.succeededFuture(null) : tx.preparedQuery("""
        SELECT p.id, p.contact, p.name FROM meeting_participant p
         WHERE p.meeting_id = ANY($1) AND (p.contact ~ '%s' OR p.contact ~ '%s')
         ORDER BY p.id""".formatted(MOBILE, EMAIL))
        .execute(Tuple.tuple().addArrayOfLong(longs(partyMeetings)));
    // one outcome (the usual case: a notice per outcome) by a kept statement, planned once per connection
    Future<RowSet<Row>> unitRows = unitOutcomes.isEmpty() ? Future.succeededFuture(null) : unitOutcomes.size() == 1
        ? tx.preparedQuery(UNIT_CONTACTS_OF_ONE).execute(Tuple.of(unitOutcomes.get(0)))
        : tx.preparedQuery(UNIT_CONTACTS + "o.id = ANY($1)").execute(Tuple.tuple().addArrayOfLong(longs(unitOutcomes)));
    Future<RowSet<Row>> robotRows = robotList.isEmpty() || robotStations.isEmpty() && robotOutcomes.isEmpty() && robotUnits.isEmpty()
        ? Future.succeededFuture(null) : tx.preparedQuery("""
            SELECT id, district_code FROM station
             WHERE id = ANY($1) OR id IN (SELECT station_id FROM outcome WHERE id = ANY($2))""")
        .execute(Tuple.tuple().addArrayOfLong(longs(robotStations)).addArrayOfLong(longs(robotOutcomes)));
    return accountRows
        .compose(rows -> {
          for (Row r : rows == null ? List.<Row>of() : rows) {
            // the account's choice for this kind of event (absent: e-mail), as far as its contacts allow
            Locale locale = I18n.normalise(I18n.fromTag(r.getString("locale")));
            io.vertx.core.json.JsonArray chosen = r.getJsonArray("channels");
            if (chosen.contains("email") && r.getString("email") != null) {
              batch.add(message(notice, "email", r.getString("email"), "account:" + r.getLong("id"),
                  r.getString("display_name"), locale, "mail", r.getLong("id")));
            }
            if (chosen.contains("sms") && r.getString("phone") != null && r.getString("phone").matches(MOBILE)) {
              batch.add(message(notice, "sms", r.getString("phone"), "account:" + r.getLong("id") + ":sms",
                  r.getString("display_name"), locale, "sms", r.getLong("id")));
            }
          }
          return memberRows;
        })
        .compose(rows -> {
          if (rows != null) {
            for (Row r : rows) {
              // the channels staff chose for the member for this kind (none chosen: both), as far as the contacts allow
              io.vertx.core.json.JsonArray chosen = r.getJsonArray("channels");
              if (chosen.contains("sms") && r.getBoolean("sms")) {
                batch.add(member(message(notice.forMembers(), "sms", r.getString("phone"), "member:" + r.getLong("id"), r.getString("name"),
                    I18n.ZH, "sms", null), r.getLong("id")));
              }
              if (chosen.contains("email") && r.getBoolean("mail")) {
                batch.add(member(message(notice.forMembers(), "email", r.getString("email"), "member:" + r.getLong("id") + ":mail",
                    r.getString("name"), I18n.ZH, "mail", null), r.getLong("id")));
              }
            }
          }
          return partyRows;
        })
        .compose(rows -> {
          if (rows != null) {
            for (Row r : rows) {
              boolean mail = r.getString("contact").contains("@");
              batch.add(message(notice, mail ? "email" : "sms", r.getString("contact"), "party:" + r.getLong("id"),
                  r.getString("name"), I18n.ZH, mail ? "mail" : "sms", null));
            }
          }
          return unitRows;
        })
        .compose(rows -> {
          if (rows != null) {
            for (Row r : rows) {
              boolean mail = r.getString("contact").contains("@");
              batch.add(message(notice, mail ? "email" : "sms", r.getString("contact"), "unit:" + r.getString("contact"),
                  r.getString("unit_name"), I18n.ZH, mail ? "mail" : "sms", null));
            }
          }
          return robotRows;
        })
        .compose(rows -> {
          java.util.Set<String> scopes = new java.util.HashSet<>();
          robotUnits.forEach(u -> scopes.add("district:" + u));
          if (rows != null) {
            for (Row r : rows) {
              scopes.add("station:" + r.getLong("id"));
              scopes.add("district:" + r.getString("district_code"));
            }
          }
          for (AppConfig.Robot robot : robotList) { // robots speak Chinese; one message per robot
            if (scopes.contains(robot.scope())) {
              batch.add(message(notice, "robot", robot.name(), "robot:" + robot.name(), "", I18n.ZH, "robot", null));
            }
          }
          return Future.succeededFuture(batch);
        });
  }

  private static Tuple message(Notice n, String channel, String to, String who, String name, Locale locale, String part,
                               Long account) {
    Map<String, Object> vars = new HashMap<>(n.vars());
    vars.put("name", name == null ? "" : name);
    vars.put("link", link(n.path()));
    return Tuple.tuple().addString(channel).addString(to)
        .addString(MessageTemplates.render(locale, n.kind(), "subject", vars))
        .addString(MessageTemplates.render(locale, n.kind(), part, vars))
        .addString(n.key() + ":" + who).addValue(account).addString(link(n.path())).addString(I18n.tag(locale))
        .addString(n.kind()).addBoolean(n.urgent()).addValue(null);
  }

  /** The message {@code t} as queued for committee member {@code memberId} (whose quiet hours apply). */
  private static Tuple member(Tuple t, long memberId) {
    Tuple copy = Tuple.tuple();
    for (int i = 0; i < t.size() - 1; i++) {
      copy.addValue(t.getValue(i));
    }
    return copy.addValue(memberId);
  }

  /** Renders every text of {@code n}: a template with a missing variable is found even when nobody has an address yet. */
  private static void renderAll(Notice n) {
    boolean robots = n.audiences().stream().anyMatch(a -> a instanceof Notice.Audience.Robots);
    // whether a template misses a variable depends on the kind and the variables given, not their values:
    // each such shape is rendered once per node (the first of them fails as it always did)
    StringBuilder shape = new StringBuilder(n.kind()).append(robots ? "+robots" : "");
    new java.util.TreeMap<>(n.vars()).forEach((k, v) -> shape.append(v == null ? "" : "," + k));
    if (RENDERED.contains(shape.toString())) {
      return;
    }
    Map<String, Object> vars = new HashMap<>(n.vars());
    vars.put("name", "");
    vars.put("link", link(n.path()));
    for (Locale l : I18n.SUPPORTED) {
      MessageTemplates.render(l, n.kind(), "subject", vars);
      MessageTemplates.render(l, n.kind(), "mail", vars);
      MessageTemplates.render(l, n.kind(), "sms", vars);
      if (robots) { // only kinds that robots hear of have a robot text
        MessageTemplates.render(l, n.kind(), "robot", vars);
      }
    }
    if (RENDERED.size() < 10_000) {
      RENDERED.add(shape.toString());
    }
  }

  /** The shapes (kind, robots, variables given) of silent notices whose texts all rendered, per node. */
  private static final java.util.Set<String> RENDERED = java.util.concurrent.ConcurrentHashMap.newKeySet();

  /** Writes {@code batch}; when it is empty, renders {@code silent}'s texts instead (see {@link #renderAll}). */
  private static Future<Integer> insert(SqlClient tx, List<Notice> silent, List<Tuple> batch) {
    if (batch.isEmpty()) {
      silent.forEach(Outbox::renderAll);
      return Future.succeededFuture(0);
    }
    return tx.preparedQuery(Kept.sql("""
            INSERT INTO outbox (channel, recipient, subject, body, dedupe_key, account_id, link, locale, kind, urgent, member_id)
            VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)
            ON CONFLICT (dedupe_key) DO NOTHING"""))
        .executeBatch(batch)
        .map(rows -> {
          int count = 0;
          for (var r = rows; r != null; r = r.next()) {
            count += r.rowCount();
          }
          return count;
        });
  }

  private static <T> void addIfSet(List<T> list, T value) {
    if (value != null) {
      list.add(value);
    }
  }

  private static Long[] longs(List<Long> list) {
    return list.toArray(new Long[0]);
  }
}
