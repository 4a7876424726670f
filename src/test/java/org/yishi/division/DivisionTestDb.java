package org.yishi.division;

import org.yishi.platform.db.Database;
import org.yishi.support.TestNodes;
import org.yishi.support.TestPostgres;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Map;

/** A fresh, migrated database for one test class, and the fixtures the division tests share. */
final class DivisionTestDb {
  final String url;
  final Database database;

  private DivisionTestDb(String url, Database database) {
    this.url = url;
    this.database = database;
  }

  static DivisionTestDb create() {
    String url = TestPostgres.freshDatabaseUrl();
    Database database = new Database(TestNodes.config(TestNodes.env(url, Map.of())));
    database.startAndMigrate();
    return new DivisionTestDb(url, database);
  }

  /** Checks and fixtures on the database of a running node (already migrated by it). */
  static DivisionTestDb attach(String url) {
    return new DivisionTestDb(url, null);
  }

  /** As {@link #attach}, with the division tables emptied first. */
  static DivisionTestDb attachCleared(String url) {
    DivisionTestDb db = attach(url);
    try {
      db.clear();
    } catch (SQLException e) {
      throw new IllegalStateException(e);
    }
    return db;
  }

  Connection jdbc() throws SQLException {
    return TestPostgres.jdbc(url);
  }

  void execute(String sql) throws SQLException {
    try (Connection c = jdbc(); Statement st = c.createStatement()) {
      st.execute(sql);
    }
  }

  long count(String sql) throws SQLException {
    try (Connection c = jdbc(); Statement st = c.createStatement(); ResultSet rs = st.executeQuery(sql)) {
      rs.next();
      return rs.getLong(1);
    }
  }

  String string(String sql) throws SQLException {
    try (Connection c = jdbc(); Statement st = c.createStatement(); ResultSet rs = st.executeQuery(sql)) {
      return rs.next() ? rs.getString(1) : null;
    }
  }

  /** Everything stored in {@code division}, updated_at included: equal before and after means untouched. */
  String checksum() throws SQLException {
    return string("""
        SELECT count(*) || ':' || coalesce(md5(string_agg(
                 code || '|' || name || '|' || level || '|' || coalesce(parent_code, '') || '|' || updated_at,
                 E'\\n' ORDER BY code)), '-')
          FROM division""");
  }

  void clear() throws SQLException {
    // the cascade reaches accounts through members (account.member_id): the staff accounts are kept
    execute("""
        CREATE TEMP TABLE kept_account AS SELECT * FROM account WHERE member_id IS NULL;
        TRUNCATE division, division_import CASCADE;
        INSERT INTO account SELECT * FROM kept_account;
        DROP TABLE kept_account""");
  }

  /** A resource of this project, as the product or the tests ship it. */
  static byte[] resource(String path) {
    try (InputStream in = DivisionTestDb.class.getResourceAsStream(path)) {
      if (in == null) {
        throw new IllegalStateException("missing resource " + path);
      }
      return in.readAllBytes();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  static String text(String path) {
    return new String(resource(path), StandardCharsets.UTF_8);
  }
}
