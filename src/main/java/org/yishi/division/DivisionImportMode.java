package org.yishi.division;

import java.util.Optional;

/** What an import does with a file that has bad rows. */
public enum DivisionImportMode {
  /** Any bad row and nothing is applied; the report lists what to fix. */
  ATOMIC("atomic"),
  /** Good rows are applied, bad rows (and the units below them) are reported and left out. */
  SKIP_INVALID("skip_invalid");

  private final String key;

  DivisionImportMode(String key) {
    this.key = key;
  }

  /** The stable lower-case name used in JSON and the job table. */
  public String key() {
    return key;
  }

  /** The mode for its key ({@code "atomic"}, {@code "skip_invalid"}). */
  public static Optional<DivisionImportMode> fromKey(String key) {
    for (DivisionImportMode m : values()) {
      if (m.key.equals(key)) {
        return Optional.of(m);
      }
    }
    return Optional.empty();
  }
}
