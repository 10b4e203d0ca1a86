"""Building one input: load and check it, prepare fonts, render each format, write atomically.

Every format is rendered to a temporary file in the output folder; only when all of them have
succeeded are they renamed into place, so a failed build leaves no partial file and the previous
outputs untouched. With SOURCE_DATE_EPOCH every time a renderer writes comes from it (see
publish.reproducible), so two builds are byte-identical. A small manifest
per input (`OUT/.publish/<stem>.json`) records what each output was built from, so an up-to-date
format is skipped; the key covers the source, theme, templates, fonts, the tool and its libraries.
"""

from __future__ import annotations

import contextlib
import gc
import hashlib
import json
import os
import sys
import tempfile
import traceback
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import IO, Any

from publish import GC_YOUNG_THRESHOLD, __version__
from publish.errors import InputError, InputErrors
from publish.fonts import FaceSet, characters, faces, missing_character_warnings, prepare_all
from publish.load import checked_asset, load_document
from publish.model import Document
from publish.render import FORMATS, RenderJob, RenderOptions, renderer
from publish.theme import FontSource, LoadedTheme, load_theme

MANIFEST_DIR = ".publish"
"""Folder inside the output folder holding one manifest per input."""

_KEY_LIBRARIES = ("reportlab", "python-docx", "python-pptx", "fonttools", "lxml", "pydantic", "ruamel.yaml")
"""Libraries whose version can change the outputs' bytes; part of every build key."""


class RenderCrash(Exception):
    """An unexpected error while rendering a format in a child process: our bug, not the user's.

    `summary` is one line naming the error and where it happened; `details` the child's traceback.
    """

    def __init__(self, summary: str, details: str):
        self.summary = summary
        self.details = details
        super().__init__(summary)


@dataclass(frozen=True)
class OutputFile:
    """One output on disk: its format, path, size in bytes and SHA-256; `rebuilt` False if skipped."""

    format: str
    path: Path
    size: int
    sha256: str
    rebuilt: bool


@dataclass
class BuildResult:
    """What building one input wrote: format name -> output path, with details per file."""

    source: Path
    outputs: dict[str, Path] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)
    """Located warning lines (characters no font has); the outputs were written all the same."""
    files: list[OutputFile] = field(default_factory=list)

    @property
    def up_to_date(self) -> bool:
        """Whether every output was already up to date, so nothing was rendered."""
        return bool(self.files) and not any(f.rebuilt for f in self.files)


def output_dir_ready(out_dir: Path) -> None:
    """Makes `out_dir` if needed; an InputError if it is a file or cannot be written."""
    if out_dir.exists() and not out_dir.is_dir():
        raise InputError(out_dir, "the output folder is a file; choose a folder with -o")
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise InputError(out_dir, f"cannot create the output folder: {exc.strerror or exc}") from None
    if not os.access(out_dir, os.W_OK | os.X_OK):
        raise InputError(out_dir, "the output folder is not writable")


def template_path(
    theme: LoadedTheme, option: Path | None, kind: str, allow_outside_assets: bool = False
) -> Path | None:
    """The reference template for `kind` (docx or pptx): the option, else the theme's; checked.

    A theme's template path must lie in the theme's folder unless `allow_outside_assets`.
    """
    if option is not None:
        path, origin = Path(option), "--" + kind + "-template"
    else:
        reference = getattr(theme.theme.templates, kind)
        if reference is None:
            return None
        contained = not reference.startswith("pkg:") and not allow_outside_assets
        return checked_asset(theme.resolve(reference), reference, theme.path, ("templates", kind), f"{kind} template",
                             contained=contained)
    if not path.is_file():
        raise InputError(path, f"{kind} template not found (from {origin})")
    if not os.access(path, os.R_OK):
        raise InputError(path, f"{kind} template is not readable (from {origin})")
    return path


def theme_texts(theme: LoadedTheme) -> Iterable[str]:
    """The words the theme makes renderers print (labels), for font preparation."""
    labels = theme.theme.labels
    return [getattr(labels, name) for name in type(labels).model_fields]


