"""File modes of the instance's state: readable by the service's own user only.

The state folder (``RELOCARD_VAR_DIR``) holds the SQLite database and its WAL and shared-memory
files, evidence, the key store, the demo's mail folder and the generated secret key: names,
dates of birth, passport numbers and password-reset links. Every process that touches it (the
``relocard`` command, ``manage.py``, the WSGI server, the task worker) loads the settings, which
call :func:`restrict_umask` first, so that whatever any library creates there (SQLite creates its
``-wal`` and ``-shm`` files with the database's mode, Django's file-based mail backend and
storages use the process umask) is 0600 for files and 0700 for folders. Storages also get
explicit modes (``FILE_UPLOAD_PERMISSIONS``), and :func:`tighten` repairs a folder created by an
older version (``relocard migrate`` runs it).

Pure standard library: the settings import it before Django is configured.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

#: Group and others get nothing: files 0600, folders 0700.
PRIVATE_UMASK = 0o077
FILE_MODE = 0o600
DIR_MODE = 0o700


def restrict_umask() -> int:
    """Make everything this process creates private to its user; return the previous umask."""
    return os.umask(PRIVATE_UMASK)


def private_dir(path: str | os.PathLike[str]) -> Path:
    """Create ``path`` (and its missing parents) as 0700 and return it."""
    path = Path(path)
    path.mkdir(mode=DIR_MODE, parents=True, exist_ok=True)
    if path.stat().st_uid == os.getuid():
        path.chmod(DIR_MODE)
    return path


def tighten(root: str | os.PathLike[str], *, skip: tuple[str, ...] = ("static",)) -> int:
    """Remove group and other permissions under ``root``; return how many entries changed.

    Only entries owned by this user are touched; symbolic links are not followed. ``skip``
    names top-level folders left as they are (the public static files).
    """
    root = Path(root)
    if not root.is_dir():
        return 0
    changed = 0

    def fix(path: Path) -> None:
        nonlocal changed
        st = path.lstat()
        if stat.S_ISLNK(st.st_mode) or st.st_uid != os.getuid():
            return
        if stat.S_IMODE(st.st_mode) & PRIVATE_UMASK:
            path.chmod(stat.S_IMODE(st.st_mode) & ~PRIVATE_UMASK)
            changed += 1

    fix(root)
    for dirpath, dirnames, filenames in os.walk(root):
        here = Path(dirpath)
        if here == root:
            dirnames[:] = [d for d in dirnames if d not in skip]
        for name in dirnames + filenames:
            fix(here / name)
    return changed
