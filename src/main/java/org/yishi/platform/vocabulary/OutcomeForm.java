package org.yishi.platform.vocabulary;

import org.yishi.platform.web.Keyed;
import java.util.Arrays;
import java.util.List;

/**
 * The forms an outcome takes (the first of the "three clarities"), in the order of the statistics'
 * counters ({@code outcomes_form_<key>}), the forms and the database's CHECK list on {@code outcome.form}.
 */
public enum OutcomeForm implements Keyed {
  MINUTES, SUGGESTION_LETTER, RESEARCH_REPORT, PROPOSAL, BULLETIN;

  private static final List<String> KEYS = Arrays.stream(values()).map(OutcomeForm::key).toList();

  /** Every key, in catalogue order. */
  public static List<String> keys() {
    return KEYS;
  }

  /** Whether {@code key} is a form. */
  public static boolean isKey(String key) {
    return key != null && KEYS.contains(key);
  }
}
