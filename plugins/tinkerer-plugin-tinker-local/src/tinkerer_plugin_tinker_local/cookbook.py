"""The local models in tinker-cookbook: its model table (which renderer a model takes) and its tokenizers.

tinker-cookbook keeps a fixed table of the service's models and raises ``Unknown model`` for any other; its
recipes ask that table for the renderer before anything else. ``use_local_models()`` adds the local models
to it (and registers their tokenizers, so nothing is looked up on a hub). Tinkerer's tinker trainers and
``tinkerer tinker-local run`` call it; a script of your own calls it once.
"""

from __future__ import annotations

import functools
from typing import Any

from tinkerer_plugin_tinker_local.catalog import MODELS, load_tokenizer


def use_local_models() -> None:
    """Make tinker-cookbook know the local models: ``model_info`` answers for them, ``get_tokenizer`` loads them."""
    from tinker_cookbook import model_info
    from tinker_cookbook.tokenizer_utils import register_tokenizer

    for name in MODELS:
        register_tokenizer(name, functools.partial(load_tokenizer, name))
    if not getattr(model_info.get_model_attributes, "knows_local_models", False):
        model_info.get_model_attributes = _with_local_models(model_info.get_model_attributes)


def _with_local_models(lookup: Any) -> Any:
    """``lookup`` (the cookbook's ``get_model_attributes``) answering for the local models first."""
    from tinker_cookbook.model_info import ModelAttributes

    @functools.wraps(lookup)
    def get_model_attributes(model_name: str) -> Any:
        model = MODELS.get(model_name.split(":", 1)[0])
        if model is None:
            return lookup(model_name)
        organization = model.name.split("/", 1)[0]
        return ModelAttributes(organization, "local", model.size, True, (model.renderer,))

    get_model_attributes.knows_local_models = True  # type: ignore[attr-defined]  # a marker on the function
    return get_model_attributes
