package org.yishi.platform.web;

import io.vertx.ext.web.Router;
import org.yishi.platform.App;
import org.yishi.platform.Feature;
import org.yishi.platform.security.SecureRouter;

/**
 * A feature's HTTP routes: what every routes class used to repeat (take the node's {@link App},
 * open a {@link SecureRouter}, register, hand the router over) in one place. A routes class is
 * usually a record of the services the composition root hands it; it only says which handler
 * serves which path for whom, in {@link #register}.
 */
public interface Routes extends Feature {
  /** The node's shared parts (router factory, templates, config, pool). */
  App app();

  /** Registers the handlers of this feature on a new router of this HTTP verticle. */
  void register(SecureRouter r);

  /** Called once per HTTP verticle: a new router, so handlers may keep state of their event loop. */
  @Override
  default Router router() {
    SecureRouter r = app().secureRouter();
    register(r);
    return r.router();
  }
}
