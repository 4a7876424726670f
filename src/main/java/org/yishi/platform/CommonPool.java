package org.yishi.platform;

/**
 * Gives the JVM's common {@code ForkJoinPool} at least two threads, before anything uses it.
 *
 * <p>On a machine with two processors the JVM sizes the common pool at one thread, and then both
 * {@code CompletableFuture}'s and Hazelcast's default asynchronous executor fall back to starting a
 * <em>new thread for every task</em> ({@code com.hazelcast.internal.util.ConcurrencyUtil}). Every
 * asynchronous Hazelcast call (each signed-in request's session read, the cluster's locks and
 * counters) completes on such a thread: the Java Flight Recorder profile of a node in the quiet
 * benchmark run of 6 December 2026 recorded 163,452 thread starts in 687 s, all of them this
 * fallback (docs/benchmarks.md, "Tail latency"). With two threads in the common pool the same
 * completions run on its threads and no thread is started per call.
 *
 * <p>An operator's own {@code -Djava.util.concurrent.ForkJoinPool.common.parallelism} is kept, and on
 * machines with three or more processors nothing changes.
 */
public final class CommonPool {
  /** The JVM's system property for the common pool's parallelism. */
  public static final String PARALLELISM = "java.util.concurrent.ForkJoinPool.common.parallelism";
  /** The fewest threads that keep the per-task thread fallback away. */
  static final int MIN_PARALLELISM = 2;

  private CommonPool() {
  }

  /**
   * The parallelism to set for a machine of {@code processors} processors when the property is
   * {@code configured} (null: not set), or -1 to leave the JVM's choice.
   */
  static int parallelismFor(int processors, String configured) {
    if (configured != null && !configured.isBlank()) {
      return -1;
    }
    // the JVM's own choice is processors - 1
    return processors - 1 < MIN_PARALLELISM ? MIN_PARALLELISM : -1;
  }

  /** Sets the property when needed; call first thing in {@code main}, before any library uses the pool. */
  public static void configure() {
    int p = parallelismFor(Runtime.getRuntime().availableProcessors(), System.getProperty(PARALLELISM));
    if (p > 0) {
      System.setProperty(PARALLELISM, String.valueOf(p));
    }
  }
}
