package org.yishi.support;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.SQLException;
import java.util.LinkedHashMap;
import java.util.Map;

/** Reads a test database over JDBC, to check what a page really wrote. */
public final class Sql {
  private final String url;

  public Sql(String postgresUrl) {
    this.url = postgresUrl;
  }

  public long count(String sql, Object... args) {
    Object v = value(sql, args);
    return v == null ? 0 : ((Number) v).longValue();
  }

  /** The first column of the first row, or null when there is no row. */
  public Object value(String sql, Object... args) {
    Map<String, Object> r = row(sql, args);
    return r == null ? null : r.values().iterator().next();
  }

  /** The first row as column → value, or null when there is none. */
  public Map<String, Object> row(String sql, Object... args) {
    try (Connection c = TestPostgres.jdbc(url); PreparedStatement st = c.prepareStatement(sql)) {
      for (int i = 0; i < args.length; i++) {
        st.setObject(i + 1, args[i]);
      }
      try (ResultSet rs = st.executeQuery()) {
        if (!rs.next()) {
          return null;
        }
        ResultSetMetaData md = rs.getMetaData();
        Map<String, Object> row = new LinkedHashMap<>();
        for (int i = 1; i <= md.getColumnCount(); i++) {
          row.put(md.getColumnLabel(i), rs.getObject(i));
        }
        return row;
      }
    } catch (SQLException e) {
      throw new IllegalStateException(e);
    }
  }

  /** Runs one plain statement (no parameters), as a test's set-up writes it. */
  public void execute(String statement) {
    try (Connection c = TestPostgres.jdbc(url)) {
      c.createStatement().execute(statement);
    } catch (SQLException e) {
      throw new IllegalStateException(e);
    }
  }

  public int update(String sql, Object... args) {
    try (Connection c = TestPostgres.jdbc(url); PreparedStatement st = c.prepareStatement(sql)) {
      for (int i = 0; i < args.length; i++) {
        st.setObject(i + 1, args[i]);
      }
      return st.executeUpdate();
    } catch (SQLException e) {
      throw new IllegalStateException(e);
    }
  }
}