def render_job(
    document: Document, source: Path, theme: LoadedTheme, options: RenderOptions, jobs: int = 1,
    allow_outside_assets: bool = False, prepare: bool = True,
) -> RenderJob:
    """The job for `document`: faces checked, fonts prepared for the characters it uses.

    `jobs` > 1 prepares missing font subsets in that many processes (a cold cache). `prepare`
    False skips the preparation, for formats that embed no font (DOCX names them only).
    """
    texts = [*document.all_text(), *theme_texts(theme)]
    faceset: FaceSet = faces(theme, texts, allow_outside_assets=allow_outside_assets)
    chars = characters(texts)
    if prepare:
        prepare_all(faceset, chars, jobs=jobs)
    return RenderJob(document, theme, source, faceset, chars, options)


def write_atomic(target: Path, write: Callable[[IO[bytes]], object]) -> None:
    """Calls `write(stream)` on a temporary file beside `target`, then renames it into place.

    A failure leaves no partial file and the previous `target` untouched.
    """
    temp = _temp_beside(target)
    try:
        with open(temp, "wb") as stream:
            write(stream)
        os.replace(temp, target)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temp)
        raise


def _temp_beside(target: Path) -> Path:
    """A new empty file in `target`'s folder, readable like an ordinary output (0644)."""
    fd, temp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".part")
    os.close(fd)
    os.chmod(temp, 0o644)
    return Path(temp)


# --- incremental builds: what an output was made from -------------------------------------------


def sha256_file(path: Path) -> str:
    """The SHA-256 of the file's bytes, in hex."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


@lru_cache(maxsize=1)
def tool_identity() -> str:
    """This tool's version, a digest of its code and assets, and its libraries' versions.

    Hashing the package's own files means an edited checkout never reuses outputs of old code.
    """
    from importlib import metadata

    from publish.theme import assets_dir

    digest = hashlib.sha256(f"{__version__}|{sys.version_info[:2]}".encode())
    package = Path(__file__).resolve().parent
    files = sorted(package.rglob("*.py")) + sorted(p for p in assets_dir().rglob("*") if p.is_file())
    for path in files:
        if "__pycache__" in path.parts:
            continue
        digest.update(path.name.encode())
        digest.update(path.read_bytes())
    for name in _KEY_LIBRARIES:
        try:
            digest.update(f"{name}={metadata.version(name)}".encode())
        except metadata.PackageNotFoundError:
            digest.update(f"{name}=none".encode())
    return digest.hexdigest()


def _font_sources(theme: LoadedTheme) -> list[FontSource]:
    fonts = theme.theme.fonts
    named = [fonts.serif.regular, fonts.serif.bold, fonts.sans.regular, fonts.sans.bold, *fonts.fallbacks]
    return [source for source in named if source is not None]


def _identity(path: Path | None) -> str:
    """A file's identity for a build key: resolved path, size and modification time."""
    if path is None:
        return "none"
    try:
        stat = path.stat()
    except OSError:
        return f"{path}|missing"
    return f"{path.resolve()}|{stat.st_size}|{stat.st_mtime_ns}"


def build_keys(
    source_digest: str, theme: LoadedTheme, options: RenderOptions, formats: Iterable[str],
    allow_outside_assets: bool = False,
) -> dict[str, str]:
    """The build key of each format: equal keys mean the output would come out the same.

    Covers the source's content, the theme file's content, the templates' content, the fonts'
    identities (path, size, mtime: hashing 20 MB of fonts would cost more than a build), the
    tool and library versions, and the options. Fonts are keyed by file, not by the prepared
    subset, so the key needs no parse of the letter.
    """
    parts = [
        tool_identity(),
        source_digest,
        sha256_file(theme.path) if theme.path.is_file() else "no-theme",
        *(f"{s.source}|{s.weight}|{_identity(theme.resolve(s.source))}" for s in _font_sources(theme)),
        *(sha256_file(t) if t is not None and t.is_file() else str(t) for t in (options.docx_template,
                                                                                options.pptx_template)),
        f"epoch={options.source_date_epoch}|outside={allow_outside_assets}",
    ]
    common = hashlib.sha256("\0".join(parts).encode("utf-8")).hexdigest()
    return {name: hashlib.sha256(f"{common}|{name}".encode()).hexdigest() for name in formats}


