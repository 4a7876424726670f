package org.yishi.platform.web;

import org.yishi.platform.security.Principal;

/**
 * The count shown beside "my work" in the header of every page. Rendering a page must not wait for
 * it: {@link #peek} answers at once from what the implementation keeps (null when it knows nothing
 * yet) and may start a refresh for the next page.
 */
public interface NavBadges {
  NavBadges NONE = me -> null;

  /** The caller's count as last known, or null. */
  Long peek(Principal me);
}
