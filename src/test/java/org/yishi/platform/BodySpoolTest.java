package org.yishi.platform;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.http.HttpServer;
import io.vertx.ext.web.Router;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.yishi.platform.http.BodySpool;
import org.yishi.support.TempDirs;

import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The spool of an upload route when the client goes away before the spool file is even open: the
 * open runs on a worker thread, which under load can come after the connection's close. The copy
 * must still end, and the partial file must not be left behind.
 */
class BodySpoolTest {
  private Vertx vertx;
  private HttpServer server;
  private Path dir;

  @BeforeEach
  void start() throws Exception {
    // one worker thread, so that the test can hold it and delay the spool file's open
    vertx = Vertx.vertx(new VertxOptions().setWorkerPoolSize(1).setInternalBlockingPoolSize(1));
    dir = TempDirs.create("yishi-spool-");
  }

  @AfterEach
  void stop() {
    if (server != null) {
      server.close().await();
    }
    vertx.close().await();
  }

  @Test
  void aClientGoneBeforeTheFileIsOpenLeavesNoFileAndEndsTheCopy() throws Exception {
    Path file = dir.resolve("upload.part");
    Promise<Long> spooled = Promise.promise();
    CountDownLatch routed = new CountDownLatch(1);
    Router router = Router.router(vertx);
    router.post("/up").handler(ctx -> {
      ctx.request().pause(); // as SecureRouter's upload routes hold the body
      routed.countDown();
      BodySpool.toFile(ctx, file, 1_000_000, "TEST_LIMIT").onComplete(spooled);
    });
    server = vertx.createHttpServer().requestHandler(router).listen(0, "127.0.0.1").await();

    CountDownLatch release = new CountDownLatch(1);
    // the only worker thread is busy: the spool's open waits behind it
    vertx.executeBlocking(() -> release.await(30, TimeUnit.SECONDS));
    try (Socket s = new Socket("127.0.0.1", server.actualPort())) {
      OutputStream out = s.getOutputStream();
      out.write(("POST /up HTTP/1.1\r\nHost: x\r\nContent-Type: image/png\r\nContent-Length: 400000\r\n\r\n")
          .getBytes(StandardCharsets.US_ASCII));
      out.write(new byte[1000]);
      out.flush();
      assertTrue(routed.await(10, TimeUnit.SECONDS), "the request reached the route");
      s.shutdownOutput();
      s.getInputStream().readAllBytes(); // the node closes the connection
    }
    release.countDown(); // now the open completes, after the close

    Future<Long> result = spooled.future();
    for (int i = 0; i < 100 && !result.isComplete(); i++) {
      Thread.sleep(100);
    }
    assertTrue(result.failed(), "the copy of a body whose client went away fails: " + result);
    for (int i = 0; i < 100 && Files.exists(file); i++) {
      Thread.sleep(100);
    }
    assertFalse(Files.exists(file), "the partial file is deleted");
    try (var left = Files.list(dir)) {
      assertEquals(0, left.count(), "nothing left in the spool directory");
    }
  }
}
