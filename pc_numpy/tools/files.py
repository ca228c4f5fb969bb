"""Files written whole or not at all, to paths checked before any long work starts.

- ``check_writable(path, what)`` before the work: refuses (``ValueError`` naming ``what`` and the
  path) a path that is a folder, a symlink or another non-regular file (a device, a FIFO), a
  path under a regular file, and a folder where no file can be created (read-only mounts,
  ``/proc``, permissions: it creates and removes a temporary file there).
- ``atomic_write(path, write)``: ``write(file)`` into a ``tempfile`` in the same folder, then
  ``os.replace`` over ``path``.  A reader never sees half a file; if anything fails (an
  exception in ``write``, a full disk, a file-size limit) the temporary file is removed and
  ``path`` is left as it was; a failed write of the disk is ``WriteFailed`` naming the file.
- ``exclusive_folder(folder)``: a lock (``flock``) held for a run, so that two runs sharing
  ``--out`` run one after the other.
- ``display(path)`` / ``printable(text)``: paths whose names are not UTF-8, printable anywhere.
"""
from __future__ import annotations

import contextlib
import os
import stat
import sys
import tempfile
from pathlib import Path


class WriteFailed(OSError):
    """A file could not be written (a full disk, a file-size limit, an I/O error); the file at
    its path, if there was one, is unchanged.  ``filename`` is the path, ``errno`` the cause."""

    def __init__(self, message: str, errno: int = None, filename: str = None):
        super().__init__(message)
        self.errno, self.filename = errno, filename

    def __str__(self) -> str:
        return self.args[0]


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
    it) while the block runs; a second run waits for the first, saying so on stderr."""
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


def _kind(st) -> str:
    if stat.S_ISLNK(st.st_mode):
        return "a symbolic link"
    return "a folder" if stat.S_ISDIR(st.st_mode) else "not a regular file (a device, FIFO or socket)"


def check_writable(path, what: str = "path") -> Path:
    """Check, before any long work, that ``atomic_write(path, ...)`` will be able to write ``path``:
    it is a regular file or does not exist, and its folder (or the first existing folder above,
    ``atomic_write`` creating the rest) takes new files.  ``ValueError`` naming ``what`` and the
    path if not; returns ``Path(path)``."""
    if not isinstance(path, (str, os.PathLike)) or not isinstance(os.fspath(path), str):
        raise TypeError(f"{what} must be a file path (str or os.PathLike), got {type(path).__name__}")
    path = Path(path)
    try:
        st = os.lstat(path)
    except (FileNotFoundError, NotADirectoryError):
        st = None
    except OSError as exc:
        raise ValueError(f"{what} {display(path)!r} cannot be examined ({exc.strerror or exc})") from None
    if st is not None and not stat.S_ISREG(st.st_mode):
        raise ValueError(f"{what} {display(path)!r} is {_kind(st)}; it would be replaced by a "
                         f"regular file: give another path")
    folder = path.parent
    while not folder.exists() and folder.parent != folder:  # atomic_write creates the missing ones
        folder = folder.parent
    if not folder.is_dir():                                 # a file where a folder should be
        raise ValueError(f"{what} {display(path)!r} is under {display(folder)!r}, which is a "
                         f"file, not a folder")
    try:
        with tempfile.TemporaryFile(dir=folder):
            pass
    except OSError as exc:
        raise ValueError(f"{what} {display(path)!r} cannot be written: no file can be created in "
                         f"{display(folder)!r} ({exc.strerror or exc})") from None
    return path


def atomic_write(path, write) -> None:
    """Write ``path`` whole or not at all: ``write(file)`` into a temporary file in the same
    folder (created if missing), flushed to disk, then ``os.replace``-d over ``path``.

    The file gets the usual mode (0o666 less the umask).  An existing ``path`` that is not a
    regular file (a symlink, ``/dev/null``, a FIFO, a folder) is refused (``ValueError``) and left
    alone.  On any failure the temporary file is removed and ``path`` is unchanged; an ``OSError``
    while writing (``ENOSPC``, ``EFBIG`` ...) becomes ``WriteFailed`` naming ``path``.
    """
    path = Path(path)
    try:
        st = os.lstat(path)
    except (FileNotFoundError, NotADirectoryError):
        st = None
    if st is not None and not stat.S_ISREG(st.st_mode):
        raise ValueError(f"{display(path)!r} is {_kind(st)}; refusing to replace it with a regular file")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except (FileExistsError, NotADirectoryError):
        raise ValueError(f"{display(path)!r} cannot be written: a part of its folder is a file") from None
    umask = os.umask(0)
    os.umask(umask)
    tmp = tempfile.NamedTemporaryFile(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp", delete=False)
    try:
        with tmp:
            os.chmod(tmp.name, 0o666 & ~umask)
            write(tmp)
            tmp.flush()
            os.fsync(tmp.fileno())
        os.replace(tmp.name, path)
    except BaseException as exc:
        with contextlib.suppress(OSError):
            os.unlink(tmp.name)
        if isinstance(exc, OSError) and not isinstance(exc, WriteFailed):
            raise WriteFailed(f"{display(path)!r} could not be written ({exc.strerror or exc}); the "
                              f"file there, if any, is unchanged", exc.errno, os.fspath(path)) from None
        raise
