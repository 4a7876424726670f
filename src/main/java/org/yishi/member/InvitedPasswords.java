package org.yishi.member;

import io.vertx.core.Future;
import io.vertx.sqlclient.SqlClient;

import java.util.function.Function;

/**
 * What member invitations need of accounts to use one: checks {@code password} against the password
 * rules for {@code username} (422 on {@code password} / {@code confirmPassword}), then in one
 * transaction runs {@code claim} (which answers the account whose password to set, or fails) and sets
 * it (the account feature answers, wired by the root).
 */
@FunctionalInterface
public interface InvitedPasswords {
  Future<Void> set(String username, String password, String confirm, Function<SqlClient, Future<Long>> claim);
}
