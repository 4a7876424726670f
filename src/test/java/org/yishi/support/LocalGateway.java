package org.yishi.support;

import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.json.JsonObject;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Deque;
import java.util.List;
import java.util.Map;

/**
 * A local HTTP server on 127.0.0.1 standing in for a robot webhook or an SMS gateway: records every
 * request (path, query, JSON body) and answers with the next scripted status (then 200 with
 * {@code okBody}). Its own Vert.x instance, closed by {@link #close()}.
 */
public final class LocalGateway implements AutoCloseable {
  /** One request as received. */
  public record Received(String path, Map<String, String> query, JsonObject body, String authorization) {
  }

  private final Vertx vertx = Vertx.vertx();
  private final HttpServer server;
  private final List<Received> received = Collections.synchronizedList(new ArrayList<>());
  private final Deque<Integer> script = new ArrayDeque<>();
  private final String okBody;

  public LocalGateway(String okBody) {
    this(okBody, 0);
  }

  /** On a chosen port (e.g. one that refused connections until now). */
  public LocalGateway(String okBody, int port) {
    this.okBody = okBody;
    this.server = vertx.createHttpServer().requestHandler(req -> req.body().onSuccess(buf -> {
      Map<String, String> query = new java.util.HashMap<>();
      req.params().forEach(e -> query.put(e.getKey(), e.getValue()));
      JsonObject json = buf.length() == 0 ? new JsonObject() : buf.toJsonObject();
      Integer status;
      synchronized (script) {
        status = script.poll();
      }
      if (status != null && status != 200) {
        req.response().setStatusCode(status).end("{\"error\":\"scripted " + status + "\"}");
        return;
      }
      received.add(new Received(req.path(), query, json, req.getHeader("Authorization")));
      req.response().putHeader("Content-Type", "application/json").end(okBody);
    })).listen(port, "127.0.0.1").await();
  }

  /** The next answers, in order (e.g. 500, 500), before it accepts again. */
  public LocalGateway failNext(Integer... statuses) {
    synchronized (script) {
      script.addAll(List.of(statuses));
    }
    return this;
  }

  public String url(String path) {
    return "http://127.0.0.1:" + server.actualPort() + path;
  }

  public int port() {
    return server.actualPort();
  }

  /** The requests it accepted (2xx answers). */
  public List<Received> accepted() {
    synchronized (received) {
      return List.copyOf(received);
    }
  }

  @Override
  public void close() {
    vertx.close().await();
  }
}
