package org.yishi.platform.http;

import java.util.List;

/**
 * A translatable message: a key of the {@code i18n/messages} bundles plus its arguments. Field
 * errors are kept in this form so the API can answer in English and a form in the user's language.
 */
public record Msg(String key, List<Object> args) {
  public static Msg of(String key, Object... args) {
    return new Msg(key, List.of(args));
  }
}
