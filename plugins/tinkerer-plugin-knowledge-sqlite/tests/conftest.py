from __future__ import annotations

from pathlib import Path

import pytest

from tinkerer_core import KnowledgePage, create_component

CORPUS = [
    KnowledgePage(
        "Principle/lora_learning_rate",
        "Learning rate for LoRA",
        "Principle",
        "LoRA adapters train best with a learning rate around 1e-4 to 2e-4.",
        "Low-rank adapters need a higher learning rate than full fine-tuning. Start at 2e-4 and halve on divergence.",
        ("llm_finetuning",),
        (("uses", "Implementation/peft_lora_config"),),
        "tests",
    ),
    KnowledgePage(
        "Implementation/peft_lora_config",
        "peft LoraConfig",
        "Implementation",
        "Build a LoraConfig with rank, alpha and target modules.",
        "LoraConfig(r=16, lora_alpha=32, target_modules='all-linear') wraps a model with adapters.",
        ("llm_finetuning",),
        (("requires", "Environment/torch_peft"),),
    ),
    KnowledgePage(
        "Environment/torch_peft",
        "torch and peft",
        "Environment",
        "Install torch and peft.",
        "pip install torch peft transformers",
        ("llm_finetuning",),
    ),
    KnowledgePage(
        "Heuristic/gbm_early_stopping",
        "Early stopping for gradient boosting",
        "Heuristic",
        "Stop boosting when the validation loss has not improved for 50 rounds.",
        "LightGBM and XGBoost accept early_stopping_rounds; keep a held-out validation split.",
        ("tabular",),
    ),
    KnowledgePage(
        "Workflow/kaggle_tabular",
        "Tabular competition workflow",
        "Workflow",
        "From raw CSV to a submission: features, validation, boosting, ensembling.",
        "Read the data with pandas, build features, cross-validate a gradient boosting model, blend.",
        ("tabular",),
        (("step", "Heuristic/gbm_early_stopping"),),
    ),
]


@pytest.fixture(scope="session")
def embedder_ready() -> None:
    """Builds the static embedder once per machine (about 40 s), into the cache kg_sqlite reads."""
    from tinkerer_plugin_knowledge_sqlite.static_embedder import StaticEmbedder

    StaticEmbedder()


def backend(path: Path, **params: object):
    return create_component("knowledge_backend", "kg_sqlite", {"path": str(path), **params})
