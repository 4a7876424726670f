package org.yishi.platform;

import java.util.List;
import java.util.logging.Level;
import java.util.logging.LogManager;
import java.util.logging.Logger;

/** One-line log format on standard error, and logging that keeps working during shutdown. */
public final class Logging {
  // JUL holds loggers weakly: keep the tuned ones alive or their levels are forgotten
  private static final List<Logger> TUNED = new java.util.ArrayList<>();

  private Logging() {
  }

  /** Call first thing in {@code main}, before any logger exists. */
  public static void init() {
    System.setProperty("java.util.logging.manager", ShutdownSafeLogManager.class.getName());
    System.setProperty("java.util.logging.SimpleFormatter.format", "%1$tF %1$tT %4$s %3$s: %5$s%6$s%n");
    System.setProperty("hazelcast.logging.type", "jdk");
    System.setProperty("vertx.logger-delegate-factory-class-name", "io.vertx.core.logging.JULLogDelegateFactory");
    tune("com.hazelcast", Level.WARNING);
    tune("com.hazelcast.internal.cluster.ClusterService", Level.INFO); // membership changes
    tune("org.flywaydb", Level.WARNING);
  }

  /** For the one-shot commands (backup, restore): only warnings from the libraries and the database. */
  public static void quiet() {
    tune("io.zonky", Level.WARNING);
    tune("org.yishi.platform.db.Database", Level.WARNING);
    tune("org.flywaydb", Level.SEVERE);
  }

  private static void tune(String name, Level level) {
    Logger logger = Logger.getLogger(name);
    logger.setLevel(level);
    TUNED.add(logger);
  }

  /**
   * The JDK's LogManager resets (silences) every handler from its own shutdown hook, racing the
   * node's graceful shutdown and hiding its messages. Yishi never needs a reset, so this one
   * ignores it and logging lasts until the JVM is gone.
   */
  public static final class ShutdownSafeLogManager extends LogManager {
    @Override
    public void reset() {
      // intentionally kept: see class comment
    }
  }
}
