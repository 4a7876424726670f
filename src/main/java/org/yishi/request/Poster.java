package org.yishi.request;

import com.google.zxing.BarcodeFormat;
import com.google.zxing.EncodeHintType;
import com.google.zxing.WriterException;
import com.google.zxing.common.BitMatrix;
import com.google.zxing.qrcode.QRCodeWriter;
import com.google.zxing.qrcode.decoder.ErrorCorrectionLevel;

import java.util.Map;

/** A station's QR code as SVG (drawn on the server, no internet, crisp at any print size). */
public final class Poster {
  private Poster() {
  }

  /** An SVG of the QR code for {@code url}, one unit per module, with a four-module quiet zone. */
  public static String qrSvg(String url) {
    BitMatrix m;
    try {
      m = new QRCodeWriter().encode(url, BarcodeFormat.QR_CODE, 0, 0,
          Map.of(EncodeHintType.ERROR_CORRECTION, ErrorCorrectionLevel.M, EncodeHintType.MARGIN, 4));
    } catch (WriterException e) {
      throw new IllegalArgumentException("cannot encode " + url, e);
    }
    int w = m.getWidth();
    int h = m.getHeight();
    StringBuilder path = new StringBuilder();
    for (int y = 0; y < h; y++) {
      for (int x = 0; x < w; x++) {
        if (m.get(x, y)) {
          path.append('M').append(x).append(',').append(y).append("h1v1h-1z");
        }
      }
    }
    return "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 " + w + " " + h + "\" shape-rendering=\"crispEdges\""
        + " role=\"img\" aria-label=\"二维码 QR code\"><rect width=\"" + w + "\" height=\"" + h + "\" fill=\"#fff\"/><path fill=\"#000\" d=\"" + path + "\"/></svg>";
  }
}
