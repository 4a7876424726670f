package org.yishi.platform;

import io.vertx.core.VertxException;
import io.vertx.pgclient.PgException;
import org.junit.jupiter.api.Test;
import org.yishi.platform.http.ErrorHandler;

import java.net.ConnectException;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Which failures mean "the database is unavailable" (answered 503, nothing saved) rather than a bug
 * (500). The fault suite met each of the first kind while PostgreSQL stopped under load.
 */
class DatabaseFailureKindsTest {
  @Test
  void lostConnectionsAreUnavailableAndBugsAreNot() {
    assertTrue(ErrorHandler.isDatabaseUnavailable(new VertxException("Connection is not active now, current status: CLOSED")),
        "a pooled connection PostgreSQL closed while shutting down");
    assertTrue(ErrorHandler.isDatabaseUnavailable(new RuntimeException(new ConnectException("Connection refused"))));
    assertTrue(ErrorHandler.isDatabaseUnavailable(new PgException("the database system is shutting down", "FATAL", "57P03", null)));
    assertFalse(ErrorHandler.isDatabaseUnavailable(new VertxException("something else went wrong")));
    assertFalse(ErrorHandler.isDatabaseUnavailable(new PgException("duplicate key", "ERROR", "23505", null)));
    assertFalse(ErrorHandler.isDatabaseUnavailable(new NullPointerException()));
  }
}
