package org.yishi.support;

import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.WebDriver;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The accessibility check of the browser tests: axe-core ({@code axe.min.js} from the test
 * classpath, artifact {@code com.deque.html.axe-core:selenium}; nothing comes from the internet) is
 * put into the page and run with the WCAG 2.0/2.1 A and AA rules. See docs/accessibility.md.
 *
 * <p>The script is handed to the browser through WebDriver (the page's Content-Security-Policy,
 * which allows no inline script, does not apply to it), and its answer is reduced to one line per
 * violating element.
 */
public final class Axe {
  /** The rule sets checked: WCAG 2.0 and 2.1, levels A and AA. */
  public static final List<String> TAGS = List.of("wcag2a", "wcag2aa", "wcag21a", "wcag21aa");
  private static volatile String source;

  private Axe() {
  }

  private static String source() {
    if (source == null) {
      try (InputStream in = Axe.class.getClassLoader().getResourceAsStream("axe.min.js")) {
        if (in == null) {
          throw new IllegalStateException("axe.min.js is not on the test classpath (com.deque.html.axe-core:selenium)");
        }
        source = new String(in.readAllBytes(), StandardCharsets.UTF_8);
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
    return source;
  }

  /**
   * Runs axe-core on the page the driver shows; the violations, one line per rule and element
   * ({@code rule (impact): help — selector: failure summary}), empty when the page passes.
   */
  public static List<String> violations(WebDriver driver) {
    JavascriptExecutor js = (JavascriptExecutor) driver;
    if (!Boolean.TRUE.equals(js.executeScript("return typeof window.axe === 'object'"))) {
      js.executeScript(source() + "\n;return true;");
    }
    Object answer = js.executeAsyncScript("""
        const done = arguments[arguments.length - 1];
        window.axe.run(document, {runOnly: {type: 'tag', values: arguments[0]}, resultTypes: ['violations']})
          .then(r => done(r.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,
              nodes: v.nodes.map(n => ({target: n.target.join(' '), summary: n.failureSummary}))}))))
          .catch(e => done([{id: 'axe-error', impact: 'critical', help: String(e), nodes: []}]));
        """, TAGS);
    List<String> out = new ArrayList<>();
    if (!(answer instanceof List<?> list)) {
      out.add("axe-core gave no answer: " + answer);
      return out;
    }
    for (Object o : list) {
      Map<?, ?> v = (Map<?, ?>) o;
      List<?> nodes = (List<?>) v.get("nodes");
      if (nodes == null || nodes.isEmpty()) {
        out.add(v.get("id") + " (" + v.get("impact") + "): " + v.get("help"));
        continue;
      }
      for (Object n : nodes) {
        Map<?, ?> node = (Map<?, ?>) n;
        out.add(v.get("id") + " (" + v.get("impact") + "): " + v.get("help") + " — " + node.get("target") + ": "
            + String.valueOf(node.get("summary")).replace('\n', ' '));
      }
    }
    return out;
  }
}
