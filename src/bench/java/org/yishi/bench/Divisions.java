package org.yishi.bench;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.GZIPInputStream;

/**
 * The division file the data sets are generated from ({@code code,name,level,parent_code}, plain or
 * gzipped, the format of {@code scripts/import-divisions.sh}), in file order.
 */
public final class Divisions {
  /** One row of the file. */
  public record Unit(String code, String name, String level, String parent) {
  }

  private Divisions() {
  }

  public static List<Unit> read(Path file) throws IOException {
    try (InputStream raw = Files.newInputStream(file)) {
      InputStream in = file.toString().endsWith(".gz") ? new GZIPInputStream(raw, 1 << 16) : raw;
      return read(in);
    }
  }

  public static List<Unit> read(InputStream in) throws IOException {
    List<Unit> units = new ArrayList<>(700_000);
    BufferedReader r = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8), 1 << 16);
    String line = r.readLine(); // header
    if (line == null || !line.startsWith("code,")) {
      throw new IOException("not a division file (no code,name,level,parent_code header)");
    }
    while ((line = r.readLine()) != null) {
      if (line.isBlank()) {
        continue;
      }
      String[] f = line.split(",", -1);
      if (f.length != 4) {
        throw new IOException("malformed division row: " + line);
      }
      units.add(new Unit(f[0], f[1], f[2], f[3].isEmpty() ? null : f[3]));
    }
    return units;
  }
}
