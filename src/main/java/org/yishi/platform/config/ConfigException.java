package org.yishi.platform.config;

/** A setting is missing or invalid; the message names the setting and says what is expected. */
public class ConfigException extends RuntimeException {
  public ConfigException(String message) {
    super(message);
  }
}
