"""Files written whole or not at all, to paths checked before any long work starts.

One mechanism for every file the package writes (checkpoints, figures, ``summary.json``):

- ``check_writable(path, what)`` before the work: refuses (``ValueError`` naming ``what`` and
  the path) a path that is a folder, a symlink or any other non-regular file (a device, a FIFO,
  a socket), a path under a regular file, and a folder where no file can be created (it tries,
  with a temporary file it removes at once: read-only mounts, ``/proc``, permissions).
- ``atomic_write(path, write)`` writes a temporary file ``.NAME.pcnPID.XXXX.tmp`` in the same
  folder and renames it over ``path``; it refuses to replace anything but a regular file (so
  ``/dev/null`` or a symlink stays what it is).  The temporary file is removed if ``write`` fails
  or the process is interrupted (``KeyboardInterrupt``, or ``SIGTERM`` once
  ``remove_temporaries_on_sigterm()`` is installed, as the command line does); one left by a
  process that was killed outright (``SIGKILL``) is removed by the next ``atomic_write`` in the
  same folder, since its process id no longer runs.
- ``display(path)``: a path as printable text, whatever bytes its name holds (undecodable
  bytes become ``\\xNN``), for messages and progress lines under a strict UTF-8 locale.
"""
from __future__ import annotations

import contextlib
import errno
import os
import re
import signal
import stat
import sys
import tempfile
from pathlib import Path
from typing import Set

_LIVE: Set[str] = set()              # temporary files of this process not yet renamed or removed


def display(path) -> str:
    """``path`` as text that any stream can print: undecodable bytes become ``\\xNN``."""
    text = os.fsdecode(os.fspath(path)) if isinstance(path, (str, bytes, os.PathLike)) else str(path)
    return text.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")


def printable(text: str) -> str:
    """``text`` with anything a strict UTF-8 stream cannot print (the lone surrogates that stand
    for undecodable bytes of a file name) as backslash escapes."""
    return text.encode("utf-8", "backslashreplace").decode("utf-8")


@contextlib.contextmanager
def exclusive_folder(folder, what: str = "--out"):
    """Hold an exclusive lock on ``folder`` (``flock`` on the folder itself, nothing written in
    it) for the duration of a run, so that two runs sharing an output folder run one after the
    other and never mix their files.  Waits for the other run, saying so on stderr."""
    try:
        import fcntl
    except ImportError:                                     # not POSIX: no locking
        yield
        return
    fd = os.open(folder, os.O_RDONLY)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            print(printable(f"{what} {display(folder)!r} is in use by another run; waiting for it "
                            f"to finish"), file=sys.stderr, flush=True)
            fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)                                        # releases the lock


def _probe_dir(folder: Path, what: str, path) -> None:
    """Create and remove a temporary file in ``folder``: the one sure test that it takes files."""
    try:
        fd, probe = tempfile.mkstemp(prefix=f".write-test.pcn{os.getpid()}.", suffix=".tmp", dir=folder)
    except OSError as exc:
        raise ValueError(f"{what} {display(path)!r} cannot be written: no file can be created in "
                         f"{display(folder)!r} ({exc.strerror or exc})") from None
    os.close(fd)
    os.unlink(probe)


def check_writable(path, what: str = "path") -> Path:
    """Check, before any long work, that ``atomic_write(path, ...)`` will be able to write ``path``.

    ``path`` must be a regular file or not exist yet; the folder it is in (created by
    ``atomic_write`` if missing) must be, or be creatable under, a folder that takes new files.
    Raises ``ValueError`` naming ``what`` and the path; returns ``Path(path)``.
    """
    if not isinstance(path, (str, os.PathLike)) or not isinstance(os.fspath(path), str):
        raise TypeError(f"{what} must be a file path (str or os.PathLike), got {type(path).__name__}")
    path = Path(path)
    try:
        st = os.lstat(path)
    except FileNotFoundError:
        st = None
    except NotADirectoryError:
        st = None                      # a parent is a file: found below
    except OSError as exc:
        raise ValueError(f"{what} {display(path)!r} cannot be examined ({exc.strerror or exc})") from None
    if st is not None:
        if stat.S_ISLNK(st.st_mode):
            raise ValueError(f"{what} {display(path)!r} is a symbolic link; it would be replaced by "
                             f"a regular file: give the real path or remove the link")
        if stat.S_ISDIR(st.st_mode):
            raise ValueError(f"{what} {display(path)!r} is a folder, expected a file name")
        if not stat.S_ISREG(st.st_mode):
            raise ValueError(f"{what} {display(path)!r} exists and is not a regular file (a device, "
                             f"FIFO or socket); it would be replaced by a regular file")
    folder = path.parent
    missing = []
    while True:
        try:
            fst = os.stat(folder)
        except FileNotFoundError:
            missing.append(folder)
            if folder.parent == folder:
                raise ValueError(f"{what} {display(path)!r}: no existing folder above it") from None
            folder = folder.parent
            continue
        except NotADirectoryError:
            fst = None
        except OSError as exc:
            raise ValueError(f"{what} {display(path)!r}: {display(folder)!r} cannot be examined "
                             f"({exc.strerror or exc})") from None
        if fst is None or not stat.S_ISDIR(fst.st_mode):
            # walk up to the component that is a file, to name it
            probe = folder
            while probe.parent != probe and not probe.is_file():
                probe = probe.parent
            raise ValueError(f"{what} {display(path)!r} is under {display(probe)!r}, which is a "
                             f"file, not a folder")
        break
    _probe_dir(folder, what, path)
    return path


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


