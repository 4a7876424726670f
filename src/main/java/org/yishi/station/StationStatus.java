package org.yishi.station;

import org.yishi.platform.web.Keyed;
import org.yishi.platform.web.Keys;

import java.util.Map;
import java.util.Set;

/**
 * The station lifecycle: 申请中 (pending) → 运行中 (active) ⇄ 暂停 (suspended) → 撤销 (revoked);
 * a rejected application (未通过) may be corrected and resubmitted.
 */
public enum StationStatus implements Keyed {
  PENDING, ACTIVE, SUSPENDED, REVOKED, REJECTED;

  /** Which action leads from which statuses to which status. */
  public enum Action implements Keyed {
    APPROVE(Set.of(PENDING), ACTIVE, false),
    REJECT(Set.of(PENDING), REJECTED, true),
    SUSPEND(Set.of(ACTIVE), SUSPENDED, true),
    RESUME(Set.of(SUSPENDED), ACTIVE, false),
    REVOKE(Set.of(ACTIVE, SUSPENDED), REVOKED, true),
    RESUBMIT(Set.of(REJECTED), PENDING, false);

    public final Set<StationStatus> from;
    public final StationStatus to;
    public final boolean reasonRequired;

    Action(Set<StationStatus> from, StationStatus to, boolean reasonRequired) {
      this.from = from;
      this.to = to;
      this.reasonRequired = reasonRequired;
    }

    public static Action fromKey(String key) {
      return Keys.parse(Action.class, key);
    }
  }

  public static StationStatus fromKey(String key) {
    return Keys.parse(StationStatus.class, key);
  }

  /** Actions available from this status (for the page's buttons). */
  public static Map<StationStatus, Set<Action>> actions() {
    Map<StationStatus, Set<Action>> out = new java.util.EnumMap<>(StationStatus.class);
    for (StationStatus s : values()) {
      Set<Action> set = java.util.EnumSet.noneOf(Action.class);
      for (Action a : Action.values()) {
        if (a.from.contains(s)) {
          set.add(a);
        }
      }
      out.put(s, set);
    }
    return out;
  }
}
