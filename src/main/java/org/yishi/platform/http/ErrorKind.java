package org.yishi.platform.http;

/** The error kinds of the contract, each with its HTTP status and stable code. */
public enum ErrorKind {
  MALFORMED(400, "malformed"),
  UNAUTHORIZED(401, "unauthorized"),
  FORBIDDEN(403, "forbidden"),
  NOT_FOUND(404, "not_found"),
  METHOD_NOT_ALLOWED(405, "method_not_allowed"),
  CONFLICT(409, "conflict"),
  TOO_LARGE(413, "too_large"),
  UNSUPPORTED_MEDIA_TYPE(415, "unsupported_media_type"),
  INVALID(422, "invalid"),
  TOO_MANY_REQUESTS(429, "too_many_requests"),
  INTERNAL(500, "internal"),
  UNAVAILABLE(503, "unavailable");

  public final int status;
  public final String code;

  ErrorKind(int status, String code) {
    this.status = status;
    this.code = code;
  }

  /** The kind for an HTTP status set by Vert.x itself (router 404/405, body limit 413, ...). */
  public static ErrorKind forStatus(int status) {
    for (ErrorKind k : values()) {
      if (k.status == status) {
        return k;
      }
    }
    return status >= 500 ? INTERNAL : MALFORMED;
  }
}
