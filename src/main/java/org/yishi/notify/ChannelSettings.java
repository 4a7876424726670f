package org.yishi.notify;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.SqlConnection;
import io.vertx.sqlclient.Tuple;
import org.yishi.platform.audit.AuditEntry;
import org.yishi.platform.audit.AuditLog;
import org.yishi.platform.config.AppConfig;
import org.yishi.platform.events.DomainEvent;
import org.yishi.platform.notify.Outbox;
import org.yishi.platform.events.DomainEvents;
import org.yishi.platform.http.AppException;
import org.yishi.platform.http.Msg;
import org.yishi.platform.security.Principal;
import org.yishi.platform.web.Input;
import org.yishi.platform.web.Text;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.logging.Logger;

/**
 * The notification channels' settings as every node uses them: rows of {@code notify_channel}
 * (edited by admins at runtime) over the environment/YAML settings, which stay the defaults. A row
 * {@code email} or {@code sms} replaces that channel's environment settings as a whole; a row
 * {@code robot:NAME} adds the robot or replaces the environment's robot of that name. Secrets are
 * stored encrypted ({@link SecretBox}) and never answered: views say {@code "set"} or
 * {@code "not set"}. A node caches the effective settings for {@link #TTL_MILLIS} at most and drops
 * them at once on {@link DomainEvent#NOTIFY_CHANNELS_CHANGED} (published to every node after a
 * save commits). A stored secret that does not decrypt (missing, malformed or other key) turns its
 * channel off, with the reason in {@link Effective#problems}: the node never sends with garbage.
 */
public final class ChannelSettings {
  private static final Logger LOG = Logger.getLogger(ChannelSettings.class.getName());
  /** Longest a node keeps the settings it read when it missed the change event. */
  public static final long TTL_MILLIS = 30_000;
  static final String SET = "set";
  static final String NOT_SET = "not set";
  private static final List<String> TLS = List.of("none", "starttls", "tls");
  private static final List<String> PROVIDERS = List.of("gateway", "aliyun", "off");
  private static final List<String> ROBOT_KINDS = List.of("wecom", "dingtalk", "feishu");
  private static final String DEFAULT_ALIYUN = "https://dysmsapi.aliyuncs.com/";
  private static final String URL = "https?://[^\\s/?#]+\\S*";

  private final Pool pool;
  private final DomainEvents events;
  private final AppConfig.NotifySettings base;
  private final SecretBox box;
  private volatile Effective cached;
  private volatile long cachedAt;

  /** The channel settings in effect: the settings to send with and what is wrong with the stored ones. */
  public record Effective(AppConfig.NotifySettings settings, List<String> problems) {
  }

  public ChannelSettings(Vertx vertx, Pool pool, DomainEvents events, AppConfig.NotifySettings base) {
    this.pool = pool;
    this.events = events;
    this.base = base;
    this.box = SecretBox.of(base.secretKey());
    vertx.eventBus().consumer(DomainEvent.NOTIFY_CHANNELS_CHANGED.address(), m -> {
      cached = null;
      // reload now: the robots every event fans out to (Outbox.robots) follow the saved settings on every node
      effective().onFailure(e -> LOG.log(java.util.logging.Level.WARNING, "Notification channels: reloading after a change", e));
    });
  }

  /** What is wrong with YISHI_SECRET_KEY, or null. */
  public String keyProblem() {
    return box.problem();
  }

  /**
   * Logs, at start-up, what is wrong with the stored channel settings (e.g. encrypted secrets and
   * no usable YISHI_SECRET_KEY: those channels stay off) and a key that is given but malformed.
   */
  public Future<Effective> checkAtStartup() {
    if (!box.usable() && !Text.blank(base.secretKey())) {
      LOG.warning("Notification channels: " + box.problem());
    }
    return effective().onSuccess(e -> e.problems().forEach(p -> LOG.severe("Notification channels: " + p)));
  }

  /**
   * The {@code notifications} detail of {@code /ready} ({@link DeliveryHealth#detail}) with the
   * channels in effect, plus {@code settings}: {@code secretKey} ("ok" or what is wrong with it)
   * and {@code problems} of the stored settings (channels turned off because their secrets do not decrypt).
   */
  public Future<JsonObject> readyDetail(java.time.Instant now) {
    return effective().compose(e -> DeliveryHealth.detail(pool, e.settings(), now).map(d -> d.put("settings",
        new JsonObject().put("secretKey", box.usable() ? "ok" : box.problem()).put("problems", new JsonArray(e.problems())))));
  }

