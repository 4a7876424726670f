#!/usr/bin/env python3
"""A stand-in for the SMS gateway and the SMTP server in scripts/multihost-test.sh.

Usage: gateway-sink.py ADDRESS HTTP_PORT SMTP_PORT OUT_FILE
HTTP: each POST with a JSON body {"to","text","key"} is accepted (200) and its key appended to OUT_FILE.
SMTP: a minimal plain-text server (EHLO/HELO, MAIL, RCPT, DATA, RSET, NOOP, QUIT; no TLS, no auth);
each message's Message-ID local part (the key, ':' written as '.') is appended to OUT_FILE.
Keys are written as 'sms <key>' / 'mail <key>' lines, one per acceptance (repeats stay visible).
"""
import json
import socketserver
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

ADDRESS, HTTP_PORT, SMTP_PORT, OUT = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
LOCK = threading.Lock()


def record(line):
    with LOCK, open(OUT, "a", encoding="utf-8") as f:
        f.write(line + "\n")


class Sms(BaseHTTPRequestHandler):
    def do_POST(self):
        body = json.loads(self.rfile.read(int(self.headers.get("Content-Length", "0"))) or b"{}")
        record("sms " + body.get("key", "").replace(":", "."))
        reply = b'{"ok":true}'
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(reply)))
        self.end_headers()
        self.wfile.write(reply)

    def log_message(self, *args):
        pass


class Smtp(socketserver.StreamRequestHandler):
    def say(self, text):
        self.wfile.write((text + "\r\n").encode())
        self.wfile.flush()

    def handle(self):
        self.say("220 sink ESMTP")
        while True:
            line = self.rfile.readline()
            if not line:
                return
            cmd = line.decode("utf-8", "replace").strip().upper()
            if cmd.startswith("EHLO") or cmd.startswith("HELO"):
                self.say("250-sink\r\n250 8BITMIME")
            elif cmd.startswith("DATA"):
                self.say("354 go ahead")
                message_id = ""
                while True:
                    data = self.rfile.readline()
                    if not data or data in (b".\r\n", b".\n"):
                        break
                    text = data.decode("utf-8", "replace")
                    if text.lower().startswith("message-id:"):
                        message_id = text.split(":", 1)[1].strip().strip("<>").split("@")[0]
                record("mail " + message_id)
                self.say("250 queued")
            elif cmd.startswith("QUIT"):
                self.say("221 bye")
                return
            else:  # MAIL, RCPT, RSET, NOOP
                self.say("250 ok")


class ThreadingTcp(socketserver.ThreadingMixIn, socketserver.TCPServer):
    daemon_threads = True
    allow_reuse_address = True


smtp = ThreadingTcp((ADDRESS, SMTP_PORT), Smtp)
threading.Thread(target=smtp.serve_forever, daemon=True).start()
ThreadingHTTPServer((ADDRESS, HTTP_PORT), Sms).serve_forever()
