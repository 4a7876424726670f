package org.yishi.platform.db;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.net.NetClientOptions;
import io.vertx.pgclient.PgBuilder;
import io.vertx.pgclient.PgConnectOptions;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.PoolOptions;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import org.flywaydb.core.Flyway;
import org.flywaydb.core.api.output.MigrateResult;
import org.yishi.platform.config.AppConfig;
import org.yishi.platform.config.ConfigException;

import java.io.IOException;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.time.Duration;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import java.util.logging.Logger;

/**
 * The system of record: either an external PostgreSQL ({@code YISHI_PG_URL}) or an embedded
 * PostgreSQL whose data lives under {@code YISHI_DATA_DIR/pg} and survives restarts. Start-up
 * runs the Flyway migrations over JDBC; everything else uses the one reactive {@link Pool}.
 */
public final class Database {
  private static final Logger LOG = Logger.getLogger(Database.class.getName());

  private final AppConfig config;
  private EmbeddedPostgres embedded;
  private PgConnectOptions connectOptions;
  private Pool pool;
  private Pool readPool;

  public Database(AppConfig config) {
    this.config = config;
  }

  /**
   * Starts the embedded server when no URL is configured, checks that the database answers and
   * migrates it. Blocking: call it from a worker thread or from {@code main}.
   */
  public void startAndMigrate() {
    if (config.embeddedDatabase()) {
      embedded = startEmbedded(config.dataDir().resolve("pg"), config.pgEmbeddedPort(),
          config.pgEmbeddedListen(), config.pgEmbeddedPassword(), config.zone());
      connectOptions = new PgConnectOptions().setHost("127.0.0.1").setPort(embedded.getPort())
          .setDatabase("postgres").setUser("postgres");
    } else {
      connectOptions = PgConnectOptions.fromUri(config.pgUrl());
    }
    connectOptions.setReconnectAttempts(0);
    connectOptions.addProperty("application_name", "yishi");
    // a node frozen mid-transaction (SIGSTOP, a stalled VM) must not hold its row locks for ever:
    // the server ends such a session, rolling its transaction back (the node's transactions take milliseconds)
    connectOptions.addProperty("idle_in_transaction_session_timeout", "10s");
    // the node's sessions read dates in the configured zone (SQL uses current_setting('TimeZone'))
    connectOptions.addProperty("TimeZone", config.zone().getId());
    checkReachable();
    MigrateResult result = Flyway.configure()
        .dataSource(jdbcUrl(), connectOptions.getUser(), connectOptions.getPassword())
        .locations("classpath:db/migration")
        // the roll-up functions (afterMigrate callback) count months in the configured zone;
        // changing the zone on a database with data needs a rebuild of the roll-ups (docs/statistics.md)
        .placeholders(placeholders(config.zone()))
        .load()
        .migrate();
    LOG.info(() -> result.migrationsExecuted == 0 ? "Database schema is up to date"
        : "Database schema migrated to version " + result.targetSchemaVersion
            + " (" + result.migrationsExecuted + " migration(s) applied)");
  }

  /**
   * The Flyway placeholders of the migrations and callbacks: {@code ${zone}}, the zone the roll-up
   * functions count calendar months in (afterMigrate__rollup_functions.sql).
   */
  public static java.util.Map<String, String> placeholders(java.time.ZoneId zone) {
    return java.util.Map.of("zone", zone.getId());
  }

  /** Starts (or restarts, keeping its data) an embedded PostgreSQL in {@code dir}, on 127.0.0.1 only. */
  public static EmbeddedPostgres startEmbedded(Path dir, int port) {
    return startEmbedded(dir, port, java.util.List.of("127.0.0.1"), "", AppConfig.DEFAULT_ZONE);
  }