  /** The effective settings (cached; see the class comment). */
  public Future<Effective> effective() {
    Effective e = cached;
    if (e != null && System.currentTimeMillis() - cachedAt < TTL_MILLIS) {
      return Future.succeededFuture(e);
    }
    return pool.query("SELECT name, settings, secrets FROM notify_channel ORDER BY name").execute().map(rows -> {
      Map<String, Row> stored = new TreeMap<>();
      rows.forEach(r -> stored.put(r.getString("name"), r));
      Effective fresh = merge(stored);
      Outbox.robots(fresh.settings().robots());
      cached = fresh;
      cachedAt = System.currentTimeMillis();
      return fresh;
    });
  }

  private Effective merge(Map<String, Row> stored) {
    List<String> problems = new ArrayList<>();
    AppConfig.Smtp smtp = base.smtp();
    String smsUrl = base.smsUrl();
    String smsToken = base.smsToken();
    AppConfig.AliyunSms aliyun = base.aliyunSms();
    Map<String, AppConfig.Robot> robots = new LinkedHashMap<>();
    base.robots().forEach(r -> robots.put(r.name(), r));
    for (Map.Entry<String, Row> e : stored.entrySet()) {
      JsonObject s = (JsonObject) e.getValue().getJson("settings");
      JsonObject sealed = (JsonObject) e.getValue().getJson("secrets");
      Map<String, String> secrets;
      try {
        secrets = open(sealed);
      } catch (SecretBox.SecretException x) {
        problems.add("the stored " + label(e.getKey()) + " settings are off: " + x.getMessage());
        switch (e.getKey()) {
          case "email" -> smtp = new AppConfig.Smtp("", 25, "none", "", "", "");
          case "sms" -> {
            smsUrl = "";
            aliyun = offAliyun();
          }
          default -> robots.remove(e.getKey().substring("robot:".length()));
        }
        continue;
      }
      switch (e.getKey()) {
        case "email" -> smtp = new AppConfig.Smtp(s.getString("host", ""), s.getInteger("port", 25), s.getString("tls", "starttls"),
            s.getString("username", ""), secrets.getOrDefault("password", ""), s.getString("from", ""));
        case "sms" -> {
          String provider = s.getString("provider", "off");
          smsUrl = "gateway".equals(provider) ? s.getString("url", "") : "";
          smsToken = secrets.getOrDefault("token", "");
          aliyun = "aliyun".equals(provider)
              ? new AppConfig.AliyunSms(s.getString("url", DEFAULT_ALIYUN), s.getString("accessKeyId", ""),
                  secrets.getOrDefault("accessKeySecret", ""), s.getString("signName", ""), templates(s.getString("templates", "")))
              : offAliyun();
        }
        default -> {
          String name = e.getKey().substring("robot:".length());
          String kind = s.getString("kind", "wecom");
          robots.put(name, new AppConfig.Robot(name, kind, s.getString("scope", ""), secrets.getOrDefault("url", ""),
              secrets.getOrDefault("secret", ""), "feishu".equals(kind) ? 100 : 20));
        }
      }
    }
    return new Effective(base.withChannels(smtp, smsUrl, smsToken, new ArrayList<>(robots.values()), aliyun), List.copyOf(problems));
  }

  private static AppConfig.AliyunSms offAliyun() {
    return new AppConfig.AliyunSms(DEFAULT_ALIYUN, "", "", "", Map.of());
  }

  private static String label(String name) {
    return name.startsWith("robot:") ? "robot " + name.substring(6) : name;
  }

  private Map<String, String> open(JsonObject sealed) {
    Map<String, String> out = new TreeMap<>();
    for (String k : sealed.fieldNames()) {
      out.put(k, box.decrypt(sealed.getString(k)));
    }
    return out;
  }

  /** "kind=SMS_code;…" → map (validated on save). */
  private static Map<String, String> templates(String text) {
    Map<String, String> out = new TreeMap<>();
    for (String entry : text.split(";")) {
      String[] kv = entry.trim().split("=", -1);
      if (kv.length == 2) {
        out.put(kv[0].trim(), kv[1].trim());
      }
    }
    return java.util.Collections.unmodifiableMap(out);
  }

