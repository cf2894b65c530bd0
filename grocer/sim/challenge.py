"""Coles bot protection: a JavaScript challenge, session cookies and request budgets.

The first visit to the home page gets a page whose script hashes a server nonce (FNV-1a,
32-bit) into the ``sim_challenge`` cookie and reloads; only a client that runs JavaScript
gets past it.  A valid challenge cookie earns a session cookie (``reese84``) good for
``requests_per_session`` requests; without a live session, pages are Imperva-style block
pages (HTML without ``__NEXT_DATA__``).
"""

from __future__ import annotations

import threading

from grocer.sim.rng import mix

CHALLENGE_COOKIE = "sim_challenge"
SESSION_COOKIE = "reese84"

CHALLENGE_PAGE = """<!DOCTYPE html>
<html><head><meta charset="utf-8"><title>Coles</title></head>
<body><noscript>Please enable JavaScript to view the page content.</noscript>
<script>
(function () {
  var n = "%s";
  var h = 2166136261;
  for (var i = 0; i < n.length; i++) {
    h ^= n.charCodeAt(i);
    h = Math.imul(h, 16777619) >>> 0;
  }
  document.cookie = "%s=" + n + "." + h.toString(16) + "; path=/";
  window.location.reload();
})();
</script></body></html>
"""

BLOCK_PAGE = """<!DOCTYPE html>
<html><head><meta name="robots" content="noindex,nofollow"><title>Pardon Our Interruption</title>
</head><body><h1>Pardon Our Interruption</h1>
<p>As you were browsing something about your browser made us think you were a bot.</p>
<p>Request unsuccessful. Incapsula incident ID: %s</p></body></html>
"""


def fnv1a(text: str) -> int:
    """32-bit FNV-1a of ``text`` (what the challenge script computes)."""
    value = 2166136261
    for char in text:
        value ^= ord(char)
        value = (value * 16777619) & 0xFFFFFFFF
    return value


class SessionGuard:
    """Issues challenges, verifies answers and meters sessions."""

    def __init__(self, seed: int, requests_per_session: int) -> None:
        self.secret = mix(seed, 0xC01E5)
        self.requests_per_session = requests_per_session
        self._counter = 0
        self._sessions: dict[str, int] = {}
        self._lock = threading.Lock()

    def _sign(self, value: int) -> str:
        return f"{mix(self.secret, value):016x}"[:12]

    def new_nonce(self) -> str:
        """A fresh nonce the server will recognise."""
        with self._lock:
            self._counter += 1
            counter = self._counter
        return f"{counter:x}-{self._sign(counter)}"

    def challenge_page(self) -> str:
        """The HTML of a challenge page with a fresh nonce."""
        return CHALLENGE_PAGE % (self.new_nonce(), CHALLENGE_COOKIE)

    def solved(self, cookie: str | None) -> bool:
        """Whether a ``sim_challenge`` cookie holds a correct answer to one of our nonces."""
        if not cookie or "." not in cookie:
            return False
        nonce, _, answer = cookie.rpartition(".")
        counter_text, _, signature = nonce.partition("-")
        try:
            counter = int(counter_text, 16)
        except ValueError:
            return False
        return signature == self._sign(counter) and answer == f"{fnv1a(nonce):x}"

    def open_session(self) -> str:
        """Start a session; returns its cookie value."""
        with self._lock:
            self._counter += 1
            token = f"s{self._counter:x}{self._sign(self._counter + (1 << 40))}"
            self._sessions[token] = self.requests_per_session
        return token

    def spend(self, token: str | None) -> bool:
        """Use one request of a session; False if it is unknown or exhausted."""
        if not token:
            return False
        with self._lock:
            left = self._sessions.get(token)
            if left is None or left <= 0:
                return False
            self._sessions[token] = left - 1
            return True

    def expire_all(self) -> None:
        """End every session (tests use this to force re-authentication)."""
        with self._lock:
            self._sessions.clear()

    def block_page(self) -> str:
        """An Imperva-style block page."""
        with self._lock:
            self._counter += 1
            incident = f"{self._counter:08d}-{mix(self.secret, self._counter) % 10**12:012d}"
        return BLOCK_PAGE % incident
