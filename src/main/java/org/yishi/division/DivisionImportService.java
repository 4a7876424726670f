package org.yishi.division;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.WorkerExecutor;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.FileUpload;
import io.vertx.ext.web.RoutingContext;
import org.yishi.platform.App;
import org.yishi.platform.audit.AuditEntry;
import org.yishi.platform.division.Division;
import org.yishi.platform.events.DomainEvent;
import org.yishi.platform.events.DomainEvents;
import org.yishi.platform.http.BodySpool;
import org.yishi.platform.security.Principal;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Runs uploaded division files through {@link DivisionImporter}: the upload is spooled to a file
 * under {@code $YISHI_DATA_DIR/imports} (never held in memory), recorded as a job in
 * {@code division_import}, and imported on a dedicated worker thread, one import at a time on this
 * node (the importer itself serialises imports across nodes). Any node can then report the job's
 * progress and report; a job whose node died is failed when read.
 */
public final class DivisionImportService {
  private static final Logger LOG = Logger.getLogger(DivisionImportService.class.getName());
  /** An unfinished job whose row has not been written for this long lost its node. */
  public static final Duration STALE_AFTER = Duration.ofMinutes(2);
  /** Why such a job failed, as readers see it. */
  public static final String STALE_FAILURE = "The import stopped making progress (no update for more than 2 minutes):"
      + " the node running it stopped before it finished. An interrupted import is rolled back, so the divisions"
      + " are as they were before it; upload the file again.";
  /** How often a node confirms it still holds its queued and running jobs (well inside {@link #STALE_AFTER}). */
  private static final long HEARTBEAT_MS = 20_000;
  private static final String WORKER_POOL = "yishi-division-import";
  private static final String LIMIT_SETTING = "YISHI_IMPORT_MAX_BYTES";

  private final Vertx vertx;
  private final DomainEvents events;
  private final DivisionStore store;
  private final DivisionImporter importer;
  private final WorkerExecutor worker;
  private final Path spoolDir;
  private final long maxBytes;

  /**
   * The service of one HTTP verticle instance. Instances of a node share one single-thread worker
   * pool (named), so a node runs one import at a time and queues the others.
   */
  public DivisionImportService(App app, DivisionStore store) {
    this.events = app.events();
    this.vertx = app.vertx();
    this.store = store;
    this.maxBytes = app.config().importMaxBytes();
    // the decompressed size is capped too, so a small gzip cannot expand without bound
    this.importer = new DivisionImporter(app.jdbc(), maxBytes);
    this.worker = vertx.createSharedWorkerExecutor(WORKER_POOL, 1, 30, TimeUnit.MINUTES);
    this.spoolDir = app.config().dataDir().resolve("imports").toAbsolutePath();
  }

  /** Largest upload accepted, in bytes, as uploaded and once decompressed ({@code YISHI_IMPORT_MAX_BYTES}). */
  public long maxBytes() {
    return maxBytes;
  }

  /** Where uploads wait for their import; multipart uploads are parsed into this directory too. */
  public Path spoolDir() {
    return spoolDir;
  }

  /**
   * Streams the raw body of an API request to a new spool file (413 beyond {@link #maxBytes()}).
   * The request must still be unread: the route is registered with {@code postStream}.
   */
  public Future<Path> receive(RoutingContext ctx) {
    return newSpoolFile().compose(file -> BodySpool.toFile(ctx, file, maxBytes, LIMIT_SETTING).map(size -> file));
  }

  /** Takes over a file uploaded through a multipart form (otherwise deleted when the response ends). */
  public Future<Path> adopt(FileUpload upload) {
    return newSpoolFile().compose(file -> vertx.fileSystem().move(upload.uploadedFileName(), file.toString()).map(file));
  }

  private Future<Path> newSpoolFile() {
    return vertx.fileSystem().mkdirs(spoolDir.toString())
        .map(v -> spoolDir.resolve("division-" + UUID.randomUUID() + ".upload"));
  }

  /**
   * Records a job for a spooled file ({@code queued}) and starts importing it in the background;
   * the file is deleted when the import ends. The future holds the job as recorded.
   */
  public Future<DivisionImportJob> start(Path file, DivisionImportMode mode, String filename, Principal by) {
    return vertx.fileSystem().props(file.toString())
        .compose(props -> store.createImportJob(mode, filename, by.username(), props.size()))
        .onFailure(err -> delete(file))
        .compose(id -> {
          announce(id); // queued
          run(id, file, mode, filename, by);
          return store.findImportJob(id).map(Optional::orElseThrow);
        });
  }

  /** Publishes {@code division.import_changed} for a job whose state changed (committed): the admins' work queue lists the jobs. */
  private void announce(long id) {
    events.publish(DomainEvent.DIVISION_IMPORT_CHANGED, new JsonObject().put("id", id));
  }

