package org.yishi.support;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Marks a static field of a test class that {@link NodeExtension} fills before the class's own
 * {@code @BeforeAll} methods run. By the field's type: {@code Node} (the first member, or
 * {@link #member()}), {@code Api} (a client of that member), {@code AccountFixtures} (needs {@link NodeExtension#withAccounts()}),
 * {@code Sql} (reads the class's database), {@code String} (the database's {@code postgresql://} URL).
 */
@Retention(RetentionPolicy.RUNTIME)
@Target(ElementType.FIELD)
public @interface FromNode {
  /** Which member, in start order, a {@code Node} or {@code Api} field is of (the first by default). */
  int member() default 0;
}
