package org.yishi.platform.web;

/**
 * What counts as blank in user input, in one place. Java's {@code String.trim()} removes only
 * characters up to U+0020 and {@code isBlank()}/{@code strip()} miss the no-break spaces and the
 * invisible characters, so a required field holding only an ideographic space (U+3000, which a
 * Chinese input method types), a no-break space or a zero-width space would pass as filled in.
 * Here a character is blank when it is:
 * <ul>
 *   <li>a Unicode space separator, line or paragraph separator ({@code \p{Z}}: U+0020, U+00A0,
 *       U+1680, U+2000-U+200A, U+2028, U+2029, U+202F, U+205F, U+3000);</li>
 *   <li>Java whitespace ({@code \s}, tab, line feed, vertical tab, form feed, carriage return,
 *       U+001C-U+001F);</li>
 *   <li>an invisible formatting character that shows nothing on its own: zero-width space U+200B,
 *       zero-width non-joiner/joiner U+200C/U+200D, word joiner U+2060, byte order mark / zero-width
 *       no-break space U+FEFF, Mongolian vowel separator U+180E, Hangul fillers U+115F, U+1160,
 *       U+3164, U+FFA0, braille blank U+2800.</li>
 * </ul>
 * Text is otherwise kept verbatim: only leading and trailing blank characters are removed.
 */
public final class Text {
  private Text() {
  }

  /** Whether a code point is blank (see the class comment). */
  public static boolean blankChar(int cp) {
    if (Character.isWhitespace(cp) || Character.isSpaceChar(cp)) {
      return true;
    }
    return switch (cp) {
      case 0x200B, 0x200C, 0x200D, 0x2060, 0xFEFF, 0x180E, 0x115F, 0x1160, 0x3164, 0xFFA0, 0x2800 -> true;
      default -> false;
    };
  }

  /** Whether {@code s} is null, empty or made of blank characters only. */
  public static boolean blank(String s) {
    if (s == null) {
      return true;
    }
    for (int i = 0; i < s.length(); ) {
      int cp = s.codePointAt(i);
      if (!blankChar(cp)) {
        return false;
      }
      i += Character.charCount(cp);
    }
    return true;
  }

  /** {@code s} without leading and trailing blank characters (null stays null). */
  public static String strip(String s) {
    if (s == null) {
      return null;
    }
    int start = 0;
    int end = s.length();
    while (start < end) {
      int cp = s.codePointAt(start);
      if (!blankChar(cp)) {
        break;
      }
      start += Character.charCount(cp);
    }
    while (end > start) {
      int cp = s.codePointBefore(end);
      if (!blankChar(cp)) {
        break;
      }
      end -= Character.charCount(cp);
    }
    return s.substring(start, end);
  }

  /**
   * Whether {@code s} holds a control character (C0/C1, NUL included; tabs and line breaks too) or
   * U+FFFD (what a decoder puts for bytes that were not text): never valid in a search or a name.
   */
  public static boolean hasControl(String s) {
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (Character.isISOControl(c) || c == '\uFFFD') {
        return true;
      }
    }
    return false;
  }

  /** {@code s} stripped, or null when it is blank: for optional query parameters and form fields. */
  public static String orNull(String s) {
    return blank(s) ? null : strip(s);
  }
}
