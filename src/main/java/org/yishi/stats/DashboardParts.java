package org.yishi.stats;

import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;

/**
 * The dashboard's rendered parts (the headline and tables of a unit and period, each list's page),
 * per locale, kept beside the node's {@link RollupCache}. A part is kept together with the answers
 * it was rendered from, and served again only while the roll-up cache hands out those very answers
 * (the same objects): when a committed change (a domain event heard on every node) or the cache's
 * maximum age makes the roll-up cache compute a new answer, the part is rendered afresh from it.
 * So a part is never older than the figures the API serves at the same moment, and it needs no
 * invalidation of its own. With the roll-up cache off (the tests' default) every answer is new and
 * every part is rendered for its request.
 *
 * <p>Keys name the unit, period, category, locale and whatever else the part shows (a list's page,
 * the jurisdiction its members are listed within); the routes check the caller's access to the unit
 * before they ask for a part, so a part of a unit is only ever served to someone allowed to see it.
 */
final class DashboardParts {
  /** Parts kept at most (a district's headline part is ~45 KB plus ~10 KB deflated; all are dropped when full). */
  static final int MAX_PARTS = 256;

  private record Part(List<Object> inputs, Object value) {
  }

  private final Map<String, Part> parts = new ConcurrentHashMap<>();

  /**
   * The part {@code key} rendered from {@code inputs}: the one kept when it was rendered from these
   * very objects, otherwise {@code render}'s (then kept).
   */
  @SuppressWarnings("unchecked")
  <T> T get(String key, List<Object> inputs, Supplier<T> render) {
    Part kept = parts.get(key);
    if (kept != null && same(kept.inputs(), inputs)) {
      return (T) kept.value();
    }
    T value = render.get();
    if (parts.size() >= MAX_PARTS) {
      parts.clear();
    }
    parts.put(key, new Part(List.copyOf(inputs), value));
    return value;
  }

  private static boolean same(List<Object> a, List<Object> b) {
    if (a.size() != b.size()) {
      return false;
    }
    for (int i = 0; i < a.size(); i++) {
      if (a.get(i) != b.get(i)) {
        return false;
      }
    }
    return true;
  }

  int size() {
    return parts.size();
  }
}
