package org.yishi.platform.http;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.file.AsyncFile;
import io.vertx.core.file.FileSystem;
import io.vertx.core.file.OpenOptions;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpVersion;
import io.vertx.ext.web.RoutingContext;

import java.nio.file.Path;

/**
 * Streams the raw body of a request to a file, for routes registered with
 * {@link org.yishi.platform.security.SecureRouter#postStream}: the body never sits in memory, and
 * one larger than the limit is refused with 413 ({@link ErrorKind#TOO_LARGE}) and leaves no file.
 * A {@code Content-Length} above the limit is refused before a byte is read (and a client that sent
 * {@code Expect: 100-continue} is told so before it sends the body); a body without a length is
 * counted as it arrives.
 */
public final class BodySpool {
  private BodySpool() {
  }

  /**
   * Writes the request body to {@code file} (which must not exist yet) and returns its size.
   * On any failure (too large, client gone, disk error) the partial file is deleted.
   *
   * @param limitName the setting that sets {@code maxBytes}, named in the 413 message
   */
  public static Future<Long> toFile(RoutingContext ctx, Path file, long maxBytes, String limitName) {
    HttpServerRequest request = ctx.request();
    AppException tooLarge = new AppException(ErrorKind.TOO_LARGE,
        "The body is larger than the limit of " + maxBytes + " bytes (" + limitName + ")");
    String length = request.getHeader(HttpHeaders.CONTENT_LENGTH);
    if (length != null && length.matches("\\d+") && (length.length() > 18 || Long.parseLong(length) > maxBytes)) {
      return Future.failedFuture(tooLarge);
    }
    if (request.isEnded()) {
      // only possible if something read the body before the route: a registration error
      return Future.failedFuture(new IllegalStateException("the request body was read before the upload route"));
    }
    FileSystem fs = ctx.vertx().fileSystem();
    return fs.open(file.toString(), new OpenOptions().setCreateNew(true).setWrite(true))
        .compose(out -> copy(ctx, out, maxBytes, tooLarge)
            .compose(size -> out.close().map(size),
                err -> out.close().transform(closed -> fs.delete(file.toString()))
                    .transform(deleted -> Future.failedFuture(err))));
  }

  private static Future<Long> copy(RoutingContext ctx, AsyncFile out, long maxBytes, AppException tooLarge) {
    HttpServerRequest request = ctx.request();
    Promise<Long> done = Promise.promise();
    long[] size = {0};
    request.handler(chunk -> {
      if (done.future().isComplete()) {
        return; // refused or failed: the rest of the body is discarded
      }
      size[0] += chunk.length();
      if (size[0] > maxBytes) {
        done.tryFail(tooLarge);
        return;
      }
      out.write(chunk).onFailure(done::tryFail);
      if (out.writeQueueFull()) {
        request.pause();
        out.drainHandler(v -> request.resume());
      }
    });
    request.endHandler(v -> done.tryComplete(size[0]));
    request.exceptionHandler(done::tryFail);
    out.exceptionHandler(done::tryFail);
    if (ctx.response().closed()) {
      // the client went away while the file was being opened (the open runs on a worker thread, which
      // can take seconds under load): the connection's close came before these handlers, so nothing
      // else would ever end the copy and delete the partial file
      done.tryFail(new AppException(ErrorKind.MALFORMED, "The client closed the connection before the body was read"));
    }
    if ("100-continue".equalsIgnoreCase(request.getHeader(HttpHeaders.EXPECT)) && request.version() != HttpVersion.HTTP_1_0) {
      ctx.response().writeContinue();
    }
    request.resume();
    return done.future();
  }
}
