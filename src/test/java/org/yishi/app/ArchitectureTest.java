package org.yishi.app;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The shape of the code (docs/architecture.md), checked by reading src/main/java: {@code platform}
 * knows no feature; no feature refers to another (by import or by a qualified name in code); only
 * the composition root ({@code org.yishi.app}, with {@code org.yishi.Main} and the demo city, which
 * seeds data through every feature's services) may; and no store or service is constructed outside
 * the root and its own package.
 */
class ArchitectureTest {
  private static final Path MAIN = Path.of("src/main/java/org/yishi");
  /** Packages on the composition side: they may use every feature. */
  private static final Set<String> ROOT_SIDE = Set.of("app", "demo", "");
  /**
   * Known references between features, each with its way out. Empty this list, never grow it: a
   * feature needing another states what it needs as an interface of its own, wired in {@code org.yishi.app}.
   */
  private static final Set<String> KNOWN = Set.of();
  private static final Pattern IMPORT = Pattern.compile("^import\\s+(?:static\\s+)?org\\.yishi\\.([a-z]+)\\.", Pattern.MULTILINE);
  private static final Pattern QUALIFIED = Pattern.compile("\\borg\\.yishi\\.([a-z]+)\\.[A-Za-z]");
  private static final Pattern CONSTRUCTED = Pattern.compile("\\bnew\\s+(?:org\\.yishi\\.[a-z.]+\\.)?([A-Z]\\w*(?:Store|Service))\\s*[(<]");
  private static final Pattern DECLARED = Pattern.compile(
      "^(?:public\\s+)?(?:final\\s+)?(?:abstract\\s+)?(?:class|record)\\s+(\\w+(?:Store|Service))\\b", Pattern.MULTILINE);

  private record Source(String path, String pkg, String text) {
  }

  @Test
  void platformKnowsNoFeatureAndNoFeatureKnowsAnother() {
    List<String> found = new ArrayList<>();
    Set<String> known = new TreeSet<>();
    for (Source s : sources()) {
      if (ROOT_SIDE.contains(s.pkg())) {
        continue;
      }
      for (String other : referencedPackages(s.text())) {
        if (other.equals(s.pkg()) || other.equals("platform")) {
          continue;
        }
        String edge = s.path() + " -> " + other;
        if (KNOWN.contains(edge)) {
          known.add(edge);
        } else {
          found.add(edge + (s.pkg().equals("platform") ? " (platform must not know features)" : ""));
        }
      }
    }
    assertEquals(List.of(), found, "references across packages that only org.yishi.app may make");
    assertEquals(KNOWN, known, "a known reference is gone: take it off the list");
  }

  @Test
  void routesCallServicesNotTheirStores() {
    List<String> found = new ArrayList<>();
    for (Source s : sources()) {
      if (s.path().endsWith("Routes.java") && s.text().contains(".store().")) {
        found.add(s.path());
      }
    }
    assertTrue(sources().stream().anyMatch(s -> s.path().endsWith("RequestRoutes.java")), "the scan sees the routes");
    assertEquals(List.of(), found, "routes that reach past their service to its store (the service owns the rules)");
  }

  @Test
  void storesAndServicesAreBuiltOnlyByTheRootOrTheirOwnPackage() {
    List<Source> sources = sources();
    Map<String, String> home = new HashMap<>();
    for (Source s : sources) {
      Matcher m = DECLARED.matcher(s.text());
      while (m.find()) {
        home.put(m.group(1), s.pkg());
      }
    }
    assertTrue(home.containsKey("StationStore") && home.containsKey("MeetingService"), "the scan sees the stores and services");
    List<String> found = new ArrayList<>();
    for (Source s : sources) {
      if (s.pkg().equals("app")) {
        continue;
      }
      Matcher m = CONSTRUCTED.matcher(code(s.text()));
      while (m.find()) {
        String owner = home.get(m.group(1));
        if (owner != null && !owner.equals(s.pkg())) {
          found.add(s.path() + " builds " + m.group(1) + " (of " + owner + ")");
        }
      }
    }
    assertEquals(List.of(), found, "stores and services are built once, in org.yishi.app, and handed over by constructor");
  }

  /** The top-level packages this source refers to, by import or by a qualified name outside comments. */
  private static Set<String> referencedPackages(String text) {
    Set<String> out = new TreeSet<>();
    Matcher m = IMPORT.matcher(text);
    while (m.find()) {
      out.add(m.group(1));
    }
    m = QUALIFIED.matcher(code(text));
    while (m.find()) {
      out.add(m.group(1));
    }
    return out;
  }

  /** The text without comments (line and block), so that a sentence naming a package is no reference. */
  private static String code(String text) {
    return text.replaceAll("(?s)/\\*.*?\\*/", " ").replaceAll("(?m)//.*$", "");
  }

  private static List<Source> sources() {
    try (Stream<Path> files = Files.walk(MAIN)) {
      List<Source> out = new ArrayList<>();
      for (Path p : files.filter(f -> f.toString().endsWith(".java")).sorted().toList()) {
        Path rel = MAIN.relativize(p);
        String pkg = rel.getNameCount() == 1 ? "" : rel.getName(0).toString();
        out.add(new Source(rel.toString().replace('\\', '/'), pkg, Files.readString(p)));
      }
      assertTrue(out.size() > 100, "the scan sees src/main/java");
      return out;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