  /**
   * Starts (or restarts, keeping its data) an embedded PostgreSQL in {@code dir}, listening on
   * {@code listen}. Loopback connections are trusted (local tools: backup, the node itself); when
   * it listens on another address, other hosts may connect, and replicate, with the {@code postgres}
   * role's password ({@code password}, SCRAM-SHA-256), which is (re)set at every start.
   */
  public static EmbeddedPostgres startEmbedded(Path dir, int port, java.util.List<String> listen, String password,
                                              java.time.ZoneId zone) {
    boolean remote = listen.stream().anyMatch(a -> !a.startsWith("127."));
    try {
      Files.createDirectories(dir);
      // initdb wants an empty data directory: the access rules live beside it
      Path hba = dir.toAbsolutePath().resolveSibling(dir.getFileName() + "-hba.conf");
      Files.writeString(hba, hbaRules(remote));
      EmbeddedPostgres.Builder builder = EmbeddedPostgres.builder()
          .setDataDirectory(dir)
          .setCleanDataDirectory(false)
          .setRegisterShutdownHook(false)
          .setPGStartupWait(Duration.ofSeconds(60))
          // zonky trades durability for speed by default; an acknowledged write must survive a crash
          .setServerConfig("synchronous_commit", "on")
          .setServerConfig("fsync", "on")
          .setServerConfig("full_page_writes", "on")
          .setServerConfig("max_connections", "300")
          .setServerConfig("listen_addresses", String.join(",", withLoopback(listen)))
          .setServerConfig("hba_file", hba.toString())
          .setServerConfig("password_encryption", "scram-sha-256")
          .setServerConfig("timezone", zone.getId());
      if (port > 0) {
        builder.setPort(port);
      }
      EmbeddedPostgres pg = builder.start();
      if (remote) {
        setPassword(pg, password);
      }
      LOG.info(() -> "Embedded PostgreSQL listening on " + String.join(",", withLoopback(listen)) + ":" + pg.getPort()
          + ", data in " + dir.toAbsolutePath());
      return pg;
    } catch (IOException | RuntimeException e) {
      throw new ConfigException("YISHI_DATA_DIR (dataDir): embedded PostgreSQL did not start in " + dir.toAbsolutePath()
          + ": " + rootMessage(e));
    }
  }

  private static java.util.List<String> withLoopback(java.util.List<String> listen) {
    java.util.LinkedHashSet<String> all = new java.util.LinkedHashSet<>();
    all.add("127.0.0.1");
    all.addAll(listen);
    return java.util.List.copyOf(all);
  }

  /** Trust on loopback (what zonky's initdb sets up); a password from anywhere else when listening there. */
  private static String hbaRules(boolean remote) {
    String rules = """
        # written by Yishi at every start of the embedded database (see database.embeddedListen)
        local   all          all                    trust
        host    all          all    127.0.0.1/32    trust
        local   replication  all                    trust
        host    replication  all    127.0.0.1/32    trust
        """;
    return remote ? rules + """
        host    all          all    0.0.0.0/0       scram-sha-256
        host    replication  all    0.0.0.0/0       scram-sha-256
        """ : rules;
  }

  private static void setPassword(EmbeddedPostgres pg, String password) {
    try (Connection c = DriverManager.getConnection(pg.getJdbcUrl("postgres", "postgres"));
         java.sql.Statement st = c.createStatement()) {
      // ALTER ROLE takes no parameters: quote the literal (the value has no control characters)
      st.execute("ALTER ROLE postgres PASSWORD '" + password.replace("'", "''") + "'");
    } catch (SQLException e) {
      throw new ConfigException("YISHI_PG_EMBEDDED_PASSWORD (database.embeddedPassword): cannot be set: " + rootMessage(e));
    }
  }

  private void checkReachable() {
    try (Connection ignored = DriverManager.getConnection(jdbcUrl(), jdbcProperties())) {
      LOG.fine("database reachable");
    } catch (SQLException e) {
      String where = connectOptions.getHost() + ":" + connectOptions.getPort() + "/" + connectOptions.getDatabase();
      String setting = config.embeddedDatabase() ? "YISHI_DATA_DIR (embedded database)" : "YISHI_PG_URL (database.url)";
      throw new ConfigException(setting + ": cannot connect to PostgreSQL at " + where + ": " + rootMessage(e));
    }
  }

  /**
   * Opens a new JDBC connection to the configured database, for blocking bulk work that the
   * reactive client cannot do (COPY, long single transactions). Call it from a worker thread once
   * {@link #startAndMigrate} has run; the caller closes the connection.
   */
  public Connection openJdbc() throws SQLException {
    Connection c = DriverManager.getConnection(jdbcUrl(), jdbcProperties());
    // pgjdbc sets the session zone to the JVM's: use the node's, like the reactive pool
    try (java.sql.PreparedStatement st = c.prepareStatement("SELECT set_config('TimeZone', ?, false)")) {
      st.setString(1, config.zone().getId());
      st.execute();
    } catch (SQLException e) {
      c.close();
      throw e;
    }
    return c;
  }

