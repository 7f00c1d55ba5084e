"""Isolated renders: a ``pebble.ProcessPool`` of warm render processes with time and memory limits.

Every render runs in a render process, never in the web process: WeasyPrint and pdfium only ever
see our templates' output there, and a pathological input costs one process, not the server.

- The processes come from a ``forkserver`` that has imported the renderer once (nothing is forked
  from a threaded web process); :mod:`campaign.render.warm` is preloaded into it.
- Each process starts with an ``initializer`` that lays out a sample page (fonts, Pango), compiles
  the print templates and sets ``RLIMIT_AS`` to its own size plus ``memory_mb``.
- Each job has a ``timeout``: pebble kills a late process and starts another.
- ``max_tasks`` replaces each process after that many renders, so no render inherits much from others.
- A process that dies under a job (killed, crashed) is replaced by pebble; the job is tried once more,
  and only then does the caller get :class:`RenderUnavailable` ("try again").

Pools are made on first use, one per setting (an app's settings come from its config:
``RENDER_SECONDS``, ``RENDER_MEMORY_MB``, ``RENDER_SLOTS``, ``RENDER_MAX_TASKS``), shared by apps
with the same settings, and stopped when the interpreter exits.
"""
from __future__ import annotations

import atexit
import logging
import multiprocessing
import resource
import threading
from concurrent.futures import CancelledError, as_completed, wait
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from typing import Any, Callable

from pebble import ProcessExpired, ProcessPool

from ..config import render_defaults
from .errors import RenderError, RenderUnavailable

log = logging.getLogger(__name__)

# Imported once by the fork server, so every render process starts with the renderer loaded and warm.
PRELOAD = ["campaign.render.warm"]


@dataclass(frozen=True)
class Limits:
    """How long one render may take, how much memory a render process may add to its own start-up
    size, how many render processes run at once and how many renders each does before it is replaced."""

    seconds: float = 30.0
    memory_mb: int = 1024
    slots: int = 2
    max_tasks: int = 100

    @classmethod
    def from_config(cls, config) -> "Limits":
        """The limits an app's config sets (``RENDER_SECONDS`` …), defaults for what it leaves out."""
        fallback = render_defaults()
        value = {name: config.get(name, fallback[name]) for name in fallback}
        return cls(seconds=float(value["RENDER_SECONDS"]), memory_mb=int(value["RENDER_MEMORY_MB"]),
                   slots=max(1, int(value["RENDER_SLOTS"])), max_tasks=max(0, int(value["RENDER_MAX_TASKS"])))


def default_limits() -> Limits:
    """The limits for renders outside an app (``HANDBILL_RENDER_*`` in the environment, else defaults)."""
    return Limits.from_config({})


def limits_for(app) -> Limits:
    """The render limits of a Flask app (read from its config once, kept in ``app.extensions``)."""
    found = app.extensions.get("handbill.render")
    if found is None:
        found = app.extensions["handbill.render"] = Limits.from_config(app.config)
    return found


def current_limits() -> Limits:
    """The active app's render limits, or the defaults outside an app."""
    from flask import current_app, has_app_context

    return limits_for(current_app) if has_app_context() else default_limits()


# -- inside a render process -------------------------------------------------------------------

_in_worker = False
_memory_mb = 0


def _address_space() -> int:
    """This process's current virtual size in bytes (the memory ceiling is set above it)."""
    with open("/proc/self/statm") as f:
        return int(f.read().split()[0]) * resource.getpagesize()


def _start_worker(memory_mb: int) -> None:  # pragma: no cover - runs in the render process
    """The pool's initializer: warm fonts and templates, then cap the address space."""
    global _in_worker, _memory_mb
    _in_worker, _memory_mb = True, memory_mb
    from . import warm

    warm.warm_up()
    ceiling = _address_space() + memory_mb * 1024 * 1024
    resource.setrlimit(resource.RLIMIT_AS, (ceiling, ceiling))


def _run(fn: Callable[..., Any], args: tuple, kwargs: dict) -> Any:  # pragma: no cover - render process
    """Run one job; anything but a :class:`RenderError` comes back as one with a plain message."""
    try:
        return fn(*args, **kwargs)
    except RenderError:
        raise
    except MemoryError:
        raise RenderError(f"the render needed more than {_memory_mb} MB of memory and was stopped") from None
    except Exception as exc:  # noqa: BLE001 - every failure reaches the caller as a message
        raise RenderError(f"the renderer failed: {type(exc).__name__}: {exc}") from None


# -- the pools ---------------------------------------------------------------------------------

_pools: dict[tuple[int, int, int], ProcessPool] = {}
_pools_lock = threading.Lock()


def _context():
    """The forkserver start method with the renderer preloaded into the server."""
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(PRELOAD)
    return context


