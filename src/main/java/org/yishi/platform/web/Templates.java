package org.yishi.platform.web;

import io.pebbletemplates.pebble.PebbleEngine;
import io.pebbletemplates.pebble.extension.AbstractExtension;
import io.pebbletemplates.pebble.extension.Function;
import io.pebbletemplates.pebble.loader.ClasspathLoader;
import io.pebbletemplates.pebble.template.EvaluationContext;
import io.pebbletemplates.pebble.template.PebbleTemplate;

import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Server-side HTML from Pebble templates under {@code templates/} on the classpath. Output is
 * escaped by default, so user-entered text can never become markup. Templates translate with
 * {@code t('key', arg...)}.
 */
public final class Templates {
  private final PebbleEngine engine;

  public Templates() {
    ClasspathLoader loader = new ClasspathLoader(Templates.class.getClassLoader());
    loader.setPrefix("templates");
    loader.setSuffix(".peb");
    engine = new PebbleEngine.Builder()
        .loader(loader)
        .autoEscaping(true)
        .strictVariables(false)
        .extension(new AbstractExtension() {
          @Override
          public Map<String, Function> getFunctions() {
            return Map.of("t", new Translate());
          }
        })
        .build();
  }

  /** Renders {@code name} (e.g. {@code "home/index"}) in {@code locale}. */
  public String render(String name, Map<String, Object> model, Locale locale) {
    PebbleTemplate template = engine.getTemplate(name);
    StringWriter out = new StringWriter(4096);
    try {
      template.evaluate(out, model, I18n.normalise(locale));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return out.toString();
  }

  /** {@code t(key, a, b, c, d)}: a message from the bundle of the page's locale. */
  private static final class Translate implements Function {
    private static final List<String> ARGS = List.of("key", "a", "b", "c", "d");

    @Override
    public List<String> getArgumentNames() {
      return ARGS;
    }

    @Override
    public Object execute(Map<String, Object> args, PebbleTemplate self, EvaluationContext context, int lineNumber) {
      List<Object> values = new ArrayList<>();
      for (String name : ARGS.subList(1, ARGS.size())) {
        if (args.get(name) != null) {
          values.add(args.get(name));
        }
      }
      return I18n.t(context.getLocale(), String.valueOf(args.get("key")), values.toArray());
    }
  }
}
