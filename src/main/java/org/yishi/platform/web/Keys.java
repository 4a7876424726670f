package org.yishi.platform.web;

import java.util.Locale;

/** The lower-case keys by which enums appear in the API, the database and message bundles. */
public final class Keys {
  private Keys() {
  }

  /** {@code DISTRICT_STAFF} → {@code district_staff}. */
  public static String of(Enum<?> value) {
    return value.name().toLowerCase(Locale.ROOT);
  }

  /** The constant whose key is {@code key}, or null when there is none (or the key is null). */
  public static <E extends Enum<E>> E parse(Class<E> type, String key) {
    if (key == null) {
      return null;
    }
    for (E e : type.getEnumConstants()) {
      if (of(e).equals(key)) {
        return e;
      }
    }
    return null;
  }
}
