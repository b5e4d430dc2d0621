"""A stand-in for the ``modal`` SDK, for machines without a Modal token.

It has the surface the deployer uses (``Image.debian_slim / pip_install / pip_install_from_requirements /
add_local_file / add_local_python_source / add_local_dir``, ``Secret.from_dict``, ``App.function /
deploy / lookup / stop``, ``Function.from_name(...).remote``) and records every call. A remote call
runs the registered function in a fresh Python process, like a container: the image's local files
copied to a directory standing for its file system, remote paths mapped there, and only the
secrets' variables in its environment.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import types
from pathlib import Path
from typing import Any

RUNNER = """
import json, sys
from tinkerer_plugin_modal import remote
args = json.loads(sys.stdin.read())
print(json.dumps(getattr(remote, args["function"])(*args["args"])))
"""


class StandInModal:
    def __init__(self, root: Path) -> None:
        self.root = root
        self.calls: list[tuple[str, Any]] = []
        self.deployed: dict[str, dict[str, Any]] = {}
        self.module = types.SimpleNamespace(
            Image=types.SimpleNamespace(debian_slim=self._debian_slim),
            Secret=types.SimpleNamespace(from_dict=self._secret),
            App=_app_class(self),
            Function=types.SimpleNamespace(from_name=self._from_name),
        )

    def _debian_slim(self, python_version: str) -> _Image:
        self.calls.append(("Image.debian_slim", python_version))
        return _Image(self, ())

    def _secret(self, env: dict[str, str]) -> dict[str, str]:
        self.calls.append(("Secret.from_dict", sorted(env)))
        return dict(env)

    def _from_name(self, app_name: str, name: str) -> _Function:
        self.calls.append(("Function.from_name", (app_name, name)))
        return _Function(self, app_name, name)


class _Image:
    def __init__(self, modal: StandInModal, layers: tuple[tuple[str, Any], ...]) -> None:
        self.modal = modal
        self.layers = layers

    def _with(self, layer: tuple[str, Any]) -> _Image:
        self.modal.calls.append(layer)
        return _Image(self.modal, (*self.layers, layer))

    def pip_install(self, *packages: str) -> _Image:
        return self._with(("pip_install", packages))

    def pip_install_from_requirements(self, path: str) -> _Image:
        return self._with(("pip_install_from_requirements", Path(path).read_text()))

    def add_local_file(self, local: str, remote: str) -> _Image:
        return self._with(("add_local_file", (local, remote)))

    def add_local_python_source(self, module: str) -> _Image:
        return self._with(("add_local_python_source", module))

    def add_local_dir(self, local: Path, remote: str, ignore: list[str]) -> _Image:
        return self._with(("add_local_dir", (str(local), remote, tuple(ignore))))

    def materialize(self, root: Path) -> None:
        """Copy the image's local files to ``root``, which stands for the container's ``/``."""
        for kind, value in self.layers:
            if kind == "add_local_file":
                target = root / value[1].lstrip("/")
                target.parent.mkdir(parents=True, exist_ok=True)
                shutil.copyfile(value[0], target)
            elif kind == "add_local_dir":
                ignore = shutil.ignore_patterns(*(pattern.split("/")[-1] for pattern in value[2]))
                shutil.copytree(value[0], root / value[1].lstrip("/"), ignore=ignore, dirs_exist_ok=True)


def _app_class(modal: StandInModal) -> type:
    class App:
        def __init__(self, name: str) -> None:
            self.name = name
            self.functions: dict[str, tuple[Any, dict[str, Any]]] = {}

        def function(self, **options: Any) -> Any:
            def register(fn: Any) -> Any:
                modal.calls.append(("App.function", {**options, "fn": fn.__qualname__}))
                self.functions[options["name"]] = (fn, options)
                return fn

            return register

        def deploy(self, name: str) -> App:
            modal.calls.append(("App.deploy", name))
            modal.deployed[name] = {"functions": self.functions, "stopped": False}
            return self

        @staticmethod
        def lookup(name: str) -> App:
            modal.calls.append(("App.lookup", name))
            app = App(name)
            return app

        def stop(self) -> None:
            modal.calls.append(("App.stop", self.name))
            modal.deployed[self.name]["stopped"] = True

    return App


class _Function:
    def __init__(self, modal: StandInModal, app_name: str, name: str) -> None:
        self.modal = modal
        self.app_name = app_name
        self.name = name

    def remote(self, *args: Any) -> Any:
        app = self.modal.deployed[self.app_name]
        if app["stopped"]:
            raise RuntimeError(f"App {self.app_name} is stopped")
        fn, options = app["functions"][self.name]
        root = self.modal.root / f"container-{len(self.modal.calls)}"
        options["image"].materialize(root)
        mapped = [str(root / arg.lstrip("/")) if isinstance(arg, str) and arg.startswith("/") else arg for arg in args]
        env = {"PATH": "/usr/bin:/bin"}
        for secret in options["secrets"]:
            env.update(secret)
        done = subprocess.run(
            [sys.executable, "-c", RUNNER],
            input=json.dumps({"function": fn.__name__, "args": mapped}),
            capture_output=True,
            text=True,
            env=env,
            timeout=options["timeout"],
        )
        if done.returncode != 0:
            raise RuntimeError(f"remote function failed: {done.stderr[-500:]}")
        return json.loads(done.stdout)
