"""The clipped losses with thresholds per token (a datum's) beside one from the config, as the SDK may send them."""

from __future__ import annotations

import pytest

torch = pytest.importorskip("torch")

from tinkerer_plugin_tinker_local.losses import cispo, ppo  # noqa: E402


def test_per_token_and_configured_thresholds_mix() -> None:
    logprobs = torch.tensor([-1.0, -0.5, -2.0])
    old = torch.tensor([-1.2, -0.1, -2.0])
    advantages = torch.tensor([1.0, -1.0, 0.5])
    low = torch.tensor([0.9, 0.5, 0.8])  # per token, from the datum; the high one comes from the config
    inputs = {"logprobs": old, "advantages": advantages, "clip_low_threshold": low}
    config = {"clip_high_threshold": 1.1}

    ratio = torch.exp(logprobs - old)
    clipped = torch.minimum(torch.maximum(ratio, low), torch.tensor(1.1))
    expected_ppo = -torch.minimum(ratio * advantages, clipped * advantages).sum()
    expected_cispo = -(clipped * advantages * logprobs).sum()
    assert torch.allclose(ppo(logprobs, inputs, config), expected_ppo)
    assert torch.allclose(cispo(logprobs, inputs, config), expected_cispo)
    assert torch.allclose(
        ppo(logprobs, {"logprobs": old, "advantages": advantages}, {}),
        ppo(logprobs, {"logprobs": old, "advantages": advantages, "clip_low_threshold": torch.full((3,), 0.8)}, {}),
    )
