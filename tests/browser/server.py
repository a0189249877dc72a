"""The app served for the browser tests, in a process of its own as in production.

``python -m tests.browser.server SETTINGS_JSON`` prints the port it listens on (a free
one on 127.0.0.1), then serves until it is terminated.
"""

import json
import sys

from werkzeug.serving import WSGIRequestHandler, make_server

from app import create_app


class QuietHandler(WSGIRequestHandler):
    def log_request(self, *args, **kwargs):
        pass


def main():
    app = create_app(json.loads(sys.argv[1]))
    server = make_server("127.0.0.1", 0, app, threaded=True, request_handler=QuietHandler)
    print(server.server_port, flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
