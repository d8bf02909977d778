"""Near-duplicate detection over 100,000 synthetic posts: time, memory, and how well copies are found.

    python -m bench.monitor_dedup [--posts 100000] [--threshold 0.5]

Posts are 40–200 syllables walked along a syllable bigram chain learnt from
the project's labelled posts and generated news stories (Vietnamese-looking,
no two alike). One in ten is a *syndicated copy*
of an earlier post, edited the way agencies and aggregators edit: an agency
prefix, a byline or photo credit appended, a sentence dropped, a figure changed,
upper-cased; one in fifty is an exact re-post. Each post is added to the
:class:`media_monitor.dedup.NearDuplicateIndex` after being matched against
those before it, as the crawler does. Reported: signature time per post, LSH
query + insert time, the index's memory (traced Python allocations and RSS
growth), the stored signature size, and against the generator's truth: copies
found (recall) and matches that were not copies (false matches).
Writes ``bench/results/monitor_dedup.json``.
"""

from __future__ import annotations

import argparse
import random
import time
import tracemalloc

from rich.console import Console

from bench import REPO, rss_mb, write_result
from bench.monitor_site import story


def _copy(rng: random.Random, text: str) -> str:
    sentences = [s for s in text.split(". ") if s]
    if len(sentences) > 3:
        sentences.pop(rng.randrange(1, len(sentences)))
    edited = ". ".join(sentences)
    edits = [lambda t: "(TTXVN) – " + t, lambda t: t + " Ảnh: Minh Anh.", lambda t: t.upper(),
             lambda t: t.replace("0", "5", 1), lambda t: "Theo báo Thừa Thiên Huế, " + t]
    for edit in rng.sample(edits, 2):
        edited = edit(edited)
    return edited


def _chain(seed: int):  # type: ignore[no-untyped-def]
    """A syllable bigram chain over the project's labelled posts and the generated news stories."""
    import json

    rng = random.Random(seed)
    lines = [json.loads(line) for name in ("train.jsonl", "test.jsonl")
             for line in (REPO / "training" / "data" / "posts" / name).read_text(encoding="utf-8").splitlines()
             if line.strip()]
    texts = [f"{row.get('title', '')} . {row.get('content', '')}" for row in lines]
    texts += [" ".join(story(rng, f"s-{i}").paragraphs) for i in range(300)]
    following: dict[str, list[str]] = {}
    for text in texts:
        words = text.split()
        for a, b in zip(words, words[1:]):
            following.setdefault(a, []).append(b)
    starts = [t.split()[0] for t in texts if t.split()]
    return following, starts


def _original(rng: random.Random, following: dict[str, list[str]], starts: list[str]) -> str:
    """40–200 syllables walked along the chain: Vietnamese-looking, and no two posts alike."""
    words = [rng.choice(starts)]
    for _ in range(rng.randint(40, 200)):
        nxt = following.get(words[-1])
        words.append(rng.choice(nxt) if nxt and rng.random() > 0.05 else rng.choice(starts))
    return " ".join(words)


def _corpus(n: int, seed: int) -> tuple[list[str], list[int | None]]:
    """``(texts, origin)``: origin[i] is the index of the post i copies, None for an original."""
    rng = random.Random(seed)
    following, starts = _chain(seed)
    texts: list[str] = []
    origin: list[int | None] = []
    for i in range(n):
        roll = rng.random()
        if i > 10 and roll < 0.12:
            source = rng.randrange(i)
            source = origin[source] if origin[source] is not None else source
            texts.append(_copy(rng, texts[source]) if roll < 0.10 else texts[source])
            origin.append(source)
        else:
            texts.append(_original(rng, following, starts))
            origin.append(None)
    return texts, origin


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--posts", type=int, default=100_000)
    parser.add_argument("--threshold", type=float, default=0.5)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--tables", choices=("compact", "datasketch"), default="compact",
                        help="the LSH band tables: the monitor's compact arrays or datasketch's own storage")
    args = parser.parse_args()
    from media_monitor.dedup import NUM_PERM, NearDuplicateIndex, signature, to_bytes

    console = Console(width=120)
    console.print(f"[dim]generating {args.posts:,} posts …")
    texts, origin = _corpus(args.posts, args.seed)
    words = sum(len(t.split()) for t in texts) / len(texts)

    start = time.process_time()
    signatures = [signature(t) for t in texts]
    signature_seconds = time.process_time() - start

    rss_before = rss_mb()
    tracemalloc.start()
    index = NearDuplicateIndex(args.threshold, tables=args.tables)
    story_of: list[int] = []
    start = time.process_time()
    for i, minhash in enumerate(signatures):
        match = index.match(minhash) if minhash is not None else None  # type: ignore[arg-type]
        story_of.append(story_of[match.article_id] if match else i)
        if minhash is not None:
            index.add(i, minhash)
    index_seconds = time.process_time() - start
    traced, _ = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    rss_after = rss_mb()

    truth = [o if o is not None else i for i, o in enumerate(origin)]
    copies = [i for i, o in enumerate(origin) if o is not None]
    found = sum(story_of[i] == truth[i] for i in copies)
    false_matches = sum(story_of[i] != i and origin[i] is None for i in range(len(texts)))
    wrong_story = sum(story_of[i] != truth[i] and origin[i] is not None and story_of[i] != i for i in copies)
    result = {
        "posts": len(texts), "mean_syllables": round(words, 1), "threshold": args.threshold, "num_perm": NUM_PERM,
        "tables": args.tables, "bands": index.bands, "rows_per_band": index.rows,
        "signature_ms_per_post": round(1000 * signature_seconds / len(texts), 3),
        "index_ms_per_post": round(1000 * index_seconds / len(texts), 3),
        "total_seconds": round(signature_seconds + index_seconds, 1),
        "index_traced_mb": round(traced / 2**20, 1), "rss_growth_mb": round(rss_after - rss_before, 1),
        "stored_signature_bytes": len(to_bytes(signatures[0])),  # type: ignore[arg-type]
        "copies": len(copies), "copies_found": found, "recall": round(found / max(len(copies), 1), 4),
        "copies_in_a_wrong_story": wrong_story,
        "originals_wrongly_matched": false_matches,
        "false_match_rate": round(false_matches / max(len(texts) - len(copies), 1), 5),
    }
    console.print(f"{result['posts']:,} posts of {words:.0f} syllables on average, {len(copies):,} copies "
                  f"(edited syndication and exact re-posts)")
    console.print(f"signatures: {result['signature_ms_per_post']} ms/post; LSH match + insert: "
                  f"{result['index_ms_per_post']} ms/post; {result['total_seconds']} s CPU in all")
    console.print(f"memory: index {result['index_traced_mb']} MB traced (RSS +{result['rss_growth_mb']} MB); "
                  f"{result['stored_signature_bytes']} bytes stored per post")
    console.print(f"copies found: {found:,}/{len(copies):,} (recall {100 * result['recall']:.2f}%); originals wrongly "
                  f"matched to another story: {false_matches} ({100 * result['false_match_rate']:.3f}%)")
    path = write_result("monitor_dedup" if args.tables == "compact" else "monitor_dedup_datasketch", result)
    console.print(f"wrote {path.relative_to(REPO)}")


if __name__ == "__main__":
    main()
