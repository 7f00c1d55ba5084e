"""The one PDF renderer: autoescaped Jinja2 templates → WeasyPrint → bytes.

Every PDF and PNG in Handbill goes through here. Rendering is pure: plain data in,
bytes out, no request or app. WeasyPrint only ever sees HTML built by autoescaped
templates, and every URL it asks for goes through :class:`AssetFetcher`, which serves
the project's own print assets (and resources generated for this render, such as a
QR code) and refuses everything else.

Each render is bounded: it runs in another process with a memory ceiling (``RLIMIT_AS``)
and a wall-clock deadline, so a pathological input ends in a clear :class:`RenderError`
while the server keeps serving. Render jobs go to warm worker processes forked from the
server once WeasyPrint and the fonts are loaded (a worker that fails or runs late is killed
and replaced), so a bounded render costs no more than an unbounded one; a job that cannot be
pickled (a lambda) gets a child forked for it alone, under the same limits.
"""
from __future__ import annotations

import gc
import hashlib
import json
import os
import pickle
import posixpath
import re
import resource
import select
import signal
import struct
import threading
import time
import warnings
from dataclasses import dataclass, field
from io import BytesIO
from pathlib import Path
from typing import Any, Callable, Sequence
from urllib.parse import unquote, urlsplit

import jinja2
from markupsafe import Markup
from weasyprint import CSS, HTML
from weasyprint.urls import URLFetcher, URLFetcherResponse, URLFetchingError

from .config import ROOT
from . import languages
from .filters import emphasis

TEMPLATES = ROOT / "templates"
ASSETS = ROOT / "static" / "print"
ASSET_BASE = "https://assets.handbill.invalid/"
GENERATED = ASSET_BASE + "generated/"
MAX_DATA_URI = 64 * 1024
MAX_ASSET_BYTES = 16 * 1024 * 1024
ASSET_TYPES = {".css": "text/css", ".svg": "image/svg+xml", ".png": "image/png", ".jpg": "image/jpeg",
               ".jpeg": "image/jpeg", ".ttf": "font/ttf", ".otf": "font/otf", ".woff2": "font/woff2"}
DATA_TYPES = ("image/", "font/")


class RenderError(ValueError):
    """A render could not finish; the message says why (overflow, time limit, bad option).

    ``block`` names the part of the design that caused it (e.g. ``headline``, ``quote-2``) when known.
    """

    def __init__(self, message: str, block: str | None = None):
        super().__init__(message)
        self.message, self.block = message, block

    def __reduce__(self):
        # Errors travel from the render process back to the caller by pickle.
        return type(self), (self.message, self.block)


class RefusedURL(URLFetchingError):
    """A URL the renderer will not fetch."""


class AssetFetcher(URLFetcher):
    """Serves only files under ``static/print`` and this render's generated resources.

    It never opens a network connection or a ``file://`` URL: anything that is not one of
    our assets (or a small image ``data:`` URI) is refused, so there is nothing to redirect.
    """

    def __init__(self, generated: dict[str, tuple[bytes, str]] | None = None):
        super().__init__(timeout=1, allowed_protocols={"https", "data"}, allow_redirects=False)
        self.generated = generated or {}
        self.refused: list[str] = []

    def fetch(self, url, headers=None):
        if url.startswith("data:"):
            return self._data(url, headers)
        if not url.startswith(ASSET_BASE):
            return self._refuse(url, "not a project asset")
        try:
            parts = urlsplit(url)
        except ValueError:
            return self._refuse(url, "malformed URL")
        if parts.query or parts.fragment or parts.username or parts.password or parts.port:
            return self._refuse(url, "query strings, fragments and credentials are not served")
        # Decode twice so %252e%252e cannot smuggle a traversal past the check below.
        path = unquote(unquote(parts.path))
        if "\\" in path or "\x00" in path or "%" in path:
            return self._refuse(url, "bad path")
        clean = posixpath.normpath(path)
        if clean != path.rstrip("/") or ".." in path.split("/") or not clean.startswith("/"):
            return self._refuse(url, "path traversal")
        if clean.startswith("/generated/"):
            key = clean[len("/generated/"):]
            if key not in self.generated:
                return self._refuse(url, "unknown generated resource")
            body, mime = self.generated[key]
            return URLFetcherResponse(url, body, {"Content-Type": mime})
        target = (ASSETS / clean.lstrip("/")).resolve()
        if not target.is_relative_to(ASSETS.resolve()) or not target.is_file():
            return self._refuse(url, "no such asset")
        mime = ASSET_TYPES.get(target.suffix.lower(), "")
        if not mime:
            return self._refuse(url, "asset type not served")
        if target.stat().st_size > MAX_ASSET_BYTES:
            return self._refuse(url, "asset too large")
        return URLFetcherResponse(url, target.read_bytes(), {"Content-Type": mime})

    def _data(self, url: str, headers):
        """Small image and font ``data:`` URIs only (a data: stylesheet could import anything)."""
        if len(url) > MAX_DATA_URI:
            return self._refuse(url[:40] + "…", "data: URI too large")
        mime = url[5:].split(",", 1)[0].split(";", 1)[0].strip().lower()
        if not mime.startswith(DATA_TYPES):
            return self._refuse(url[:40], "only image and font data: URIs are served")
        return super().fetch(url, headers)

    def _refuse(self, url: str, why: str):
        self.refused.append(url)
        raise RefusedURL(f"refused {url!r}: {why}")


