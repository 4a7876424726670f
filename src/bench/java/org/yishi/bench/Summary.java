package org.yishi.bench;

import io.vertx.core.json.JsonObject;
import org.HdrHistogram.Histogram;

/**
 * What one measured run produced: operations completed, errors, the wall time, and the latency
 * distribution (HdrHistogram, microseconds, 3 significant digits) summarised in milliseconds.
 */
public record Summary(long ops, long errors, double seconds, double p50, double p90, double p99, double p999,
                      double max, double mean) {

  /** A new histogram for latencies from 1 µs to 5 minutes. */
  public static Histogram histogram() {
    return new Histogram(1, 300_000_000L, 3);
  }

  /** Summarises {@code latencies} (µs) of {@code ops} operations over {@code seconds}. */
  public static Summary of(Histogram latencies, long ops, long errors, double seconds) {
    if (latencies.getTotalCount() == 0) {
      return new Summary(ops, errors, seconds, 0, 0, 0, 0, 0, 0);
    }
    return new Summary(ops, errors, seconds, ms(latencies.getValueAtPercentile(50)), ms(latencies.getValueAtPercentile(90)),
        ms(latencies.getValueAtPercentile(99)), ms(latencies.getValueAtPercentile(99.9)), ms(latencies.getMaxValue()),
        Math.round(latencies.getMean()) / 1000.0);
  }

  private static double ms(long micros) {
    return Math.round(micros / 10.0) / 100.0;
  }

  /** Completed operations per second (errors excluded). */
  public double rate() {
    return seconds <= 0 ? 0 : Math.round((ops - errors) / seconds * 10) / 10.0;
  }

  public JsonObject toJson() {
    return new JsonObject().put("ops", ops).put("errors", errors).put("seconds", Math.round(seconds * 100) / 100.0)
        .put("per_second", rate()).put("p50_ms", p50).put("p90_ms", p90).put("p99_ms", p99).put("p999_ms", p999)
        .put("max_ms", max).put("mean_ms", mean);
  }
}
