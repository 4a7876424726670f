package org.yishi.bench;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * {@code target/bench/results.json}: one entry per benchmark, each with its result, the ceiling
 * (or floor) measured in the same run, their ratio, the target and whether it was met; and the
 * printed table. Benchmark steps run as separate processes, so each adds its entries to the file.
 */
public final class Results {
  private Results() {
  }

  /** A new results file for a run. */
  public static void start(Path file, String scale, String command) throws IOException {
    Files.createDirectories(file.toAbsolutePath().getParent());
    JsonObject doc = new JsonObject().put("scale", scale).put("command", command)
        .put("started", java.time.OffsetDateTime.now().toString())
        .put("machine", new JsonObject().put("cores", Runtime.getRuntime().availableProcessors())
            .put("memory_gib", Math.round(totalMemoryGiB() * 10) / 10.0)
            .put("java", System.getProperty("java.version")))
        .put("benchmarks", new JsonArray());
    write(file, doc);
  }

  private static double totalMemoryGiB() {
    try {
      for (String line : Files.readAllLines(Path.of("/proc/meminfo"))) {
        if (line.startsWith("MemTotal:")) {
          return Long.parseLong(line.replaceAll("\\D", "")) / 1024.0 / 1024.0;
        }
      }
    } catch (IOException | NumberFormatException e) {
      // not Linux: leave it out
    }
    return 0;
  }

  public static JsonObject read(Path file) throws IOException {
    return new JsonObject(Files.readString(file, StandardCharsets.UTF_8));
  }