# -- templates ------------------------------------------------------------------------------

PAGE_VALUE = re.compile(r"[A-Za-z0-9 .%-]{1,40}")


def page_value(value) -> Markup:
    """A CSS page size/bleed/marks/margin value: plain words and lengths only, never free text."""
    text = str(value).strip()
    if not PAGE_VALUE.fullmatch(text):
        raise RenderError(f"not a page geometry value: {text[:40]!r}")
    return Markup(text)


URL_BREAK = re.compile(r"(?<=[/?&=#])(?=.)")


def url_parts(url: str) -> Markup:
    """A URL to print: it may wrap only after ``/ ? & = #`` (never at a hyphen a reader would
    take for part of the address); pieces longer than a line may still break anywhere."""
    pieces = []
    for piece in URL_BREAK.split(str(url)):
        cls = "url-part" if len(piece) <= 28 else "url-part long"
        pieces.append(Markup('<span class="{}">{}</span>').format(cls, piece))
    return Markup("").join(pieces)


def environment(translations=None) -> jinja2.Environment:
    """The print templates' Jinja environment: autoescaped, strict about undefined names."""
    env = jinja2.Environment(loader=jinja2.FileSystemLoader(str(TEMPLATES)), autoescape=True,
                             undefined=jinja2.StrictUndefined, extensions=["jinja2.ext.i18n"])
    env.filters["emphasis"] = emphasis
    env.filters["page_value"] = page_value
    env.filters["url_parts"] = url_parts
    env.filters.update(languages.PRINT_FILTERS)
    if translations is None:
        env.install_null_translations(newstyle=True)
    else:
        env.install_gettext_translations(translations, newstyle=True)
    env.globals["asset"] = lambda name: ASSET_BASE + name
    env.globals["generated"] = lambda key: GENERATED + key
    return env


_ENV = environment()


def render_html(template: str, context: dict, translations=None) -> str:
    """Fill a print template (autoescaped)."""
    env = _ENV if translations is None else environment(translations)
    return env.get_template(template).render(**context)


# -- limits ---------------------------------------------------------------------------------

@dataclass(frozen=True)
class Limits:
    """How long one render may take and how much memory it may add on top of the server's own."""

    seconds: float = 30.0
    memory_mb: int = 1024


LIMITS = Limits(seconds=float(os.environ.get("HANDBILL_RENDER_SECONDS", 30)),
                memory_mb=int(os.environ.get("HANDBILL_RENDER_MEMORY_MB", 1024)))

# Reentrant, so work that holds it (a warm-up render in this process) may call helpers that take it too.
_fork_lock = threading.RLock()


def _fresh_lock_in_child() -> None:
    # The forking thread holds _fork_lock while it forks, so a child would inherit it locked.
    global _fork_lock
    _fork_lock = threading.RLock()


def rendering_in_this_process():
    """Hold this while rendering outside ``bounded`` (in the server process itself), so no render
    worker is forked while a thread is inside WeasyPrint or pdfium."""
    return _fork_lock


os.register_at_fork(after_in_child=_fresh_lock_in_child)
RENDER_SLOTS = int(os.environ.get("HANDBILL_RENDER_SLOTS", max(2, os.cpu_count() or 1)))
_slots = threading.BoundedSemaphore(RENDER_SLOTS)
_warm = False
_in_worker = False


def _address_space() -> int:
    """This process's current virtual size in bytes (the memory ceiling is set above it)."""
    try:
        with open("/proc/self/statm") as f:
            return int(f.read().split()[0]) * resource.getpagesize()
    except OSError:
        return 0


def _resident() -> int:
    """This process's resident memory in bytes."""
    try:
        with open("/proc/self/statm") as f:
            return int(f.read().split()[1]) * resource.getpagesize()
    except OSError:
        return 0


def _warm_up() -> None:
    """Lay out a tiny document once so fontconfig and Pango are loaded before any fork.

    Children inherit the warm state, so each bounded render skips that start-up cost.
    Called with ``_fork_lock`` held, so no other thread is inside WeasyPrint when we fork.
    """
    global _warm
    if not _warm:
        html = ('<html lang="en"><head><link rel="stylesheet" href="css/base.css"></head>'
                '<body><p>Aa <b>Bb</b> <i>Cc</i> <span class="sans">Dd</span> \u0639\u0631\u0628\u064a</p></body></html>')
        _layout_unbounded(html, None).write_pdf()
        _warm = True


