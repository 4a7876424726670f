package org.yishi.platform;

import com.hazelcast.internal.util.ConcurrencyUtil;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ForkJoinPool;

/**
 * Run in a JVM of its own by {@link CommonPoolTest}: applies {@link CommonPool#configure} (unless
 * its argument is {@code skip}), then prints the common pool's parallelism, the thread an
 * asynchronous completion ran on, and whether Hazelcast's default asynchronous executor is the
 * common pool.
 */
public final class CommonPoolProbe {
  private CommonPoolProbe() {
  }

  public static void main(String[] args) {
    if (args.length == 0 || !"skip".equals(args[0])) {
      CommonPool.configure();
    }
    String ranOn = CompletableFuture.supplyAsync(() -> Thread.currentThread().getName()).join();
    System.out.println("parallelism=" + ForkJoinPool.getCommonPoolParallelism());
    System.out.println("ranOn=" + ranOn);
    System.out.println("hazelcastUsesCommonPool=" + (ConcurrencyUtil.getDefaultAsyncExecutor() == ForkJoinPool.commonPool()));
  }
}