  private static void write(Path file, JsonObject doc) throws IOException {
    Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
    Files.writeString(tmp, doc.encodePrettily() + "\n", StandardCharsets.UTF_8);
    Files.move(tmp, file, java.nio.file.StandardCopyOption.REPLACE_EXISTING, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
  }

  /** Adds (or replaces, by name) one benchmark's entry. */
  public static synchronized void add(Path file, JsonObject entry) throws IOException {
    JsonObject doc = Files.exists(file) ? read(file) : new JsonObject().put("benchmarks", new JsonArray());
    JsonArray list = doc.getJsonArray("benchmarks");
    for (int i = 0; i < list.size(); i++) {
      if (list.getJsonObject(i).getString("name").equals(entry.getString("name"))) {
        list.remove(i);
        break;
      }
    }
    list.add(entry);
    write(file, doc);
    System.out.println(line(entry));
  }

  /** Finds an entry by name, or null. */
  public static JsonObject find(Path file, String name) throws IOException {
    if (!Files.exists(file)) {
      return null;
    }
    for (Object o : read(file).getJsonArray("benchmarks")) {
      JsonObject e = (JsonObject) o;
      if (e.getString("name").equals(name)) {
        return e;
      }
    }
    return null;
  }

  /** An entry: what was measured, its value and unit, and the details. */
  public static JsonObject entry(String name, String what, double value, String unit) {
    return new JsonObject().put("name", name).put("what", what).put("value", round(value)).put("unit", unit);
  }

  /** Adds the ceiling (what the hardware allows for the same work) and the ratio result/ceiling. */
  public static JsonObject ceiling(JsonObject e, String what, double value, String unit, boolean higherIsBetter) {
    e.put("ceiling", new JsonObject().put("what", what).put("value", round(value)).put("unit", unit));
    double v = e.getDouble("value");
    if (value > 0 && v > 0) {
      e.put("ratio", round(higherIsBetter ? v / value : value / v));
    }
    return e;
  }

  /** Adds the floor (the naive way) and how many times better the result is. */
  public static JsonObject floor(JsonObject e, String what, double value, String unit) {
    e.put("floor", new JsonObject().put("what", what).put("value", round(value)).put("unit", unit));
    if (value > 0) {
      e.put("times_floor", round(e.getDouble("value") / value));
    }
    return e;
  }

  public static JsonObject target(JsonObject e, String target, Boolean met) {
    return e.put("target", target).put("met", met);
  }

  static double round(double v) {
    if (Double.isNaN(v) || Double.isInfinite(v)) {
      return 0;
    }
    double abs = Math.abs(v);
    double scale = abs >= 100 ? 10 : abs >= 1 ? 100 : 10_000;
    return Math.round(v * scale) / scale;
  }

  // ---------------------------------------------------------------- printing

  static String fmt(double v) {
    double abs = Math.abs(v);
    if (abs >= 1000) {
      return String.format(Locale.ROOT, "%,.0f", v);
    }
    if (abs >= 100) {
      return String.format(Locale.ROOT, "%.0f", v);
    }
    if (abs >= 1) {
      return String.format(Locale.ROOT, "%.2f", v).replaceAll("\\.?0+$", "");
    }
    return String.format(Locale.ROOT, "%.3f", v).replaceAll("\\.?0+$", "");
  }

  static String value(JsonObject e) {
    if (e.getString("unit") == null) {
      return e.getString("status", "");
    }
    String s = fmt(e.getDouble("value")) + " " + e.getString("unit");
    JsonObject lat = e.getJsonObject("latency");
    if (lat != null) {
      s += ", p99 " + fmt(lat.getDouble("p99_ms")) + " ms";
    }
    return s;
  }

  static String line(JsonObject e) {
    StringBuilder b = new StringBuilder("[bench] ").append(e.getString("name")).append(": ").append(value(e));
    JsonObject c = e.getJsonObject("ceiling");
    if (c != null) {
      b.append(" | ceiling ").append(fmt(c.getDouble("value"))).append(' ').append(c.getString("unit"))
          .append(" (").append(c.getString("what")).append(')');
      if (e.containsKey("ratio")) {
        b.append(", ratio ").append(fmt(e.getDouble("ratio")));
      }
    }
    JsonObject f = e.getJsonObject("floor");
    if (f != null) {
      b.append(" | floor ").append(fmt(f.getDouble("value"))).append(' ').append(f.getString("unit"));
      if (e.containsKey("times_floor")) {
        b.append(" = ").append(fmt(e.getDouble("times_floor"))).append("x");
      }
    }
    if (e.getString("target") != null) {
      b.append(" | target ").append(e.getString("target")).append(": ").append(met(e));
    }
    return b.toString();
  }

  static String met(JsonObject e) {
    Object m = e.getValue("met");
    return m == null ? "-" : Boolean.TRUE.equals(m) ? "met" : "MISSED";
  }

  /** The table of a results file, one row per benchmark. */
  public static String table(JsonObject doc) {
    List<String[]> rows = new ArrayList<>();
    rows.add(new String[] {"benchmark", "result", "ceiling / floor (same run)", "ratio", "target", "met"});
    for (Object o : doc.getJsonArray("benchmarks")) {
      JsonObject e = (JsonObject) o;
      StringBuilder ref = new StringBuilder();
      StringBuilder ratio = new StringBuilder();
      JsonObject c = e.getJsonObject("ceiling");
      if (c != null) {
        ref.append(fmt(c.getDouble("value"))).append(' ').append(c.getString("unit")).append(" (").append(c.getString("what"))
            .append(')');
        if (e.containsKey("ratio")) {
          ratio.append(fmt(e.getDouble("ratio") * 100)).append("% of ceiling");
        }
      }
      JsonObject f = e.getJsonObject("floor");
      if (f != null) {
        ref.append(ref.length() > 0 ? "; " : "").append("floor ").append(fmt(f.getDouble("value"))).append(' ')
            .append(f.getString("unit")).append(" (").append(f.getString("what")).append(')');
        if (e.containsKey("times_floor")) {
          ratio.append(ratio.length() > 0 ? "; " : "").append(fmt(e.getDouble("times_floor"))).append("x floor");
        }
      }
      rows.add(new String[] {e.getString("name"), value(e), ref.toString(), ratio.toString(),
          e.getString("target", ""), e.getString("target") == null ? "" : met(e)});
    }
    StringBuilder out = new StringBuilder();
    out.append("| ").append(String.join(" | ", rows.get(0))).append(" |\n|");
    out.append("---|".repeat(rows.get(0).length)).append('\n');
    for (String[] r : rows.subList(1, rows.size())) {
      out.append("| ").append(String.join(" | ", r)).append(" |\n");
    }
    return out.toString();
  }
}