def bounded(fn: Callable[..., Any], *args, limits: Limits | None = None, **kwargs) -> Any:
    """Run ``fn(*args, **kwargs)`` in a separate process under a time limit and a memory ceiling.

    The result (or a :class:`RenderError`) is passed back by pickle. A render that runs out of
    time is killed; one that runs out of memory fails; either way the caller gets a
    :class:`RenderError` and this process is untouched.

    When ``fn`` and its arguments can be pickled, the job goes to a warm render worker (forked
    once from this process, reused, replaced after a failure or every ``WORKER_JOBS`` jobs);
    otherwise (e.g. a lambda) a child is forked for this one render.
    """
    limits = limits or LIMITS
    if _in_worker or not hasattr(os, "fork"):
        return fn(*args, **kwargs)
    # At most RENDER_SLOTS renders at once per process: an old laptop stays responsive when many
    # previews are requested together, and waiting for a slot counts against the time limit.
    started = time.monotonic()
    if not _slots.acquire(timeout=limits.seconds):
        raise RenderError("the server is busy rendering other documents; try again in a moment")
    try:
        deadline = max(started + limits.seconds, time.monotonic() + 0.5)
        job = _job_bytes(fn, args, kwargs) if USE_POOL else None
        if job is not None:
            answer = _pool(limits.memory_mb).run(job, limits, deadline)
            if answer is not _UNKNOWN:
                return answer
        read_fd, write_fd = os.pipe()
        pid = _fork()
        if pid == 0:  # pragma: no cover - runs in the child, reported through the pipe
            os.close(read_fd)
            _child(fn, args, kwargs, limits, write_fd)
        os.close(write_fd)
        return _collect(pid, read_fd, limits, deadline)
    finally:
        _slots.release()


def _fork() -> int:
    """fork() once no thread of ours is inside the rendering libraries (and they are warm)."""
    with _fork_lock:
        _warm_up()
        with warnings.catch_warnings():
            # Python 3.12+ warns about fork() in threaded processes; the lock guarantees no thread
            # is inside the rendering libraries, and the child only renders.
            warnings.simplefilter("ignore", DeprecationWarning)
            return os.fork()


def _job_bytes(fn, args, kwargs) -> bytes | None:
    """The pickled job, or None when it cannot travel to a worker (then it gets its own fork)."""
    try:
        return pickle.dumps((fn, args, kwargs), protocol=pickle.HIGHEST_PROTOCOL)
    except Exception:  # noqa: BLE001 - lambdas, closures, open files…
        return None


# -- warm render workers ---------------------------------------------------------------------

USE_POOL = os.environ.get("HANDBILL_RENDER_POOL", "1") != "0"
WORKER_JOBS = 100  # a worker is replaced after this many jobs, so no render inherits much from others
_LENGTH = struct.Struct("!Q")
_UNKNOWN = b"?"  # the worker cannot unpickle the job (its code is newer than the worker)


class _Worker:
    """One warm render process and the two pipes to it."""

    def __init__(self, memory_mb: int, others: list["_Worker"]):
        job_r, job_w = os.pipe()
        out_r, out_w = os.pipe()
        pid = _fork()
        if pid == 0:  # pragma: no cover - the worker process
            for fd in [job_w, out_r] + [fd for w in others for fd in (w.job_w, w.out_r)]:
                try:
                    os.close(fd)
                except OSError:
                    pass
            _worker_loop(job_r, out_w, memory_mb)
        os.close(job_r)
        os.close(out_w)
        self.pid, self.job_w, self.out_r, self.jobs = pid, job_w, out_r, 0

    def close(self, kill: bool = False) -> None:
        """Stop the worker (closing its job pipe ends its loop) and reap it."""
        for fd in (self.job_w, self.out_r):
            try:
                os.close(fd)
            except OSError:
                pass
        if kill:
            try:
                os.kill(self.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        try:
            os.waitpid(self.pid, 0)
        except ChildProcessError:
            pass


class _Pool:
    """Idle warm workers with one memory ceiling; a job takes one, a finished job gives it back."""

    def __init__(self, memory_mb: int):
        self.memory_mb = memory_mb
        self.idle: list[_Worker] = []
        self.all: list[_Worker] = []
        self.lock = threading.Lock()

    def _take(self) -> _Worker:
        with self.lock:
            if self.idle:
                return self.idle.pop()
            worker = _Worker(self.memory_mb, list(self.all))
            self.all.append(worker)
            return worker

    def _give_back(self, worker: _Worker, healthy: bool) -> None:
        with self.lock:
            if healthy and worker.jobs < WORKER_JOBS:
                self.idle.append(worker)
                return
            self.all.remove(worker)
        worker.close(kill=True)

    def run(self, job: bytes, limits: Limits, deadline: float):
        worker = self._take()
        healthy = False
        try:
            _write_all(worker.job_w, _LENGTH.pack(len(job)) + job)
            answer = _read_answer(worker.out_r, deadline)
            if answer is None:
                raise RenderError(f"the render took longer than {limits.seconds:g} seconds and was stopped")
            if not answer:
                raise RenderError(f"the render stopped unexpectedly (it may have needed more than "
                                  f"{limits.memory_mb} MB of memory)")
            if answer == _UNKNOWN:
                healthy = True
                return _UNKNOWN
            worker.jobs += 1
            ok, value, fresh = pickle.loads(answer)
            healthy = fresh
        except OSError:
            raise RenderError("the render process stopped unexpectedly") from None
        finally:
            self._give_back(worker, healthy)
        if not ok:
            raise value
        return value


_pools: dict[int, _Pool] = {}
_pools_lock = threading.Lock()


def _pool(memory_mb: int) -> _Pool:
    with _pools_lock:
        if memory_mb not in _pools:
            _pools[memory_mb] = _Pool(memory_mb)
        return _pools[memory_mb]


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view):]


