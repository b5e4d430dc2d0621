"""Secrets: names that hold them, environments without them, text with them redacted."""

from __future__ import annotations

import pytest

from tinkerer_core.secrets import REDACTED, is_secret_name, redact, scrubbed_environment


def test_secrets_are_scrubbed_unless_passed() -> None:
    env = {
        "PATH": "/bin",
        "OPENAI_API_KEY": "sk-1",
        "HF_TOKEN": "t",
        "DB_PASSWORD": "p",
        "AWS_REGION": "x",
        "HOME": "/h",
    }
    assert scrubbed_environment(env) == {"PATH": "/bin", "HOME": "/h"}
    assert scrubbed_environment(env, keep=["HF_TOKEN"])["HF_TOKEN"] == "t"


def test_secret_names_cover_the_runner_and_the_agents_patterns() -> None:
    for name in (
        "OPENAI_API_KEY",
        "APIKEY",
        "HF_TOKEN",
        "CLIENT_SECRET",
        "DB_PASSWORD",
        "DB_PASSWD",
        "GITHUB_KEY",
        "MY_CREDENTIALS",
        "SSH_PRIVATE_KEY",
        "AWS_REGION",
        "AZURE_TENANT",
        "GOOGLE_APPLICATION_CREDENTIALS",
    ):
        assert is_secret_name(name), name
    for name in ("PATH", "HOME", "LANG", "PYTHONPATH"):
        assert not is_secret_name(name), name


def test_redaction_removes_given_and_environment_secrets_longest_first(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SOME_API_KEY", "value-of-some-key-123")
    monkeypatch.setenv("SHORT_TOKEN", "abc")  # too short to scrub safely
    monkeypatch.setenv("PLAIN", "value-of-some-key-123-not-secret")
    text = redact(
        "a=value-of-some-key-123 b=given-secret-456 c=sk-ant-abcdefghij d=tml-abcdef e=abc f=given-secret-456789",
        ["given-secret-456", "given-secret-456789", "short"],
    )
    assert text == f"a={REDACTED} b={REDACTED} c={REDACTED} d={REDACTED} e=abc f={REDACTED}"
    assert redact("nothing secret here") == "nothing secret here"


def test_redaction_removes_given_and_environment_secrets(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SOME_API_KEY", "value-of-some-key-123")
    text = redact("a=value-of-some-key-123 b=given-secret-456 c=sk-ant-abcdefghij", ["given-secret-456"])
    assert text == "a=[redacted] b=[redacted] c=[redacted]"
