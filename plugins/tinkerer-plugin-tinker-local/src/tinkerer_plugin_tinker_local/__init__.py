"""A local Tinker-compatible training and sampling server (torch + peft LoRA)."""