def _read_exact(fd: int, size: int, deadline: float | None) -> bytes | None:
    """``size`` bytes from ``fd``; b"" at end of file; None if the deadline passes first."""
    chunks, left = [], size
    while left:
        if deadline is not None:
            wait = deadline - time.monotonic()
            if wait <= 0 or not select.select([fd], [], [], wait)[0]:
                if deadline - time.monotonic() <= 0:
                    return None
                continue
        chunk = os.read(fd, min(left, 1 << 20))
        if not chunk:
            return b""
        chunks.append(chunk)
        left -= len(chunk)
    return b"".join(chunks)


def _read_answer(fd: int, deadline: float | None) -> bytes | None:
    """One length-prefixed message: the bytes, b"" if the other side is gone, None on timeout."""
    head = _read_exact(fd, _LENGTH.size, deadline)
    if not head:
        return head
    return _read_exact(fd, _LENGTH.unpack(head)[0], deadline)


def _drop_inherited_channels(keep: tuple[int, ...]) -> None:  # pragma: no cover - render processes only
    """Point every inherited pipe and socket (except ``keep``) at /dev/null.

    A render process must not hold other people's pipes open: a browser driver, a subprocess or a
    process pool waiting for end-of-file on them would wait for as long as we live. The numbers are
    overwritten rather than closed so an inherited Python object that closes "its" descriptor
    later cannot close something this process opened since. Regular files are left alone.
    """
    try:
        names = os.listdir("/proc/self/fd")
    except OSError:
        return
    null = os.open(os.devnull, os.O_RDWR)
    try:
        for name in names:
            fd = int(name)
            if fd <= 2 or fd == null or fd in keep:
                continue
            try:
                target = os.readlink(f"/proc/self/fd/{fd}")
            except OSError:
                continue
            if target.startswith(("pipe:", "socket:", "anon_inode:")):
                os.dup2(null, fd, inheritable=False)
    finally:
        os.close(null)


def _worker_loop(job_fd: int, out_fd: int, memory_mb: int) -> None:  # pragma: no cover - worker process
    """Run jobs until the job pipe closes; exit after a failure that may have left bad state."""
    global _in_worker
    _in_worker = True
    gc.freeze()  # see _child: keep the collector off the inherited heap
    code = 0
    try:
        _drop_inherited_channels((job_fd, out_fd))
        signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is for the server; it closes our pipe
        ceiling = _address_space() + memory_mb * 1024 * 1024
        resource.setrlimit(resource.RLIMIT_AS, (ceiling, ceiling))
        # Memory a render leaves behind (fragmentation) would shrink the next render's budget:
        # a worker that has grown by half its budget finishes its job and is replaced.
        grown_limit = _resident() + memory_mb * 1024 * 1024 // 2
        while True:
            job = _read_answer(job_fd, None)
            if not job:
                break
            fresh = True
            try:
                fn, args, kwargs = pickle.loads(job)
            except Exception:  # noqa: BLE001 - defined after this worker was forked: the caller forks instead
                _write_all(out_fd, _LENGTH.pack(len(_UNKNOWN)) + _UNKNOWN)
                continue
            try:
                value = fn(*args, **kwargs)
                fresh = _resident() < grown_limit
                payload = pickle.dumps((True, value, fresh), protocol=pickle.HIGHEST_PROTOCOL)
            except RenderError as exc:
                payload = pickle.dumps((False, exc, True))
            except MemoryError:
                fresh = False
                payload = pickle.dumps((False, RenderError(
                    f"the render needed more than {memory_mb} MB of memory and was stopped"), False))
            except BaseException as exc:  # noqa: BLE001 - everything must reach the parent as a message
                fresh = False
                payload = pickle.dumps((False, RenderError(f"the renderer failed: {type(exc).__name__}: {exc}"),
                                        False))
            _write_all(out_fd, _LENGTH.pack(len(payload)) + payload)
            if not fresh:
                break
            del job
            gc.collect(0)
    except BaseException:  # noqa: BLE001
        code = 1
    finally:
        os._exit(code)


