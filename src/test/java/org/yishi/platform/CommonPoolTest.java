package org.yishi.platform;

import org.junit.jupiter.api.Test;

import java.io.File;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The common pool on a two-processor node: no thread started per asynchronous Hazelcast completion. */
class CommonPoolTest {

  @Test
  void twoProcessorsGetTwoThreadsThreeOrMoreKeepTheJvmsChoice() {
    assertEquals(2, CommonPool.parallelismFor(1, null));
    assertEquals(2, CommonPool.parallelismFor(2, null));
    assertEquals(2, CommonPool.parallelismFor(2, " "));
    assertEquals(-1, CommonPool.parallelismFor(3, null));
    assertEquals(-1, CommonPool.parallelismFor(16, null));
    // an operator's own setting wins, whatever it is
    assertEquals(-1, CommonPool.parallelismFor(2, "1"));
    assertEquals(-1, CommonPool.parallelismFor(2, "8"));
  }

  @Test
  void onTwoProcessorsCompletionsRunOnThePoolNotOnANewThreadEach() throws Exception {
    String configured = probe(List.of("-XX:ActiveProcessorCount=2"), "apply");
    assertTrue(configured.contains("parallelism=2"), configured);
    assertTrue(configured.contains("ranOn=ForkJoinPool.commonPool-worker-"), configured);
    assertTrue(configured.contains("hazelcastUsesCommonPool=true"), configured);

    // what the JVM does by itself there: one thread in the pool, so a new thread for every task
    String jvmDefault = probe(List.of("-XX:ActiveProcessorCount=2"), "skip");
    assertTrue(jvmDefault.contains("parallelism=1"), jvmDefault);
    assertTrue(jvmDefault.contains("ranOn=Thread-"), jvmDefault);
    assertTrue(jvmDefault.contains("hazelcastUsesCommonPool=false"), jvmDefault);
  }

  @Test
  void anOperatorsOwnSettingIsKept() throws Exception {
    String out = probe(List.of("-XX:ActiveProcessorCount=2", "-D" + CommonPool.PARALLELISM + "=3"), "apply");
    assertTrue(out.contains("parallelism=3"), out);
  }

  private static String probe(List<String> jvmOptions, String mode) throws Exception {
    List<String> command = new ArrayList<>();
    command.add(System.getProperty("java.home") + File.separator + "bin" + File.separator + "java");
    command.addAll(jvmOptions);
    command.addAll(List.of("-cp", System.getProperty("java.class.path"), CommonPoolProbe.class.getName(), mode));
    Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
    if (!p.waitFor(60, TimeUnit.SECONDS)) {
      p.destroyForcibly();
      throw new AssertionError("the probe did not finish");
    }
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertEquals(0, p.exitValue(), out);
    return out;
  }
}
