package org.yishi.platform.http;

import io.vertx.core.MultiMap;
import io.vertx.core.http.HttpMethod;
import io.vertx.ext.web.RoutingContext;
import org.yishi.platform.reliability.Idempotency;
import org.yishi.platform.security.Csrf;
import org.yishi.platform.web.I18n;
import org.yishi.platform.web.Web;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * What the user typed into a form whose submission could not be saved (database unreachable, pool
 * busy): the "nothing was saved" page shows it, and a "try again" button posts it once more to the
 * same address with the same CSRF and idempotency tokens, so a retry never saves it twice. Works for
 * every form without knowing it, so also when the form's own page cannot be rendered because its
 * choices come from the database. Passwords are never echoed (such a form is not offered for retry).
 */
final class KeptInput {
  private static final int MAX_SHOWN = 200;

  private KeptInput() {
  }

  static void addTo(RoutingContext ctx, Map<String, Object> model) {
    if (ctx.request().method() != HttpMethod.POST || org.yishi.platform.security.Security.isApi(ctx)) {
      return;
    }
    String type = ctx.request().getHeader("Content-Type");
    boolean urlencoded = type != null && type.startsWith("application/x-www-form-urlencoded");
    boolean multipart = type != null && type.startsWith("multipart/form-data");
    if (!urlencoded && !multipart) {
      return;
    }
    MultiMap attrs;
    try {
      attrs = ctx.request().formAttributes();
    } catch (RuntimeException e) {
      return;
    }
    if (attrs == null || attrs.isEmpty()) {
      return;
    }
    Locale locale = Web.locale(ctx);
    List<Map<String, String>> shown = new ArrayList<>();
    List<Map<String, String>> resend = new ArrayList<>();
    boolean retry = urlencoded;
    for (Map.Entry<String, String> e : attrs) {
      String name = e.getKey();
      String value = e.getValue() == null ? "" : e.getValue();
      if (name.toLowerCase(Locale.ROOT).contains("password")) {
        retry = false;
        continue;
      }
      resend.add(Map.of("name", name, "value", value));
      if (!name.equals(Csrf.FIELD) && !name.equals(Idempotency.FIELD) && !value.isBlank() && shown.size() < MAX_SHOWN) {
        shown.add(Map.of("label", label(locale, org.yishi.platform.security.Security.path(ctx), name), "value", value));
      }
    }
    if (shown.isEmpty()) {
      return;
    }
    model.put("kept", shown);
    if (retry) {
      model.put("retryAction", Web.safeLocalPath(ctx.request().uri()));
      model.put("retryFields", resend);
    }
  }

  /** The field's label where the feature has one ({@code topic.field.title} for /topics), else its name. */
  private static String label(Locale locale, String path, String field) {
    for (String segment : path.split("/")) {
      if (segment.isEmpty() || !segment.chars().allMatch(Character::isLetter)) {
        continue;
      }
      String feature = segment.endsWith("s") ? segment.substring(0, segment.length() - 1) : segment;
      String key = feature + ".field." + field;
      if (I18n.bundle(locale).containsKey(key)) {
        return I18n.t(locale, key);
      }
    }
    return field;
  }
}
