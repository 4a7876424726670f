package org.yishi.outcome;

import org.yishi.platform.web.Keyed;
import org.yishi.platform.events.DomainEvent;
import org.yishi.platform.vocabulary.OutcomeForm;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;

/**
 * The follow-up loop of an outcome (协商成果): 已交办 (referred to the responsible unit) → 已答复
 * (answered: adopted, partly adopted or not adopted, with the unit's reply) → 已落实 (implemented,
 * with evidence) → 已办结 (closed with the station's satisfaction rating and the effectiveness
 * evaluation). An answer of "not adopted" may be closed at once: there is nothing to implement.
 */
public enum OutcomeStatus implements Keyed {
  REFERRED, ANSWERED, IMPLEMENTED, CLOSED;

  /** The forms an outcome takes (the first of the "three clarities"). */
  public static final List<String> FORMS = OutcomeForm.keys();
  /** The responsible unit's answer. */
  public static final List<String> ANSWERS = List.of("adopted", "partly_adopted", "not_adopted");
  /** The station's satisfaction rating (满意 / 基本满意 / 不满意). */
  public static final List<String> SATISFACTION = List.of("satisfied", "basically_satisfied", "dissatisfied");

  /** A step of the loop: from which statuses to which, and which fields it requires. */
  public enum Action implements Keyed {
    ANSWER(EnumSet.of(REFERRED), ANSWERED, List.of("answer", "reply")),
    IMPLEMENT(EnumSet.of(ANSWERED), IMPLEMENTED, List.of("evidence")),
    CLOSE(EnumSet.of(IMPLEMENTED, ANSWERED), CLOSED, List.of("satisfaction", "effectiveness"));

    public final Set<OutcomeStatus> from;
    public final OutcomeStatus to;
    public final List<String> required;

    Action(Set<OutcomeStatus> from, OutcomeStatus to, List<String> required) {
      this.from = from;
      this.to = to;
      this.required = required;
    }

    /** The event type published after the step commits, e.g. {@code outcome.answered}. */
    public String event() {
      return DomainEvent.outcomeStep(to.key()).type();
    }

    public static Action fromKey(String key) {
      for (Action a : values()) {
        if (a.key().equals(key)) {
          return a;
        }
      }
      return null;
    }

    /** Whether the step is allowed from {@code status}; closing an answered outcome needs a "not adopted" answer. */
    public boolean allowedFrom(OutcomeStatus status, String answer) {
      if (!from.contains(status)) {
        return false;
      }
      return this != CLOSE || status != ANSWERED || "not_adopted".equals(answer);
    }
  }

  public static OutcomeStatus fromKey(String key) {
    for (OutcomeStatus s : values()) {
      if (s.key().equals(key)) {
        return s;
      }
    }
    return null;
  }

  /** The steps possible from this status (for an answered outcome, given its answer). */
  public List<Action> next(String answer) {
    return EnumSet.allOf(Action.class).stream().filter(a -> a.allowedFrom(this, answer)).toList();
  }
}
