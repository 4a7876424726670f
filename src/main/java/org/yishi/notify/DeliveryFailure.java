package org.yishi.notify;

/**
 * A gateway did not accept a message. {@code retryable}: a timeout, a refused connection, a 5xx or
 * an SMTP 4xx, or a robot's rate-limit answer: tried again later. Otherwise (a 4xx, an SMTP 5xx, a
 * robot's own error JSON) the message is marked failed at once with this reason.
 */
public final class DeliveryFailure extends RuntimeException {
  private final boolean retryable;

  public DeliveryFailure(String reason, boolean retryable) {
    super(reason, null, false, false);
    this.retryable = retryable;
  }

  public boolean retryable() {
    return retryable;
  }

  /** Classifies a transport error (no answer from the gateway): always worth another try. */
  public static DeliveryFailure transport(String gateway, Throwable e) {
    String what = e.getClass().getSimpleName();
    String msg = e.getMessage() == null ? "" : ": " + e.getMessage();
    return new DeliveryFailure(gateway + " unreachable (" + what + msg + ")", true);
  }
}
