package org.yishi.topic;

import org.yishi.platform.web.Keyed;
import org.yishi.platform.web.Keys;

import java.util.EnumSet;
import java.util.Set;

/**
 * The topic lifecycle: 草稿 (draft) → 已提交 (submitted) → 已通过 (approved) | 未通过 (rejected);
 * a rejected topic may be revised (back to draft); a draft or submitted topic may be withdrawn.
 */
public enum TopicStatus implements Keyed {
  DRAFT, SUBMITTED, APPROVED, REJECTED, WITHDRAWN;

  /** Which action leads from which statuses to which status, and whether staff alone may take it. */
  public enum Action implements Keyed {
    SUBMIT(EnumSet.of(DRAFT), SUBMITTED, false, false),
    APPROVE(EnumSet.of(SUBMITTED), APPROVED, false, true),
    REJECT(EnumSet.of(SUBMITTED), REJECTED, true, true),
    REVISE(EnumSet.of(REJECTED), DRAFT, false, false),
    WITHDRAW(EnumSet.of(DRAFT, SUBMITTED), WITHDRAWN, false, false);

    public final Set<TopicStatus> from;
    public final TopicStatus to;
    public final boolean reasonRequired;
    public final boolean staffOnly;

    Action(Set<TopicStatus> from, TopicStatus to, boolean reasonRequired, boolean staffOnly) {
      this.from = from;
      this.to = to;
      this.reasonRequired = reasonRequired;
      this.staffOnly = staffOnly;
    }

    public static Action fromKey(String key) {
      return Keys.parse(Action.class, key);
    }
  }

  public static TopicStatus fromKey(String key) {
    return Keys.parse(TopicStatus.class, key);
  }

  /** The actions available from this status. */
  public Set<Action> actions() {
    Set<Action> out = EnumSet.noneOf(Action.class);
    for (Action a : Action.values()) {
      if (a.from.contains(this)) {
        out.add(a);
      }
    }
    return out;
  }
}
