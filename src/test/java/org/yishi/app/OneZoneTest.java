package org.yishi.app;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * One configured time zone (YISHI_ZONE), read by reading src/main/java: no class names
 * "Asia/Shanghai" or builds a zone of its own, except AppConfig, whose default it is and which
 * parses the setting. Everything else gets {@code AppConfig#zone()} by constructor from the root.
 */
class OneZoneTest {
  private static final Path MAIN = Path.of("src/main/java");
  private static final String CONFIG = "org/yishi/platform/config/AppConfig.java";

  @Test
  void onlyAppConfigNamesTheDefaultZone() throws IOException {
    List<String> found = new ArrayList<>();
    try (Stream<Path> files = Files.walk(MAIN)) {
      for (Path p : files.filter(f -> f.toString().endsWith(".java")).sorted().toList()) {
        String rel = MAIN.relativize(p).toString().replace('\\', '/');
        List<String> lines = Files.readAllLines(p);
        for (int i = 0; i < lines.size(); i++) {
          String line = lines.get(i);
          boolean named = line.contains("Asia/Shanghai");
          boolean built = line.contains("ZoneId.of(") || line.contains("ZoneId.systemDefault(");
          if ((named || built) && !rel.equals(CONFIG)) {
            found.add(rel + ":" + (i + 1) + ": " + line.trim());
          }
        }
      }
    }
    assertEquals(List.of(), found, "take the zone by constructor (AppConfig#zone()) instead");
  }

  @Test
  void appConfigNamesItOnceAsTheDefault() throws IOException {
    long mentions = Files.readAllLines(MAIN.resolve(CONFIG)).stream()
        .filter(l -> l.contains("\"Asia/Shanghai\"")).count();
    assertEquals(1, mentions, "DEFAULT_ZONE is the one literal");
  }
}
