package org.yishi.platform.config;

import io.vertx.config.ConfigRetriever;
import io.vertx.config.ConfigRetrieverOptions;
import io.vertx.config.ConfigStoreOptions;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;

import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The node's validated settings. Values come from {@code conf/application.yaml} (the file in the
 * working directory, else the copy inside the jar, or the file named by {@code YISHI_CONFIG}) and
 * are overridden by {@code YISHI_*} environment variables. Every setting is checked at start-up;
 * the first bad one stops the node with a message naming both the variable and the YAML key.
 */
public record AppConfig(
    String httpHost, int httpPort, int httpInstances, long httpBodyLimit, int shutdownGraceSeconds, int httpIdleTimeoutSeconds,
    int drainNoticeMillis,
    List<String> httpTrustedProxies,
    Path dataDir,
    String pgUrl, int pgEmbeddedPort, int pgPoolSize, int pgConnectTimeoutSeconds, boolean pgKeepStatements,
    String pgReplicaUrl, List<String> pgEmbeddedListen, String pgEmbeddedPassword,
    String clusterName, String clusterHost, int clusterPort, List<String> clusterMembers,
    String clusterPublicAddress, int eventBusPort,
    boolean demo, String demoPassword, String adminPassword,
    SecuritySettings security,
    List<java.time.Duration> reminderLeads, int schedulerIntervalSeconds, int recordReminderDays,
    long importMaxBytes,
    ReliabilitySettings reliability,
    ReportSettings reports,
    NotifySettings notifications,
    StatsSettings stats,
    RequestSettings requests,
    CheckinSettings checkin) {

  /**
   * Check-in by a meeting's QR code (docs/members.md).
   *
   * @param opensMinutes  how long before the start the code admits check-ins
   * @param closesMinutes how long after the end it still does
   */
  public record CheckinSettings(int opensMinutes, int closesMinutes) {
  }

  /**
   * The node's cache of computed roll-ups and dashboard lists (docs/statistics.md).
   *
   * @param cacheMillis       an entry is recomputed at most this often after a change inside its unit; 0 turns the cache off
   * @param cacheMaxAgeMillis an entry without a reported change is recomputed after this long
   */
  public record StatsSettings(long cacheMillis, long cacheMaxAgeMillis) {
  }

  /**
   * Residents' requests through a station's QR poster (docs/requests.md).
   *
   * @param phoneRetentionDays days after a request is received when its phone number is erased
   * @param promisedDays       days within which a station promises to answer a request
   * @param perAddressHour     submissions per client address and hour, cluster-wide
   * @param perStationHour     submissions per station and hour
   * @param perPhoneDay        submissions per phone number and day
   * @param challengeAfter     submissions from one address in the hour after which a question must be answered
   * @param photoMaxBytes      largest photo accepted
   */
  public record RequestSettings(int phoneRetentionDays, int promisedDays, int perAddressHour, int perStationHour,
                                int perPhoneDay, int challengeAfter, int photoMaxBytes) {
  }

  /**
   * Notification delivery (docs/notifications.md). A channel whose address is empty is off: its
   * messages stay queued (nothing is lost) and the delivery log says why.
   *
   * @param publicUrl      the address people open Yishi at; links in messages start with it
   * @param maxAttempts    attempts before a message that keeps failing (timeouts, 5xx, refused) is marked failed
   * @param backoffSeconds the wait after the first failed attempt; doubled after each further one (capped at an hour)
   * @param batch          messages one scheduler run claims
   * @param timeoutSeconds connect and answer timeout of each gateway call
   * @param secretKey      YISHI_SECRET_KEY as given (Base64 of 32 bytes; checked by the notify feature, never printed)
   */
  public record NotifySettings(String publicUrl, int maxAttempts, int backoffSeconds, int batch, int timeoutSeconds,
                               Smtp smtp, String smsUrl, String smsToken, List<Robot> robots, AliyunSms aliyunSms,
                               String secretKey, int emailPerMinute, int smsPerMinute) {
    /** The same settings with other channels (the effective ones, from the database and the environment). */
    public NotifySettings withChannels(Smtp smtp, String smsUrl, String smsToken, List<Robot> robots, AliyunSms aliyunSms) {
      return new NotifySettings(publicUrl, maxAttempts, backoffSeconds, batch, timeoutSeconds, smtp, smsUrl, smsToken,
          List.copyOf(robots), aliyunSms, secretKey, emailPerMinute, smsPerMinute);
    }

    @Override
    public String toString() {
      return "NotifySettings[" + publicUrl + ", attempts=" + maxAttempts + ", backoff=" + backoffSeconds + "s, batch=" + batch
          + ", timeout=" + timeoutSeconds + "s, " + smtp + ", sms=" + (smsUrl.isEmpty() ? "off" : "on") + ", robots=" + robots + "]";
    }
  }

  /** SMTP: {@code tls} is none, starttls (required) or tls (implicit, usually port 465). */
  public record Smtp(String host, int port, String tls, String username, String password, String from) {
    public boolean enabled() {
      return !host.isEmpty();
    }

    @Override
    public String toString() {
      return "Smtp[" + host + ":" + port + ", tls=" + tls + ", user=" + username + ", from=" + from + "]";
    }
  }

  /**
   * A group robot: {@code kind} wecom, dingtalk or feishu; {@code scope} "station:ID" or
   * "district:CODE"; {@code secret} the DingTalk/Feishu signing secret (empty if unsigned). The
   * webhook URL carries the robot's key, so neither it nor the secret is ever printed.
   */
  /**
   * Alibaba Cloud SMS (dysmsapi SendSms): the AccessKey pair, the pre-approved signature (签名) and
   * template codes per kind of message ({@code default} for the rest); prints without the secret.
   */
  public record AliyunSms(String endpoint, String accessKeyId, String accessKeySecret, String signName,
                          java.util.Map<String, String> templates) {
    public boolean enabled() {
      return !accessKeyId.isEmpty();
    }

    /** The template code for a kind of message. */
    public String template(String kind) {
      return templates.getOrDefault(kind == null ? "default" : kind, templates.get("default"));
    }

    @Override
    public String toString() {
      return "AliyunSms[" + endpoint + ", key " + accessKeyId + ", sign " + signName + ", templates " + templates + "]";
    }
  }

  public record Robot(String name, String kind, String scope, String url, String secret, int perMinute) {
    @Override
    public String toString() {
      return "Robot[" + name + ", " + kind + ", " + scope + "]";
    }
  }

  /**
   * Sign-in and session settings.
   *
   * @param passwordIterations PBKDF2 work factor for new password hashes
   * @param loginMaxAttempts   failed sign-ins per account name before it is throttled
   * @param loginMaxPerAddress failed sign-ins per client address before it is throttled
   * @param loginWindowSeconds how long a throttle lasts after the last failure
   * @param tokenTtlHours      lifetime of API bearer tokens
   * @param sessionTimeoutMinutes idle time after which a browser session ends
   * @param cookieSecure       mark the session cookie Secure (set true when served over HTTPS)
   * @param sessionMaxHours    absolute lifetime of a browser session, however active
   * @param liveRecheckSeconds how often an open event stream checks that its user may still read it
   * @param loginMaxHashingPerAddress password checks one client address may have running at once on a node (429 beyond)
   */
  public record SecuritySettings(int passwordIterations, int loginMaxAttempts, int loginMaxPerAddress,
                                 int loginWindowSeconds, int tokenTtlHours, int sessionTimeoutMinutes,
                                 boolean cookieSecure, int sessionMaxHours, int liveRecheckSeconds,
                                 int loginMaxHashingPerAddress) {
  }

  /**
   * Fault detection and resource limits (docs/reliability.md).
   *
   * @param heartbeatSeconds        Hazelcast heartbeat interval
   * @param maxNoHeartbeatSeconds   a member silent this long (dead, frozen, cut off) is removed from the cluster
   * @param rateLimitPerSecond      requests per second each signed-in user may make to one node (0 = no limit)
   * @param rateLimitBurst          requests a user may make at once before the rate applies
   * @param pgWaitQueueSize         requests that may wait for a pooled database connection; beyond: 503 at once
   * @param idempotencyRetentionHours how long the answer to a submission with an idempotency key is kept for retries
   */
  public record ReliabilitySettings(int heartbeatSeconds, int maxNoHeartbeatSeconds, int rateLimitPerSecond,
                                    int rateLimitBurst, int pgWaitQueueSize, int idempotencyRetentionHours) {
  }

  /**
   * Scheduled reports (org.yishi.report).
   *
   * @param zone           the time zone cron expressions and report periods are read in
   * @param catchUpPeriods at most this many missed periods per schedule are generated after downtime
   * @param schedules      schedule id ({@code city_monthly}, ...) → its default cron expression, or "off";
   *                       admins may override each in the database
   * @param pdfFont        a TrueType-outline font file (.ttf/.ttc with CJK glyphs) used first in PDF reports; empty:
   *                       the bundled font (WenQuanYi Micro Hei) comes first
   * @param pdfSystemFonts whether the machine's CJK fonts are added after the bundled one (as fallbacks)
   */
  public record ReportSettings(java.time.ZoneId zone, int catchUpPeriods, Map<String, String> schedules, String pdfFont,
                               boolean pdfSystemFonts) {
    /** The schedules, in display order. */
    public static final List<String> IDS = List.of("city_monthly", "city_quarterly", "city_yearly", "district_monthly");
  }

  /** One setting: its YAML path and the environment variable that overrides it. */
  private record Setting(String path, String env, String property) {
    Setting(String path, String env) {
      this(path, env, null);
    }

    /** The same setting, read first from the JVM system property {@code name} when that is set. */
    Setting orProperty(String name) {
      return new Setting(path, env, name);
    }

    String label() {
      return env + " (" + path + ")";
    }
  }

  private static final Setting HTTP_HOST = new Setting("http.host", "YISHI_HTTP_HOST");
  private static final Setting HTTP_PORT = new Setting("http.port", "YISHI_HTTP_PORT");
  private static final Setting HTTP_INSTANCES = new Setting("http.instances", "YISHI_HTTP_INSTANCES");
  private static final Setting HTTP_BODY_LIMIT = new Setting("http.bodyLimitBytes", "YISHI_HTTP_BODY_LIMIT");
  private static final Setting HTTP_GRACE = new Setting("http.shutdownGraceSeconds", "YISHI_HTTP_SHUTDOWN_GRACE");
  private static final Setting HTTP_IDLE = new Setting("http.idleTimeoutSeconds", "YISHI_HTTP_IDLE_TIMEOUT_SECONDS");
  private static final Setting HTTP_DRAIN_NOTICE = new Setting("http.drainNoticeMillis", "YISHI_HTTP_DRAIN_NOTICE_MILLIS");
  private static final Setting HTTP_TRUSTED_PROXIES = new Setting("http.trustedProxies", "YISHI_HTTP_TRUSTED_PROXIES");
  private static final Setting DATA_DIR = new Setting("dataDir", "YISHI_DATA_DIR");
  private static final Setting PG_URL = new Setting("database.url", "YISHI_PG_URL");
  private static final Setting PG_EMBEDDED_PORT = new Setting("database.embeddedPort", "YISHI_PG_EMBEDDED_PORT");
  private static final Setting PG_POOL = new Setting("database.poolSize", "YISHI_PG_POOL_SIZE");
  private static final Setting PG_CONNECT_TIMEOUT = new Setting("database.connectTimeoutSeconds", "YISHI_PG_CONNECT_TIMEOUT");
  private static final Setting PG_KEEP_STATEMENTS = new Setting("database.keepStatements", "YISHI_PG_KEEP_STATEMENTS");
  private static final Setting PG_REPLICA_URL = new Setting("database.replicaUrl", "YISHI_PG_REPLICA_URL");
  private static final Setting PG_EMBEDDED_LISTEN = new Setting("database.embeddedListen", "YISHI_PG_EMBEDDED_LISTEN");
  private static final Setting PG_EMBEDDED_PASSWORD = new Setting("database.embeddedPassword", "YISHI_PG_EMBEDDED_PASSWORD");
  private static final Setting CLUSTER_PUBLIC_ADDRESS = new Setting("cluster.publicAddress", "YISHI_CLUSTER_PUBLIC_ADDRESS");
  private static final Setting EVENTBUS_PORT = new Setting("cluster.eventBusPort", "YISHI_EVENTBUS_PORT");
  private static final Setting CLUSTER_NAME = new Setting("cluster.name", "YISHI_CLUSTER_NAME");
  private static final Setting CLUSTER_HOST = new Setting("cluster.host", "YISHI_CLUSTER_HOST");
  private static final Setting CLUSTER_PORT = new Setting("cluster.port", "YISHI_CLUSTER_PORT");
  private static final Setting CLUSTER_MEMBERS = new Setting("cluster.members", "YISHI_CLUSTER_MEMBERS");
  private static final Setting DEMO = new Setting("demo", "YISHI_DEMO");
  private static final Setting DEMO_PASSWORD = new Setting("demoPassword", "YISHI_DEMO_PASSWORD");
  private static final Setting ADMIN_PASSWORD = new Setting("adminPassword", "YISHI_ADMIN_PASSWORD");
  private static final Setting PASSWORD_ITERATIONS = new Setting("security.passwordIterations", "YISHI_PASSWORD_ITERATIONS");
  private static final Setting LOGIN_MAX = new Setting("security.loginMaxAttempts", "YISHI_LOGIN_MAX_ATTEMPTS");
  private static final Setting LOGIN_MAX_ADDRESS = new Setting("security.loginMaxPerAddress", "YISHI_LOGIN_MAX_PER_ADDRESS");
  private static final Setting LOGIN_WINDOW = new Setting("security.loginWindowSeconds", "YISHI_LOGIN_WINDOW_SECONDS");
  private static final Setting TOKEN_TTL = new Setting("security.tokenTtlHours", "YISHI_TOKEN_TTL_HOURS");
  private static final Setting SESSION_TIMEOUT = new Setting("security.sessionTimeoutMinutes", "YISHI_SESSION_TIMEOUT_MINUTES");
  private static final Setting SESSION_MAX = new Setting("security.sessionMaxHours", "YISHI_SESSION_MAX_HOURS");
  private static final Setting LIVE_RECHECK = new Setting("security.liveRecheckSeconds", "YISHI_LIVE_RECHECK_SECONDS");
  private static final Setting LOGIN_HASHING = new Setting("security.loginMaxHashingPerAddress", "YISHI_LOGIN_MAX_HASHING_PER_ADDRESS");
  private static final Setting REMINDER_LEADS = new Setting("reminders.leadHours", "YISHI_REMINDER_LEAD_HOURS");
  private static final Setting SCHEDULER_INTERVAL = new Setting("reminders.intervalSeconds", "YISHI_SCHEDULER_INTERVAL_SECONDS");
  private static final Setting RECORD_REMINDER_DAYS = new Setting("reminders.recordAfterDays", "YISHI_RECORD_REMINDER_DAYS");
  private static final Setting COOKIE_SECURE = new Setting("security.cookieSecure", "YISHI_COOKIE_SECURE");
  private static final Setting IMPORT_MAX_BYTES = new Setting("imports.maxBytes", "YISHI_IMPORT_MAX_BYTES");
  private static final Setting HEARTBEAT = new Setting("cluster.heartbeatSeconds", "YISHI_CLUSTER_HEARTBEAT_SECONDS");
  private static final Setting MAX_NO_HEARTBEAT = new Setting("cluster.maxNoHeartbeatSeconds", "YISHI_CLUSTER_MAX_NO_HEARTBEAT_SECONDS");
  private static final Setting RATE_LIMIT = new Setting("limits.requestsPerSecond", "YISHI_RATE_LIMIT_PER_SECOND");
  private static final Setting RATE_BURST = new Setting("limits.burst", "YISHI_RATE_LIMIT_BURST");
  private static final Setting PG_WAIT_QUEUE = new Setting("database.waitQueueSize", "YISHI_PG_WAIT_QUEUE");
  private static final Setting IDEMPOTENCY_RETENTION = new Setting("idempotency.retentionHours", "YISHI_IDEMPOTENCY_RETENTION_HOURS");
  private static final Setting REQ_RETENTION = new Setting("requests.phoneRetentionDays", "YISHI_REQUEST_PHONE_RETENTION_DAYS");
  private static final Setting REQ_PROMISED = new Setting("requests.promisedDays", "YISHI_REQUEST_PROMISED_DAYS");
  private static final Setting REQ_PER_ADDRESS = new Setting("requests.perAddressHour", "YISHI_REQUEST_PER_ADDRESS_HOUR");
  private static final Setting REQ_PER_STATION = new Setting("requests.perStationHour", "YISHI_REQUEST_PER_STATION_HOUR");
  private static final Setting REQ_PER_PHONE = new Setting("requests.perPhoneDay", "YISHI_REQUEST_PER_PHONE_DAY");
  private static final Setting REQ_CHALLENGE = new Setting("requests.challengeAfter", "YISHI_REQUEST_CHALLENGE_AFTER");
  private static final Setting REQ_PHOTO = new Setting("requests.photoMaxBytes", "YISHI_REQUEST_PHOTO_MAX_BYTES");
  private static final Setting CHECKIN_OPENS = new Setting("checkin.opensMinutes", "YISHI_CHECKIN_OPENS_MINUTES");
  private static final Setting CHECKIN_CLOSES = new Setting("checkin.closesMinutes", "YISHI_CHECKIN_CLOSES_MINUTES");
  private static final Setting PUBLIC_URL = new Setting("notify.publicUrl", "YISHI_PUBLIC_URL");
  private static final Setting NOTIFY_MAX_ATTEMPTS = new Setting("notify.maxAttempts", "YISHI_NOTIFY_MAX_ATTEMPTS");
  private static final Setting NOTIFY_BACKOFF = new Setting("notify.backoffSeconds", "YISHI_NOTIFY_BACKOFF_SECONDS");
  private static final Setting NOTIFY_BATCH = new Setting("notify.batch", "YISHI_NOTIFY_BATCH");
  private static final Setting NOTIFY_TIMEOUT = new Setting("notify.timeoutSeconds", "YISHI_NOTIFY_TIMEOUT_SECONDS");
  private static final Setting SMTP_HOST = new Setting("notify.smtp.host", "YISHI_SMTP_HOST");
  private static final Setting SMTP_PORT = new Setting("notify.smtp.port", "YISHI_SMTP_PORT");
  private static final Setting SMTP_TLS = new Setting("notify.smtp.tls", "YISHI_SMTP_TLS");
  private static final Setting SMTP_USER = new Setting("notify.smtp.username", "YISHI_SMTP_USERNAME");
  private static final Setting SMTP_PASSWORD = new Setting("notify.smtp.password", "YISHI_SMTP_PASSWORD");
  private static final Setting SMTP_FROM = new Setting("notify.smtp.from", "YISHI_SMTP_FROM");
  private static final Setting SMS_URL = new Setting("notify.sms.url", "YISHI_SMS_URL");
  private static final Setting SMS_TOKEN = new Setting("notify.sms.token", "YISHI_SMS_TOKEN");
  private static final Setting ROBOTS = new Setting("notify.robots", "YISHI_ROBOTS");
  private static final Setting SECRET_KEY = new Setting("notify.secretKey", "YISHI_SECRET_KEY");
  // cluster-wide messages a minute per channel (0: no limit of Yishi's own; the gateway's still applies)
  private static final Setting NOTIFY_EMAIL_PER_MINUTE = new Setting("notify.emailPerMinute", "YISHI_NOTIFY_EMAIL_PER_MINUTE");
  private static final Setting NOTIFY_SMS_PER_MINUTE = new Setting("notify.smsPerMinute", "YISHI_NOTIFY_SMS_PER_MINUTE");
  private static final Setting STATS_CACHE = new Setting("stats.cacheMillis", "YISHI_STATS_CACHE_MILLIS");
  private static final Setting STATS_CACHE_MAX_AGE = new Setting("stats.cacheMaxAgeMillis", "YISHI_STATS_CACHE_MAX_AGE_MILLIS");
  private static final Setting ALIYUN_SMS_ENDPOINT = new Setting("notify.aliyunSms.endpoint", "YISHI_ALIYUN_SMS_ENDPOINT");
  private static final Setting ALIYUN_SMS_KEY_ID = new Setting("notify.aliyunSms.accessKeyId", "YISHI_ALIYUN_SMS_ACCESS_KEY_ID");
  private static final Setting ALIYUN_SMS_KEY_SECRET = new Setting("notify.aliyunSms.accessKeySecret", "YISHI_ALIYUN_SMS_ACCESS_KEY_SECRET");
  private static final Setting ALIYUN_SMS_SIGN = new Setting("notify.aliyunSms.signName", "YISHI_ALIYUN_SMS_SIGN_NAME");
  private static final Setting ALIYUN_SMS_TEMPLATES = new Setting("notify.aliyunSms.templates", "YISHI_ALIYUN_SMS_TEMPLATES");
  private static final Setting ZONE = new Setting("zone", "YISHI_ZONE");
  /** The older name of {@link #ZONE}, still accepted (used when YISHI_ZONE / zone is not set). */
  private static final Setting REPORT_ZONE = new Setting("reports.zone", "YISHI_REPORT_ZONE");
  private static final Setting REPORT_CATCH_UP = new Setting("reports.catchUpPeriods", "YISHI_REPORT_CATCH_UP");
  private static final Setting REPORT_FONT = new Setting("reports.pdfFont", "YISHI_REPORT_FONT");
  private static final Setting REPORT_SYSTEM_FONTS = new Setting("reports.pdfSystemFonts", "YISHI_REPORT_SYSTEM_FONTS");
  private static final Map<String, Setting> REPORT_SCHEDULES = Map.of(
      "city_monthly", new Setting("reports.schedules.cityMonthly", "YISHI_REPORT_CITY_MONTHLY"),
      "city_quarterly", new Setting("reports.schedules.cityQuarterly", "YISHI_REPORT_CITY_QUARTERLY"),
      "city_yearly", new Setting("reports.schedules.cityYearly", "YISHI_REPORT_CITY_YEARLY"),
      "district_monthly", new Setting("reports.schedules.districtMonthly", "YISHI_REPORT_DISTRICT_MONTHLY"));
  /** Defaults: the 1st at 02:00 for the month before; quarters and years a little later the same night. */
  /**
   * The default of {@code YISHI_ZONE}: the one place the zone is named. Everything else gets the
   * configured zone ({@link #zone()}) by constructor from the composition root.
   */
  public static final java.time.ZoneId DEFAULT_ZONE = java.time.ZoneId.of("Asia/Shanghai");

  public static final Map<String, String> DEFAULT_SCHEDULES = Map.of(
      "city_monthly", "0 2 1 * *", "city_quarterly", "0 3 1 1,4,7,10 *", "city_yearly", "0 4 1 1 *",
      "district_monthly", "30 2 1 * *");

  /**
   * Reads the YAML file with vertx-config and applies the environment overrides.
   *
   * @param env environment variables (the process environment in production, a map in tests)
   * @return the validated configuration, or a failed future with a {@link ConfigException}
   */
  public static Future<AppConfig> load(Vertx vertx, Map<String, String> env) {
    String explicit = env.get("YISHI_CONFIG");
    String file = explicit != null && !explicit.isBlank() ? explicit : "conf/application.yaml";
    if (explicit != null && !explicit.isBlank() && !Files.isRegularFile(Path.of(explicit))) {
      return Future.failedFuture(new ConfigException("YISHI_CONFIG: file not found: " + explicit));
    }
    // A relative path is read from the working directory first and from the jar second.
    ConfigStoreOptions yaml = new ConfigStoreOptions().setType("file").setFormat("yaml")
        .setConfig(new JsonObject().put("path", file));
    ConfigRetriever retriever = ConfigRetriever.create(vertx, new ConfigRetrieverOptions().addStore(yaml));
    return retriever.getConfig()
        .recover(err -> Future.failedFuture(new ConfigException(
            "configuration file " + file + " cannot be read: " + err.getMessage())))
        .compose(json -> {
          retriever.close();
          try {
            return Future.succeededFuture(from(json, env));
          } catch (ConfigException e) {
            return Future.failedFuture(e);
          }
        });
  }

  /** Builds and validates the configuration from parsed YAML plus environment overrides. */
  public static AppConfig from(JsonObject yaml, Map<String, String> env) {
    Reader r = new Reader(yaml, env);
    AppConfig config = new AppConfig(
        r.text(HTTP_HOST, "127.0.0.1", false),
        r.port(HTTP_PORT, 8080, false),
        r.integer(HTTP_INSTANCES, 2, 1, 64),
        r.integer(HTTP_BODY_LIMIT, 1_048_576, 1024, 1_073_741_824),
        r.integer(HTTP_GRACE, 20, 0, 600),
        r.integer(HTTP_IDLE, 120, 1, 3600),
        r.integer(HTTP_DRAIN_NOTICE, 1500, 0, 60_000),
        r.optionalAddresses(HTTP_TRUSTED_PROXIES),
        Path.of(r.text(DATA_DIR, "./data", false)),
        r.pgUrl(PG_URL),
        r.port(PG_EMBEDDED_PORT, 0, true),
        r.integer(PG_POOL, 16, 1, 500),
        r.integer(PG_CONNECT_TIMEOUT, 5, 1, 300),
        r.bool(PG_KEEP_STATEMENTS, true),
        r.pgUrl(PG_REPLICA_URL),
        r.addresses(PG_EMBEDDED_LISTEN, "127.0.0.1"),
        r.text(PG_EMBEDDED_PASSWORD, "", true),
        r.text(CLUSTER_NAME, "yishi", false),
        r.bindAddress(CLUSTER_HOST),
        r.port(CLUSTER_PORT, 5701, false),
        r.members(),
        r.publicAddress(),
        r.port(EVENTBUS_PORT, 0, true),
        r.bool(DEMO, false),
        r.text(DEMO_PASSWORD, "yishi-demo", false),
        r.text(ADMIN_PASSWORD, "", true),
        new SecuritySettings(
            r.integer(PASSWORD_ITERATIONS, 310_000, 1_000, 10_000_000),
            r.integer(LOGIN_MAX, 5, 1, 1000),
            r.integer(LOGIN_MAX_ADDRESS, 20, 1, 100_000),
            r.integer(LOGIN_WINDOW, 900, 1, 86_400),
            r.integer(TOKEN_TTL, 12, 1, 24 * 90),
            r.integer(SESSION_TIMEOUT, 120, 1, 24 * 60),
            r.bool(COOKIE_SECURE, false),
            r.integer(SESSION_MAX, 12, 1, 24 * 30),
            r.integer(LIVE_RECHECK, 30, 1, 3600),
            r.integer(LOGIN_HASHING, 4, 1, 1000)),
        r.leads(),
        r.integer(SCHEDULER_INTERVAL, 60, 1, 3600),
        r.integer(RECORD_REMINDER_DAYS, 2, 1, 60),
        // the national division file is 36.8 MB uncompressed
        r.integer(IMPORT_MAX_BYTES, 41_943_040L, 1024L, 17_179_869_184L),
        r.reliability(),
        r.reports(),
        r.notifySettings(),
        // the system properties (yishi.stats.cacheMillis, yishi.stats.cacheMaxAgeMillis) come first:
        // the test run turns the cache off with them, so that tests read their own writes at once
        new StatsSettings(
            r.integer(STATS_CACHE.orProperty("yishi.stats.cacheMillis"), 400L, 0L, 3_600_000L),
            r.integer(STATS_CACHE_MAX_AGE.orProperty("yishi.stats.cacheMaxAgeMillis"), 5_000L, 0L, 86_400_000L)),
        new RequestSettings(
            r.integer(REQ_RETENTION, 180, 1, 3650),
            r.integer(REQ_PROMISED, 7, 1, 365),
            r.integer(REQ_PER_ADDRESS, 10, 1, 100_000),
            r.integer(REQ_PER_STATION, 300, 1, 1_000_000),
            r.integer(REQ_PER_PHONE, 5, 1, 1000),
            r.integer(REQ_CHALLENGE, 3, 0, 100_000),
            r.integer(REQ_PHOTO, 3_145_728, 1024, 10_485_760)),
        new CheckinSettings(r.integer(CHECKIN_OPENS, 60, 0, 10_080), r.integer(CHECKIN_CLOSES, 120, 0, 10_080)));
    config.checkCombinations();
    return config;
  }

  /** Rules that involve more than one setting. */
  private void checkCombinations() {
    boolean loopbackOnly = pgEmbeddedListen.stream().allMatch(Reader::isLoopback);
    if (!loopbackOnly && pgEmbeddedPassword.isEmpty()) {
      throw new ConfigException(PG_EMBEDDED_PASSWORD.label() + ": required when " + PG_EMBEDDED_LISTEN.label()
          + " lets other hosts connect (" + String.join(",", pgEmbeddedListen) + ")");
    }
    if ("0.0.0.0".equals(clusterHost) && "0.0.0.0".equals(clusterPublicAddress)) {
      throw new ConfigException(CLUSTER_PUBLIC_ADDRESS.label() + ": required when " + CLUSTER_HOST.label()
          + " is 0.0.0.0 (the address other members reach this node at)");
    }
  }

  /**
   * The node's one time zone ({@code YISHI_ZONE}, alias {@code YISHI_REPORT_ZONE}; default
   * {@link #DEFAULT_ZONE}): calendar days and months of meetings, due dates, statistics and roll-ups,
   * report periods and schedules, dates shown on pages and in exports.
   */
  public java.time.ZoneId zone() {
    return reports.zone();
  }

  /** Whether the roll-up reads go to a streaming replica ({@code YISHI_PG_REPLICA_URL}). */
  public boolean hasReplica() {
    return pgReplicaUrl != null;
  }

  /** Whether the node runs its own embedded PostgreSQL. */
  public boolean embeddedDatabase() {
    return pgUrl == null;
  }

  /** Resolves each setting: environment variable, else YAML value, else default. */
  private static final class Reader {
    private final JsonObject yaml;
    private final Map<String, String> env;

    Reader(JsonObject yaml, Map<String, String> env) {
      this.yaml = yaml;
      this.env = env;
    }

    private String raw(Setting s) {
      String fromProperty = s.property() == null ? null : System.getProperty(s.property());
      if (fromProperty != null) {
        return fromProperty.trim();
      }
      String fromEnv = env.get(s.env());
      if (fromEnv != null) {
        return fromEnv.trim();
      }
      Object value = yaml;
      for (String part : s.path().split("\\.")) {
        if (!(value instanceof JsonObject obj)) {
          return null;
        }
        value = obj.getValue(part);
      }
      return value == null || value instanceof JsonObject ? null : String.valueOf(value).trim();
    }

    String text(Setting s, String dflt, boolean emptyAllowed) {
      String v = raw(s);
      if (v == null || (v.isEmpty() && !emptyAllowed && dflt != null)) {
        return dflt;
      }
      if (v.chars().anyMatch(Character::isISOControl)) {
        throw new ConfigException(s.label() + ": must not contain control characters");
      }
      return v;
    }

    long integer(Setting s, long dflt, long min, long max) {
      String v = raw(s);
      if (v == null || v.isEmpty()) {
        return dflt;
      }
      long n;
      try {
        n = Long.parseLong(v);
      } catch (NumberFormatException e) {
        throw new ConfigException(s.label() + ": '" + v + "' is not a whole number (expected " + min + "-" + max + ")");
      }
      if (n < min || n > max) {
        throw new ConfigException(s.label() + ": " + n + " is out of range (expected " + min + "-" + max + ")");
      }
      return n;
    }

    int integer(Setting s, int dflt, int min, int max) {
      return (int) integer(s, (long) dflt, min, max);
    }

    int port(Setting s, int dflt, boolean zeroAllowed) {
      String v = raw(s);
      if (v == null || v.isEmpty()) {
        return dflt;
      }
      try {
        int p = Integer.parseInt(v);
        if (p >= (zeroAllowed ? 0 : 1) && p <= 65535) {
          return p;
        }
      } catch (NumberFormatException ignored) {
        // reported below
      }
      throw new ConfigException(s.label() + ": '" + v + "' is not a port number (expected "
          + (zeroAllowed ? "0" : "1") + "-65535)");
    }

    boolean bool(Setting s, boolean dflt) {
      String v = raw(s);
      if (v == null || v.isEmpty()) {
        return dflt;
      }
      return switch (v.toLowerCase()) {
        case "true", "yes", "1", "on" -> true;
        case "false", "no", "0", "off" -> false;
        default -> throw new ConfigException(s.label() + ": '" + v + "' is not true or false");
      };
    }

    String pgUrl(Setting setting) {
      String v = raw(setting);
      if (v == null || v.isEmpty()) {
        return null;
      }
      try {
        URI uri = URI.create(v);
        String scheme = uri.getScheme();
        if (!"postgresql".equals(scheme) && !"postgres".equals(scheme)) {
          throw new ConfigException(setting.label() + ": must start with postgresql:// (got scheme '" + scheme + "')");
        }
        if (uri.getHost() == null || uri.getPath() == null || uri.getPath().length() < 2) {
          throw new ConfigException(setting.label() + ": expected postgresql://user:pass@host:port/db");
        }
      } catch (IllegalArgumentException e) {
        throw new ConfigException(setting.label() + ": not a valid URL: " + e.getMessage());
      }
      return v;
    }

    /** An IPv4 address literal (Hazelcast binds interfaces by address, not by name), or 0.0.0.0. */
    String bindAddress(Setting s) {
      String v = text(s, "127.0.0.1", false);
      if (!isIpv4(v)) {
        throw new ConfigException(s.label() + ": '" + v + "' is not an IPv4 address (e.g. 10.0.0.11, or 0.0.0.0 for every interface)");
      }
      return v;
    }

    /** The address other members reach this node at: defaults to the bind address. */
    String publicAddress() {
      String host = text(CLUSTER_HOST, "127.0.0.1", false);
      String v = text(CLUSTER_PUBLIC_ADDRESS, host, false);
      if (!v.matches("[A-Za-z0-9.\\-]{1,253}")) {
        throw new ConfigException(CLUSTER_PUBLIC_ADDRESS.label() + ": '" + v + "' is not a host name or address");
      }
      return v;
    }

    /** Comma-separated IPv4 addresses, or none. */
    List<String> optionalAddresses(Setting s) {
      String v = text(s, "", true);
      return v.isBlank() ? List.of() : addresses(s, v);
    }

    /** Comma-separated IPv4 addresses. */
    List<String> addresses(Setting s, String dflt) {
      String v = text(s, dflt, false);
      List<String> out = new ArrayList<>();
      for (String part : v.split(",")) {
        String a = part.trim();
        if (!isIpv4(a)) {
          throw new ConfigException(s.label() + ": '" + a + "' is not an IPv4 address");
        }
        out.add(a);
      }
      return List.copyOf(out);
    }

    static boolean isIpv4(String v) {
      if (!v.matches("\\d{1,3}(\\.\\d{1,3}){3}")) {
        return false;
      }
      for (String octet : v.split("\\.")) {
        if (Integer.parseInt(octet) > 255) {
          return false;
        }
      }
      return true;
    }

    static boolean isLoopback(String address) {
      return address.startsWith("127.");
    }

    /** Comma-separated hours before a meeting at which reminders go out, e.g. "72,24". */
    List<java.time.Duration> leads() {
      String v = text(REMINDER_LEADS, "72,24", false);
      List<java.time.Duration> out = new ArrayList<>();
      for (String part : v.replace("[", "").replace("]", "").split(",")) {
        String p = part.trim();
        if (!p.matches("\\d{1,4}") || Integer.parseInt(p) < 1 || Integer.parseInt(p) > 24 * 60) {
          throw new ConfigException(REMINDER_LEADS.label() + ": '" + v + "' is not a list of hours (e.g. 72,24)");
        }
        out.add(java.time.Duration.ofHours(Integer.parseInt(p)));
      }
      return List.copyOf(out);
    }

    ReliabilitySettings reliability() {
      int heartbeat = integer(HEARTBEAT, 1, 1, 60);
      int silent = integer(MAX_NO_HEARTBEAT, 10, 2, 600);
      if (silent <= heartbeat) {
        throw new ConfigException(MAX_NO_HEARTBEAT.label() + ": " + silent + " must be longer than the heartbeat interval ("
            + heartbeat + " s, " + HEARTBEAT.env() + ")");
      }
      int pool = integer(PG_POOL, 16, 1, 500);
      return new ReliabilitySettings(heartbeat, silent,
          integer(RATE_LIMIT, 50, 0, 1_000_000),
          integer(RATE_BURST, 200, 1, 1_000_000),
          // a request waits for a connection at most YISHI_PG_CONNECT_TIMEOUT; 8 waiters per connection
          // is a few milliseconds of work each, so a longer queue only means slower 503s
          integer(PG_WAIT_QUEUE, pool * 8, 0, 100_000),
          integer(IDEMPOTENCY_RETENTION, 24, 1, 24 * 30));
    }

    /** The report settings; each schedule must be a valid five-field cron expression or "off". */
    ReportSettings reports() {
      Setting zoneSetting = raw(ZONE) != null && !raw(ZONE).isEmpty() ? ZONE : REPORT_ZONE;
      String zoneText = text(zoneSetting, DEFAULT_ZONE.getId(), false);
      java.time.ZoneId zone;
      try {
        zone = java.time.ZoneId.of(zoneText);
        if (zone instanceof java.time.ZoneOffset) {
          // region ids only (Asia/Urumqi, UTC): a bare offset would silently ignore a change of rules
          throw new java.time.DateTimeException("an offset, not a region");
        }
      } catch (java.time.DateTimeException e) {
        throw new ConfigException(zoneSetting.label() + ": '" + zoneText + "' is not a time zone (e.g. "
            + DEFAULT_ZONE.getId() + ")");
      }
      int catchUp = integer(REPORT_CATCH_UP, 12, 0, 120);
      Map<String, String> schedules = new java.util.LinkedHashMap<>();
      for (String id : ReportSettings.IDS) {
        Setting s = REPORT_SCHEDULES.get(id);
        String cron = text(s, DEFAULT_SCHEDULES.get(id), false);
        if (!cron.equalsIgnoreCase("off")) {
          try {
            cron = org.yishi.platform.schedule.Cron.parse(cron).toString();
          } catch (org.yishi.platform.schedule.Cron.CronException e) {
            throw new ConfigException(s.label() + ": '" + cron + "' is not a cron expression: " + e.getMessage());
          }
        } else {
          cron = "off";
        }
        schedules.put(id, cron);
      }
      return new ReportSettings(zone, catchUp, java.util.Collections.unmodifiableMap(schedules), text(REPORT_FONT, "", true),
          bool(REPORT_SYSTEM_FONTS, true));
    }

    /** The notification settings; robots are "name|kind|scope|url|secret" entries separated by ";". */
    NotifySettings notifySettings() {
      String publicUrl = text(PUBLIC_URL, "http://127.0.0.1:8080", false).replaceAll("/+$", "");
      if (!publicUrl.matches("https?://[^\\s/]+(/\\S*)?")) {
        throw new ConfigException(PUBLIC_URL.label() + ": '" + publicUrl + "' is not an http(s) URL");
      }
      String tls = text(SMTP_TLS, "starttls", false).toLowerCase(java.util.Locale.ROOT);
      if (!List.of("none", "starttls", "tls").contains(tls)) {
        throw new ConfigException(SMTP_TLS.label() + ": '" + tls + "' must be none, starttls or tls");
      }
      String host = text(SMTP_HOST, "", true);
      String from = text(SMTP_FROM, "", true);
      if (!host.isEmpty() && !from.matches("[^@\\s<>]+@[^@\\s<>]+")) {
        throw new ConfigException(SMTP_FROM.label() + ": an e-mail address is required when " + SMTP_HOST.label() + " is set");
      }
      Smtp smtp = new Smtp(host, (int) port(SMTP_PORT, "tls".equals(tls) ? 465 : 25, false), tls,
          text(SMTP_USER, "", true), text(SMTP_PASSWORD, "", true), from);
      String smsUrl = text(SMS_URL, "", true);
      if (!smsUrl.isEmpty() && !smsUrl.matches("https?://\\S+")) {
        throw new ConfigException(SMS_URL.label() + ": not an http(s) URL");
      }
      List<Robot> robots = new ArrayList<>();
      for (String entry : text(ROBOTS, "", true).split(";")) {
        if (entry.isBlank()) {
          continue;
        }
        String[] f = entry.trim().split("\\|", -1);
        String name = f[0].trim();
        if (f.length < 4 || f.length > 5) {
          throw new ConfigException(ROBOTS.label() + ": robot '" + name + "' must be name|kind|scope|url or name|kind|scope|url|secret");
        }
        String kind = f[1].trim();
        int perMinute = switch (kind) {
          case "wecom", "dingtalk" -> 20;
          case "feishu" -> 100;
          default -> throw new ConfigException(ROBOTS.label() + ": robot '" + name + "' has kind '" + kind + "' (expected wecom, dingtalk or feishu)");
        };
        String scope = f[2].trim();
        if (!scope.matches("station:[0-9]+|district:[0-9]{12}")) {
          throw new ConfigException(ROBOTS.label() + ": robot '" + name + "' has scope '" + scope + "' (expected station:ID or district:CODE)");
        }
        String url = f[3].trim();
        if (!url.matches("https?://\\S+")) {
          throw new ConfigException(ROBOTS.label() + ": robot '" + name + "' has no http(s) webhook URL");
        }
        if (!name.matches("[A-Za-z0-9._-]{1,40}") || robots.stream().anyMatch(x -> x.name().equals(name))) {
          throw new ConfigException(ROBOTS.label() + ": robot name '" + name + "' must be unique, letters, digits . _ -");
        }
        robots.add(new Robot(name, kind, scope, url, f.length == 5 ? f[4].trim() : "", perMinute));
      }
      return new NotifySettings(publicUrl, (int) integer(NOTIFY_MAX_ATTEMPTS, 6, 1, 100),
          (int) integer(NOTIFY_BACKOFF, 30, 1, 86_400), (int) integer(NOTIFY_BATCH, 100, 1, 10_000),
          (int) integer(NOTIFY_TIMEOUT, 10, 1, 300), smtp, smsUrl, text(SMS_TOKEN, "", true), List.copyOf(robots), aliyunSms(),
          text(SECRET_KEY, "", true), (int) integer(NOTIFY_EMAIL_PER_MINUTE, 0, 0, 1_000_000),
          (int) integer(NOTIFY_SMS_PER_MINUTE, 0, 0, 1_000_000));
    }

    /** Alibaba Cloud SMS; templates are "kind=SMS_code;…;default=SMS_code". Off without an AccessKey id. */
    AliyunSms aliyunSms() {
      String keyId = text(ALIYUN_SMS_KEY_ID, "", true);
      String endpoint = text(ALIYUN_SMS_ENDPOINT, "https://dysmsapi.aliyuncs.com/", false);
      if (!endpoint.matches("https?://\\S+")) {
        throw new ConfigException(ALIYUN_SMS_ENDPOINT.label() + ": not an http(s) URL");
      }
      java.util.Map<String, String> templates = new java.util.TreeMap<>();
      for (String entry : text(ALIYUN_SMS_TEMPLATES, "", true).split(";")) {
        if (entry.isBlank()) {
          continue;
        }
        String[] kv = entry.trim().split("=", -1);
        if (kv.length != 2 || !kv[0].trim().matches("[a-z_]{1,40}") || !kv[1].trim().matches("SMS_[0-9]{1,20}")) {
          throw new ConfigException(ALIYUN_SMS_TEMPLATES.label() + ": '" + entry.trim() + "' must be kind=SMS_code");
        }
        templates.put(kv[0].trim(), kv[1].trim());
      }
      AliyunSms sms = new AliyunSms(endpoint, keyId, text(ALIYUN_SMS_KEY_SECRET, "", true), text(ALIYUN_SMS_SIGN, "", true),
          java.util.Collections.unmodifiableMap(templates));
      if (sms.enabled() && (sms.accessKeySecret().isEmpty() || sms.signName().isEmpty() || !templates.containsKey("default"))) {
        throw new ConfigException(ALIYUN_SMS_KEY_ID.label() + " is set: " + ALIYUN_SMS_KEY_SECRET.label() + ", "
            + ALIYUN_SMS_SIGN.label() + " and a default template in " + ALIYUN_SMS_TEMPLATES.label() + " are required too");
      }
      return sms;
    }

    List<String> members() {
      String v = text(CLUSTER_MEMBERS, "127.0.0.1", false);
      List<String> out = new ArrayList<>();
      for (String m : v.split(",")) {
        String member = m.trim();
        if (member.isEmpty()) {
          continue;
        }
        if (!member.matches("[A-Za-z0-9.\\-\\[\\]:]+")) {
          throw new ConfigException(CLUSTER_MEMBERS.label() + ": '" + member + "' is not a host or host:port");
        }
        int colon = member.lastIndexOf(':');
        if (colon > 0 && !member.startsWith("[") && member.indexOf(':') == colon) {
          String port = member.substring(colon + 1);
          if (!port.matches("\\d{1,5}") || Integer.parseInt(port) < 1 || Integer.parseInt(port) > 65535) {
            throw new ConfigException(CLUSTER_MEMBERS.label() + ": '" + member
                + "' has a bad port (ranges such as host:5701-5703 are not accepted; list each member)");
          }
        }
        out.add(member);
      }
      if (out.isEmpty()) {
        throw new ConfigException(CLUSTER_MEMBERS.label() + ": at least one member address is required");
      }
      return List.copyOf(out);
    }
  }
}
