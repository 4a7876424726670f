package org.yishi.platform.web;

import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import org.yishi.platform.http.AppException;
import org.yishi.platform.http.Msg;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * Reads and validates one request's input, from a JSON body (API) or a form (pages), collecting a
 * message per bad field; {@link #done()} then fails with 422 and all of them at once. Text is
 * stored verbatim (escaping happens when rendering) but must be valid UTF-8 without NUL or other
 * control characters (newlines and tabs are allowed where {@code multiline}).
 */
public final class Input {
  private final Function<String, Object> source;
  private final boolean json;
  private final Map<String, Msg> errors = new LinkedHashMap<>();

  private Input(Function<String, Object> source, boolean json) {
    this.source = source;
    this.json = json;
  }

  /** The JSON object body of an API request (400 when it is not valid UTF-8 JSON or not an object). */
  public static Input json(RoutingContext ctx) {
    Buffer body = ctx.body() == null ? null : ctx.body().buffer();
    if (body == null || body.length() == 0) {
      throw AppException.malformed("A JSON object body is required");
    }
    requireUtf8(body.getBytes());
    Object parsed;
    try {
      parsed = io.vertx.core.json.Json.decodeValue(body);
    } catch (RuntimeException e) {
      throw AppException.malformed("The body is not valid JSON");
    }
    if (parsed instanceof Map<?, ?> map) {
      @SuppressWarnings("unchecked")
      JsonObject wrapped = new JsonObject((Map<String, Object>) map);
      parsed = wrapped;
    }
    if (!(parsed instanceof JsonObject obj)) {
      throw AppException.malformed("The body must be a JSON object");
    }
    return new Input(obj::getValue, true);
  }

  /** The submitted form of a page request. */
  public static Input form(RoutingContext ctx) {
    Buffer body = ctx.body() == null ? null : ctx.body().buffer();
    if (body != null) {
      requireUtf8(body.getBytes());
    }
    return new Input(name -> {
      List<String> all = ctx.request().formAttributes().getAll(name);
      if (all.isEmpty()) {
        return null;
      }
      return all.size() == 1 ? all.get(0) : new JsonArray(new ArrayList<>(all));
    }, false);
  }

  /** Text fields from a map (a CSV row, say), read like a submitted form. */
  public static Input of(Map<String, String> values) {
    return new Input(values::get, false);
  }

  /** Values of a nested JSON object (or form values), e.g. {@code attendance: {members: 3}}. */
  public static Input fromObjects(Map<String, Object> values) {
    return new Input(values::get, true);
  }

  /** An input with no source, for collecting errors found by a service's own rules. */
  public static Input empty() {
    return new Input(name -> null, true);
  }

  /** Fails with 400 unless the bytes are valid UTF-8. */
  public static void requireUtf8(byte[] bytes) {
    try {
      StandardCharsets.UTF_8.newDecoder()
          .onMalformedInput(CodingErrorAction.REPORT)
          .onUnmappableCharacter(CodingErrorAction.REPORT)
          .decode(ByteBuffer.wrap(bytes));
    } catch (CharacterCodingException e) {
      throw AppException.malformed("The request body is not valid UTF-8");
    }
  }

  public boolean has(String name) {
    Object v = source.apply(name);
    return v != null && !(v instanceof String s && Text.blank(s));
  }

  /** A required single-line text of at most {@code max} characters (stripped; blank as in {@link Text#blank}). */
  public String text(String name, int max) {
    String v = optionalText(name, max, false);
    if (v == null && !errors.containsKey(name)) {
      errors.put(name, Msg.of("field.required"));
    }
    return v;
  }

  /**
   * An optional text; null when absent or blank ({@link Text#blank}: U+3000, no-break and zero-width
   * spaces count as blank); leading and trailing blank characters are removed.
   */
  public String optionalText(String name, int max, boolean multiline) {
    Object v = source.apply(name);
    if (v == null) {
      return null;
    }
    if (!(v instanceof String s)) {
      errors.put(name, Msg.of("field.notString"));
      return null;
    }
    String t = Text.strip(s);
    if (t.isEmpty()) {
      return null;
    }
    if (t.codePointCount(0, t.length()) > max) {
      errors.put(name, Msg.of("field.tooLong", max));
      return null;
    }
    for (int i = 0; i < t.length(); i++) {
      char c = t.charAt(i);
      boolean allowed = multiline && (c == '\n' || c == '\r' || c == '\t');
      if ((Character.isISOControl(c) && !allowed) || c == '\uFFFD') {
        errors.put(name, Msg.of("field.control"));
        return null;
      }
    }
    return t;
  }

  /** Raw (untrimmed) secret such as a password; required; at most {@code max} characters. */
  public String secret(String name, int max) {
    Object v = source.apply(name);
    if (v == null || (v instanceof String s && s.isEmpty())) {
      errors.put(name, Msg.of("field.required"));
      return null;
    }
    if (!(v instanceof String s)) {
      errors.put(name, Msg.of("field.notString"));
      return null;
    }
    if (s.length() > max) {
      errors.put(name, Msg.of("field.tooLong", max));
      return null;
    }
    return s;
  }

  /**
   * An optional whole number; forms send text, JSON must send a number. The number is checked as
   * written, never narrowed first: a JSON integer beyond 64 bits (which Jackson reads as a
   * {@link BigInteger} and {@code longValue()} would wrap, 18446744073709551621 becoming 5) or a huge
   * decimal is out of range; a fraction (1.5) is not a whole number; an integral decimal (3.0, 3e2)
   * is that whole number.
   */
  public Long optionalLong(String name, long min, long max) {
    Object v = source.apply(name);
    if (v == null || (v instanceof String s && Text.blank(s))) {
      return null;
    }
    BigInteger n = wholeNumber(v, json);
    if (n == null) {
      errors.put(name, Msg.of("field.notWholeNumber"));
      return null;
    }
    if (n.compareTo(BigInteger.valueOf(min)) < 0 || n.compareTo(BigInteger.valueOf(max)) > 0) {
      errors.put(name, Msg.of("field.range", min, max));
      return null;
    }
    return n.longValueExact();
  }

  private static final BigDecimal HUGE = new BigDecimal("1e30");

  /**
   * The exact integral value of a JSON number or form text, or null when it is not a whole number
   * (a fraction, NaN, infinity, text in JSON, a boolean...). Values far outside any range come back as
   * a large BigInteger so the caller reports them as out of range.
   */
  static BigInteger wholeNumber(Object v, boolean json) {
    if (v instanceof Integer || v instanceof Long || v instanceof Short || v instanceof Byte) {
      return BigInteger.valueOf(((Number) v).longValue());
    }
    if (v instanceof BigInteger b) {
      return b;
    }
    BigDecimal d = null;
    if (v instanceof BigDecimal b) {
      d = b;
    } else if (v instanceof Double || v instanceof Float) {
      double x = ((Number) v).doubleValue();
      if (Double.isNaN(x) || Double.isInfinite(x)) {
        return null;
      }
      d = new BigDecimal(x);
    } else if (!json && v instanceof String s && Text.strip(s).matches("[-+]?\\d{1,400}")) {
      return new BigInteger(Text.strip(s));
    }
    if (d == null) {
      return null;
    }
    if (d.abs().compareTo(HUGE) > 0) {
      return d.signum() < 0 ? BigInteger.ONE.shiftLeft(100).negate() : BigInteger.ONE.shiftLeft(100);
    }
    try {
      return d.toBigIntegerExact();
    } catch (ArithmeticException fraction) {
      return null;
    }
  }

  /** An optional boolean; forms send "true"/"on"/"false". */
  public Boolean optionalBool(String name) {
    Object v = source.apply(name);
    if (v == null) {
      return null;
    }
    if (v instanceof Boolean b) {
      return b;
    }
    if (!json && v instanceof String s) {
      switch (s) {
        case "true", "on", "1" -> {
          return true;
        }
        case "false", "off", "0", "" -> {
          return false;
        }
        default -> {
        }
      }
    }
    errors.put(name, Msg.of("field.notBoolean"));
    return null;
  }

  /** A list of whole numbers: a JSON array, or repeated/comma-separated form values. */
  public List<Long> longList(String name, int maxItems) {
    Object v = source.apply(name);
    List<Long> out = new ArrayList<>();
    if (v == null) {
      return out;
    }
    List<Object> items = new ArrayList<>();
    if (v instanceof JsonArray arr) {
      arr.forEach(items::add);
    } else if (v instanceof List<?> list) {
      items.addAll(list);
    } else if (!json && v instanceof String s) {
      for (String part : s.split("[,，\\s]+")) {
        if (!Text.blank(part)) {
          items.add(part);
        }
      }
    } else {
      errors.put(name, Msg.of("field.notList"));
      return out;
    }
    if (items.size() > maxItems) {
      errors.put(name, Msg.of("field.tooMany", maxItems));
      return out;
    }
    for (int i = 0; i < items.size(); i++) {
      Object item = items.get(i);
      // JSON items must be numbers, form items digits; each must fit in 64 bits (no silent wrapping).
      // A negative or unknown id is a whole number: the caller's own rule refuses it, naming the element.
      BigInteger n = item instanceof String s ? wholeNumber(s, false) : item instanceof Number ? wholeNumber(item, true) : null;
      if (n == null) {
        errors.put(name, Msg.of("field.notList"));
        return List.of();
      }
      if (n.bitLength() > 63) {
        errors.put(name + "[" + i + "]", Msg.of("field.range", Long.MIN_VALUE, Long.MAX_VALUE));
        return List.of();
      }
      out.add(n.longValueExact());
    }
    return out;
  }

  /** A required multi-line reason (a status change's, a return's) of at most {@code max} characters. */
  public String reason(int max) {
    String v = optionalText("reason", max, true);
    if (v == null && !failed("reason")) {
      reject("reason", "field.station.reason");
    }
    return v;
  }

  /** The required {@code version} an edit was based on (the optimistic lock); null, and rejected, when missing or bad. */
  public Long version() {
    Long v = optionalLong("version", 1, Integer.MAX_VALUE);
    if (v == null && !failed("version")) {
      reject("version", "field.required");
    }
    return v;
  }

  /** Records a field error found by the caller's own rules. */
  public Input reject(String name, String key, Object... args) {
    errors.putIfAbsent(name, Msg.of(key, args));
    return this;
  }

  public boolean failed(String name) {
    return errors.containsKey(name);
  }

  public boolean ok() {
    return errors.isEmpty();
  }

  public Map<String, Msg> errors() {
    return Map.copyOf(errors);
  }

  /** Fails with 422 and every field message when anything was rejected. */
  public void done() {
    if (!errors.isEmpty()) {
      throw AppException.invalid(errors);
    }
  }
}
