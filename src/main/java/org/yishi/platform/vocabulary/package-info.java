/**
 * Shared vocabularies: the closed lists of values that several features store, count and show
 * (meeting kinds and formats, outcome forms). Each is one Java enum here, the single source: the
 * features validate with it, statistics name their counters after it ({@code meetings_held_kind_<key>}),
 * templates list it, and a test compares it with the CHECK constraint of the database (released
 * migrations are never edited, so a new value needs a new migration and a new enum constant together).
 * They live in {@code platform} so that features and statistics read one list without importing each other.
 */
package org.yishi.platform.vocabulary;
