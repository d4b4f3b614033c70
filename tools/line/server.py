#!/usr/bin/python3
"""A loopback server that behaves like the LINE Messaging API (issue 16) for development
and tests: LINE_API_BASE points at it, LINE_CHANNEL_TOKEN is the only bearer token it
accepts.

  POST /v2/bot/message/multicast   1-500 user ids, 1-5 messages; X-Line-Retry-Key: a UUID
                                   accepted once (a repeat answers 409, as LINE does)
  POST /v2/bot/message/reply       a reply token and 1-5 messages
  GET  /v2/bot/message/quota       {"type": "none"} or {"type": "limited", "value": N}
  GET  /v2/bot/message/quota/consumption  {"totalUsage": N}

and, for the tests, on the same port (loopback only, no token):

  GET  /_test/requests   every accepted multicast and reply, in order
  POST /_test/config     {"quota": N|null, "usage": N, "fail_next": N, "retry_after": S}
                         fail_next: the next N multicasts answer 429 Too Many Requests
                         (with Retry-After when set); quota: the monthly limit, past which
                         a multicast answers 429 "You have reached your monthly limit."
  POST /_test/reset      forget everything, unlimited quota

Usage: server.py PORT TOKEN [HOST=127.0.0.1]
"""
import json
import re
import sys
import threading
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

UUID = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")
LOCK = threading.Lock()
STATE = {}


def reset():
    STATE.clear()
    STATE.update(requests=[], retry_keys={}, quota=None, usage=0, fail_next=0, retry_after=0)


reset()


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    # Head and body leave in one write (flushed after each request), as a real server's
    # do: written apart, Nagle and delayed ACKs would add 40 ms to every call.
    wbufsize = 1 << 16

    def log_message(self, fmt, *args):  # quiet: the tests read /_test/requests
        pass

    def answer(self, status, body, headers=()):
        data = json.dumps(body, ensure_ascii=False).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.send_header("x-line-request-id", str(uuid.uuid4()))
        for name, value in headers:
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(data)

    def body(self):
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        try:
            return json.loads(raw or b"{}")
        except ValueError:
            return None

    def authorised(self):
        if self.headers.get("Authorization") != "Bearer " + TOKEN:
            self.answer(401, {"message": "Authentication failed. Confirm that the access token in the authorization header is valid."})
            return False
        return True

    def do_GET(self):
        if self.path == "/_test/requests":
            with LOCK:
                return self.answer(200, {"requests": STATE["requests"]})
        if not self.authorised():
            return
        with LOCK:
            if self.path == "/v2/bot/message/quota":
                quota = STATE["quota"]
                return self.answer(200, {"type": "none"} if quota is None else {"type": "limited", "value": quota})
            if self.path == "/v2/bot/message/quota/consumption":
                return self.answer(200, {"totalUsage": STATE["usage"]})
        self.answer(404, {"message": "Not found"})

    def do_POST(self):
        body = self.body()
        if self.path == "/_test/reset":
            with LOCK:
                reset()
            return self.answer(200, {})
        if self.path == "/_test/config":
            with LOCK:
                for key in ("quota", "usage", "fail_next", "retry_after"):
                    if isinstance(body, dict) and key in body:
                        STATE[key] = body[key]
            return self.answer(200, {})
        if not self.authorised():
            return
        if not isinstance(body, dict):
            return self.answer(400, {"message": "The request body has 1 error(s)", "details": [{"message": "invalid JSON"}]})
        messages = body.get("messages")
        if not isinstance(messages, list) or not 1 <= len(messages) <= 5:
            return self.answer(400, {"message": "The request body has 1 error(s)",
                                     "details": [{"message": "Size must be between 1 and 5", "property": "messages"}]})
        if self.path == "/v2/bot/message/reply":
            if not isinstance(body.get("replyToken"), str) or not body["replyToken"]:
                return self.answer(400, {"message": "Invalid reply token"})
            with LOCK:
                STATE["requests"].append({"kind": "reply", "replyToken": body["replyToken"], "messages": messages})
            return self.answer(200, {"sentMessages": []})
        if self.path != "/v2/bot/message/multicast":
            return self.answer(404, {"message": "Not found"})
        to = body.get("to")
        if not isinstance(to, list) or not 1 <= len(to) <= 500 or not all(isinstance(u, str) for u in to):
            return self.answer(400, {"message": "The request body has 1 error(s)",
                                     "details": [{"message": "Size must be between 1 and 500", "property": "to"}]})
        key = self.headers.get("X-Line-Retry-Key")
        if key is not None and not UUID.match(key):
            return self.answer(400, {"message": "The value for the 'X-Line-Retry-Key' header is invalid"})
        with LOCK:
            if key is not None and key in STATE["retry_keys"]:
                return self.answer(409, {"message": "The retry key is already accepted"},
                                   [("x-line-accepted-request-id", STATE["retry_keys"][key])])
            if STATE["fail_next"] > 0:
                STATE["fail_next"] -= 1
                headers = [("Retry-After", str(STATE["retry_after"]))] if STATE["retry_after"] else []
                return self.answer(429, {"message": "Too Many Requests"}, headers)
            if STATE["quota"] is not None and STATE["usage"] + len(to) > STATE["quota"]:
                return self.answer(429, {"message": "You have reached your monthly limit."})
            request_id = str(uuid.uuid4())
            if key is not None:
                STATE["retry_keys"][key] = request_id
            STATE["usage"] += len(to)
            STATE["requests"].append({"kind": "multicast", "to": to, "messages": messages, "retryKey": key})
        self.answer(200, {})


if __name__ == "__main__":
    port, TOKEN = int(sys.argv[1]), sys.argv[2]
    host = sys.argv[3] if len(sys.argv) > 3 else "127.0.0.1"  # the compose stack listens on its network
    ThreadingHTTPServer((host, port), Handler).serve_forever()
