package org.yishi.division;

import io.vertx.core.json.JsonObject;

import java.time.OffsetDateTime;

/**
 * One import as recorded in {@code division_import}, readable from any node.
 *
 * @param status     {@code queued}, {@code running}, {@code succeeded} (applied) or {@code failed}
 * @param bytesTotal size of the upload when known, else {@code null}
 * @param phase      the importer's last reported phase ({@code reading}, {@code validating}, …), or {@code null}
 * @param updatedAt  last progress write; a running job that stops moving lost its node
 * @param failure    why the job failed without a report (database error, shutdown), else {@code null}
 * @param report     the import report ({@link DivisionImportReport#toJson()}) once finished, else {@code null}
 */
public record DivisionImportJob(
    long id,
    String status,
    DivisionImportMode mode,
    String filename,
    String startedBy,
    OffsetDateTime startedAt,
    OffsetDateTime finishedAt,
    Long bytesTotal,
    long bytesRead,
    long rowsRead,
    String phase,
    OffsetDateTime updatedAt,
    String failure,
    JsonObject report) {

  /** Whether the job has ended (succeeded or failed). */
  public boolean finished() {
    return "succeeded".equals(status) || "failed".equals(status);
  }

  /** The job with snake_case keys; timestamps in ISO-8601. */
  public JsonObject toJson() {
    return new JsonObject()
        .put("id", id)
        .put("status", status)
        .put("mode", mode.key())
        .put("filename", filename)
        .put("started_by", startedBy)
        .put("started_at", startedAt == null ? null : startedAt.toString())
        .put("finished_at", finishedAt == null ? null : finishedAt.toString())
        .put("bytes_total", bytesTotal)
        .put("bytes_read", bytesRead)
        .put("rows_read", rowsRead)
        .put("phase", phase)
        .put("updated_at", updatedAt == null ? null : updatedAt.toString())
        .put("failure", failure)
        .put("report", report);
  }
}
