package org.yishi.checkin;

import com.google.zxing.BinaryBitmap;
import com.google.zxing.MultiFormatReader;
import com.google.zxing.NotFoundException;
import com.google.zxing.RGBLuminanceSource;
import com.google.zxing.common.HybridBinarizer;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.yishi.app.Node;
import org.yishi.meeting.MeetingService;
import org.yishi.support.AccountFixtures;
import org.yishi.support.Api;
import org.yishi.support.Browser;
import org.yishi.support.FromNode;
import org.yishi.support.Http;
import org.yishi.support.NodeExtension;
import org.yishi.support.Sql;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.OffsetDateTime;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The check-in code's images, read back by a QR decoder (zxing's reader, as a phone's camera app
 * would): the PNG download and the SVG drawing (rasterised here from its path) both decode to the
 * meeting's check-in link, and that link opens the check-in page.
 */
class CheckinQrDecodeTest {
  @RegisterExtension static final NodeExtension NODE = NodeExtension.withAccounts();
  @FromNode private static Node node;
  @FromNode private static Api api;
  @FromNode private static AccountFixtures f;
  @FromNode private static Sql sql;
  private static long meeting;
  private static String link;
  private static Browser coordinator;

  @BeforeAll
  static void start() {
    long topic = AccountFixtures.approvedTopic(node, f.stations.get(AccountFixtures.HAIMING), "扫码议题");
    OffsetDateTime start = OffsetDateTime.now().plusMinutes(30).withNano(0);
    meeting = node.services().meetings().schedule(node.accounts().store().byUsername("admin").await().principal(),
        new MeetingService.MeetingInput(topic, start, start.plusHours(2), "社区会议室", "on_site", null, "forum", null, null,
            List.of(), List.of(f.taobeiMember))).await().getLong("id");
    HttpResponse<String> codes = api.get("/api/v1/meetings/" + meeting + "/checkins", api.token("c1", AccountFixtures.PASSWORD));
    assertEquals(200, codes.statusCode(), codes.body());
    link = Http.json(codes).getString("url");
    assertTrue(link.startsWith(node.baseUrl() + "/checkin/"), link);
    coordinator = new Browser(node.baseUrl()).login("c1", AccountFixtures.PASSWORD);
  }

  private static String decode(BufferedImage image) throws NotFoundException {
    int[] pixels = image.getRGB(0, 0, image.getWidth(), image.getHeight(), null, 0, image.getWidth());
    return new MultiFormatReader().decode(new BinaryBitmap(new HybridBinarizer(
        new RGBLuminanceSource(image.getWidth(), image.getHeight(), pixels)))).getText();
  }

  /** The link opens the check-in page for a guest's phone (role choice and privacy note). */
  private static void opensTheCheckinPage(String decoded) {
    assertEquals(link, decoded);
    HttpResponse<String> page = new Browser(node.baseUrl()).get(decoded.substring(node.baseUrl().length()));
    assertEquals(200, page.statusCode(), page.body());
    assertTrue(page.body().contains("id=\"privacy-note\""));
    assertTrue(page.body().contains("扫码议题"), "the page names the meeting the code belongs to");
  }

  @Test
  void thePngDecodesToTheMeetingsCheckinLink() throws Exception {
    HttpResponse<byte[]> png = coordinator.getBytes("/meetings/" + meeting + "/checkin/qr.png");
    assertEquals(200, png.statusCode());
    assertEquals("image/png", png.headers().firstValue("Content-Type").orElse(""));
    BufferedImage image = ImageIO.read(new ByteArrayInputStream(png.body()));
    opensTheCheckinPage(decode(image));
  }

  @Test
  void theSvgRasterisedDecodesToTheSameLink() throws Exception {
    HttpResponse<byte[]> svg = coordinator.getBytes("/meetings/" + meeting + "/checkin/qr.svg");
    assertEquals(200, svg.statusCode());
    String text = new String(svg.body(), StandardCharsets.UTF_8);
    Matcher box = Pattern.compile("viewBox=\"0 0 (\\d+) (\\d+)\"").matcher(text);
    assertTrue(box.find(), text);
    int scale = 6;
    int width = Integer.parseInt(box.group(1));
    int height = Integer.parseInt(box.group(2));
    BufferedImage image = new BufferedImage(width * scale, height * scale, BufferedImage.TYPE_INT_RGB);
    for (int y = 0; y < image.getHeight(); y++) {
      for (int x = 0; x < image.getWidth(); x++) {
        image.setRGB(x, y, 0xFFFFFF);
      }
    }
    // the drawing is one path of unit squares, "Mx yh1v1h-1z" per dark module
    Matcher square = Pattern.compile("M(\\d+) (\\d+)h1v1h-1z").matcher(text);
    int squares = 0;
    while (square.find()) {
      squares++;
      int mx = Integer.parseInt(square.group(1));
      int my = Integer.parseInt(square.group(2));
      for (int y = my * scale; y < (my + 1) * scale; y++) {
        for (int x = mx * scale; x < (mx + 1) * scale; x++) {
          image.setRGB(x, y, 0x000000);
        }
      }
    }
    assertTrue(squares > 100, "a QR code of a link has hundreds of dark modules");
    opensTheCheckinPage(decode(image));
  }

  @Test
  void aGuestCheckingInWithTheDecodedCodeIsCountedForThatMeeting() throws Exception {
    String decoded = decode(ImageIO.read(new ByteArrayInputStream(
        coordinator.getBytes("/meetings/" + meeting + "/checkin/qr.png").body())));
    String code = decoded.substring(decoded.lastIndexOf('/') + 1);
    HttpResponse<String> scan = api.call("POST", "/api/v1/checkin", null,
        new JsonObject().put("code", code).put("role", "residents").put("deviceKey", "decoded-device-000001").encode());
    assertEquals(201, scan.statusCode(), scan.body());
    assertEquals(meeting, Http.json(scan).getLong("meetingId"));
    assertEquals(1, sql.count("SELECT count(*) FROM meeting_checkin WHERE meeting_id = ? AND role = 'residents'", meeting));
  }
}
