package org.yishi.plan;

import org.yishi.platform.web.Keyed;
import org.yishi.platform.web.Keys;


/** What a plan item is to become: a thematic standing-committee session, a thematic consultation, or other. */
public enum PlanItemKind implements Keyed {
  /** 专题议政性常委会会议 */
  STANDING_COMMITTEE_SESSION,
  /** 专题协商会 */
  THEMATIC_CONSULTATION,
  OTHER;

  public static PlanItemKind fromKey(String key) {
    return Keys.parse(PlanItemKind.class, key);
  }
}