def _child(fn, args, kwargs, limits: Limits, write_fd: int) -> None:  # pragma: no cover - child process
    """Set the limits, run, write ``(ok, value)`` to the pipe, and exit without cleanup handlers."""
    global _in_worker
    _in_worker = True
    code = 0
    # Everything inherited from the parent goes to the permanent generation (O(1)), so the
    # collector never walks it: walking would write to every inherited page and copy them all.
    gc.freeze()
    try:
        _drop_inherited_channels((write_fd,))
        signal.signal(signal.SIGINT, signal.SIG_DFL)
        ceiling = _address_space() + limits.memory_mb * 1024 * 1024
        resource.setrlimit(resource.RLIMIT_AS, (ceiling, ceiling))
        cpu = int(limits.seconds) + 1
        resource.setrlimit(resource.RLIMIT_CPU, (cpu, cpu + 1))
        try:
            payload = pickle.dumps((True, fn(*args, **kwargs)), protocol=pickle.HIGHEST_PROTOCOL)
        except RenderError as exc:
            payload = pickle.dumps((False, exc))
        except MemoryError:
            payload = pickle.dumps((False, RenderError(
                f"the render needed more than {limits.memory_mb} MB of memory and was stopped")))
        except BaseException as exc:  # noqa: BLE001 - everything must reach the parent as a message
            payload = pickle.dumps((False, RenderError(f"the renderer failed: {type(exc).__name__}: {exc}")))
        view = memoryview(payload)
        while view:
            written = os.write(write_fd, view)
            view = view[written:]
    except BaseException:  # noqa: BLE001
        code = 1
    finally:
        os._exit(code)


def _collect(pid: int, read_fd: int, limits: Limits, deadline: float):
    """Read the child's answer before the deadline; kill it and raise if it is late or dies."""
    chunks: list[bytes] = []
    timed_out = False
    try:
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                timed_out = True
                break
            ready, _, _ = select.select([read_fd], [], [], left)
            if not ready:
                continue
            chunk = os.read(read_fd, 1 << 20)
            if not chunk:
                break
            chunks.append(chunk)
    finally:
        os.close(read_fd)
        if timed_out:
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        _, status = os.waitpid(pid, 0)
    if timed_out:
        raise RenderError(f"the render took longer than {limits.seconds:g} seconds and was stopped")
    try:
        ok, value = pickle.loads(b"".join(chunks))
    except Exception:  # noqa: BLE001 - a child killed mid-write leaves a truncated pickle
        if os.WIFSIGNALED(status) and os.WTERMSIG(status) in (signal.SIGXCPU, signal.SIGKILL):
            raise RenderError(f"the render took longer than {limits.seconds:g} seconds and was stopped") from None
        raise RenderError(f"the render stopped unexpectedly (it may have needed more than "
                          f"{limits.memory_mb} MB of memory)") from None
    if not ok:
        raise value
    return value


# -- PDF ------------------------------------------------------------------------------------

@dataclass(frozen=True)
class PdfOptions:
    """What goes into the PDF besides the page content (non-empty values override the HTML head)."""

    title: str = ""
    author: str = ""
    subject: str = ""
    lang: str = "en"
    keywords: tuple[str, ...] = ()
    tagged: bool = True
    stylesheets: tuple[str, ...] = field(default=())


def _defang(document: HTML) -> None:
    """Drop what would embed files in the PDF: ``rel=attachment`` on links and anchors.

    Our templates never use it and user text is escaped, so this only matters if a template
    ever lets markup through; it keeps the promise "no attachments" true regardless.
    """
    for element in document.etree_element.iter():
        rel = element.get("rel") if isinstance(element.tag, str) else None
        if rel and "attachment" in rel.lower().split():
            if element.tag == "link":
                element.attrib.pop("href", None)
            element.attrib.pop("rel", None)


def _layout_unbounded(html: str, generated, options: PdfOptions = PdfOptions()):
    fetcher = AssetFetcher(generated)
    document = HTML(string=html, base_url=ASSET_BASE, url_fetcher=fetcher)
    _defang(document)
    stylesheets = [CSS(string=css, base_url=ASSET_BASE, url_fetcher=fetcher) for css in options.stylesheets]
    rendered = document.render(stylesheets=stylesheets, pdf_tags=options.tagged)
    meta = rendered.metadata
    meta.attachments = []
    if options.title:
        meta.title = options.title
    if options.author:
        meta.authors = [options.author]
    if options.subject:
        meta.description = options.subject
    if options.keywords:
        meta.keywords = list(options.keywords)
    if options.lang and not meta.lang:
        meta.lang = options.lang
    meta.authors = [a for a in meta.authors if a]
    meta.keywords = [k for k in meta.keywords if k]
    return rendered


