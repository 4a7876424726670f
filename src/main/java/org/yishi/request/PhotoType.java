package org.yishi.request;

/** A photo's type, read from its first bytes (the client's file name and content type are not trusted). */
public final class PhotoType {
  private PhotoType() {
  }

  /** {@code image/jpeg}, {@code image/png} or {@code image/webp}; null for anything else. */
  public static String sniff(byte[] head) {
    if (head.length >= 3 && (head[0] & 0xff) == 0xFF && (head[1] & 0xff) == 0xD8 && (head[2] & 0xff) == 0xFF) {
      return "image/jpeg";
    }
    if (head.length >= 8 && (head[0] & 0xff) == 0x89 && head[1] == 'P' && head[2] == 'N' && head[3] == 'G'
        && head[4] == 0x0D && head[5] == 0x0A && head[6] == 0x1A && head[7] == 0x0A) {
      return "image/png";
    }
    if (head.length >= 12 && head[0] == 'R' && head[1] == 'I' && head[2] == 'F' && head[3] == 'F'
        && head[8] == 'W' && head[9] == 'E' && head[10] == 'B' && head[11] == 'P') {
      return "image/webp";
    }
    return null;
  }
}
