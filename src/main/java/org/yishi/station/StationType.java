package org.yishi.station;

import org.yishi.platform.web.Keyed;
import org.yishi.platform.web.Keys;


/** Kinds of grassroots station; same workflow, different type. */
public enum StationType implements Keyed {
  /** 协商议事室 */
  CONSULTATION_ROOM,
  /** 委员联络站(点) */
  LIAISON_STATION,
  /** 委员工作站 */
  WORK_STATION,
  /** 界别活动站 */
  SECTOR_STATION,
  /** 委员之家 */
  MEMBERS_HOME;

  public static StationType fromKey(String key) {
    return Keys.parse(StationType.class, key);
  }
}
