package org.yishi.notify;

/** One queued message as a channel sees it. */
public record Outgoing(long id, String channel, String recipient, String subject, String body, String dedupeKey,
                       String link, String locale, String kind) {
}
