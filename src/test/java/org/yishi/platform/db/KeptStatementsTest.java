package org.yishi.platform.db;

import io.vertx.core.Vertx;
import io.vertx.pgclient.PgBuilder;
import io.vertx.pgclient.PgConnectOptions;
import io.vertx.pgclient.PgException;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.PoolOptions;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.SqlConnection;
import io.vertx.sqlclient.Tuple;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.yishi.support.TestPostgres;

import java.sql.Connection;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Statements marked with {@link Kept#sql} stay prepared on their connection and others do not
 * (issue 25), and a kept statement that names its columns survives a migration adding a column
 * under the running node (a rolling upgrade), where a kept {@code *} would fail.
 */
class KeptStatementsTest {
  private static Vertx vertx;
  private static String url;

  @BeforeAll
  static void database() throws Exception {
    vertx = Vertx.vertx();
    url = TestPostgres.freshDatabaseUrl();
    sql("CREATE TABLE kept_t (id bigint PRIMARY KEY, a text NOT NULL)", "INSERT INTO kept_t VALUES (1, 'one'), (2, 'two')");
  }

  @AfterAll
  static void close() {
    vertx.close().await();
  }

  private static void sql(String... statements) throws Exception {
    try (Connection c = TestPostgres.jdbc(url); Statement st = c.createStatement()) {
      for (String s : statements) {
        st.execute(s);
      }
    }
  }

  private static Pool pool(boolean keep) {
    PgConnectOptions options = PgConnectOptions.fromUri(url);
    Kept.apply(options, keep);
    return PgBuilder.pool().with(new PoolOptions().setMaxSize(1)).connectingTo(options).using(vertx).build();
  }

  /** The statements prepared (named) on {@code conn}'s database session. */
  private static List<String> prepared(SqlConnection conn) {
    List<String> out = new ArrayList<>();
    conn.query("SELECT statement FROM pg_prepared_statements").execute().await().forEach(r -> out.add(r.getString(0)));
    return out;
  }

  private static String a(SqlConnection conn, String sql, long id) {
    Row r = conn.preparedQuery(sql).execute(Tuple.of(id)).await().iterator().next();
    return r.getString("a");
  }

  @Test
  void onlyMarkedStatementsStayPreparedAndNoneWhenTurnedOff() {
    String kept = Kept.sql("SELECT id, a FROM kept_t WHERE id = $1");
    String plain = "SELECT id, a FROM kept_t WHERE id = $1 AND a IS NOT NULL";
    Pool on = pool(true);
    try {
      SqlConnection conn = on.getConnection().await();
      assertEquals("one", a(conn, kept, 1));
      assertEquals("two", a(conn, kept, 2));
      assertEquals("one", a(conn, plain, 1));
      assertEquals(List.of(kept), prepared(conn), "the marked statement alone is prepared, once");
      conn.close().await();
    } finally {
      on.close().await();
    }
    Pool off = pool(false);
    try {
      SqlConnection conn = off.getConnection().await();
      assertEquals("one", a(conn, kept, 1));
      assertEquals(List.of(), prepared(conn), "YISHI_PG_KEEP_STATEMENTS=false keeps none");
      conn.close().await();
    } finally {
      off.close().await();
    }
  }

  @Test
  void aKeptStatementNamingItsColumnsSurvivesAColumnAddedUnderItWhereAKeptStarFails() throws Exception {
    String named = Kept.sql("SELECT id, a FROM kept_t WHERE id = $1");
    String star = Kept.MARK + "SELECT * FROM kept_t WHERE id = $1"; // what Kept.sql refuses, built by hand
    Pool pool = pool(true);
    try {
      SqlConnection conn = pool.getConnection().await();
      assertEquals("one", a(conn, named, 1));
      assertEquals("one", a(conn, star, 1));
      sql("ALTER TABLE kept_t ADD COLUMN b integer"); // a migration, from another session, as a new release starts
      assertEquals("two", a(conn, named, 2), "the named columns' statement runs on, re-planned");
      PgException failed = assertThrows(PgException.class, () -> a(conn, star, 2));
      assertTrue(failed.getMessage().contains("cached plan must not change result type"), failed.getMessage());
      conn.close().await();
    } finally {
      pool.close().await();
    }
  }

  @Test
  void markingAStatementThatSelectsOrReturnsAStarIsRefused() {
    for (String sql : List.of("SELECT * FROM kept_t", "SELECT k.* FROM kept_t k", "SELECT id, * FROM kept_t",
        "UPDATE kept_t SET a = $2 WHERE id = $1 RETURNING *", "insert into kept_t values (3, 'x') returning  *")) {
      AssertionError refused = assertThrows(AssertionError.class, () -> Kept.sql(sql), sql);
      assertTrue(refused.getMessage().contains("names its result columns"), refused.getMessage());
    }
    assertFalse(Kept.sql("SELECT count(*) FROM kept_t").isEmpty(), "count(*) names no columns of a table");
    assertTrue(Kept.sql("SELECT 2 * id FROM kept_t").endsWith("SELECT 2 * id FROM kept_t"));
  }
}
