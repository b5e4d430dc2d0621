"""Research on the web into a cited report, added to a knowledge index that evolve runs then draw on.

    python examples/research_web.py                                     # the first provider that can search here
    python examples/research_web.py "target encoding" --provider tavily --model openai/gpt-4o-mini --depth deep

The notes in ``knowledge_notes/`` are learned and indexed first; the research report (findings that cite
the pages they come from) then lands in that index, next to them. ``Tinkerer(kg_index=...).evolve(...)``
gives every experiment the pages relevant to its goal, the report among them. ``--provider-param
key=value`` sets a field of the provider; ``--scripted-reply FILE`` (repeatable) replays the files as the
model's replies in turn (litellm's offline mock), which is how the tests run it.
"""

from __future__ import annotations

import argparse
import os
from pathlib import Path

from tinkerer_core import Source, Tinkerer

HERE = Path(__file__).resolve().parent
QUERY = "gradient boosting for house price regression on tabular data"


def key_value(text: str) -> tuple[str, str]:
    """``key=value`` as a pair; anything else is refused while the arguments are parsed."""
    key, sep, value = text.partition("=")
    if not sep or not key:
        raise argparse.ArgumentTypeError(f"{text!r} should look like key=value (e.g. read_pages=5)")
    return key, value


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("query", nargs="?", default=QUERY)
    parser.add_argument("--provider", help="ddgs, tavily, brave, openai, none (default: the first that can search)")
    parser.add_argument("--provider-param", type=key_value, action="append", default=[], metavar="KEY=VALUE")
    parser.add_argument("--depth", default="light", choices=["light", "deep"])
    parser.add_argument("--model", default=os.environ.get("TINKERER_MODEL", "local/smollm2-135m"))
    parser.add_argument("--workdir", type=Path, default=Path("runs/research_example"))
    parser.add_argument("--scripted-reply", type=Path, action="append", default=[], help="replay as a model reply")
    args = parser.parse_args()

    notes = [Source.File(str(path)) for path in sorted((HERE / "knowledge_notes").glob("*.md"))]
    Tinkerer().learn(*notes, wiki_dir=str(args.workdir / "wiki"), skip_merge=True)
    index = Tinkerer().index_kg(
        wiki_dir=str(args.workdir / "wiki"),
        save_to=str(args.workdir / "notes.index"),
        force=True,
        backend_params={"path": str(args.workdir / "kg.sqlite")},
    )

    informed = Tinkerer(kg_index=str(index))
    llm_params: dict[str, object] = {"model": args.model}
    if args.scripted_reply:
        llm_params["mock_responses"] = tuple(path.read_text() for path in args.scripted_reply)
    research = informed.research(
        args.query,
        mode="both",
        depth=args.depth,
        llm_params=llm_params,
        provider=args.provider,
        provider_params=dict(args.provider_param),
    )
    print(research.report_markdown)
    print(f"sources cited by number: {len(research.sources)}")
    hits = informed.knowledge.search(args.query, top_k=3)
    print("knowledge index now answers the query with:", ", ".join(hit.page.id for hit in hits))


if __name__ == "__main__":
    main()
