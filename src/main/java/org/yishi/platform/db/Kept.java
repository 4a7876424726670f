package org.yishi.platform.db;

import io.vertx.pgclient.PgConnectOptions;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Pattern;

/**
 * Statements kept prepared on each connection of the pool (issue 25): parsed and planned once per
 * connection, then only bound and executed. Planning was most of the database's work for a record's
 * statements apart from the counters (docs/benchmarks.md).
 *
 * <p>Only statements marked with {@link #sql} are kept, never all of them: PostgreSQL switches a kept
 * statement to a generic plan (one for any parameter values) after five executions when that looks
 * no dearer, and for the jurisdiction filters ({@code division_code LIKE $1 || '%'}) the generic plan
 * cannot use the prefix index, so one connection that ran a few province-wide queries would scan for
 * every later district's. Mark a statement when its plan does not depend on its parameters' values:
 * lookups and writes by key, inserts. A kept statement names its result columns (no {@code *}, no
 * {@code RETURNING *}): a migration that adds a column then leaves its result unchanged, whereas a
 * kept {@code *} would fail on the running nodes during a rolling upgrade ("cached plan must not
 * change result type"). {@code KeptStatementsTest} shows both.
 */
public final class Kept {
  /** The mark the pool's cache recognises: a comment, so that the statement itself is unchanged. */
  static final String MARK = "/* kept */ ";

  private static final Pattern WILDCARD = Pattern.compile("(?i)\\b(SELECT|RETURNING)\\s+(\\w+\\.)?\\*|,\\s*(\\w+\\.)?\\*");

  private Kept() {
  }

  /** Each statement marked once: call sites pass literals, so a call is one lookup and the pool sees one string. */
  private static final Map<String, String> MARKED = new ConcurrentHashMap<>();

  /** {@code sql} marked to be kept prepared on each connection (see the class comment for which statements qualify). */
  public static String sql(String sql) {
    String marked = MARKED.get(sql);
    return marked != null ? marked : MARKED.computeIfAbsent(sql, Kept::mark);
  }

  private static String mark(String sql) {
    assert !WILDCARD.matcher(sql).find() : "a kept statement names its result columns: " + sql;
    return MARK + sql;
  }

  static boolean isKept(String sql) {
    return sql.startsWith(MARK);
  }

  /** {@code options} keeping the marked statements ({@code keep} true) or none (the setting YISHI_PG_KEEP_STATEMENTS). */
  public static PgConnectOptions apply(PgConnectOptions options, boolean keep) {
    return options.setCachePreparedStatements(keep).setPreparedStatementCacheMaxSize(256)
        .setPreparedStatementCacheSqlFilter(Kept::isKept);
  }
}