_TEMPORARY = re.compile(r"\..+\.pcn(\d+)\.[^./]+\.tmp\Z")      # .NAME.pcnPID.XXXX.tmp


def _remove_stale(path: Path) -> None:
    """Remove the ``.NAME.pcnPID.XXXX.tmp`` files left in ``path``'s folder (whatever NAME) by
    processes that no longer run: a run killed outright leaves its temporary files to the next."""
    pattern = _TEMPORARY
    try:
        names = os.listdir(path.parent)
    except OSError:
        return
    for name in names:
        m = pattern.match(name)
        if m and int(m.group(1)) != os.getpid() and not _pid_alive(int(m.group(1))):
            try:
                os.unlink(path.parent / name)
            except OSError:
                pass


def _refuse_special(path: Path) -> None:
    try:
        st = os.lstat(path)
    except (FileNotFoundError, NotADirectoryError):
        return
    if not stat.S_ISREG(st.st_mode):
        kind = ("a symbolic link" if stat.S_ISLNK(st.st_mode) else
                "a folder" if stat.S_ISDIR(st.st_mode) else "not a regular file")
        raise ValueError(f"{display(path)!r} is {kind}; refusing to replace it with a regular file")


def atomic_write(path, write) -> None:
    """Write a file whole or not at all: ``write(file)`` into a temporary file in the same
    folder, flush it to disk, then rename it over ``path`` (``os.replace`` is atomic).

    A reader never sees a half-written file; if ``write`` fails, ``path`` is left as it was.  The
    file gets the usual mode (0o666 less the umask), not ``mkstemp``'s private 0o600.  An existing
    ``path`` that is not a regular file (a symlink, a device such as ``/dev/null``, a FIFO, a
    folder) is refused with ``ValueError`` and left alone.
    """
    path = Path(path)
    _refuse_special(path)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except (FileExistsError, NotADirectoryError):
        raise ValueError(f"{display(path)!r} cannot be written: a part of its folder is a file") from None
    _remove_stale(path)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.pcn{os.getpid()}.", suffix=".tmp", dir=path.parent)
    _LIVE.add(tmp)
    umask = os.umask(0)
    os.umask(umask)
    try:
        os.chmod(tmp, 0o666 & ~umask)
        with os.fdopen(fd, "wb") as f:
            write(f)
            f.flush()
            os.fsync(f.fileno())
        _refuse_special(path)                 # it may have changed while we wrote
        os.replace(tmp, path)
        _LIVE.discard(tmp)
    except BaseException:
        remove_temporaries()
        raise


def remove_temporaries() -> None:
    """Remove this process's temporary files that are not yet renamed into place."""
    for tmp in list(_LIVE):
        try:
            os.unlink(tmp)
        except OSError as exc:
            if exc.errno != errno.ENOENT:
                continue
        _LIVE.discard(tmp)


def remove_temporaries_on_sigterm() -> None:
    """Make ``SIGTERM`` remove the temporary files and exit with code 143 (128 + 15), as the
    default action would, instead of leaving them behind.  For programs (the command line), not
    for library calls: it replaces the process's ``SIGTERM`` handler."""
    def handler(signum, frame):
        remove_temporaries()
        raise SystemExit(128 + signum)
    try:
        signal.signal(signal.SIGTERM, handler)
    except (ValueError, OSError):      # not the main thread: leave the default
        pass