  // ---------------------------------------------------------------- views (never a secret)

  /**
   * What the admin page and API show: {@code secretKey {usable, problem}}, {@code problems},
   * {@code email}, {@code sms} and {@code robots}, each with {@code source} (database or
   * environment) and its secrets as "set"/"not set".
   */
  public Future<JsonObject> view() {
    cached = null; // an admin looking at the settings sees the database as it is now
    return effective().compose(eff -> pool.query("SELECT name, settings, secrets, version, updated_at FROM notify_channel").execute()
        .map(rows -> {
          Map<String, Row> stored = new TreeMap<>();
          rows.forEach(r -> stored.put(r.getString("name"), r));
          AppConfig.NotifySettings s = eff.settings();
          List<String> problems = new ArrayList<>(eff.problems());
          boolean anySealed = stored.values().stream().anyMatch(r -> !((JsonObject) r.getJson("secrets")).isEmpty());
          if (!box.usable() && anySealed && problems.stream().noneMatch(p -> p.contains("YISHI_SECRET_KEY"))) {
            problems.add(0, box.problem());
          }
          AppConfig.Smtp m = s.smtp();
          JsonObject email = new JsonObject().put("host", m.host()).put("port", m.port()).put("tls", m.tls())
              .put("username", m.username()).put("from", m.from()).put("password", shown(m.password()));
          JsonObject sms = new JsonObject()
              .put("provider", s.aliyunSms().enabled() ? "aliyun" : s.smsUrl().isEmpty() ? "off" : "gateway")
              .put("url", s.aliyunSms().enabled() ? s.aliyunSms().endpoint() : s.smsUrl())
              .put("accessKeyId", s.aliyunSms().accessKeyId()).put("signName", s.aliyunSms().signName())
              .put("templates", String.join(";", s.aliyunSms().templates().entrySet().stream().map(t -> t.getKey() + "=" + t.getValue()).toList()))
              .put("token", shown(s.smsToken())).put("accessKeySecret", shown(s.aliyunSms().accessKeySecret()));
          JsonArray robots = new JsonArray();
          for (AppConfig.Robot r : base.robots()) {
            if (!stored.containsKey("robot:" + r.name())) {
              robots.add(source(new JsonObject().put("name", r.name()).put("kind", r.kind()).put("scope", r.scope())
                  .put("url", shown(r.url())).put("secret", shown(r.secret())), null));
            }
          }
          stored.keySet().stream().filter(n -> n.startsWith("robot:"))
              .forEach(n -> robots.add(stored(stored.get(n), List.of("url", "secret")).put("name", n.substring(6))));
          if (stored.containsKey("email")) {
            email = stored(stored.get("email"), List.of("password"));
          }
          if (stored.containsKey("sms")) {
            sms = stored(stored.get("sms"), List.of("token", "accessKeySecret"));
          }
          return new JsonObject()
              .put("secretKey", new JsonObject().put("usable", box.usable()).put("problem", box.problem()))
              .put("problems", new JsonArray(problems))
              .put("email", source(email, stored.get("email"))).put("sms", source(sms, stored.get("sms"))).put("robots", robots);
        }));
  }

  /** A stored row as shown: its plain settings, each of {@code secretNames} "set" or "not set". */
  private static JsonObject stored(Row row, List<String> secretNames) {
    JsonObject view = ((JsonObject) row.getJson("settings")).copy();
    JsonObject sealed = (JsonObject) row.getJson("secrets");
    secretNames.forEach(k -> view.put(k, sealed.containsKey(k) ? SET : NOT_SET));
    return source(view, row);
  }

  private static JsonObject source(JsonObject view, Row row) {
    view.put("source", row == null ? "environment" : "database");
    if (row != null) {
      view.put("version", row.getInteger("version")).put("updatedAt", row.getOffsetDateTime("updated_at").toString());
    }
    return view;
  }

  private static String shown(String secret) {
    return secret == null || secret.isEmpty() ? NOT_SET : SET;
  }

  // ---------------------------------------------------------------- changes

