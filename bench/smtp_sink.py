"""A counting SMTP sink for bench/reminders.py, run as its own process:

    python bench/smtp_sink.py --port 2525 --log /tmp/sink.log

aiosmtpd accepts every message and appends one line per message to the log file:
"<unix time>\\t<Message-ID>". The benchmark reads the file to count arrivals, time them
and find duplicates (the same Message-ID twice). Prints "ready" once it listens and
stops on SIGTERM or SIGINT.
"""

from __future__ import annotations

import argparse
import re
import signal
import sys
import threading
import time
from typing import Any

from aiosmtpd.controller import Controller

MESSAGE_ID = re.compile(rb"^Message-ID:\s*(\S+)", re.IGNORECASE | re.MULTILINE)


class CountingHandler:
    def __init__(self, log_path: str) -> None:
        self.out = open(log_path, "a", buffering=1)  # noqa: SIM115 - open for the process's life

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802 - aiosmtpd hook
        content = envelope.original_content or envelope.content or b""
        headers = content.split(b"\r\n\r\n", 1)[0]
        found = MESSAGE_ID.search(headers)
        message_id = found.group(1).decode("ascii", "replace") if found else "-"
        self.out.write(f"{time.time():.6f}\t{message_id}\n")
        return "250 OK"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--log", required=True)
    args = parser.parse_args()
    controller = Controller(CountingHandler(args.log), hostname=args.host, port=args.port)
    controller.start()
    stop = threading.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: stop.set())
    print("ready", flush=True)
    stop.wait()
    controller.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