def manifest_path(out_dir: Path, source: Path) -> Path:
    """Where the manifest of `source`'s outputs in `out_dir` lives."""
    return out_dir / MANIFEST_DIR / f"{source.stem}.json"


def read_manifest(path: Path) -> dict[str, dict[str, Any]]:
    """The manifest's entries (format -> key, sha256, size); empty if missing or unreadable."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        formats = data["formats"]
    except (OSError, ValueError, KeyError, TypeError):
        return {}
    return formats if isinstance(formats, dict) else {}


def _write_manifest(path: Path, source: Path, entries: dict[str, dict[str, Any]]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    text = json.dumps({"source": str(source), "formats": entries}, indent=1, sort_keys=True)
    write_atomic(path, lambda stream: stream.write(text.encode("utf-8")))


def _up_to_date(target: Path, entry: dict[str, Any] | None, key: str) -> OutputFile | None:
    """The output as it is, if the manifest says it was built with `key` and it is unchanged."""
    if not entry or entry.get("key") != key:
        return None
    try:
        size = target.stat().st_size
    except OSError:
        return None
    if size != entry.get("size") or sha256_file(target) != entry.get("sha256"):
        return None
    return OutputFile(target.suffix.lstrip("."), target, size, str(entry["sha256"]), rebuilt=False)


# --- rendering, in this process or one child process per format -------------------------------


def _render_file(job: RenderJob, name: str, temp: Path) -> None:
    """Renders format `name` into the file `temp` (renderers make their own bytes reproducible)."""
    render = renderer(name)
    with open(temp, "wb") as stream:
        render(job, stream)


def _outcome(job: RenderJob, name: str, temp: Path) -> dict[str, Any]:
    """`_render_file` with any exception turned into data a parent process can rebuild."""
    try:
        _render_file(job, name, temp)
    except InputError as exc:
        return {"errors": [_error_data(exc)]}
    except InputErrors as exc:
        return {"errors": [_error_data(e) for e in exc.errors]}
    except Exception as exc:
        return {"crash": [crash_summary(exc), traceback.format_exc()]}
    return {}


def _error_data(error: InputError) -> list[Any]:
    return [error.path, error.message, error.line, error.column]


def crash_summary(exc: BaseException) -> str:
    """One line for an unexpected exception: its type, message and innermost place."""
    where = traceback.extract_tb(exc.__traceback__)[-1] if exc.__traceback__ else None
    place = f" at {Path(where.filename).name}:{where.lineno}" if where else ""
    return f"internal error{place}: {type(exc).__name__}: {exc}"


def _raise_outcome(outcome: dict[str, Any]) -> None:
    if "errors" in outcome:
        errors = [InputError(*data) for data in outcome["errors"]]
        raise errors[0] if len(errors) == 1 else InputErrors(errors)
    if "crash" in outcome:
        raise RenderCrash(*outcome["crash"])


class FormatWorkers:
    """One child process per format, forked before the input is loaded.

    Each child imports its renderer while this process loads the letter and prepares the fonts,
    then receives the finished job (pickled, through a pipe), renders into its temporary file and
    sends back its outcome. Nothing is loaded or prepared twice, and on two or more CPUs the
    renderers' imports overlap with the loading. Unused workers are ended by `close`.
    """

    def __init__(self, names: Sequence[str]):
        sys.stdout.flush()
        sys.stderr.flush()
        self.names = list(names)
        self.children: dict[str, tuple[int, int, int]] = {}  # name -> pid, job pipe (write), result pipe (read)
        own: list[int] = []
        for name in self.names:
            job_read, job_write = os.pipe()
            result_read, result_write = os.pipe()
            pid = os.fork()
            if pid == 0:  # the child: never returns
                for fd in (*own, job_write, result_read):
                    os.close(fd)
                _worker_main(name, job_read, result_write)
            os.close(job_read)
            os.close(result_write)
            own += [job_write, result_read]
            self.children[name] = (pid, job_write, result_read)

    def render(
        self, job: RenderJob, temps: dict[str, Path], meanwhile: Callable[[], None] | None = None
    ) -> list[dict[str, Any]]:
        """Each worker renders `job` into its format's temporary file; their outcomes, in order.

        `meanwhile` runs in this process after the jobs are handed out (None: nothing); if it
        raises, the workers are left for `close` to end.
        """
        import pickle
        import threading

        payload = pickle.dumps(job, protocol=pickle.HIGHEST_PROTOCOL)
        senders = []
        for name, (_, job_write, _) in self.children.items():
            # A large job fills the pipe before a child still importing reads it; one thread
            # per child keeps the others from waiting on the slowest.
            message = pickle.dumps((str(temps[name]), payload), protocol=pickle.HIGHEST_PROTOCOL)
            sender = threading.Thread(target=_send_and_close, args=(job_write, message), daemon=True)
            sender.start()
            senders.append(sender)
        if meanwhile is not None:
            meanwhile()
        outcomes = []
        for name, (pid, _, result_read) in self.children.items():
            with os.fdopen(result_read, "rb") as pipe:
                answer = pipe.read()
            _, status = os.waitpid(pid, 0)
            if answer:
                outcomes.append(json.loads(answer))
            else:
                reason = f"signal {os.WTERMSIG(status)}" if os.WIFSIGNALED(status) else f"status {status >> 8}"
                summary = f"internal error: the {name} renderer's process ended without a result ({reason})"
                outcomes.append({"crash": [summary, summary]})
        for sender in senders:
            sender.join()
        self.children.clear()
        return outcomes

    def close(self) -> None:
        """Ends workers that were never given a job (the build failed or had nothing to do)."""
        import signal

        for pid, job_write, result_read in self.children.values():
            with contextlib.suppress(OSError):
                os.kill(pid, signal.SIGKILL)
            for fd in (job_write, result_read):
                with contextlib.suppress(OSError):
                    os.close(fd)
            with contextlib.suppress(ChildProcessError):
                os.waitpid(pid, 0)
        self.children.clear()


def _send_and_close(fd: int, data: bytes) -> None:
    try:
        with os.fdopen(fd, "wb") as pipe:
            pipe.write(data)
    except OSError:
        pass  # the child died; its missing result is reported


def _worker_main(name: str, job_read: int, result_write: int) -> None:
    """A format worker's life: import the renderer, wait for a job, render it, report, exit."""
    import pickle

    code = 1
    try:
        failure: dict[str, Any] | None = None
        try:
            renderer(name)
            settle_heap()  # nothing here yet but the imports
        except Exception as exc:
            failure = {"crash": [crash_summary(exc), traceback.format_exc()]}
        with os.fdopen(job_read, "rb") as pipe:
            message = pipe.read()
        if message:
            temp, payload = pickle.loads(message)
            outcome = failure or _outcome(pickle.loads(payload), name, Path(temp))
            with os.fdopen(result_write, "wb") as pipe:
                pipe.write(json.dumps(outcome).encode("utf-8"))
        code = 0
    finally:
        os._exit(code)  # no atexit handlers, no flushing of the parent's buffers


