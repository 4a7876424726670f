package org.yishi.platform.web;

import java.text.MessageFormat;
import java.util.List;
import java.util.Locale;
import java.util.MissingResourceException;
import java.util.ResourceBundle;

/**
 * UI strings from the {@code i18n/messages_*.properties} bundles (UTF-8). Simplified Chinese is
 * the default; English is the second locale. Missing keys render as {@code ??key??} so that a
 * gap is visible on screen and caught by the bundle-consistency test.
 */
public final class I18n {
  public static final Locale ZH = Locale.SIMPLIFIED_CHINESE;
  public static final Locale EN = Locale.ENGLISH;
  public static final List<Locale> SUPPORTED = List.of(ZH, EN);
  private static final String BUNDLE = "i18n.messages";
  private static final ResourceBundle.Control NO_FALLBACK =
      ResourceBundle.Control.getNoFallbackControl(ResourceBundle.Control.FORMAT_PROPERTIES);

  private I18n() {
  }

  /** The bundle for one of the supported locales (anything else gets Chinese). */
  public static ResourceBundle bundle(Locale locale) {
    Locale l = normalise(locale);
    return ResourceBundle.getBundle(BUNDLE, l == EN ? Locale.ENGLISH : Locale.CHINESE, NO_FALLBACK);
  }

  /** Maps any locale onto a supported one. */
  public static Locale normalise(Locale locale) {
    return locale != null && "en".equals(locale.getLanguage()) ? EN : ZH;
  }

  /** Parses a language tag from a cookie or query ("en", "zh-CN"); null when not supported. */
  public static Locale fromTag(String tag) {
    if (tag == null) {
      return null;
    }
    String t = tag.trim().toLowerCase(Locale.ROOT);
    if (t.equals("en") || t.startsWith("en-")) {
      return EN;
    }
    if (t.equals("zh") || t.startsWith("zh-")) {
      return ZH;
    }
    return null;
  }

  /** The short tag used in URLs, cookies and the {@code lang} attribute. */
  public static String tag(Locale locale) {
    return normalise(locale) == EN ? "en" : "zh-CN";
  }

  /** Translates {@code key}, formatting {@code args} with {@link MessageFormat} when given. */
  public static String t(Locale locale, String key, Object... args) {
    String pattern;
    try {
      pattern = bundle(locale).getString(key);
    } catch (MissingResourceException e) {
      return "??" + key + "??";
    }
    return args.length == 0 ? pattern : new MessageFormat(pattern, normalise(locale)).format(args);
  }
}
