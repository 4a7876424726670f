package org.yishi.notify;

import io.vertx.core.Future;

/** A way out of Yishi. Answers the gateway's acceptance (e.g. the SMTP reply) or fails with a {@link DeliveryFailure}. */
public interface Channel {
  Future<String> send(Outgoing message);
}
