"""The Docker build context of a solution: its files, the service script and a generated Dockerfile.

The image runs the same service as a local deployment (``service.py`` on uvicorn + starlette, at the
versions installed here); it binds 0.0.0.0 inside the container and is published on 127.0.0.1 only.
"""

from __future__ import annotations

import hashlib
import json
import shutil
from pathlib import Path

from tinkerer_plugin_deploy_local import service
from tinkerer_plugin_deploy_local.entry import Entry

CONTAINER_PORT = 8000
APP_DIR = "/app"
SERVICE_PATH = "/opt/tinkerer/service.py"
IGNORED = shutil.ignore_patterns(".git", "__pycache__", "*.pyc", ".venv", "venv", ".pytest_cache", "node_modules")


def dockerfile(entry: Entry, base_image: str) -> str:
    """The Dockerfile that installs the solution's requirements and serves its entry on CONTAINER_PORT."""
    lines = [
        f"FROM {base_image}",
        "ENV PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1 TINKERER_IN_CONTAINER=1",
        f"WORKDIR {APP_DIR}",
        f"RUN pip install {' '.join(service.pinned_server_requirements())}",  # the server: one layer for every solution
    ]
    if entry.requirements:
        lines += [
            f"COPY app/{entry.requirements} /tmp/requirements.txt",
            "RUN pip install -r /tmp/requirements.txt",
        ]
    serve = ["--dir", APP_DIR, "--entry", entry.spec, "--host", "0.0.0.0", "--port", str(CONTAINER_PORT)]
    lines += [
        "COPY service.py " + SERVICE_PATH,
        f"COPY app/ {APP_DIR}/",
        "RUN useradd --create-home --uid 10001 tinkerer && chown -R tinkerer " + APP_DIR,
        "USER tinkerer",
        f"EXPOSE {CONTAINER_PORT}",
        f"CMD {json.dumps(['python', SERVICE_PATH, *serve])}",
    ]
    return "\n".join(lines) + "\n"


def write_build_context(solution_dir: Path, entry: Entry, base_image: str, destination: Path) -> Path:
    """Write the build context for ``solution_dir`` into ``destination`` (created) and return it."""
    destination.mkdir(parents=True, exist_ok=True)
    shutil.copytree(solution_dir, destination / "app", ignore=IGNORED, dirs_exist_ok=True)
    shutil.copyfile(service.__file__, destination / "service.py")
    (destination / "Dockerfile").write_text(dockerfile(entry, base_image))
    (destination / ".dockerignore").write_text("**/.git\n**/__pycache__\n")
    return destination


def context_digest(context: Path) -> str:
    """A short digest of every file in the build context: the image tag, so a rebuild of the same solution hits."""
    sha = hashlib.sha256()
    for path in sorted(p for p in context.rglob("*") if p.is_file()):
        sha.update(path.relative_to(context).as_posix().encode() + b"\0" + path.read_bytes())
    return sha.hexdigest()[:12]