  /**
   * Saves the settings of {@code name} ({@code email}, {@code sms} or {@code robot:NAME}) from
   * {@code in}, one transaction with its audit entry (secrets as "set"/"not set"); every node
   * reads them from then on. A secret field absent or null keeps the stored value (or, on a first
   * save, the environment's), an empty string clears it, any other string replaces it. Invalid
   * input is a 422 naming each field; nothing is written.
   */
  public Future<JsonObject> save(Principal actor, String name, JsonObject in) {
    Form form = new Form(in);
    JsonObject plain = new JsonObject();
    List<String> secretNames;
    AppConfig.Robot envRobot = null;
    Map<String, String> envSecrets = new TreeMap<>();
    switch (name) {
      case "email" -> {
        plain.put("host", form.host("host"));
        plain.put("port", form.port("port"));
        plain.put("tls", form.oneOf("tls", TLS, "starttls"));
        plain.put("username", form.text("username", 200, false, ""));
        plain.put("from", form.email("from"));
        secretNames = List.of("password");
        envSecrets.put("password", base.smtp().password());
      }
      case "sms" -> {
        String provider = form.oneOf("provider", PROVIDERS, null);
        boolean aliyun = "aliyun".equals(provider);
        plain.put("provider", provider);
        plain.put("url", form.url("url", "gateway".equals(provider), aliyun ? DEFAULT_ALIYUN : ""));
        plain.put("accessKeyId", form.pattern("accessKeyId", "[A-Za-z0-9]{1,64}", aliyun, "field.channel.accessKeyId"));
        plain.put("signName", form.text("signName", 40, aliyun, ""));
        plain.put("templates", form.pattern("templates", "([a-z_]{1,40}=SMS_[0-9]{1,20};)*default=SMS_[0-9]{1,20}(;[a-z_]{1,40}=SMS_[0-9]{1,20})*",
            aliyun, "field.channel.templates"));
        secretNames = List.of("token", "accessKeySecret");
        envSecrets.put("token", base.smsToken());
        envSecrets.put("accessKeySecret", base.aliyunSms().accessKeySecret());
      }
      default -> {
        String robot = name.substring("robot:".length());
        plain.put("kind", form.oneOf("kind", ROBOT_KINDS, null));
        plain.put("scope", form.pattern("scope", "station:[0-9]{1,18}|district:[0-9]{12}", true, "field.channel.scope"));
        secretNames = List.of("url", "secret");
        envRobot = base.robots().stream().filter(r -> r.name().equals(robot)).findFirst().orElse(null);
        if (envRobot != null) {
          envSecrets.put("url", envRobot.url());
          envSecrets.put("secret", envRobot.secret());
        }
      }
    }
    Map<String, String> newSecrets = new TreeMap<>();
    for (String s : secretNames) {
      String v = form.secret(s, "url".equals(s));
      if (v != null) {
        newSecrets.put(s, v);
      }
    }
    if (!form.in.ok()) {
      return Future.failedFuture(AppException.invalid(form.in.errors()));
    }
    return pool.withTransaction(tx -> tx.preparedQuery("SELECT settings, secrets FROM notify_channel WHERE name = $1 FOR UPDATE")
            .execute(Tuple.of(name))
            .compose(rows -> {
              Row row = rows.size() == 0 ? null : rows.iterator().next();
              JsonObject before = row == null ? null : describe((JsonObject) row.getJson("settings"), (JsonObject) row.getJson("secrets"));
              JsonObject sealed = row == null ? new JsonObject() : ((JsonObject) row.getJson("secrets")).copy();
              Map<String, Msg> errors = new LinkedHashMap<>();
              for (String s : secretNames) {
                String given = newSecrets.get(s);
                try {
                  if (given != null && given.isEmpty()) {
                    sealed.remove(s);
                  } else if (given != null) {
                    sealed.put(s, box.encrypt(given));
                  } else if (row == null && !Text.blank(envSecrets.get(s))) {
                    sealed.put(s, box.encrypt(envSecrets.get(s))); // a first save keeps the environment's secret
                  }
                } catch (SecretBox.SecretException e) {
                  errors.put(s, Msg.of("field.channel.secretKey"));
                }
              }
              if (errors.isEmpty() && name.startsWith("robot:") && !sealed.containsKey("url")) {
                errors.put("url", Msg.of("field.required"));
              }
              if (errors.isEmpty() && "aliyun".equals(plain.getString("provider")) && !sealed.containsKey("accessKeySecret")) {
                errors.put("accessKeySecret", Msg.of("field.required"));
              }
              if (!errors.isEmpty()) {
                return Future.failedFuture(AppException.invalid(errors));
              }
              JsonObject after = describe(plain, sealed);
              return tx.preparedQuery("""
                      INSERT INTO notify_channel (name, settings, secrets, updated_by) VALUES ($1, $2, $3, $4)
                      ON CONFLICT (name) DO UPDATE SET settings = $2, secrets = $3, updated_by = $4,
                             version = notify_channel.version + 1, updated_at = now()""")
                  .execute(Tuple.of(name, plain, sealed, actor.id()))
                  .compose(v -> audit(tx, actor, row == null ? "notify_channel.create" : "notify_channel.update", name, before, after));
            }))
        .compose(v -> changed(name));
  }

