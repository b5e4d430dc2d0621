"""Values llama.cpp would abort the process on (SIGABRT) are refused before the library sees them.

``--threads 0`` and ``--ctx-size 1`` once killed ``tinkerer local-llm serve`` with a core dump; every entry
point (the command, the server module, ``LocalModelServer``, ``EngineSettings``, the litellm provider) now
answers with an error naming the value and what is allowed. None of these tests loads the model.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from tinkerer_core.cli import main
from tinkerer_plugin_local_llm.engine import THREADS_ENV, EngineSettings
from tinkerer_plugin_local_llm.launcher import LocalModelServer
from tinkerer_plugin_local_llm.models import LocalModelError
from tinkerer_plugin_local_llm.provider import LocalProvider

TINKERER = Path(sys.executable).with_name("tinkerer")
THREADS = "is out of range: give 1-512 CPU threads (--threads, $TINKERER_LOCAL_LLM_THREADS)"
CTX = (
    "is out of range for smollm2-135m: give 0 (the model's own 8192 tokens) or 16-8192 "
    "(--ctx-size, $TINKERER_LOCAL_LLM_CTX)"
)
BAD = [
    (("--threads", "0"), f"threads 0 {THREADS}"),
    (("--threads", "-1"), f"threads -1 {THREADS}"),
    (("--threads", "100000"), f"threads 100000 {THREADS}"),
    (("--ctx-size", "1"), f"ctx_size 1 {CTX}"),
    (("--ctx-size", "-1"), f"ctx_size -1 {CTX}"),
    (("--ctx-size", "100000000"), f"ctx_size 100000000 {CTX}"),
]


def test_the_command_that_aborted_now_exits_2_with_the_reason() -> None:
    """The real program, as a user ran it: exit 2 and a message, not SIGABRT (-6) and a core dump."""
    done = subprocess.run(
        [str(TINKERER), "local-llm", "serve", "--threads", "0"], capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 2
    assert done.stderr == f"error: threads 0 {THREADS}\n"
    assert done.stdout == ""


@pytest.mark.parametrize(("args", "message"), BAD, ids=[" ".join(args) for args, _ in BAD])
def test_the_command_refuses_values_llama_cpp_aborts_on(
    args: tuple[str, str], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["local-llm", "serve", *args]) == 2
    out, err = capsys.readouterr()
    assert (out, err) == ("", f"error: {message}\n")


def test_the_server_module_refuses_them_too(capsys: pytest.CaptureFixture[str]) -> None:
    from tinkerer_plugin_local_llm.server import main as server_main

    with pytest.raises(SystemExit) as exited:
        server_main(["--ctx-size", "1"])
    assert exited.value.code == 2
    assert capsys.readouterr().err == f"error: ctx_size 1 {CTX}\n"


def test_the_python_entry_points_refuse_them(monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.raises(LocalModelError) as refused:
        EngineSettings(threads=0)
    assert str(refused.value) == f"threads 0 {THREADS}"
    with pytest.raises(LocalModelError, match=r"^ctx_size 1 is out of range for smollm2-135m"):
        LocalModelServer(ctx_size=1)
    with pytest.raises(LocalModelError, match=r"^port 70000 is out of range: give 1-65535, or 0 to pick a free one"):
        LocalModelServer(port=70000)
    with pytest.raises(LocalModelError, match=r"^threads 0 is out of range"):
        LocalProvider(threads=0)
    monkeypatch.setenv(THREADS_ENV, "four")
    with pytest.raises(LocalModelError, match=r"^\$TINKERER_LOCAL_LLM_THREADS 'four' is not a whole number"):
        EngineSettings.from_env()
    assert EngineSettings(threads=512, ctx_size=0) == EngineSettings("smollm2-135m", 512, 0)  # the limits are allowed
