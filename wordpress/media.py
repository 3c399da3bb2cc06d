"""Getting an attachment's file: from a local copy of wp-content/uploads, or from its URL.

Fetching is careful because the export names the hosts: http(s) only, a short timeout, a
size cap, no redirect to another host, and a host that failed once is not tried again in
the same run (an old site that is gone would otherwise cost a timeout per photo)."""

import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

MAX_BYTES = 25 * 1024 * 1024


class MediaMissing(Exception):
    """The file could not be had; the message says why."""


class _SameHostRedirects(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, req, fp, code, msg, headers, newurl):
        old, new = urllib.parse.urlsplit(req.full_url), urllib.parse.urlsplit(newurl)
        if (new.scheme, new.hostname) != (old.scheme, old.hostname) and not (
            old.scheme == "http" and new.scheme == "https" and new.hostname == old.hostname
        ):
            raise urllib.error.HTTPError(
                newurl, code, f"redirected to another host ({new.hostname})", headers, fp
            )
        return super().redirect_request(req, fp, code, msg, headers, newurl)


class MediaSource:
    def __init__(
        self,
        *,
        media_dir: Path | None,
        fetch: bool,
        timeout: float = 5.0,
        max_bytes: int = MAX_BYTES,
    ):
        self.media_dir = media_dir
        self.fetch = fetch
        self.timeout = timeout
        self.max_bytes = max_bytes
        self._dead_hosts: dict[str, str] = {}
        self._opener = urllib.request.build_opener(_SameHostRedirects())

    def get(self, url: str) -> bytes:
        """The file's bytes, or MediaMissing."""
        reasons = []
        if self.media_dir is not None:
            local = self.local_path(url)
            if local is not None and local.is_file():
                if local.stat().st_size > self.max_bytes:
                    raise MediaMissing(f"{local} is larger than {self.max_bytes:,} bytes")
                return local.read_bytes()
            reasons.append(f"not in {self.media_dir}")
        if self.fetch:
            try:
                return self._download(url)
            except MediaMissing as error:
                reasons.append(str(error))
        else:
            reasons.append("not fetched (--no-fetch)")
        raise MediaMissing("; ".join(reasons))

    def local_path(self, url: str) -> Path | None:
        """Where a copy of wp-content/uploads keeps the file: the part of the URL's path
        after /wp-content/uploads/ (or the whole path for hosts that serve uploads at their
        root, as WordPress.com does)."""
        path = urllib.parse.unquote(urllib.parse.urlsplit(url).path)
        marker = "/wp-content/uploads/"
        relative = path.split(marker, 1)[1] if marker in path else path.lstrip("/")
        candidate = (self.media_dir / relative).resolve()
        root = self.media_dir.resolve()
        if root not in candidate.parents:  # "../" in a URL must not leave the folder
            return None
        return candidate

    def _download(self, url: str) -> bytes:
        parts = urllib.parse.urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise MediaMissing(f"not a web address: {url}")
        if parts.hostname in self._dead_hosts:
            raise MediaMissing(self._dead_hosts[parts.hostname])
        request = urllib.request.Request(url, headers={"User-Agent": "Newsroom WordPress import"})
        try:
            with self._opener.open(request, timeout=self.timeout) as response:
                data = response.read(self.max_bytes + 1)
        except urllib.error.HTTPError as error:
            raise MediaMissing(f"{url} answered {error.code} {error.reason}") from None
        except (urllib.error.URLError, OSError) as error:
            reason = getattr(error, "reason", error)
            message = f"{parts.hostname} could not be reached ({reason})"
            self._dead_hosts[parts.hostname] = message
            raise MediaMissing(message) from None
        if len(data) > self.max_bytes:
            raise MediaMissing(f"{url} is larger than {self.max_bytes:,} bytes")
        return data
