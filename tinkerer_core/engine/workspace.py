"""Experiment workspaces: one git repository per run, one worktree and branch per experiment.

Lineage is git history: experiment N's branch ``exp-N`` starts at its parent's commit, and the
agent's edits are committed on it. Data given by ``data_dir`` is linked or copied into
``data/`` and kept out of git. Files are bytes: git's output is read as bytes, binary files are
told apart by git's rule, and text that is not UTF-8 is decoded with replacement characters.

Files larger than ``max_commit_file_mb`` stay out of experiments' commits: each commit's message
lists them (``Tinkerer-Left-Out: <size> <sha256> <json path>``), and ``export`` copies what the
best experiment's worktree holds beyond its commit (its run's outputs, large files included).
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import stat
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

from tinkerer_core.errors import ConfigError, TinkererError
from tinkerer_core.shipping import DATA_LINK
from tinkerer_core.workspace_files import LEFT_OUT_NOTE, SKIPPED_DIRS, decode_text

DEFAULT_MAX_COMMIT_FILE_MB = 10.0
LEFT_OUT_TRAILER = "Tinkerer-Left-Out"
_MB = 1024 * 1024
_OBJECT_ID = re.compile(rb"[0-9a-f]{40}|[0-9a-f]{64}")  # a full SHA-1 or SHA-256 object name
_GIT_ENV = {
    "GIT_AUTHOR_NAME": "tinkerer",
    "GIT_AUTHOR_EMAIL": "tinkerer@localhost",
    "GIT_COMMITTER_NAME": "tinkerer",
    "GIT_COMMITTER_EMAIL": "tinkerer@localhost",
    "GIT_CONFIG_NOSYSTEM": "1",
    "GIT_TERMINAL_PROMPT": "0",
}


class GitError(TinkererError):
    """A git command failed."""


def _git_env() -> dict[str, str]:
    return {**os.environ, **_GIT_ENV, "HOME": os.environ.get("HOME", "/tmp")}


@dataclass
class GitUsage:
    """The git processes this process has run and the seconds spent on them (the engine benchmark's breakdown)."""

    processes: int = 0
    seconds: float = 0.0


GIT_USAGE = GitUsage()


def git_bytes(cwd: Path, *args: str, input: bytes | None = None) -> bytes:
    """Run git in ``cwd`` (``input`` on its stdin) and return its stdout as bytes; raise ``GitError`` on failure."""
    started = time.perf_counter()
    completed = subprocess.run(["git", *args], cwd=cwd, env=_git_env(), input=input, capture_output=True, check=False)
    GIT_USAGE.processes += 1
    GIT_USAGE.seconds += time.perf_counter() - started
    if completed.returncode != 0:
        stderr = completed.stderr.decode("utf-8", errors="replace").strip()
        raise GitError(f"git {' '.join(args)} failed in {cwd}: {stderr}")
    return completed.stdout


def git(cwd: Path, *args: str) -> str:
    """Run git in ``cwd`` and return its stdout as text (bytes that are not UTF-8 replaced by U+FFFD)."""
    return git_bytes(cwd, *args).decode("utf-8", errors="replace")


@dataclass(frozen=True)
class LeftOutFile:
    """A file over ``max_commit_file_mb`` that a commit left out: its path, size and content hash."""

    path: str
    size: int
    sha256: str

    def trailer(self) -> str:
        """The commit-message line that records it (the path JSON-quoted: any name fits on one line)."""
        return f"{LEFT_OUT_TRAILER}: {self.size} {self.sha256} {json.dumps(self.path)}"

    @classmethod
    def parse(cls, line: str) -> LeftOutFile | None:
        """The file a ``trailer`` line records, or None for any other line."""
        prefix = f"{LEFT_OUT_TRAILER}: "
        if not line.startswith(prefix):
            return None
        try:
            size, sha256, path = line[len(prefix) :].split(" ", 2)
            return cls(json.loads(path), int(size), sha256)
        except ValueError:
            return None

    def describe(self) -> str:
        """How a diff shows it, beside git's ``Binary files ... differ`` lines."""
        shown = self.path.encode("utf-8", errors="surrogateescape").decode("utf-8", errors="replace")
        return f"{LEFT_OUT_NOTE}{shown} ({self.size} bytes, sha256 {self.sha256})"


def require_directory(field: str, path: str | None) -> None:
    """A ``ConfigError`` naming ``field`` unless ``path`` (when given) is a directory."""
    if path and not Path(path).is_dir():
        raise ConfigError(f"{field} {path!r} is not a directory")


class Workspaces:
    """The run's repository (``run_dir/repo``) and experiment worktrees (``run_dir/workspaces``)."""

    max_commit_bytes: int | None = int(DEFAULT_MAX_COMMIT_FILE_MB * _MB)

    def __init__(
        self,
        run_dir: Path,
        data_dir: str | None = None,
        data_mode: str = "link",
        max_commit_file_mb: float | None = DEFAULT_MAX_COMMIT_FILE_MB,
    ) -> None:
        if data_mode not in ("link", "copy"):
            raise ConfigError(f"data_mode must be 'link' or 'copy', not {data_mode!r}")
        self.repo = run_dir / "repo"
        self.root = run_dir / "workspaces"
        self.data_dir = Path(data_dir).resolve() if data_dir else None
        self.data_mode = data_mode
        self.max_commit_bytes = None if max_commit_file_mb is None else int(max_commit_file_mb * _MB)
        require_directory("data_dir", data_dir)

    def create(self, starting_repo: str | None) -> str:
        """Create the run's repository, seeded from ``starting_repo`` (a directory) if given; return the base commit.

        The base commit holds all of ``starting_repo``, large files included: it is committed once.
        """
        self.root.mkdir(parents=True, exist_ok=True)
        if starting_repo:
            require_directory("starting_repo", starting_repo)
            shutil.copytree(starting_repo, self.repo, ignore=shutil.ignore_patterns(".git"), symlinks=True)
        else:
            self.repo.mkdir(parents=True)
        git(self.repo, "init", "--quiet", "--initial-branch=base")
        (self.repo / ".git" / "info").mkdir(parents=True, exist_ok=True)
        self._exclude_file.write_text(f"/{DATA_LINK}\n__pycache__/\n*.pyc\n")
        git(self.repo, "add", "--all")
        git(self.repo, "commit", "--quiet", "--allow-empty", "-m", "base")
        return self.head(self.repo)

    @property
    def _exclude_file(self) -> Path:
        return self.repo / ".git" / "info" / "exclude"

    def head(self, path: Path) -> str:
        """The commit HEAD of the repository or worktree at ``path`` names (read from git's files when it can)."""
        return _head_from_files(path) or git(path, "rev-parse", "HEAD").strip()

    def _commit_id(self, revision: str) -> str:
        """The full name of the commit ``revision`` names (a git process only when it is not one already)."""
        if _OBJECT_ID.fullmatch(revision.encode()):
            return revision
        return git(self.repo, "rev-parse", "--verify", "--end-of-options", f"{revision}^{{commit}}").strip()

    def path(self, experiment_id: int) -> Path:
        return self.root / f"exp-{experiment_id}"

    def pid_file(self, experiment_id: int) -> Path:
        """Where the running solution of ``experiment_id`` records its process group."""
        return self.root.parent / "pids" / f"exp-{experiment_id}.pid"

    def checkout(self, experiment_id: int, start_commit: str) -> Path:
        """A fresh worktree for ``experiment_id`` on branch ``exp-<id>`` at ``start_commit``."""
        path = self.path(experiment_id)
        branch = f"exp-{experiment_id}"
        if path.exists() or path.is_symlink():  # an interrupted experiment being redone
            self._remove_stale(path)
            git(self.repo, "worktree", "prune")
        start_commit = self._commit_id(start_commit)
        self._link_worktree(path, start_commit)
        git(path, "checkout", "--quiet", "-B", branch, start_commit)  # the index, the files and the branch
        self._attach_data(path)
        return path

    def _link_worktree(self, path: Path, start_commit: str) -> None:
        """Make ``path`` a linked worktree of the run's repository, detached at ``start_commit``, nothing checked out.

        These are the files ``git worktree add --detach --no-checkout`` writes (gitrepository-layout(5):
        ``worktrees/<id>/{gitdir,commondir,HEAD}`` and the worktree's ``.git`` file), written here because
        git starts two processes for them. ``git worktree list``, ``remove`` and ``prune`` treat it as theirs.
        A run killed half-way leaves a directory ``checkout`` removes and an entry ``git worktree prune`` drops.
        """
        admin_root = self.repo / ".git" / "worktrees"
        admin = admin_root / path.name
        if admin.exists():  # left by a run killed before its worktree's .git file was written
            git(self.repo, "worktree", "prune")
        suffix = 0
        while admin.exists():  # taken by a live worktree (git names one so when the name is taken, too)
            suffix += 1
            admin = admin_root / f"{path.name}-{suffix}"
        admin.mkdir(parents=True)
        (admin / "commondir").write_text("../..\n")
        (admin / "HEAD").write_text(start_commit + "\n")
        path.mkdir(parents=True)
        (admin / "gitdir").write_text(f"{path.resolve() / '.git'}\n")
        (path / ".git").write_text(f"gitdir: {admin.resolve()}\n")

    def _remove_stale(self, path: Path) -> None:
        """Remove a worktree left by an interrupted experiment, whatever state it was left in.

        ``git worktree remove`` fails on a directory git does not know as a worktree (a run killed
        during ``worktree add``) or when files appear while it deletes (processes left writing):
        then the directory itself is deleted; it lies in this run's ``workspaces/``, nothing else is.
        """
        if path.is_symlink():  # never followed: what it points to is not ours
            path.unlink()
            return
        if path.resolve().parent != self.root.resolve():
            raise GitError(f"refusing to remove {path}: it is not inside this run's workspaces ({self.root})")
        try:
            git(self.repo, "worktree", "remove", "--force", "--force", str(path))
        except GitError as error:
            for _ in range(3):  # a process still writing can refill it between passes
                shutil.rmtree(path, ignore_errors=True)
                if not path.exists():
                    break
            else:
                raise GitError(f"cannot remove the stale worktree {path} (is a process still writing?): {error}")

    def _attach_data(self, path: Path) -> None:
        if self.data_dir is None:
            return
        target = path / DATA_LINK
        if self.data_mode == "link":
            target.symlink_to(self.data_dir, target_is_directory=True)
        else:
            shutil.copytree(self.data_dir, target)

    def commit(self, path: Path, message: str) -> str:
        """Commit everything changed in the worktree at ``path`` but files over ``max_commit_bytes``, which
        the message lists (``left_out``); return the new commit."""
        left_out = self._large_changes(path)
        pathspecs = [".", *(f":(exclude,literal){file.path}" for file in left_out)]
        git_bytes(
            path,
            "add",
            "--all",
            "--pathspec-from-file=-",
            "--pathspec-file-nul",
            input=b"\0".join(os.fsencode(spec) for spec in pathspecs),
        )
        if left_out:
            message += "\n\n" + "\n".join(file.trailer() for file in left_out)
        # no automatic maintenance after each commit (a git process per experiment): ``tidy`` runs it once
        git(path, "-c", "maintenance.auto=false", "commit", "--quiet", "--allow-empty", "-m", message)
        return self.head(path)  # the branch's loose ref, which the commit just wrote: no git process

    def tidy(self) -> None:
        """Let git pack the run's objects if they call for it (what it would otherwise check after every commit)."""
        git(self.repo, "maintenance", "run", "--auto", "--quiet")

    def _large_changes(self, path: Path) -> list[LeftOutFile]:
        """The files over ``max_commit_bytes`` that git would commit (new or changed), hashed."""
        if self.max_commit_bytes is None:
            return []
        large = [name for name, size in _file_sizes(path) if size > self.max_commit_bytes]
        if not large:
            return []
        status = git_bytes(
            path, "--literal-pathspecs", "status", "--porcelain", "-z", "--untracked-files=all", "--", *large
        ).split(b"\0")
        changed: list[LeftOutFile] = []
        entries = iter(status)
        for entry in entries:
            if len(entry) < 4:
                continue
            if entry[:1] in (b"R", b"C"):  # a staged rename or copy: its source path follows
                next(entries, None)
            name = os.fsdecode(entry[3:])
            file = path / name
            if entry[1:2] == b"D" or not file.is_file():
                continue
            with open(file, "rb") as handle:
                digest = hashlib.file_digest(handle, "sha256").hexdigest()
            changed.append(LeftOutFile(name, file.stat().st_size, digest))
        return sorted(changed, key=lambda file: file.path)

    def left_out(self, commit: str) -> list[LeftOutFile]:
        """The large files ``commit`` left out of git, as its message lists them."""
        return _left_out_in(git(self.repo, "log", "-1", "--format=%B", commit))

    def diff(self, start: str, end: str) -> str:
        """What changed from ``start`` to ``end``: git's diff as text (binary files as git's ``Binary files ...
        differ`` line, text that is not UTF-8 with replacement characters), then the large files ``end`` left out.

        One git process: ``diff-tree`` prints ``end``'s message (where the left-out files are listed), a NUL,
        then the patch ``git diff start end`` prints (``-M``: renames found, as ``git diff`` finds them).
        """
        start, end = self._commit_id(start), self._commit_id(end)
        shown = git_bytes(
            self.repo,
            "diff-tree",
            "-p",
            "-M",
            "--no-color",
            "--no-ext-diff",
            "--always",
            "--pretty=format:%B%x00",
            "--stdin",
            input=f"{end} {start}\n".encode(),
        )
        message, _, patch = shown.partition(b"\0")
        text = patch.removeprefix(b"\n").decode("utf-8", errors="replace")
        left_out = _left_out_in(message.decode("utf-8", errors="replace"))
        return text + "".join(file.describe() + "\n" for file in left_out)

    def files(self, worktree: Path, max_bytes: int = 200_000) -> dict[str, str]:
        """The text files of a fresh ``worktree`` (its commit's files: for the agent's view of the parent),
        bounded in total size; read from disk, which costs no git process.

        The data link, binary files, symlinks and files whose names are not UTF-8 are left out; text
        that is not UTF-8 is decoded with replacement characters.
        """
        files: dict[str, str] = {}
        budget = max_bytes
        for directory, dirnames, filenames in os.walk(worktree):
            top = directory == str(worktree)
            dirnames[:] = sorted(n for n in dirnames if n not in SKIPPED_DIRS and not (top and n == DATA_LINK))
            for name in sorted(filenames):
                path = os.path.join(directory, name)
                relative = os.path.relpath(path, worktree)
                if (top and name == ".git") or os.path.islink(path) or not _utf8(relative):
                    continue
                if os.path.getsize(path) > budget:
                    continue
                with open(path, "rb") as handle:
                    text = decode_text(handle.read())
                if text is None or len(text) > budget:
                    continue
                files[Path(relative).as_posix()] = text
                budget -= len(text)
        return files

    def files_at(self, commit: str, max_bytes: int = 200_000) -> dict[str, str]:
        """The text files of ``commit`` (regular files, UTF-8 names, bounded in total size), from two git
        processes: ``ls-tree`` lists the blobs, ``cat-file --batch`` reads them."""
        listing = git_bytes(self.repo, "ls-tree", "-r", "-z", "--long", self._commit_id(commit))
        blobs: list[tuple[str, str]] = []
        budget = max_bytes
        for entry in listing.split(b"\0"):
            meta, _, name = entry.partition(b"\t")
            fields = meta.split()
            if len(fields) != 4 or fields[0] not in (b"100644", b"100755") or not fields[3].isdigit():
                continue
            size, path = int(fields[3]), name.decode("utf-8", errors="replace")
            if size <= budget and _utf8(path) and not SKIPPED_DIRS.intersection(Path(path).parts):
                blobs.append((fields[2].decode(), path))
                budget -= size
        if not blobs:
            return {}
        batch = git_bytes(self.repo, "cat-file", "--batch", input="".join(f"{oid}\n" for oid, _ in blobs).encode())
        files: dict[str, str] = {}
        at = 0
        for _, path in blobs:
            header_end = batch.index(b"\n", at)
            size = int(batch[at:header_end].split()[2])
            text = decode_text(batch[header_end + 1 : header_end + 1 + size])
            at = header_end + 1 + size + 1
            if text is not None:
                files[path] = text
        return files

    def export(self, commit: str, output_path: Path, worktree: Path | None = None) -> None:
        """Write the files of ``commit`` to ``output_path`` (a directory this run owns or an empty one).

        With ``worktree`` (the experiment's, at ``commit``), what it holds beyond the commit comes too:
        the files its last run wrote and those left out of git for their size; the data link and
        caches do not.
        """
        archive = git_bytes(self.repo, "archive", "--format=tar", commit)
        output_path.mkdir(parents=True, exist_ok=True)
        subprocess.run(["tar", "-x", "-C", str(output_path)], input=archive, check=True)
        if worktree is not None and self._at(worktree, commit):
            self._copy_uncommitted(worktree, output_path)
        if self.data_dir is not None and not (output_path / DATA_LINK).exists():
            (output_path / DATA_LINK).symlink_to(self.data_dir, target_is_directory=True)

    def _at(self, worktree: Path, commit: str) -> bool:
        """Whether ``worktree`` is a worktree whose HEAD is ``commit``."""
        try:
            return worktree.is_dir() and self.head(worktree) == commit
        except GitError:
            return False

    def _copy_uncommitted(self, worktree: Path, output_path: Path) -> None:
        """Make ``output_path`` hold what ``worktree`` holds beyond its commit (new, changed and deleted files)."""
        listing = git_bytes(
            worktree, "ls-files", "-z", "--others", "--modified", f"--exclude-from={self._exclude_file}"
        )
        for name in sorted({os.fsdecode(raw) for raw in listing.split(b"\0") if raw}):
            source, target = worktree / name, output_path / name
            if target.is_symlink() or target.is_file():
                target.unlink()
            elif target.is_dir():
                shutil.rmtree(target)
            if source.is_dir() and not source.is_symlink():  # a nested repository, listed as one entry
                shutil.copytree(source, target, symlinks=True)
            elif os.path.lexists(source):
                target.parent.mkdir(parents=True, exist_ok=True)
                shutil.copy2(source, target, follow_symlinks=False)


def _left_out_in(message: str) -> list[LeftOutFile]:
    """The large files a commit message lists as left out of git."""
    return [file for line in message.splitlines() if (file := LeftOutFile.parse(line)) is not None]


def _head_from_files(path: Path) -> str | None:
    """The commit HEAD names in the repository or linked worktree at ``path``, read from git's files (its ``.git``,
    HEAD and a loose ref, which git writes on every update of the ref); None where git itself must say (a
    packed ref, an unborn branch, any other layout)."""
    try:
        dot_git = path / ".git"
        if dot_git.is_dir():
            git_dir = common_dir = dot_git
        else:
            pointer = dot_git.read_bytes()
            if not pointer.startswith(b"gitdir: "):
                return None
            git_dir = path / os.fsdecode(pointer[len(b"gitdir: ") :].strip())
            common_dir = git_dir / os.fsdecode((git_dir / "commondir").read_bytes().strip())
        head = (git_dir / "HEAD").read_bytes().strip()
        if head.startswith(b"ref: refs/heads/"):
            name = head[len(b"ref: ") :].decode("ascii")
            if ".." in name.split("/"):
                return None
            head = (common_dir / name).read_bytes().strip()
    except (OSError, UnicodeDecodeError):
        return None
    return head.decode() if _OBJECT_ID.fullmatch(head) else None


def _utf8(name: str) -> bool:
    """Whether a file name decoded from the file system is valid UTF-8 (not surrogate-escaped bytes)."""
    try:
        name.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _file_sizes(root: Path) -> list[tuple[str, int]]:
    """Every regular file under ``root`` with its size (relative POSIX path), skipping ``.git``, caches and data."""
    found: list[tuple[str, int]] = []
    for directory, dirnames, filenames in os.walk(root):
        at_top = directory == str(root)
        dirnames[:] = [name for name in dirnames if name not in SKIPPED_DIRS and not (at_top and name == DATA_LINK)]
        for name in filenames:
            full = os.path.join(directory, name)
            try:
                info = os.lstat(full)
            except OSError:
                continue
            if stat.S_ISREG(info.st_mode):
                found.append((Path(full).relative_to(root).as_posix(), info.st_size))
    return found
