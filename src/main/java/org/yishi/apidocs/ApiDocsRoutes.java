package org.yishi.apidocs;

import io.vertx.core.buffer.Buffer;
import io.vertx.ext.web.Router;
import org.yishi.platform.App;
import org.yishi.platform.security.Access;
import org.yishi.platform.security.SecureRouter;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;

/** {@code GET /api/v1/openapi.yaml}: the OpenAPI 3 description of every {@code /api/v1} operation. */
public final class ApiDocsRoutes {
  private ApiDocsRoutes() {
  }

  /** The description shipped in the jar (a test keeps it in step with the registered routes). */
  public static Buffer openApi() {
    try (InputStream in = ApiDocsRoutes.class.getResourceAsStream("/openapi.yaml")) {
      return Buffer.buffer(in.readAllBytes());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  public static Router router(App app) {
    Buffer yaml = openApi();
    SecureRouter r = app.secureRouter();
    r.get("/api/v1/openapi.yaml", Access.open("API clients read the description before signing in"),
        ctx -> ctx.response().putHeader("Content-Type", "application/yaml; charset=utf-8").end(yaml));
    return r.router();
  }
}
