package org.yishi.platform.notify;

import org.yishi.platform.web.I18n;

import java.util.Locale;
import java.util.Map;
import java.util.MissingResourceException;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The texts of outgoing messages: {@code notify.<kind>.<part>} entries of the i18n bundles
 * ({@code messages_zh/en.properties}) with named variables such as {@code {title}}, chosen by the
 * recipient's language. Unlike the positional MessageFormat texts of the pages, a variable the
 * template names but the caller did not give is an error naming the template and the variable
 * (never a message with a literal {@code {title}} in it); so is a template that does not exist.
 */
public final class MessageTemplates {
  private static final Pattern VARIABLE = Pattern.compile("\\{([A-Za-z][A-Za-z0-9_]*)}");

  private MessageTemplates() {
  }

  /** A template names a variable that was not given, or the template itself is missing. */
  public static final class TemplateException extends IllegalArgumentException {
    public TemplateException(String message) {
      super(message);
    }
  }

  /** Renders {@code notify.<kind>.<part>} in {@code locale}'s language with {@code vars}. */
  public static String render(Locale locale, String kind, String part, Map<String, ?> vars) {
    String key = "notify." + kind + "." + part;
    String pattern;
    try {
      pattern = I18n.bundle(locale).getString(key);
    } catch (MissingResourceException e) {
      throw new TemplateException("message template " + key + " does not exist (" + I18n.tag(locale) + ")");
    }
    Matcher m = VARIABLE.matcher(pattern);
    StringBuilder out = new StringBuilder();
    while (m.find()) {
      String name = m.group(1);
      if (!vars.containsKey(name) || vars.get(name) == null) {
        throw new TemplateException("message template " + key + " (" + I18n.tag(locale) + ") needs the variable '"
            + name + "', which was not given (given: " + new java.util.TreeSet<>(vars.keySet()) + ")");
      }
      m.appendReplacement(out, Matcher.quoteReplacement(String.valueOf(vars.get(name))));
    }
    m.appendTail(out);
    return out.toString();
  }
}
