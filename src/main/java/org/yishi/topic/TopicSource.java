package org.yishi.topic;

import org.yishi.platform.web.Keyed;
import org.yishi.platform.web.Keys;


/** Where a topic comes from. A topic taken from a yearly plan names the plan item. */
public enum TopicSource implements Keyed {
  /** 党委政府中心工作 */
  PARTY_GOVERNMENT,
  /** 年度协商计划 */
  YEARLY_PLAN,
  /** 委员提出 */
  MEMBER,
  /** 群众反映 */
  RESIDENTS,
  /** 社情民意信息 */
  BULLETIN;

  public static TopicSource fromKey(String key) {
    return Keys.parse(TopicSource.class, key);
  }
}
