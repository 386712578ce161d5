"""A minimal headless-Chromium driver for the handout tests: the DevTools protocol over
--remote-debugging-pipe (JSON messages ending in a NUL byte, commands on the browser's fd 3,
replies and events on its fd 4). Standard library only.

    with Chromium() as browser:
        value = browser.evaluate_page("file:///...", width=390, script="(() => 1 + 1)()")
"""

import base64
import fcntl
import json
import os
import select
import shutil
import subprocess
import tempfile
import time

CHROMIUM_CANDIDATES = ("/usr/bin/chromium", "/usr/bin/chromium-browser")


def find_chromium():
    """The path of Debian's chromium, or None."""
    env = os.environ.get("CHROMIUM")
    if env:
        return env if os.access(env, os.X_OK) else None
    for path in CHROMIUM_CANDIDATES:
        if os.access(path, os.X_OK):
            return path
    return shutil.which("chromium")


class ChromiumError(Exception):
    pass


class Chromium:
    """One headless browser; pages are opened and closed one at a time.

    env: extra environment for the browser (FONTCONFIG_FILE, to hide fonts)."""

    def __init__(self, env=None, timeout=60):
        self.path = find_chromium()
        if not self.path:
            raise ChromiumError("chromium not found (install: scripts/install-deps --handout)")
        self.timeout = timeout
        self.profile = tempfile.mkdtemp(prefix="virtlab-chromium-")
        self._log = tempfile.TemporaryFile()   # chromium's stderr, shown when it dies
        cmd_r, self._cmd_w = os.pipe()      # we write commands, the browser reads its fd 3
        self._evt_r, evt_w = os.pipe()      # the browser writes its fd 4, we read
        args = [
            self.path, "--headless", "--remote-debugging-pipe",
            # Only our own local pages are loaded, never the network; as root the sandbox
            # cannot start at all (Chromium refuses), and in containers it often can't either.
            "--no-sandbox", "--disable-gpu", "--no-first-run", "--no-default-browser-check",
            "--disable-extensions", "--disable-background-networking", "--disable-sync",
            "--host-resolver-rules=MAP * ~NOTFOUND", "--hide-scrollbars",
            f"--user-data-dir={self.profile}", "about:blank",
        ]
        # Chromium wants fds 3 and 4 by number: bash moves the pipe ends there, then becomes
        # chromium. They are first moved to fds >= 10, so that neither is 3 or 4 itself.
        hi = []
        for fd in (cmd_r, evt_w):
            hi.append(fcntl.fcntl(fd, fcntl.F_DUPFD, 10))
            os.close(fd)
        cmd_r, evt_w = hi
        wrapper = f'exec "$0" "$@" 3<&{cmd_r} 4>&{evt_w} {cmd_r}<&- {evt_w}>&-'
        full_env = dict(os.environ, **(env or {}))
        self.proc = subprocess.Popen(["bash", "-c", wrapper] + args, pass_fds=(cmd_r, evt_w),
                                     stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                     stderr=self._log, env=full_env)
        os.close(cmd_r)
        os.close(evt_w)
        self._buf = b""
        self._next_id = 0
        self._events = []

    # ------------------------------------------------------------ protocol

    def _read_message(self, deadline):
        while b"\0" not in self._buf:
            left = deadline - time.monotonic()
            if left <= 0:
                raise ChromiumError("no answer from chromium in time")
            ready, _, _ = select.select([self._evt_r], [], [], left)
            if not ready:
                continue
            chunk = os.read(self._evt_r, 1 << 16)
            if not chunk:
                self._log.seek(0)
                err = self._log.read().decode(errors="replace")[-2000:]
                raise ChromiumError(f"chromium closed the pipe (exit {self.proc.poll()}): {err}")
            self._buf += chunk
        msg, _, self._buf = self._buf.partition(b"\0")
        return json.loads(msg)

    def send(self, method, params=None, session=None):
        """Sends a command and returns its result; raises ChromiumError on a protocol error."""
        self._next_id += 1
        mid = self._next_id
        msg = {"id": mid, "method": method, "params": params or {}}
        if session:
            msg["sessionId"] = session
        os.write(self._cmd_w, json.dumps(msg).encode() + b"\0")
        deadline = time.monotonic() + self.timeout
        while True:
            m = self._read_message(deadline)
            if m.get("id") == mid:
                if "error" in m:
                    raise ChromiumError(f"{method}: {m['error']}")
                return m.get("result", {})
            if "method" in m:
                self._events.append(m)

    def wait_event(self, method, session):
        deadline = time.monotonic() + self.timeout
        while True:
            for i, m in enumerate(self._events):
                if m.get("method") == method and m.get("sessionId") == session:
                    del self._events[i]
                    return m.get("params", {})
            m = self._read_message(deadline)
            if "method" in m:
                self._events.append(m)

    # ------------------------------------------------------------ pages

    def evaluate_page(self, url, width, script, height=900, screenshot=None):
        """Loads url in a fresh tab whose viewport is width x height CSS pixels, waits for the
        load event, evaluates script (an expression; a promise is awaited) and returns its
        value (JSON). screenshot: a path to write a PNG of the whole page to, for people."""
        target = self.send("Target.createTarget", {"url": "about:blank"})["targetId"]
        session = self.send("Target.attachToTarget", {"targetId": target, "flatten": True})["sessionId"]
        try:
            self.send("Emulation.setDeviceMetricsOverride",
                      {"width": width, "height": height, "deviceScaleFactor": 1, "mobile": False},
                      session)
            self.send("Page.enable", {}, session)
            nav = self.send("Page.navigate", {"url": url}, session)
            if nav.get("errorText"):
                raise ChromiumError(f"{url}: {nav['errorText']}")
            self.wait_event("Page.loadEventFired", session)
            r = self.send("Runtime.evaluate", {"expression": script, "returnByValue": True,
                                               "awaitPromise": True}, session)
            if "exceptionDetails" in r:
                raise ChromiumError(f"script failed: {json.dumps(r['exceptionDetails'])[:2000]}")
            value = r["result"].get("value")
            if screenshot:
                size = self.send("Page.getLayoutMetrics", {}, session)["cssContentSize"]
                shot = self.send("Page.captureScreenshot", {
                    "format": "png", "captureBeyondViewport": True,
                    "clip": {"x": 0, "y": 0, "width": width, "height": size["height"], "scale": 1}},
                    session)
                with open(screenshot, "wb") as f:
                    f.write(base64.b64decode(shot["data"]))
            return value
        finally:
            self.send("Target.closeTarget", {"targetId": target})

    def close(self):
        if self.proc.poll() is None:
            try:
                self.send("Browser.close")
            except (ChromiumError, OSError):
                pass
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        for fd in (self._cmd_w, self._evt_r):
            try:
                os.close(fd)
            except OSError:
                pass
        self._log.close()
        shutil.rmtree(self.profile, ignore_errors=True)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
