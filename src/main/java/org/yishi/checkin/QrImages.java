package org.yishi.checkin;

import com.google.zxing.BarcodeFormat;
import com.google.zxing.EncodeHintType;
import com.google.zxing.WriterException;
import com.google.zxing.common.BitMatrix;
import com.google.zxing.qrcode.QRCodeWriter;
import com.google.zxing.qrcode.decoder.ErrorCorrectionLevel;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.Map;

/** QR codes drawn on the server (no internet, no script): SVG for pages and posters, PNG for download. */
public final class QrImages {
  private QrImages() {
  }

  private static BitMatrix matrix(String text) {
    try {
      return new QRCodeWriter().encode(text, BarcodeFormat.QR_CODE, 0, 0,
          Map.of(EncodeHintType.ERROR_CORRECTION, ErrorCorrectionLevel.M, EncodeHintType.MARGIN, 4));
    } catch (WriterException e) {
      throw new IllegalArgumentException("text too long for a QR code", e);
    }
  }

  /** An SVG drawing of the code, one unit per module, scaled by the page. */
  public static String svg(String text) {
    BitMatrix m = matrix(text);
    StringBuilder path = new StringBuilder();
    for (int y = 0; y < m.getHeight(); y++) {
      for (int x = 0; x < m.getWidth(); x++) {
        if (m.get(x, y)) {
          path.append('M').append(x).append(' ').append(y).append("h1v1h-1z");
        }
      }
    }
    return "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 " + m.getWidth() + " " + m.getHeight()
        + "\" shape-rendering=\"crispEdges\" role=\"img\" aria-label=\"二维码 QR code\"><rect width=\"100%\" height=\"100%\" fill=\"#fff\"/>"
        + "<path fill=\"#000\" d=\"" + path + "\"/></svg>";
  }

  /** A PNG of the code, {@code scale} pixels per module. */
  public static byte[] png(String text, int scale) {
    BitMatrix m = matrix(text);
    BufferedImage img = new BufferedImage(m.getWidth() * scale, m.getHeight() * scale, BufferedImage.TYPE_BYTE_BINARY);
    for (int y = 0; y < img.getHeight(); y++) {
      for (int x = 0; x < img.getWidth(); x++) {
        img.setRGB(x, y, m.get(x / scale, y / scale) ? 0x000000 : 0xFFFFFF);
      }
    }
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try {
      ImageIO.write(img, "png", out);
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
    return out.toByteArray();
  }
}
