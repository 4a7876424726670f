package org.yishi.platform.web;

/**
 * An enum that appears in the API, the database and message bundles by its lower-case key
 * ({@code DISTRICT_STAFF} → {@code district_staff}, {@link Keys#of}); implemented by the
 * vocabularies instead of each writing its own {@code key()}.
 */
public interface Keyed {
  String name();

  /** The stored value, e.g. {@code on_site}. */
  default String key() {
    return Keys.of((Enum<?>) this);
  }
}
