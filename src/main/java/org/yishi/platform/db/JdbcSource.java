package org.yishi.platform.db;

import java.sql.Connection;
import java.sql.SQLException;

/**
 * Opens JDBC connections for blocking bulk work on worker threads ({@code database::openJdbc}).
 * Each call returns a new connection that the caller closes.
 */
@FunctionalInterface
public interface JdbcSource {
  /** A new connection; the caller closes it. */
  Connection open() throws SQLException;
}
