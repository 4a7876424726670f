package org.yishi.station;

import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.SqlConnection;
import org.yishi.platform.http.AppException;
import org.yishi.platform.http.ErrorKind;
import org.yishi.platform.http.Msg;
import org.yishi.platform.security.Principal;
import org.yishi.platform.web.CsvText;
import org.yishi.platform.web.I18n;
import org.yishi.platform.web.Input;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * Bulk registration of stations from CSV (or tab-separated text pasted from a spreadsheet). Every
 * row is checked like a form; every problem is reported with its line. In {@code atomic} mode one
 * bad row applies nothing; otherwise the good rows are registered and the bad ones reported.
 * Row messages are in the reader's language (English for the API).
 */
public final class StationImport {
  public static final int MAX_ROWS = 5_000;
  static final List<String> COLUMNS = List.of("name", "type", "division_code", "address", "contact_name", "contact_phone",
      "opening_hours", "founded_on", "latitude", "longitude");
  private static final Set<String> REQUIRED = Set.of("name", "type", "division_code");
  private static final Map<String, String> TYPE_LABELS = Map.of(
      "协商议事室", "consultation_room", "委员联络站", "liaison_station", "委员联络点", "liaison_station",
      "委员工作站", "work_station", "界别活动站", "sector_station", "委员之家", "members_home");

  private final Pool pool;
  private final StationService stations;

  StationImport(Pool pool, StationService stations) {
    this.pool = pool;
    this.stations = stations;
  }

  private record Row(int line, StationService.StationInput input) {
  }

  /** Thrown inside the transaction to roll an atomic import back while keeping its report. */
  private static final class RolledBack extends RuntimeException {
    RolledBack() {
      super(null, null, false, false);
    }
  }

  /**
   * Imports stations; answers the report {@code {"rows","created","errors":[{"line","field","message"}],
   * "applied"}} (applied is false when an atomic import found problems).
   */
  public Future<JsonObject> run(Principal actor, String text, boolean atomic, Locale locale) {
    List<CsvText.Line> lines = CsvText.parse(text);
    if (lines.isEmpty()) {
      throw AppException.invalid("file", "field.import.empty");
    }
    List<String> header = lines.get(0).cells().stream().map(h -> h.trim().toLowerCase(Locale.ROOT)).toList();
    for (String h : header) {
      if (!COLUMNS.contains(h)) {
        throw new AppException(ErrorKind.INVALID, "Unknown column '" + h + "'; expected " + String.join(",", COLUMNS),
            Map.of("file", Msg.of("field.import.column", h, String.join(",", COLUMNS))));
      }
    }
    for (String r : REQUIRED) {
      if (!header.contains(r)) {
        throw AppException.invalid("file", "field.import.missingColumn", r);
      }
    }
    if (lines.size() - 1 > MAX_ROWS) {
      throw AppException.invalid("file", "field.import.tooManyRows", MAX_ROWS);
    }
    JsonArray errors = new JsonArray();
    List<Row> rows = new ArrayList<>();
    for (CsvText.Line line : lines.subList(1, lines.size())) {
      if (line.cells().size() != header.size()) {
        errors.add(error(line.number(), null, I18n.t(locale, "field.import.cells", header.size(), line.cells().size())));
        continue;
      }
      Map<String, String> form = new HashMap<>();
      for (int i = 0; i < header.size(); i++) {
        String key = switch (header.get(i)) {
          case "division_code" -> "divisionCode";
          case "contact_name" -> "contactName";
          case "contact_phone" -> "contactPhone";
          case "opening_hours" -> "openingHours";
          case "founded_on" -> "foundedOn";
          default -> header.get(i);
        };
        String value = line.cells().get(i).trim();
        form.put(key, "type".equals(key) ? TYPE_LABELS.getOrDefault(value, value) : value);
      }
      try {
        rows.add(new Row(line.number(), stations.read(Input.of(form), false)));
      } catch (AppException e) {
        e.fields().forEach((field, msg) -> errors.add(error(line.number(), field,
            I18n.t(locale, msg.key(), msg.args().toArray()))));
      }
    }
    int total = lines.size() - 1;
    if (atomic && !errors.isEmpty()) {
      return Future.succeededFuture(report(total, 0, errors, false));
    }
    List<JsonObject> created = new ArrayList<>();
    return pool.withTransaction(conn -> insertAll(conn, actor, rows, errors, created, locale)
            .compose(v -> atomic && !errors.isEmpty() ? Future.failedFuture(new RolledBack()) : Future.succeededFuture()))
        .map(v -> {
          created.forEach(stations::announce); // committed: each station applying is announced
          return report(total, created.size(), errors, true);
        })
        .recover(err -> err instanceof RolledBack
            ? Future.succeededFuture(report(total, 0, errors, false)) : Future.failedFuture(err));
  }

  /**
   * Registers the rows one after another in the transaction; a refused row (duplicate name, a
   * division outside the jurisdiction) is reported and skipped without a failed SQL statement.
   */
  private Future<Void> insertAll(SqlConnection conn, Principal actor, List<Row> rows, JsonArray errors, List<JsonObject> created,
                                 Locale locale) {
    Future<Void> chain = Future.succeededFuture();
    for (Row row : rows) {
      chain = chain.compose(v -> stations.registerIn(conn, actor, row.input())
          .<Void>map(s -> {
            created.add(s);
            return null;
          })
          .recover(err -> {
            if (!(err instanceof AppException e)) {
              return Future.failedFuture(err);
            }
            String message = e.fields().isEmpty() ? e.getMessage()
                : e.fields().values().stream().map(m -> I18n.t(locale, m.key(), m.args().toArray())).findFirst().orElse("");
            errors.add(error(row.line(), e.fields().keySet().stream().findFirst().orElse(null), message));
            return Future.succeededFuture();
          }));
    }
    return chain;
  }

  private static JsonObject error(int line, String field, String message) {
    return new JsonObject().put("line", line).put("field", field).put("message", message);
  }

  private static JsonObject report(int rows, int created, JsonArray errors, boolean applied) {
    return new JsonObject().put("rows", rows).put("created", created).put("errors", errors)
        .put("errorsTotal", errors.size()).put("applied", applied);
  }
}
