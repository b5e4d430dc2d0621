"""The service's command line refuses bad values before it imports a solution or binds a port."""

from __future__ import annotations

import pytest

from tinkerer_plugin_deploy_local.service import main


@pytest.mark.parametrize(("option", "value"), [("--port", "70000"), ("--port", "-1"), ("--threads", "0")])
def test_bad_values_are_refused_with_what_is_allowed(
    tmp_path, capsys: pytest.CaptureFixture[str], option: str, value: str
) -> None:
    with pytest.raises(SystemExit) as exited:
        main(["--dir", str(tmp_path), "--entry", "main:predict", option, value])
    assert exited.value.code == 2
    err = capsys.readouterr().err
    if option == "--port":
        assert f"error: argument --port: port {value} is out of range: give 1-65535, or 0 to pick a free one" in err
    else:
        assert f"error: {option} must be at least 1, got {value}" in err
