package org.yishi.division;

/**
 * Receives the progress of an import, on the importer's (worker) thread: during
 * {@link Phase#READING} every few thousand rows, then once per later phase. Keep it cheap and
 * non-blocking (e.g. fire a job-table update and do not wait for it).
 */
@FunctionalInterface
public interface DivisionImportProgress {
  /** Ignores every update. */
  DivisionImportProgress NONE = (bytesRead, rowsRead, phase) -> { };

  /**
   * @param bytesRead bytes consumed from the input as given (compressed bytes for a gzip upload,
   *                  so that it compares with the upload's size)
   * @param rowsRead  data rows read so far (the header excluded)
   * @param phase     what the importer is doing
   */
  void update(long bytesRead, long rowsRead, Phase phase);

  /** The steps of an import, in order. */
  enum Phase {
    READING("reading"), VALIDATING("validating"), MERGING("merging"), DONE("done");

    private final String key;

    Phase(String key) {
      this.key = key;
    }

    /** Lower-case name stored in the job table. */
    public String key() {
      return key;
    }
  }
}
