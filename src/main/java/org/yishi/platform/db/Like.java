package org.yishi.platform.db;

/**
 * LIKE / ILIKE patterns built from user text, in one place. The text is matched literally: its
 * {@code \}, {@code %} and {@code _} are escaped with a backslash, PostgreSQL's default escape
 * character (so {@code ILIKE $n} needs no {@code ESCAPE} clause; an explicit {@code ESCAPE '\'}
 * means the same). The text itself goes in as a bind parameter, never into the SQL.
 */
public final class Like {
  private Like() {
  }

  /** {@code text} with the LIKE wildcards and the escape character escaped (null stays null). */
  public static String escape(String text) {
    if (text == null) {
      return null;
    }
    StringBuilder b = new StringBuilder(text.length() + 8);
    for (int i = 0; i < text.length(); i++) {
      char c = text.charAt(i);
      if (c == '\\' || c == '%' || c == '_') {
        b.append('\\');
      }
      b.append(c);
    }
    return b.toString();
  }

  /** The pattern "contains {@code text}" ({@code %text%}, escaped); null when {@code text} is null. */
  public static String contains(String text) {
    return text == null ? null : "%" + escape(text) + "%";
  }

  /** The pattern "starts with {@code text}" ({@code text%}, escaped); null when {@code text} is null. */
  public static String startsWith(String text) {
    return text == null ? null : escape(text) + "%";
  }
}