def pool(limits: Limits) -> ProcessPool:
    """The running pool for these limits, started on first use (or again after it broke)."""
    key = (limits.memory_mb, limits.slots, limits.max_tasks)
    with _pools_lock:
        found = _pools.get(key)
        if found is not None and found.active:
            return found
        if found is not None:
            _stop(found)
        found = _pools[key] = ProcessPool(max_workers=limits.slots, max_tasks=limits.max_tasks,
                                          initializer=_start_worker, initargs=(limits.memory_mb,),
                                          context=_context())
        return found


def _discard(broken: ProcessPool) -> None:
    """Forget a pool that broke (pebble gives up on a pool when an idle process dies); the next job starts one."""
    with _pools_lock:
        for key, found in list(_pools.items()):
            if found is broken:
                del _pools[key]
    _stop(broken)


def _stop(found: ProcessPool) -> None:
    found.stop()
    try:
        found.join(timeout=5)
    except (RuntimeError, TimeoutError):  # pragma: no cover - pebble could not stop a process in time
        log.warning("a render pool did not stop in time")


@atexit.register
def shutdown() -> None:
    """Stop every render pool (at interpreter exit; tests may call it to start afresh)."""
    with _pools_lock:
        found = list(_pools.values())
        _pools.clear()
    for each in found:
        _stop(each)


def bounded(fn: Callable[..., Any], *args, limits: Limits | None = None, **kwargs) -> Any:
    """Run ``fn(*args, **kwargs)`` in a render process under a time limit and a memory ceiling.

    ``fn`` and its arguments travel by pickle, so ``fn`` is a module-level function (or an
    instance of a module-level class), never a lambda. A render that runs out of time or memory
    raises :class:`RenderError`; a render process that dies is replaced and the job tried once
    more, then :class:`RenderUnavailable`. Called inside a render process, it just runs ``fn``.
    """
    if _in_worker:
        return fn(*args, **kwargs)
    limits = limits or current_limits()
    for attempt in (1, 2):
        running = pool(limits)
        try:
            future = running.schedule(_run, args=(fn, args, kwargs), timeout=limits.seconds)
        except RuntimeError:  # the pool broke since we looked: start another
            _discard(running)
            continue
        try:
            return _result(future, limits)
        except ProcessExpired as exc:
            log.warning("a render process died during a render (exit code %s); %s", exc.exitcode,
                        "trying once more" if attempt == 1 else "giving up")
        except BrokenProcessPool:
            log.warning("the render pool broke; %s", "starting another" if attempt == 1 else "giving up")
            _discard(running)
    raise RenderUnavailable("the render process stopped unexpectedly; please try again in a moment")


def _result(future, limits: Limits):
    """The job's result; a job still queued after ``limits.seconds`` is withdrawn (the server is busy)."""
    done, _ = wait([future], timeout=limits.seconds)
    if not done and not future.running() and future.cancel():
        raise RenderUnavailable("the server is busy rendering other documents; please try again in a moment")
    try:
        return future.result()
    except TimeoutError:
        raise RenderError(f"the render took longer than {limits.seconds:g} seconds and was stopped") from None
    except CancelledError:  # pragma: no cover - cancelled by a pool stopping at exit
        raise RenderUnavailable("the renderer is shutting down; please try again in a moment") from None


def bounded_each(fn: Callable[..., Any], jobs: list[tuple], *, limits: Limits | None = None):
    """Run ``fn(*args)`` for every ``args`` in ``jobs`` in the render pool, all scheduled at once.

    Yields ``(index, result, error)`` as each finishes (``error`` a :class:`RenderError` or None): the
    pool's ``slots`` processes work in parallel, under the same time and memory limits as
    :func:`bounded`. A job whose render process died is tried once more on its own.
    """
    limits = limits or current_limits()
    if _in_worker or not jobs:
        for index, args in enumerate(jobs):
            try:
                yield index, fn(*args), None
            except RenderError as exc:
                yield index, None, exc
        return
    running = pool(limits)
    pending, direct = {}, []
    for index, args in enumerate(jobs):
        try:
            pending[running.schedule(_run, args=(fn, args, {}), timeout=limits.seconds)] = index
        except RuntimeError:  # the pool broke: these go one by one (bounded starts another pool)
            direct.append(index)
    for index in direct:
        yield index, *_one(fn, jobs[index], limits)
    for future in as_completed(pending):
        index = pending[future]
        try:
            yield index, future.result(), None
        except RenderError as exc:
            yield index, None, exc
        except TimeoutError:
            yield index, None, RenderError(f"the render took longer than {limits.seconds:g} seconds and was stopped")
        except (ProcessExpired, BrokenProcessPool, CancelledError):
            yield index, *_one(fn, jobs[index], limits)


def _one(fn, args: tuple, limits: Limits) -> tuple[Any, RenderError | None]:
    """One job through :func:`bounded`: ``(result, None)`` or ``(None, error)``."""
    try:
        return bounded(fn, *args, limits=limits), None
    except RenderError as exc:
        return None, exc
