#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
# A shared-state HTTP cache for tests that need what nginx will not do on request.
#
#   http_cache_server.py ROOT PORT_FILE [--junk] [--exit-after-objects N]
#
# Serves GET and PUT of files under ROOT, as nginx's WebDAV does, one request at a time, on a
# loopback port it writes to PORT_FILE once it listens. --junk answers every GET with 200 and a
# login page, as a captive portal does, and every PUT with 200, storing nothing.
# --exit-after-objects N exits, closing its port, right after serving its Nth object (/cas/).
import argparse
import http.server
import os

JUNK = b"<html>captive portal</html>"


class Handler(http.server.BaseHTTPRequestHandler):
    def log_message(self, *args):
        pass

    def reply(self, status, body=b""):
        self.send_response(status)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)
        self.wfile.flush()

    def on_disk(self):
        # The keys are hex digits: a path that is anything else is not one of ours.
        parts = self.path.strip("/").split("/")
        if len(parts) != 2 or parts[0] not in ("ac", "cas") or not parts[1].isalnum():
            return None
        return os.path.join(self.server.root, parts[0], parts[1])

    def do_GET(self):
        if self.server.junk:
            return self.reply(200, JUNK)
        path = self.on_disk()
        try:
            with open(path, "rb") as file:
                body = file.read()
        except (OSError, TypeError):
            return self.reply(404)
        self.reply(200, body)
        if self.path.startswith("/cas/"):
            self.server.objects_served += 1
            if self.server.objects_served == self.server.exit_after:
                os._exit(0)

    def do_PUT(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        path = self.on_disk()
        if self.server.junk:
            return self.reply(200)
        if path is None:
            return self.reply(400)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path + ".tmp", "wb") as file:
            file.write(body)
        os.replace(path + ".tmp", path)
        self.reply(201)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("root")
    parser.add_argument("port_file")
    parser.add_argument("--junk", action="store_true")
    parser.add_argument("--exit-after-objects", type=int, default=0)
    args = parser.parse_args()
    server = http.server.HTTPServer(("127.0.0.1", 0), Handler)
    server.root = args.root
    server.junk = args.junk
    server.exit_after = args.exit_after_objects
    server.objects_served = 0
    with open(args.port_file + ".tmp", "w") as file:
        file.write(str(server.server_address[1]))
    os.replace(args.port_file + ".tmp", args.port_file)
    server.serve_forever()


if __name__ == "__main__":
    main()