def settle_heap() -> None:
    """Moves every object alive now (the imported libraries) out of the garbage collector's sight.

    Each full collection during a build would otherwise walk all of pydantic, ReportLab, lxml and
    python-pptx again (a full collection takes about 60 ms). Objects made afterwards are collected
    as usual, though less often: a build makes many small objects and few reference cycles. For
    processes of our own only (the CLI, its workers): it changes the collector for the whole
    process, and whatever is alive when it is called is never collected.
    """
    gc.freeze()
    gc.set_threshold(GC_YOUNG_THRESHOLD)


def can_fork() -> bool:
    """Whether formats can be rendered in forked child processes (not on Windows)."""
    return hasattr(os, "fork")


# --- one input -----------------------------------------------------------------------------------


def build(
    source: Path,
    out_dir: Path,
    formats: Iterable[str] = tuple(FORMATS),
    theme_path: Path | None = None,
    options: RenderOptions | None = None,
    allow_outside_assets: bool = False,
    *,
    jobs: int = 1,
    manifest: bool = False,
    force: bool = False,
) -> BuildResult:
    """Builds `source` into `out_dir`, one file per format named after the input.

    `allow_outside_assets` lets the theme name files outside its own folder. `jobs` > 1 renders
    the formats in parallel child processes. `manifest` records what each output was built from
    and skips a format whose output is up to date, unless `force`. Raises InputError(s) for the
    user's mistakes, RenderCrash for a renderer's unexpected error in a child process; either way
    no output is replaced.
    """
    source = Path(source)
    names = list(dict.fromkeys(formats))
    targets = {name: out_dir / (source.stem + FORMATS[name].suffix) for name in names}
    record = manifest_path(out_dir, source)
    entries = read_manifest(record) if manifest else {}
    result = BuildResult(source)
    # When every format will be rendered whatever the keys say (forced, or no output of it on
    # record), its workers are forked at once: they import their libraries while this process
    # reads the theme and works out the keys.
    certain = force or not any(name in entries and targets[name].exists() for name in names)
    in_parent, forked = _split(names, jobs) if certain else ([], [])
    workers = FormatWorkers(forked) if forked else None
    temps: dict[str, Path] = {}
    try:
        theme = load_theme(theme_path)
        given = options or RenderOptions()
        options = RenderOptions(
            docx_template=template_path(theme, given.docx_template, "docx", allow_outside_assets),
            pptx_template=template_path(theme, given.pptx_template, "pptx", allow_outside_assets),
            source_date_epoch=given.source_date_epoch,
        )
        keys: dict[str, str] = {}
        if manifest and source.is_file():
            keys = build_keys(sha256_file(source), theme, options, names, allow_outside_assets)
        current = {name: None if force else _up_to_date(targets[name], entries.get(name), keys[name])
                   for name in keys}
        todo = [name for name in names if current.get(name) is None]
        if not todo:
            for name in names:
                kept = current[name]
                assert kept is not None
                result.outputs[name] = kept.path
                result.files.append(kept)
            return result
        if not certain:
            in_parent, forked = _split(todo, jobs)
            workers = FormatWorkers(forked) if forked else None

        document = load_document(source)
        job = render_job(document, source, theme, options, jobs=jobs, allow_outside_assets=allow_outside_assets,
                         prepare=any(FORMATS[name].needs_fonts for name in todo))
        output_dir_ready(out_dir)  # after the fonts are checked, so a font error creates no folder
        result.warnings = missing_character_warnings(
            job.faces, [*document.all_text(), *theme_texts(theme)], [source, theme.path]
        )
        temps = {name: _temp_beside(targets[name]) for name in todo}

        def render_here() -> None:
            for name in in_parent:
                _render_file(job, name, temps[name])

        if workers is not None:
            for outcome in workers.render(job, temps, meanwhile=render_here):
                _raise_outcome(outcome)
        else:
            render_here()
        written = {name: OutputFile(name, targets[name], temps[name].stat().st_size, sha256_file(temps[name]), True)
                   for name in todo}
        for name in todo:
            os.replace(temps[name], targets[name])
    finally:
        for temp in temps.values():
            with contextlib.suppress(OSError):
                temp.unlink()
        if workers is not None:
            workers.close()

    for name in names:
        output = written.get(name) or current.get(name)
        assert output is not None
        result.outputs[name] = output.path
        result.files.append(output)
    if keys:
        for output in written.values():
            entries[output.format] = {"key": keys[output.format], "sha256": output.sha256, "size": output.size}
        _write_manifest(record, source, entries)
    return result


def _split(todo: Sequence[str], jobs: int) -> tuple[list[str], list[str]]:
    """The formats of `todo` this process renders, and those forked workers render.

    On a parallel build, the parent renders the lightest format itself once it has handed the
    others to their processes: one process fewer competing for the CPUs.
    """
    if jobs > 1 and len(todo) > 1 and can_fork():
        here = [min(todo, key=lambda name: FORMATS[name].cost)]
        return here, [name for name in todo if name not in here]
    return list(todo), []
