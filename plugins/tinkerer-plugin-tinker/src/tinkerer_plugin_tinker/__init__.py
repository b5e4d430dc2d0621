"""Tinkerer trainers on the Tinker API: LoRA SFT, GRPO, evaluation-driven fine-tuning, and MCP training tools."""
