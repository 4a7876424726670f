package org.yishi.support;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * Reads a server-sent-events stream as a browser's EventSource does (fields {@code event} and
 * {@code data}, a blank line ends an event, lines starting with ":" are comments) on a thread of its
 * own, so a test can wait for the next event.
 */
public final class EventStream implements AutoCloseable {
  /** One event: its name ("message" when the server gave none) and its data. */
  public record Event(String name, String data) {
  }

  private final InputStream in;
  private final BlockingQueue<Event> events = new LinkedBlockingQueue<>();
  private final Thread reader;
  private volatile boolean ended;

  public EventStream(InputStream in) {
    this.in = in;
    this.reader = new Thread(this::read, "event-stream-reader");
    reader.setDaemon(true);
    reader.start();
  }

  private void read() {
    try (BufferedReader lines = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8))) {
      String name = null;
      StringBuilder data = new StringBuilder();
      for (String line = lines.readLine(); line != null; line = lines.readLine()) {
        if (line.isEmpty()) {
          if (name != null || data.length() > 0) {
            events.add(new Event(name == null ? "message" : name, data.toString()));
          }
          name = null;
          data.setLength(0);
        } else if (line.startsWith("event:")) {
          name = line.substring(6).trim();
        } else if (line.startsWith("data:")) {
          data.append(data.length() == 0 ? "" : "\n").append(line.substring(5).trim());
        }
      }
    } catch (IOException e) {
      // closed by the test or the server
    } finally {
      ended = true;
    }
  }

  /** The next event, or null when none arrives within {@code wait} (or the stream ended). */
  public Event next(Duration wait) throws InterruptedException {
    return events.poll(wait.toMillis(), TimeUnit.MILLISECONDS);
  }

  /** The next event named {@code name}, skipping others; null when none arrives within {@code wait}. */
  public Event next(String name, Duration wait) throws InterruptedException {
    long until = System.nanoTime() + wait.toNanos();
    for (;;) {
      long left = until - System.nanoTime();
      Event e = left <= 0 ? null : events.poll(left, TimeUnit.NANOSECONDS);
      if (e == null || e.name().equals(name)) {
        return e;
      }
    }
  }

  /** Events received and not yet taken. */
  public int pending() {
    return events.size();
  }

  public boolean ended() {
    return ended;
  }

  /** Whether the server ends the stream within {@code wait} (events meanwhile are skipped). */
  public boolean awaitEnd(Duration wait) throws InterruptedException {
    long until = System.nanoTime() + wait.toNanos();
    while (!ended && System.nanoTime() < until) {
      events.poll(100, TimeUnit.MILLISECONDS);
    }
    return ended;
  }

  @Override
  public void close() {
    try {
      in.close();
    } catch (IOException e) {
      // already closed
    }
    reader.interrupt();
  }
}
