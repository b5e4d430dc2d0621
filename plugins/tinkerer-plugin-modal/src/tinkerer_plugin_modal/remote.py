"""What runs inside the Modal container: the solution's entry called through the service script.

Standard library only: this module is shipped into the image with ``add_local_python_source``.
"""

from __future__ import annotations

import contextlib
import io
import os
import sys
from pathlib import Path
from typing import Any


def call_entry(inputs: dict[str, Any], spec: str, app_dir: str, service_dir: str) -> dict[str, Any]:
    """Call the entry ``spec`` of the solution in ``app_dir`` with ``inputs``; the result carries its prints."""
    if service_dir not in sys.path:
        sys.path.insert(0, service_dir)
    import service  # type: ignore[import-not-found]  # the deploy-local service script, copied into the image

    os.chdir(app_dir)  # relative paths in the solution work as they did during evolve
    module, _, function = spec.partition(":")
    printed = io.StringIO()
    with contextlib.redirect_stdout(printed):
        if function:
            result = service.function_call(service.load_function(Path(app_dir), module, function))(inputs)
        else:
            result = service.program_call(Path(app_dir), module, timeout_s=3600)(inputs)
    return {**result, "logs": printed.getvalue()}
