package org.yishi.platform.vocabulary;

import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * The forms an outcome takes (the first of the "three clarities"), in the order of the statistics'
 * counters ({@code outcomes_form_<key>}), the forms and the database's CHECK list on {@code outcome.form}.
 */
public enum OutcomeForm {
  MINUTES, SUGGESTION_LETTER, RESEARCH_REPORT, PROPOSAL, BULLETIN;

  private static final List<String> KEYS = Arrays.stream(values()).map(OutcomeForm::key).toList();

  /** The stored value, e.g. {@code suggestion_letter}. */
  public String key() {
    return name().toLowerCase(Locale.ROOT);
  }

  /** Every key, in catalogue order. */
  public static List<String> keys() {
    return KEYS;
  }

  /** Whether {@code key} is a form. */
  public static boolean isKey(String key) {
    return key != null && KEYS.contains(key);
  }
}
