package org.yishi.platform.http;

import java.util.Map;

/**
 * A typed domain error. Services fail their futures with one of these; the router's failure
 * handler maps it once to the HTTP status and the JSON (or HTML) error body.
 */
public class AppException extends RuntimeException {
  private final ErrorKind kind;
  private final transient Map<String, Msg> fields;

  public AppException(ErrorKind kind, String message, Map<String, Msg> fields) {
    super(message, null, false, false);
    this.kind = kind;
    this.fields = fields == null ? Map.of() : Map.copyOf(fields);
  }

  public AppException(ErrorKind kind, String message) {
    this(kind, message, Map.of());
  }

  public ErrorKind kind() {
    return kind;
  }

  /** Field name → why it was refused; empty when the error is not about fields. */
  public Map<String, Msg> fields() {
    return fields;
  }

  public static AppException notFound(String message) {
    return new AppException(ErrorKind.NOT_FOUND, message);
  }

  public static AppException conflict(String message) {
    return new AppException(ErrorKind.CONFLICT, message);
  }

  public static AppException forbidden(String message) {
    return new AppException(ErrorKind.FORBIDDEN, message);
  }

  public static AppException unauthorized(String message) {
    return new AppException(ErrorKind.UNAUTHORIZED, message);
  }

  public static AppException malformed(String message) {
    return new AppException(ErrorKind.MALFORMED, message);
  }

  public static AppException invalid(Map<String, Msg> fields) {
    return new AppException(ErrorKind.INVALID, "Some fields are invalid", fields);
  }

  /** 422 for one field. */
  public static AppException invalid(String field, String key, Object... args) {
    return invalid(Map.of(field, Msg.of(key, args)));
  }

  public static AppException unavailable(String message) {
    return new AppException(ErrorKind.UNAVAILABLE, message);
  }

  /**
   * A refusal the caller may simply repeat after {@code retryAfterSeconds} (too many requests, a
   * submission still in progress): answered with a {@code Retry-After} header.
   */
  public static class RetryLater extends AppException {
    private final long retryAfterSeconds;

    public RetryLater(ErrorKind kind, String message, long retryAfterSeconds) {
      super(kind, message);
      this.retryAfterSeconds = retryAfterSeconds;
    }

    public long retryAfterSeconds() {
      return retryAfterSeconds;
    }
  }
}
