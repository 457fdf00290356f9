"""``relocard backup`` and ``relocard restore``: one encrypted archive of an installation.

What a backup holds (a tar stream, gzip-compressed, sealed by :mod:`relocard.ops.archive`):

* ``manifest.json``: format, time, Relocard version, database vendor, applied migrations,
  file counts and the database dump's SHA-256;
* ``database/relocard.sqlite3`` (SQLite's online backup API: a consistent copy while the
  server runs) or ``database/relocard.pgdump`` (``pg_dump --format=custom``: one snapshot);
* ``files/evidence/`` (the evidence storage's folder) and ``files/keys/`` (the key store, as
  it is: encrypted keys stay encrypted with ``RELOCARD_KEY_PASSPHRASE``);
* ``secret_key``: Django's secret key, whichever way it was set; share codes and API keys
  are stored as HMACs under a key derived from it, so they check only with the same key.

The database is dumped first, then the files: evidence files are written before the row
that names them commits and are never changed, so every file the dump names is in the
archive. Restoring needs an empty installation (no tables in its database, no evidence, no
keys); nothing is written until the whole archive has been decrypted and authenticated into a
staging folder, the database is restored in one transaction (PostgreSQL) or by one rename
(SQLite), and both operations are recorded in the audit log through its one writer.

Errors a user can hit are :class:`BackupError` (one line saying what to do).
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import io
import json
import os
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
import uuid
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.db import connection, connections, transaction
from django.utils import timezone

from relocard import __version__
from relocard.audit.services import audit_record
from relocard.ops.archive import ArchiveError, EncryptedReader, EncryptedWriter

FORMAT = 1
DB_SQLITE = "database/relocard.sqlite3"
DB_POSTGRES = "database/relocard.pgdump"


class BackupError(Exception):
    """A backup or restore that cannot go ahead; the message says why and what to do."""


@dataclass(frozen=True, slots=True)
class BackupSummary:
    path: Path
    backup_id: str
    vendor: str
    evidence_files: int
    key_files: int
    size: int


@dataclass(frozen=True, slots=True)
class RestoreSummary:
    backup_id: str
    created_at: str
    vendor: str
    evidence_files: int
    key_files: int
    pending_migrations: int


# --- where things are -------------------------------------------------------------------------


def evidence_dir() -> Path:
    from django.core.files.storage import storages

    location = getattr(storages["evidence"], "location", None)
    if location is None:
        raise BackupError(
            "the evidence storage is not a local folder; back it up with its own tools"
        )
    return Path(location)


def key_dir() -> Path:
    return Path(settings.RELOCARD_KEY_DIR)


def _secret_key() -> str:
    return settings.SECRET_KEY


def _files(root: Path) -> list[Path]:
    if not root.is_dir():
        return []
    return sorted(
        p
        for p in root.rglob("*")
        if p.is_file() and not p.name.startswith(".") and not p.is_symlink()
    )


def _applied_migrations() -> list[list[str]]:
    from django.db.migrations.recorder import MigrationRecorder

    return sorted([app, name] for app, name in MigrationRecorder(connection).applied_migrations())


def _pg_env(db: dict) -> dict[str, str]:
    env = dict(os.environ)
    for key, var in (
        ("HOST", "PGHOST"),
        ("PORT", "PGPORT"),
        ("USER", "PGUSER"),
        ("PASSWORD", "PGPASSWORD"),
    ):
        if db.get(key):
            env[var] = str(db[key])
    env.pop("PGOPTIONS", None)
    return env


def _run(command: list[str], env: dict[str, str], what: str) -> None:
    if shutil.which(command[0]) is None:
        raise BackupError(
            f"{command[0]} is not installed: install the PostgreSQL client tools "
            f"(the same major version as the server) to {what}"
        )
    done = subprocess.run(command, env=env, capture_output=True, text=True, check=False)  # noqa: S603
    if done.returncode != 0:
        last = (done.stderr.strip().splitlines() or ["no message"])[-1]
        raise BackupError(f"{command[0]} failed, so nothing was {what.split()[0]}d: {last}")


# --- backup -----------------------------------------------------------------------------------


def _dump_database(staging: Path) -> tuple[str, Path]:
    db = connections["default"].settings_dict
    if connection.vendor == "sqlite":
        target = staging / "relocard.sqlite3"
        connection.ensure_connection()
        copy = sqlite3.connect(target)
        try:
            connection.connection.backup(copy)  # the online backup API: one consistent copy
        finally:
            copy.close()
        return "sqlite", target
    if connection.vendor == "postgresql":
        target = staging / "relocard.pgdump"
        _run(
            [
                "pg_dump",
                "--format=custom",
                "--no-owner",
                "--no-privileges",
                f"--file={target}",
                db["NAME"],
            ],
            _pg_env(db),
            "back up the database",
        )
        return "postgresql", target
    raise BackupError(f"backing up a {connection.vendor} database is not supported")


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _add_bytes(tar: tarfile.TarFile, name: str, data: bytes) -> None:
    info = tarfile.TarInfo(name)
    info.size = len(data)
    info.mode = 0o600
    info.mtime = int(timezone.now().timestamp())
    tar.addfile(info, io.BytesIO(data))


def backup_create(*, dest: Path, passphrase: str) -> BackupSummary:
    """Write an encrypted backup of this installation to ``dest`` (a new file, mode 0600)."""
    dest = Path(dest)
    if dest.exists():
        raise BackupError(f"{dest} exists already; give a new file name")
    if not dest.parent.is_dir():
        raise BackupError(f"the folder {dest.parent} does not exist")
    backup_id = str(uuid.uuid4())
    evidence, keys = _files(evidence_dir()), _files(key_dir())

    # Recorded first, so that the backup holds the record of its own making.
    with transaction.atomic():
        audit_record(
            actor=None,
            action="ops.backup_made",
            object_type="ops.backup",
            object_id=backup_id,
            data={"evidence_files": len(evidence), "key_files": len(keys)},
        )
    tmp = dest.with_name(f".{dest.name}.{backup_id[:8]}.tmp")
    with tempfile.TemporaryDirectory(dir=dest.parent, prefix=".relocard-backup-") as work:
        vendor, dump = _dump_database(Path(work))
        manifest = {
            "format": FORMAT,
            "backup_id": backup_id,
            "created_at": timezone.now().isoformat(),
            "relocard": __version__,
            "database": {
                "vendor": vendor,
                "file": DB_SQLITE if vendor == "sqlite" else DB_POSTGRES,
                "sha256": _sha256(dump),
            },
            "migrations": _applied_migrations(),
            "files": {"evidence": len(evidence), "keys": len(keys)},
        }
        fd = os.open(tmp, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600)
        try:
            with os.fdopen(fd, "wb") as raw:
                sealed = EncryptedWriter(raw, passphrase)
                with tarfile.open(fileobj=sealed, mode="w|gz") as tar:
                    _add_bytes(tar, "manifest.json", json.dumps(manifest, indent=1).encode())
                    tar.add(dump, arcname=manifest["database"]["file"])
                    _add_bytes(tar, "secret_key", _secret_key().encode("utf-8"))
                    for prefix, root, files in (
                        ("files/evidence", evidence_dir(), evidence),
                        ("files/keys", key_dir(), keys),
                    ):
                        for path in files:
                            tar.add(path, arcname=f"{prefix}/{path.relative_to(root).as_posix()}")
                sealed.close()
                raw.flush()
                os.fsync(raw.fileno())
            os.replace(tmp, dest)
        except BaseException:
            with contextlib.suppress(OSError):
                tmp.unlink()
            raise
    return BackupSummary(
        path=dest,
        backup_id=backup_id,
        vendor=vendor,
        evidence_files=len(evidence),
        key_files=len(keys),
        size=dest.stat().st_size,
    )


# --- restore ----------------------------------------------------------------------------------


def _database_is_empty() -> tuple[bool, int]:
    if connection.vendor == "sqlite":
        path = Path(connections["default"].settings_dict["NAME"])
        if not path.exists():
            return True, 0
        with contextlib.closing(sqlite3.connect(path)) as db:
            (tables,) = db.execute(
                "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
            ).fetchone()
        return tables == 0, tables
    tables = len(connection.introspection.table_names())
    connection.close()
    return tables == 0, tables


def _preflight() -> None:
    empty, tables = _database_is_empty()
    if not empty:
        raise BackupError(
            f"this installation's database is not empty ({tables} tables): restore only into a "
            "new, empty database (do not run `relocard migrate` first)"
        )
    for what, folder in (("evidence", evidence_dir()), ("key", key_dir())):
        if folder.exists() and any(folder.iterdir()):
            raise BackupError(
                f"this installation's {what} folder is not empty: restore only into a new "
                "installation"
            )


def _extract(src: Path, passphrase: str, staging: Path) -> dict:
    """Decrypt and unpack the whole archive into ``staging``; authenticate every byte."""
    try:
        with src.open("rb") as raw:
            reader = EncryptedReader(raw, passphrase)
            with tarfile.open(fileobj=reader, mode="r|gz") as tar:
                for member in tar:
                    name = member.name
                    allowed = name in ("manifest.json", "secret_key", DB_SQLITE, DB_POSTGRES) or (
                        name.startswith(("files/evidence/", "files/keys/"))
                    )
                    if not allowed or not (member.isfile() or member.isdir()):
                        raise ArchiveError(f"the backup holds an unexpected entry ({name[:80]!r})")
                    tar.extract(member, staging, filter="data")
            reader.drain()
    except (tarfile.TarError, EOFError, OSError) as exc:
        if isinstance(exc, FileNotFoundError) and not src.exists():
            raise BackupError(f"{src} does not exist") from None
        raise BackupError(f"the backup is damaged: {exc}") from None
    except ArchiveError as exc:
        raise BackupError(str(exc)) from None
    try:
        manifest = json.loads((staging / "manifest.json").read_text(encoding="utf-8"))
        if manifest["format"] != FORMAT:
            raise BackupError(f"this backup has format {manifest['format']}; expected {FORMAT}")
        dump = staging / manifest["database"]["file"]
        if _sha256(dump) != manifest["database"]["sha256"]:
            raise BackupError("the backup's database dump does not match its manifest")
    except (OSError, ValueError, KeyError, TypeError):
        raise BackupError("the backup's manifest is missing or damaged") from None
    return manifest


def _check_compatible(manifest: dict, staging: Path) -> str:
    vendor = manifest["database"]["vendor"]
    if vendor != connection.vendor:
        raise BackupError(
            f"this backup holds a {vendor} database; this installation uses {connection.vendor}: "
            "restore it into the same kind of database"
        )
    from django.db.migrations.loader import MigrationLoader

    known = set(MigrationLoader(None, ignore_no_migrations=True).disk_migrations)
    unknown = [f"{app}.{name}" for app, name in manifest["migrations"] if (app, name) not in known]
    if unknown:
        raise BackupError(
            f"this backup comes from a newer Relocard (unknown migration {unknown[0]}): "
            "upgrade this installation first"
        )
    secret = (staging / "secret_key").read_text(encoding="utf-8")
    configured = os.environ.get("RELOCARD_SECRET_KEY", "").strip()
    if configured and not hmac.compare_digest(configured.encode(), secret.strip().encode()):
        raise BackupError(
            "RELOCARD_SECRET_KEY differs from the backed-up installation's secret key, and share "
            "codes and API keys check only with that key: unset it (the backup's key is then "
            "restored into the state folder) or set it to the original value"
        )
    return secret


def _restore_database(manifest: dict, staging: Path) -> None:
    dump = staging / manifest["database"]["file"]
    db = connections["default"].settings_dict
    connections.close_all()
    if connection.vendor == "sqlite":
        target = Path(db["NAME"])
        target.parent.mkdir(parents=True, exist_ok=True)
        for suffix in ("-wal", "-shm", "-journal"):
            with contextlib.suppress(FileNotFoundError):
                Path(f"{target}{suffix}").unlink()
        os.replace(dump, target)
        target.chmod(0o600)
        return
    _run(
        [
            "pg_restore",
            "--single-transaction",
            "--exit-on-error",
            "--no-owner",
            "--no-privileges",
            f"--dbname={db['NAME']}",
            str(dump),
        ],
        _pg_env(db),
        "restore the database",
    )
    # A dump carries no planner statistics: until they are gathered, the first queries (the
    # queue, the audit log by case) are planned blind. ANALYZE gathers them now (3 s for the
    # 300,000-applicant load-test database), rather than whenever autovacuum comes round.
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")


def _move_tree(source: Path, target: Path, *, private: bool) -> int:
    if not source.is_dir():
        target.mkdir(parents=True, exist_ok=True, mode=0o700 if private else 0o755)
        return 0
    if target.exists():
        target.rmdir()  # empty: checked before anything was written
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.move(source, target)
    count = 0
    for path in [target, *target.rglob("*")]:
        if path.is_dir():
            path.chmod(0o700 if private else 0o755)
        else:
            count += 1
            if private:
                path.chmod(0o600)
    return count


def backup_restore(*, src: Path, passphrase: str) -> RestoreSummary:
    """Restore ``src`` into this (empty) installation: database, evidence, keys, secret key."""
    src = Path(src)
    if not src.is_file():
        raise BackupError(f"{src} does not exist or is not a file")
    _preflight()
    var = Path(settings.VAR_DIR)
    var.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=var, prefix=".restore-") as work:
        staging = Path(work)
        manifest = _extract(src, passphrase, staging)
        secret = _check_compatible(manifest, staging)
        _preflight()  # nobody filled it meanwhile
        _restore_database(manifest, staging)
        evidence = _move_tree(staging / "files" / "evidence", evidence_dir(), private=True)
        keys = _move_tree(staging / "files" / "keys", key_dir(), private=True)
        if not os.environ.get("RELOCARD_SECRET_KEY", "").strip():
            path = var / "secret_key"
            tmp = var / f".secret_key.{uuid.uuid4().hex[:8]}"
            fd = os.open(tmp, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600)
            with os.fdopen(fd, "w", encoding="ascii") as fh:
                fh.write(secret.strip())
            os.replace(tmp, path)
    from django.db.migrations.executor import MigrationExecutor

    with transaction.atomic():
        audit_record(
            actor=None,
            action="ops.backup_restored",
            object_type="ops.backup",
            object_id=manifest["backup_id"],
            data={"created_at": manifest["created_at"], "relocard": manifest["relocard"]},
        )
    executor = MigrationExecutor(connection)
    pending = len(executor.migration_plan(executor.loader.graph.leaf_nodes()))
    return RestoreSummary(
        backup_id=manifest["backup_id"],
        created_at=manifest["created_at"],
        vendor=manifest["database"]["vendor"],
        evidence_files=evidence,
        key_files=keys,
        pending_migrations=pending,
    )
