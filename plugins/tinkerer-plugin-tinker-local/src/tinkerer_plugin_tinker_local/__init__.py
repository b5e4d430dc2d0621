"""A local Tinker-compatible training and sampling server (torch + peft LoRA)."""

import os

# OpenMP threads that spin while waiting lose their core to any other busy process (the local LLM, an
# experiment) and then stall torch: measured on 2 cores with one busy, a SmolLM2 forward took 12 s spinning
# and 1.6 s with passive waiting. Only effective when set before torch is first imported in the process.
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
