package org.yishi.request;

/** Mainland mobile numbers: the only kind a resident may leave, and how others see them. */
public final class PhoneNumbers {
  private PhoneNumbers() {
  }

  /** Digits only (spaces, dashes and a +86/86 prefix dropped); null unless a mainland mobile number. */
  public static String normalise(String typed) {
    if (typed == null) {
      return null;
    }
    String d = typed.replaceAll("[\\s-]", "");
    if (d.startsWith("+86")) {
      d = d.substring(3);
    } else if (d.length() == 13 && d.startsWith("86")) {
      d = d.substring(2);
    }
    return d.matches("1[3-9]\\d{9}") ? d : null;
  }

  /** {@code 138****5678}: for everyone but the station's coordinator while the request is open. */
  public static String mask(String phone) {
    return phone == null ? null : phone.substring(0, 3) + "****" + phone.substring(7);
  }
}
