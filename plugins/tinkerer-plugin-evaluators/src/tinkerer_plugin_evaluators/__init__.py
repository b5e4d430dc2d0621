"""Tinkerer evaluators: score a run from its output, its files, its tests or a model's judgement."""