  private void run(long id, Path file, DivisionImportMode mode, String filename, Principal by) {
    long heartbeat = vertx.setPeriodic(HEARTBEAT_MS, t -> store.heartbeatImportJob(id)
        .onFailure(e -> LOG.fine(() -> "heartbeat of import " + id + " failed: " + e)));
    java.util.concurrent.atomic.AtomicBoolean running = new java.util.concurrent.atomic.AtomicBoolean();
    worker.executeBlocking(() -> importFile(id, file, mode, running), false)
        .compose(report -> {
          LOG.info(() -> "Division import " + id + " (" + filename + ") ended: applied=" + report.applied()
              + ", rows=" + report.rowsRead() + ", errors=" + report.errorsTotal() + ", " + report.durationMs() + " ms");
          return store.finishImportJob(id, report, audit(by, id, filename, report))
              .onSuccess(v -> {
                if (report.applied()) {
                  store.changed(); // every node reads the divisions again
                }
              });
        }, err -> {
          LOG.log(err instanceof SQLException || err instanceof IOException ? Level.WARNING : Level.SEVERE,
              "Division import " + id + " failed", err);
          return store.failImportJob(id, failure(err));
        })
        .onComplete(ar -> {
          vertx.cancelTimer(heartbeat);
          delete(file);
          announce(id); // succeeded or failed
          if (ar.failed()) {
            LOG.warning("The end of division import " + id + " could not be recorded: " + ar.cause());
          }
        });
  }

  /** On the worker thread: the import itself, reporting progress to the job table without waiting. */
  private DivisionImportReport importFile(long id, Path file, DivisionImportMode mode,
                                          java.util.concurrent.atomic.AtomicBoolean running) throws IOException, SQLException {
    try (InputStream in = new BufferedInputStream(Files.newInputStream(file), 1 << 16)) {
      return importer.importCsv(in, mode, (bytesRead, rowsRead, phase) -> store.updateImportProgress(id, bytesRead, rowsRead, phase)
          .onSuccess(v -> {
            if (running.compareAndSet(false, true)) {
              announce(id); // queued → running, once
            }
          })
          .onFailure(e -> LOG.fine(() -> "progress of import " + id + " not recorded: " + e)));
    }
  }

  private static String failure(Throwable err) {
    String message = err.getMessage() == null ? err.getClass().getSimpleName() : err.getMessage().lines().findFirst().orElse("");
    if (err instanceof SQLException) {
      return "The database failed during the import, so nothing was applied: " + message;
    }
    if (err instanceof IOException || err instanceof UncheckedIOException) {
      return "The uploaded file could not be read on the node, so nothing was applied: " + message;
    }
    return "The import failed unexpectedly, so nothing was applied (see the node's log): " + message;
  }

  private static AuditEntry audit(Principal by, long id, String filename, DivisionImportReport report) {
    JsonObject summary = summary(report.toJson()).put("filename", filename);
    return AuditEntry.by(by, "division.import", "division_import", id, null, null, summary);
  }

  /** A report without its error and quirk lists (which may hold a thousand entries each). */
  public static JsonObject summary(JsonObject report) {
    if (report == null) {
      return null;
    }
    JsonObject copy = report.copy();
    copy.remove("errors");
    copy.remove("quirks");
    return copy;
  }

  /** The job, failed first if its node stopped updating it (see {@link #STALE_AFTER}). */
  public Future<Optional<DivisionImportJob>> job(long id) {
    return expireStale().compose(n -> store.findImportJob(id));
  }

  /** The most recent jobs, newest first, stale ones failed first. */
  public Future<List<DivisionImportJob>> recent(int limit) {
    return expireStale().compose(n -> store.recentImportJobs(limit));
  }

  /** Fails the jobs whose node stopped updating them, announcing them when there were any. */
  private Future<Integer> expireStale() {
    return store.expireStaleImportJobs(STALE_AFTER, STALE_FAILURE).onSuccess(n -> {
      if (n > 0) {
        events.publish(DomainEvent.DIVISION_IMPORT_CHANGED, new JsonObject());
      }
    });
  }

  private void delete(Path file) {
    vertx.fileSystem().delete(file.toString())
        .onFailure(e -> LOG.fine(() -> "spool file " + file + " not deleted: " + e));
  }

  /**
   * Deletes spool files older than a day: left by a node that stopped while holding them (a live
   * node deletes its files when their import ends). Blocking; call it on a worker thread.
   */
  static void sweep(Path dir) {
    if (!Files.isDirectory(dir)) {
      return;
    }
    Instant cutoff = Instant.now().minus(Duration.ofDays(1));
    try (DirectoryStream<Path> files = Files.newDirectoryStream(dir)) {
      for (Path f : files) {
        if (Files.isRegularFile(f) && Files.getLastModifiedTime(f).toInstant().isBefore(cutoff)) {
          Files.deleteIfExists(f);
        }
      }
    } catch (IOException e) {
      LOG.warning("Could not clean " + dir + ": " + e);
    }
  }

  /** Cleans the spool directory of leftovers, in the background. */
  public Future<Void> sweepSpool() {
    return vertx.executeBlocking(() -> {
      sweep(spoolDir);
      return null;
    });
  }
}