  private Properties jdbcProperties() {
    Properties props = new Properties();
    if (connectOptions.getUser() != null) {
      props.setProperty("user", connectOptions.getUser());
    }
    if (connectOptions.getPassword() != null) {
      props.setProperty("password", connectOptions.getPassword());
    }
    props.setProperty("connectTimeout", String.valueOf(config.pgConnectTimeoutSeconds()));
    props.setProperty("loginTimeout", String.valueOf(config.pgConnectTimeoutSeconds()));
    props.setProperty("ApplicationName", "yishi");
    return props;
  }

  /** Creates the shared reactive pool; call once the Vert.x instance exists. */
  public Pool createPool(Vertx vertx) {
    pool = buildPool(vertx, connectOptions, "yishi");
    return pool;
  }

  /**
   * The pool for reads that may lag (roll-ups): a second pool on the streaming replica named by
   * {@code YISHI_PG_REPLICA_URL}, or the primary pool itself when none is configured. The replica is
   * not checked at start: a replica that is down fails those reads (503) while writes go on.
   */
  public Pool createReadPool(Vertx vertx) {
    if (!config.hasReplica()) {
      return pool;
    }
    PgConnectOptions replica = PgConnectOptions.fromUri(config.pgReplicaUrl());
    replica.setReconnectAttempts(0);
    replica.addProperty("application_name", "yishi-read");
    // a replica refuses writes anyway; this makes a misrouted write fail the same way on a primary
    replica.addProperty("default_transaction_read_only", "on");
    replica.addProperty("TimeZone", config.zone().getId());
    readPool = buildPool(vertx, replica, "yishi-read");
    return readPool;
  }

  private Pool buildPool(Vertx vertx, PgConnectOptions target, String name) {
    PoolOptions poolOptions = new PoolOptions()
        .setMaxSize(config.pgPoolSize())
        .setName(name)
        // a saturated pool answers quickly (503) rather than queueing without bound
        .setMaxWaitQueueSize(config.reliability().pgWaitQueueSize())
        .setConnectionTimeout(config.pgConnectTimeoutSeconds())
        .setConnectionTimeoutUnit(TimeUnit.SECONDS)
        .setIdleTimeout(60)
        .setIdleTimeoutUnit(TimeUnit.SECONDS);
    NetClientOptions net = new NetClientOptions()
        .setConnectTimeout((int) TimeUnit.SECONDS.toMillis(config.pgConnectTimeoutSeconds()))
        .setTcpKeepAlive(true);
    // the statements marked with Kept.sql stay prepared on each connection
    Kept.apply(target, config.pgKeepStatements());
    return PgBuilder.pool().with(poolOptions).with(net).connectingTo(target).using(vertx).build();
  }

  /** Closes the pool (when created) and stops the embedded server (when started). */
  public Future<Void> close() {
    Future<Void> closing = (pool == null ? Future.<Void>succeededFuture() : pool.close())
        .eventually(() -> readPool == null ? Future.succeededFuture() : readPool.close());
    return closing.eventually(() -> {
      stopEmbedded();
      return Future.succeededFuture();
    });
  }

  /** Stops the embedded server; safe to call twice. */
  public synchronized void stopEmbedded() {
    if (embedded != null) {
      try {
        embedded.close();
        LOG.info("Embedded PostgreSQL stopped");
      } catch (IOException e) {
        LOG.warning("Embedded PostgreSQL did not stop cleanly: " + e.getMessage());
      }
      embedded = null;
    }
  }

  /** JDBC URL of the configured database (used by migrations and maintenance tools). */
  public String jdbcUrl() {
    return "jdbc:postgresql://" + connectOptions.getHost() + ":" + connectOptions.getPort() + "/"
        + URLDecoder.decode(connectOptions.getDatabase(), StandardCharsets.UTF_8);
  }

  /** A {@code postgresql://} URL other nodes can use to share this node's database. */
  public String url() {
    String auth = connectOptions.getUser() == null ? "" : connectOptions.getUser()
        + (connectOptions.getPassword() == null ? "" : ":" + connectOptions.getPassword()) + "@";
    return "postgresql://" + auth + connectOptions.getHost() + ":" + connectOptions.getPort() + "/" + connectOptions.getDatabase();
  }

  public PgConnectOptions connectOptions() {
    return connectOptions;
  }

  static String rootMessage(Throwable e) {
    Throwable t = e;
    while (t.getCause() != null && t.getCause() != t) {
      t = t.getCause();
    }
    String msg = t.getMessage();
    return msg == null ? t.getClass().getSimpleName() : msg.lines().findFirst().orElse(msg);
  }
}
