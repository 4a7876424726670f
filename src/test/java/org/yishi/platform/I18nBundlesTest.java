package org.yishi.platform;

import org.junit.jupiter.api.Test;
import org.yishi.platform.web.I18n;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Every UI string exists in both languages and templates carry no hard-coded text. */
class I18nBundlesTest {
  private static final Path TEMPLATES = Path.of("src/main/resources/templates");

  @Test
  void bundlesHaveTheSameKeys() {
    Set<String> zh = new TreeSet<>(I18n.bundle(I18n.ZH).keySet());
    Set<String> en = new TreeSet<>(I18n.bundle(I18n.EN).keySet());
    assertEquals(zh, en);
    assertTrue(zh.size() > 20);
  }

  @Test
  void everyKeyUsedByATemplateExists() throws IOException {
    Set<String> keys = I18n.bundle(I18n.ZH).keySet();
    Pattern use = Pattern.compile("t\\('([A-Za-z0-9_.]+)'");
    for (Path p : templates()) {
      Matcher m = use.matcher(Files.readString(p));
      while (m.find()) {
        String key = m.group(1);
        if (key.endsWith(".")) { // a dynamic key such as t('role.' + r): the family must exist
          assertTrue(keys.stream().anyMatch(k -> k.startsWith(key)), p + " uses missing key family " + key);
        } else {
          assertTrue(keys.contains(key), p + " uses missing key " + key);
        }
      }
    }
  }

  @Test
  void templatesHaveNoHardCodedText() throws IOException {
    // text between tags that is not a template expression; symbols and numbers are fine
    Pattern text = Pattern.compile(">([^<{]*[\\p{IsHan}A-Za-z][^<{]*)<");
    for (Path p : templates()) {
      String src = Files.readString(p).replaceAll("\\{#.*?#}", "");
      Matcher m = text.matcher(src);
      while (m.find()) {
        throw new AssertionError(p + " has hard-coded text: '" + m.group(1).trim() + "'");
      }
    }
  }

  private static List<Path> templates() throws IOException {
    try (Stream<Path> s = Files.walk(TEMPLATES)) {
      return s.filter(p -> p.toString().endsWith(".peb")).toList();
    }
  }
}
