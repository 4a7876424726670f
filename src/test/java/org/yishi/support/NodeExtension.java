package org.yishi.support;

import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.yishi.app.Node;

import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Starts real nodes for one test class and stops them after it: a fresh database in the embedded
 * PostgreSQL (or one the test names), one node or {@code n} members of one Hazelcast cluster on
 * 127.0.0.1, optionally the {@link AccountFixtures} cast. Register it on a static field:
 *
 * <pre>{@code
 * @RegisterExtension static final NodeExtension NODE = NodeExtension.withAccounts().env("YISHI_DEMO", "true");
 * @FromNode static Node node;
 * @FromNode static Api api;
 * @FromNode static AccountFixtures f;
 * @FromNode(member = 1) static Node second;   // with .members(2)
 * }</pre>
 *
 * The nodes are running and the {@link FromNode} fields are set before the class's own
 * {@code @BeforeAll} methods. All node start-up goes through {@link TestNodes}. See docs/testing.md.
 */
public final class NodeExtension implements BeforeAllCallback, AfterAllCallback {
  private final Map<String, String> env = new HashMap<>();
  private final Map<Integer, Map<String, String>> memberEnv = new HashMap<>();
  private final List<Node> nodes = new ArrayList<>();
  private final List<Map<String, String>> envs = new ArrayList<>();
  private int members = 1;
  private boolean accounts;
  private Clock clock;
  private String database;
  private String pgUrl;
  private AccountFixtures fixtures;
  private Api api;

  private NodeExtension() {
  }

  /** One node on a fresh, migrated database with only the bootstrap admin. */
  public static NodeExtension create() {
    return new NodeExtension();
  }

  /** One node with the {@link AccountFixtures} cast (divisions, committees, stations, accounts). */
  public static NodeExtension withAccounts() {
    return create().accounts();
  }

  /** Creates the {@link AccountFixtures} cast through the first member once it runs. */
  public NodeExtension accounts() {
    this.accounts = true;
    return this;
  }

  /** An environment variable as an operator would set it, for every member. */
  public NodeExtension env(String name, String value) {
    env.put(name, value);
    return this;
  }

  public NodeExtension env(Map<String, String> variables) {
    env.putAll(variables);
    return this;
  }

  /** An environment variable for member {@code i} only (in start order), over the shared ones. */
  public NodeExtension memberEnv(int i, String name, String value) {
    memberEnv.computeIfAbsent(i, k -> new HashMap<>()).put(name, value);
    return this;
  }

  /** {@code n} members of one cluster sharing the database (each its own ports and data directory). */
  public NodeExtension members(int n) {
    if (n < 1) {
      throw new IllegalArgumentException("members: " + n);
    }
    this.members = n;
    return this;
  }

  /** The clock every member's scheduler reads (e.g. a {@link MovableClock}). */
  public NodeExtension clock(Clock clock) {
    this.clock = clock;
    return this;
  }

  /** Uses this database ({@code postgresql://} URL) instead of a fresh one in the embedded server. */
  public NodeExtension database(String postgresUrl) {
    this.database = postgresUrl;
    return this;
  }

  @Override
  public void beforeAll(ExtensionContext context) throws Exception {
    if (!nodes.isEmpty()) {
      throw new IllegalStateException("NodeExtension is already running for " + context.getRequiredTestClass().getName()
          + ": one extension per test class, no @Nested classes under it");
    }
    envs.clear();
    fixtures = null;
    pgUrl = database != null ? database : TestPostgres.freshDatabaseUrl();
    envs.addAll(members == 1 ? List.of(TestNodes.env(pgUrl, env)) : TestNodes.clusterEnvs(pgUrl, members, env));
    memberEnv.forEach((i, own) -> envs.get(i).putAll(own));
    for (Map<String, String> e : envs) {
      nodes.add(TestNodes.start(e, clock));
    }
    if (accounts) {
      fixtures = AccountFixtures.create(nodes.get(0));
    }
    api = new Api(nodes.get(0).baseUrl());
    inject(context.getRequiredTestClass());
  }

  @Override
  public void afterAll(ExtensionContext context) {
    for (int i = nodes.size() - 1; i >= 0; i--) {
      nodes.get(i).close();
    }
    nodes.clear();
  }

  private void inject(Class<?> testClass) throws IllegalAccessException {
    for (Class<?> c = testClass; c != null && c != Object.class; c = c.getSuperclass()) {
      for (Field field : c.getDeclaredFields()) {
        if (!field.isAnnotationPresent(FromNode.class)) {
          continue;
        }
        if (!Modifier.isStatic(field.getModifiers()) || Modifier.isFinal(field.getModifiers())) {
          throw new IllegalStateException("@FromNode needs a static, non-final field: " + field);
        }
        field.setAccessible(true);
        field.set(null, valueFor(field));
      }
    }
  }

  private Object valueFor(Field field) {
    Class<?> type = field.getType();
    int member = field.getAnnotation(FromNode.class).member();
    if (type == Node.class) {
      return node(member);
    } else if (type == Api.class) {
      return member == 0 ? api : new Api(node(member).baseUrl());
    } else if (type == AccountFixtures.class) {
      return fixtures();
    } else if (type == Sql.class) {
      return new Sql(pgUrl);
    } else if (type == String.class) {
      return pgUrl;
    }
    throw new IllegalStateException("@FromNode cannot fill a field of type " + type.getName() + ": " + field);
  }

  /** The first member. */
  public Node node() {
    return node(0);
  }

  /** Member {@code i}, in start order. */
  public Node node(int i) {
    return nodes.get(i);
  }

  /** Every member, in start order. */
  public List<Node> nodes() {
    return Collections.unmodifiableList(nodes);
  }

  /** The settings member {@code i} was started with (ports, data directory, ...). */
  public Map<String, String> envOf(int i) {
    return Collections.unmodifiableMap(envs.get(i));
  }

  /** A client of the first member. */
  public Api api() {
    return api;
  }

  public AccountFixtures fixtures() {
    if (fixtures == null) {
      throw new IllegalStateException("no account fixtures: register NodeExtension.withAccounts()");
    }
    return fixtures;
  }

  /** The {@code postgresql://} URL of the class's database. */
  public String pgUrl() {
    return pgUrl;
  }
}