def layout(html: str, *, generated: dict[str, tuple[bytes, str]] | None = None,
           options: PdfOptions = PdfOptions()):
    """Lay out HTML (no PDF yet) and return WeasyPrint's Document; call inside :func:`bounded`."""
    return _layout_unbounded(html, generated, options)


def document_pdf(document, options: PdfOptions = PdfOptions()) -> bytes:
    """Write a laid-out Document as PDF (tagged PDF/UA-1 unless ``options.tagged`` is off)."""
    return document.write_pdf(pdf_variant="pdf/ua-1" if options.tagged else None,
                              pdf_tags=options.tagged, uncompressed_pdf=False, custom_metadata=False,
                              attachments=[])


def _write_pdf_unbounded(html: str, generated, options: PdfOptions) -> bytes:
    return document_pdf(_layout_unbounded(html, generated, options), options)


def write_pdf(html: str, *, generated: dict[str, tuple[bytes, str]] | None = None,
              options: PdfOptions = PdfOptions(), limits: Limits | None = None) -> bytes:
    """Lay out HTML with WeasyPrint through the asset-only fetcher, bounded; return the PDF bytes."""
    return bounded(_write_pdf_unbounded, html, generated, options, limits=limits)


# -- fitting text to a design -----------------------------------------------------------------

@dataclass(frozen=True)
class Overflow:
    """Where a laid-out document does not fit: the block to blame and a short reason."""

    block: str
    reason: str


def _box_bottom(box) -> float:
    return box.position_y + box.margin_height()


def _walk(box, ancestors=(), parent_element=None):
    """Every box under ``box``: ``(box, data-block names of its ancestors, starts-its-element)``."""
    element = getattr(box, "element", None)
    starts = element is not None and element is not parent_element and bool(getattr(box, "element_tag", None))
    name = element.get("data-block") if starts else None
    if name and (not ancestors or ancestors[-1] != name):
        ancestors = ancestors + (name,)
    yield box, ancestors, starts
    for child in getattr(box, "children", ()):
        yield from _walk(child, ancestors, element)


def _content_extent(box) -> float:
    """The height from the top edge to the bottom edge of what ``box`` holds (0 if it is empty)."""
    inner = [b for b, _, _ in _walk(box) if b is not box and getattr(b, "height", 0)]
    if not inner:
        return 0.0
    return max(_box_bottom(b) for b in inner) - min(b.position_y for b in inner)


@dataclass(frozen=True)
class Measure:
    """How a laid-out document sits in its design: what overflows, and the unused share of the space."""

    overflow: Overflow | None
    slack: float  # 0 = full, 0.4 = 40 % of the fixed area is empty; 0 when nothing is marked data-slack


def measure(document, pages: int = 1, tolerance: float = 0.5) -> Measure:
    """Overflow (see :func:`find_overflow`) and the empty share of each ``data-fit`` area.

    The empty space is read from the element marked ``data-slack`` inside the area (the row
    that stretches to fill the page): its height minus the height of what it holds.
    """
    blamable: dict[str, float] = {}
    fixed: set[str] = set()
    for page in document.pages:
        for box, names, starts in _walk(page._page_box):
            if starts and names and box.element.get("data-block") == names[-1]:
                if box.element.get("data-blame") == "no":
                    fixed.add(names[-1])
                else:
                    blamable[names[-1]] = blamable.get(names[-1], 0) + box.margin_height()

    def blame(names_seen: list[str]) -> str:
        for name in names_seen:
            if name in blamable and name not in fixed:
                return name
        return max(blamable, key=blamable.get) if blamable else (names_seen[0] if names_seen else "page")

    if len(document.pages) > pages:
        spilled: list[str] = []
        for page in document.pages[pages:]:
            for _box, names, _ in _walk(page._page_box):
                spilled.extend(n for n in names if n not in spilled)
        return Measure(Overflow(blame(spilled), f"runs onto page {pages + 1}"), 0.0)
    slack = None
    for page in document.pages:
        for box, _names, starts in _walk(page._page_box):
            if not starts or box.element.get("data-fit") is None:
                continue
            bottom = box.position_y + box.margin_height() - box.margin_bottom
            right = box.position_x + box.margin_width() - box.margin_right
            crossing: list[str] = []
            for inner, inner_names, _ in _walk(box):
                if inner is box or not (getattr(inner, "width", 0) or getattr(inner, "height", 0)):
                    continue
                if (_box_bottom(inner) > bottom + tolerance
                        or inner.position_x + inner.margin_width() > right + tolerance):
                    crossing.extend(n for n in inner_names if n not in crossing)
            if crossing:
                return Measure(Overflow(blame(crossing), "does not fit its area"), 0.0)
            for inner, _, inner_starts in _walk(box):
                if inner_starts and inner.element.get("data-slack") is not None:
                    share = max(0.0, inner.height - _content_extent(inner)) / max(box.height, 1)
                    slack = share if slack is None else min(slack, share)
    return Measure(None, slack or 0.0)


