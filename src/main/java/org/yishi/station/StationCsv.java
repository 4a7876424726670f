package org.yishi.station;

import io.vertx.core.json.JsonObject;

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

  /**
   * Quotes a cell; a text starting with = + - @ (or a tab/CR) is prefixed with an apostrophe so a
   * spreadsheet never evaluates it as a formula (CSV injection).
   */
  static String cell(Object value) {
    if (value == null) {
      return "";
    }
    String s = String.valueOf(value);
    if (!(value instanceof Number) && !s.isEmpty() && "=+-@\t\r".indexOf(s.charAt(0)) >= 0) {
      s = "'" + s;
    }
    if (s.contains(",") || s.contains("\"") || s.contains("\n") || s.contains("\r") || s.contains("'")) {
      s = "\"" + s.replace("\"", "\"\"") + "\"";
    }
    return s;
  }
}