  /** Removes the stored settings of {@code name}: the environment's apply again (a stored-only robot is gone). */
  public Future<JsonObject> delete(Principal actor, String name) {
    return pool.withTransaction(tx -> tx.preparedQuery("DELETE FROM notify_channel WHERE name = $1 RETURNING settings, secrets")
            .execute(Tuple.of(name))
            .compose(rows -> {
              if (rows.size() == 0) {
                return Future.failedFuture(AppException.notFound("No stored settings for " + label(name)));
              }
              Row row = rows.iterator().next();
              return audit(tx, actor, "notify_channel.delete", name,
                  describe((JsonObject) row.getJson("settings"), (JsonObject) row.getJson("secrets")), null);
            }))
        .compose(v -> changed(name));
  }

  private Future<JsonObject> changed(String name) {
    cached = null;
    events.publish(DomainEvent.NOTIFY_CHANNELS_CHANGED, new JsonObject().put("channel", name));
    return view();
  }

  private static Future<Void> audit(SqlConnection tx, Principal actor, String action, String name, JsonObject before, JsonObject after) {
    return AuditLog.record(tx, AuditEntry.by(actor, action, "notify_channel", name, null, before, after));
  }

  /** The plain settings with each secret as "set": what the audit log keeps. */
  private static JsonObject describe(JsonObject plain, JsonObject sealed) {
    JsonObject out = plain.copy();
    sealed.fieldNames().forEach(k -> out.put(k, SET));
    return out;
  }

  /** Reads and checks the fields of a body ({@link Input}), collecting a message per bad field. */
  private static final class Form {
    private final JsonObject body;
    private final Input in;

    Form(JsonObject body) {
      this.body = body;
      this.in = Input.fromObjects(body.getMap());
    }

    String text(String f, int max, boolean required, String dflt) {
      String t = required ? in.text(f, max) : in.optionalText(f, max, false);
      return t == null ? dflt : t;
    }

    String pattern(String f, String regex, boolean required, String key) {
      String t = text(f, 500, required, "");
      if (!t.isEmpty() && !t.matches(regex)) {
        in.reject(f, key);
      }
      return t;
    }

    String oneOf(String f, List<String> allowed, String dflt) {
      String t = text(f, 40, dflt == null, dflt);
      if (t != null && !allowed.contains(t)) {
        in.reject(f, "field.channel.oneOf", String.join(", ", allowed));
      }
      return t;
    }

    String host(String f) {
      return pattern(f, "[A-Za-z0-9](?:[A-Za-z0-9-]{0,62})(?:\\.[A-Za-z0-9-]{1,63})*|\\[[0-9A-Fa-f:.]+\\]", true, "field.channel.host");
    }

    int port(String f) {
      Long p = in.optionalLong(f, 1, 65535);
      if (p == null) {
        in.reject(f, "field.required");
      }
      return p == null ? 0 : p.intValue();
    }

    String email(String f) {
      return pattern(f, "[^@\\s<>\"]+@[^@\\s<>\"]+\\.[^@\\s<>\"]+", true, "field.email.format");
    }

    String url(String f, boolean required, String dflt) {
      String t = text(f, 500, required, dflt);
      if (!t.isEmpty() && !t.matches(URL)) {
        in.reject(f, "field.channel.url");
      }
      return t;
    }

    /** null = keep (absent or null), "" = clear (empty or blank), else the new value (a URL when {@code url}). */
    String secret(String f, boolean url) {
      if (body.getValue(f) == null) {
        return null;
      }
      String t = in.optionalText(f, 1000, false);
      if (in.failed(f)) {
        return null;
      }
      if (t != null && url && !t.matches(URL)) {
        in.reject(f, "field.channel.url");
      }
      return t == null ? "" : t;
    }
  }
}
