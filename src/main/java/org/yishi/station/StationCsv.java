package org.yishi.station;

import io.vertx.core.json.JsonObject;
import org.yishi.platform.web.CsvText;

/** The CSV form of stations (export), with spreadsheet-safe quoting. */
final class StationCsv {
  static final String HEADER = "id,name,type,status,division_code,division_name,district_code,address,"
      + "contact_name,contact_phone,opening_hours,founded_on,latitude,longitude";

  private StationCsv() {
  }

  static String line(JsonObject s) {
    return String.join(",", cell(s.getValue("id")), cell(s.getString("name")), cell(s.getString("type")),
        cell(s.getString("status")), cell(s.getString("divisionCode")), cell(s.getString("divisionName")),
        cell(s.getString("districtCode")), cell(s.getString("address")), cell(s.getString("contactName")),
        cell(s.getString("contactPhone")), cell(s.getString("openingHours")), cell(s.getString("foundedOn")),
        cell(s.getValue("latitude")), cell(s.getValue("longitude")));
  }

  /** A spreadsheet-safe cell (see {@link CsvText#cell}). */
  static String cell(Object value) {
    return CsvText.cell(value);
  }
}
