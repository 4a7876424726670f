package org.yishi.platform;

import io.vertx.ext.web.Router;
import org.yishi.platform.schedule.SchedulerVerticle;

import java.util.List;

/**
 * What a feature gives the node: its routes and its scheduled jobs. The composition root
 * ({@code org.yishi.app}) builds each feature once, with its services handed over by constructor,
 * and collects these; platform mounts the routers and runs the jobs without knowing any feature.
 */
public interface Feature {
  /**
   * The feature's routes (registered through {@link App#secureRouter()}). Called once per HTTP
   * verticle, so it builds a new router each time from the services it holds; null: no routes.
   */
  Router router();

  /** The feature's cluster-wide periodic work (see {@link SchedulerVerticle}); none by default. */
  default List<SchedulerVerticle.Job> jobs() {
    return List.of();
  }

  /** A feature that only runs scheduled jobs. */
  static Feature jobsOnly(List<SchedulerVerticle.Job> jobs) {
    List<SchedulerVerticle.Job> copy = List.copyOf(jobs);
    return new Feature() {
      @Override
      public Router router() {
        return null;
      }

      @Override
      public List<SchedulerVerticle.Job> jobs() {
        return copy;
      }
    };
  }
}
