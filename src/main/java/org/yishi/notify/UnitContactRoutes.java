package org.yishi.notify;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.Tuple;
import org.yishi.platform.App;
import org.yishi.platform.http.AppException;
import org.yishi.platform.http.ErrorKind;
import org.yishi.platform.http.Msg;
import org.yishi.platform.security.Access;
import org.yishi.platform.security.Principal;
import org.yishi.platform.security.Role;
import org.yishi.platform.security.Security;
import org.yishi.platform.security.SecureRouter;
import org.yishi.platform.web.Json;
import org.yishi.platform.web.Text;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The contacts of responsible units per district ({@code notify_unit_contact}), kept by staff for
 * the districts of their jurisdiction: an outcome referred to a unit reaches its contact (SMS to a
 * mobile number, e-mail to an address), and so does the reminder before its answer is due.
 */
public final class UnitContactRoutes {
  private static final Access STAFF = Access.roles(Role.ADMIN, Role.CITY_STAFF, Role.DISTRICT_STAFF);
  private final App app;

  private UnitContactRoutes(App app) {
    this.app = app;
  }

  public static Router router(App app) {
    UnitContactRoutes routes = new UnitContactRoutes(app);
    SecureRouter r = app.secureRouter();
    r.get("/api/v1/unit-contacts", STAFF, routes::list);
    r.put("/api/v1/unit-contacts", STAFF, routes::save);
    return r.router();
  }

  /** The contacts of the districts in the caller's jurisdiction, by district and unit. */
  private void list(RoutingContext ctx) {
    Principal me = Security.require(ctx);
    app.pool().preparedQuery("""
            SELECT district_code, unit_name, contact, updated_at FROM notify_unit_contact
             WHERE ($1::text IS NULL OR district_code LIKE $1 || '%') ORDER BY district_code, unit_name LIMIT 1000""")
        .execute(Tuple.of(me.jurisdiction().sqlPrefix()))
        .onFailure(ctx::fail)
        .onSuccess(rows -> {
          JsonArray items = new JsonArray();
          for (Row r : rows) {
            items.add(new JsonObject().put("districtCode", r.getString("district_code")).put("unit", r.getString("unit_name"))
                .put("contact", r.getString("contact")).put("updatedAt", r.getOffsetDateTime("updated_at").toString()));
          }
          Json.ok(ctx, new JsonObject().put("items", items));
        });
  }

  /** Sets (creates or replaces) one unit's contact: {@code {districtCode, unit, contact}}. */
  private void save(RoutingContext ctx) {
    Principal me = Security.require(ctx);
    JsonObject body = JsonBody.of(ctx);
    Map<String, Msg> errors = new LinkedHashMap<>();
    String district = body.getValue("districtCode") instanceof String s ? s.trim() : null;
    if (district == null || !district.matches("[0-9]{12}")) {
      errors.put("districtCode", Msg.of("field.required"));
    }
    String unit = body.getValue("unit") instanceof String s ? Text.strip(s) : null;
    if (unit == null || unit.isEmpty() || unit.length() > 100 || Text.hasControl(unit)) {
      errors.put("unit", Msg.of("field.notify.unit"));
    }
    String contact = body.getValue("contact") instanceof String s ? s.trim() : null;
    if (contact == null || !(contact.matches("1[3-9][0-9]{9}") || contact.matches("[^@\\s<>]+@[^@\\s<>]+\\.[^@\\s<>]+"))
        || contact.length() > 100) {
      errors.put("contact", Msg.of("field.notify.contact"));
    }
    if (!errors.isEmpty()) {
      throw AppException.invalid(errors);
    }
    me.jurisdiction().requireDivision(district);
    app.pool().preparedQuery("""
            INSERT INTO notify_unit_contact (district_code, unit_name, contact, updated_by) VALUES ($1, $2, $3, $4)
            ON CONFLICT (district_code, unit_name) DO UPDATE SET contact = $3, updated_by = $4, updated_at = now()""")
        .execute(Tuple.of(district, unit, contact, me.id()))
        .onFailure(ctx::fail)
        .onSuccess(v -> Json.ok(ctx, new JsonObject().put("districtCode", district).put("unit", unit).put("contact", contact)));
  }
}