def find_overflow(document, pages: int = 1, tolerance: float = 0.5) -> Overflow | None:
    """Find text that does not fit, from the laid-out boxes (not from character counts).

    Two checks: the document must not run past ``pages`` pages, and no box may stick out of
    an element marked ``data-fit`` (a fixed-size area such as one half of a two-up sheet).
    Blocks are marked ``data-block="name"``; ``data-blame="no"`` marks fixed furniture (footer,
    QR code) that is never to blame, so the reported block is one the organizer can shorten.
    """
    return measure(document, pages, tolerance).overflow


@dataclass(frozen=True)
class Fitted:
    """A PDF whose text fits, the type scale it took, and how many layouts that cost."""

    pdf: bytes
    scale: float
    layouts: int = 1


def _fit_unbounded(make_html: Callable[[float], str], scales: Sequence[float], pages: int,
                   generated, options: PdfOptions, describe: Callable[[Overflow, float], str],
                   start: float = 1.0, fill: float = 0.1) -> Fitted:
    scales = sorted(set(scales), reverse=True)
    tried: dict[float, tuple[Any, Measure]] = {}

    def attempt(scale: float):
        if scale not in tried:
            document = _layout_unbounded(make_html(scale), generated, options)
            tried[scale] = (document, measure(document, pages))
        return tried[scale]

    def done(scale: float) -> Fitted:
        return Fitted(document_pdf(tried[scale][0], options), scale, len(tried))

    first = min(scales, key=lambda s: abs(s - start))
    _doc, m = attempt(first)
    if m.overflow is None:
        # Fits at the design's size. While much of the page is empty, grow the type by the square
        # root of the space available (text area grows with the square of its size); an
        # overshoot is retried once halfway, so this costs at most a few extra layouts.
        current = first
        for _ in range(3):
            if m.slack <= fill:
                break
            target = current / max(1e-6, 1 - m.slack) ** 0.5 * 0.98
            bigger = sorted(s for s in scales if current < s <= target)
            if not bigger:
                break
            grown = attempt(bigger[-1])[1]
            if grown.overflow is None:
                current, m = bigger[-1], grown
                continue
            half = bigger[(len(bigger) - 1) // 2]
            if half != bigger[-1] and attempt(half)[1].overflow is None:
                current = half
            break
        return done(current)
    # Too long: check the smallest allowed size, then binary-search the steps between.
    smaller = [s for s in scales if s < first]
    if not smaller:
        raise RenderError(describe(m.overflow, first), m.overflow.block)
    low = attempt(smaller[-1])[1]
    if low.overflow is not None:
        raise RenderError(describe(low.overflow, smaller[-1]), low.overflow.block)
    lo, hi = -1, len(smaller) - 1  # smaller[hi] fits; index -1 stands for ``first``, which overflows
    while hi - lo > 1:
        mid = (lo + hi) // 2
        if attempt(smaller[mid])[1].overflow is None:
            hi = mid
        else:
            lo = mid
    return done(smaller[hi])


def fit_pdf(make_html: Callable[[float], str], *, scales: Sequence[float] = (1.0, 0.9, 0.8, 0.7),
            pages: int = 1, generated: dict[str, tuple[bytes, str]] | None = None,
            options: PdfOptions = PdfOptions(), limits: Limits | None = None,
            describe: Callable[[Overflow, float], str] | None = None, start: float = 1.0) -> Fitted:
    """Render ``make_html(scale)`` at a type scale whose layout fits ``pages`` pages.

    Starts at ``start`` (the design's own size). Text that overflows is shrunk through the
    smaller ``scales``; if even the smallest overflows, :class:`RenderError` names the block
    (``describe(overflow, scale)`` words the message). A page left mostly empty (measured on the
    ``data-slack`` element) is filled by growing the type toward the larger ``scales``.
    """
    describe = describe or (lambda o, s: f"{o.block} {o.reason}, even with type reduced to {s:.0%}")
    return bounded(_fit_unbounded, make_html, tuple(scales), pages, generated, options, describe, start,
                   limits=limits)


# -- caching --------------------------------------------------------------------------------

_asset_digest: tuple[tuple, str] | None = None


def asset_versions() -> str:
    """A digest of every print asset, so a changed stylesheet or font invalidates cached output.

    File contents are hashed only when a name, size or modification time changed since last time.
    """
    global _asset_digest
    files = sorted(p for p in ASSETS.rglob("*") if p.is_file())
    stamp = tuple((str(p), st.st_size, st.st_mtime_ns) for p in files for st in (p.stat(),))
    if _asset_digest is not None and _asset_digest[0] == stamp:
        return _asset_digest[1]
    h = hashlib.sha256()
    for path in files:
        h.update(str(path.relative_to(ASSETS)).encode())
        h.update(path.read_bytes())
    _asset_digest = (stamp, h.hexdigest())
    return _asset_digest[1]


_template_refs: dict[str, tuple[tuple[int, int], str, tuple[str, ...]]] = {}


def _template_info(name: str) -> tuple[str, tuple[str, ...]]:
    """A template's content digest and the templates it names, re-read only when the file changes."""
    path = TEMPLATES / name
    st = path.stat()
    stamp = (st.st_mtime_ns, st.st_size)
    known = _template_refs.get(name)
    if known is None or known[0] != stamp:
        from jinja2 import meta

        source = path.read_text(encoding="utf-8")
        refs = tuple(ref for ref in meta.find_referenced_templates(_ENV.parse(source)) if ref)
        known = (stamp, hashlib.sha256(source.encode("utf-8")).hexdigest(), refs)
        _template_refs[name] = known
    return known[1], known[2]


def template_sources(template: str) -> list[str]:
    """``template`` and every template it extends, includes or imports, transitively (sorted)."""
    seen: set[str] = set()
    todo = [template]
    while todo:
        name = todo.pop()
        if name not in seen:
            seen.add(name)
            todo.extend(_template_info(name)[1])
    return sorted(seen)


def cache_key(template: str, context: dict, options: dict) -> str:
    """Content hash of what determines the output: template sources, data, options, assets."""
    h = hashlib.sha256()
    for name in template_sources(template):
        h.update(name.encode() + b"\0")
        h.update(_template_info(name)[0].encode())
    h.update(json.dumps(context, sort_keys=True, default=str).encode())
    h.update(json.dumps(options, sort_keys=True, default=str).encode())
    h.update(asset_versions().encode())
    return h.hexdigest()


def cached_bytes(cache_dir: str | Path | None, key: str, produce, suffix: str = ".bin") -> tuple[bytes, bool]:
    """Return ``(bytes, hit)``: the cached output for ``key``, or ``produce()`` stored under it.

    Files are written atomically (temp file + rename) so concurrent workers never read half a file.
    """
    if cache_dir is None:
        return produce(), False
    folder = Path(cache_dir) / key[:2]
    path = folder / (key + suffix)
    try:
        return path.read_bytes(), True
    except FileNotFoundError:
        pass
    data = produce()
    folder.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.{threading.get_ident()}.tmp")
    tmp.write_bytes(data)
    os.replace(tmp, path)
    return data, False


# -- PNG ------------------------------------------------------------------------------------

MAX_PIXELS = 16_000_000


def pdf_to_png(pdf: bytes, page: int = 0, *, width: int | None = None, scale: float = 1.0) -> bytes:
    """Rasterise one page of a PDF to PNG with pdfium (``width`` in pixels, else ``scale`` × 72 dpi).

    The pixel count is capped so a preview request can never ask for a gigantic image.
    """
    import pypdfium2 as pdfium

    # pdfium is not thread-safe, and a fork while a thread is inside it would leave a render
    # worker with pdfium's state half-changed: rasterise under the lock forks take.
    with _fork_lock:
        return _pdf_to_png(pdfium, pdf, page, width, scale)


def _pdf_to_png(pdfium, pdf: bytes, page: int, width: int | None, scale: float) -> bytes:
    image = _page_image(pdfium, pdf, page, width, scale)
    out = BytesIO()
    image.save(out, format="PNG", optimize=False)
    return out.getvalue()


def page_image(pdf: bytes, page: int = 0, *, width: int | None = None, scale: float = 1.0):
    """One page of a PDF as a Pillow image (for callers that add to it before encoding)."""
    import pypdfium2 as pdfium

    with _fork_lock:
        return _page_image(pdfium, pdf, page, width, scale)


def _page_image(pdfium, pdf: bytes, page: int, width: int | None, scale: float):
    doc = pdfium.PdfDocument(pdf)
    try:
        if not 0 <= page < len(doc):
            raise RenderError(f"there is no page {page + 1} (the document has {len(doc)})")
        pdf_page = doc[page]
        w, h = pdf_page.get_width(), pdf_page.get_height()
        if width:
            scale = width / w
        scale = min(scale, (MAX_PIXELS / max(w * h, 1)) ** 0.5)
        return pdf_page.render(scale=scale).to_pil()
    finally:
        doc.close()


def page_count(pdf: bytes) -> int:
    """How many pages a PDF has."""
    import pypdfium2 as pdfium

    with _fork_lock:
        doc = pdfium.PdfDocument(pdf)
        try:
            return len(doc)
        finally:
            doc.close()
