"""Training time at scale: 5,000 examples, 30 intents, 80 entity types (target: under 3 minutes).

    python -m bench.nlu_scale [--examples 5000 --intents 30 --entity-types 80]

The data is synthetic but learnable (:func:`synthetic`): each intent has its own
verbs, each entity type its own names, so the cross-validation inside ``fit``
and the CRF have real work to do.
"""

from __future__ import annotations

import argparse
import random
import time

from rich.console import Console

from bench import write_result
from nlu.model import NLUModel
from nlu.training_data import EntitySpan, Example, TrainingData


def synthetic(n_examples: int, n_intents: int, n_entity_types: int, seed: int = 0) -> TrainingData:
    """Random but learnable data: each intent has its own verbs; each entity type its own names."""
    rng = random.Random(seed)
    syllables = ["ba", "co", "da", "em", "gi", "ha", "ke", "la", "mo", "na", "ph", "qu", "ro", "su", "ta", "vi"]

    def word() -> str:
        return "".join(rng.choice(syllables) for _ in range(2))

    verbs = {f"intent_{i}": [word() for _ in range(3)] for i in range(n_intents)}
    names = {f"type_{t}": [f"{word()} {word()}" for _ in range(4)] for t in range(n_entity_types)}
    examples = []
    for k in range(n_examples):
        intent = f"intent_{k % n_intents}"
        entity = f"type_{rng.randrange(n_entity_types)}"
        name = rng.choice(names[entity])
        before = f"{rng.choice(verbs[intent])} {word()} {rng.choice(verbs[intent])} cái "
        text = f"{before}{name} {word()} {k}"
        examples.append(Example(text, intent, (EntitySpan(len(before), len(before) + len(name), entity, name),)))
    return TrainingData(examples)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--examples", type=int, default=5000)
    parser.add_argument("--intents", type=int, default=30)
    parser.add_argument("--entity-types", type=int, default=80)
    args = parser.parse_args()
    data = synthetic(args.examples, args.intents, args.entity_types)
    started = time.perf_counter()
    model = NLUModel(seed=13).fit(data, progress=True)
    seconds = time.perf_counter() - started
    Console(width=140).print(
        f"trained on {args.examples} examples, {args.intents} intents, {args.entity_types} entity types in "
        f"{seconds:.1f} s (target < 180 s); CV accuracy {model.metrics['cv_accuracy']:.3f}"
    )
    path = write_result("nlu_scale", {"examples": args.examples, "intents": args.intents,
                                      "entity_types": args.entity_types, "train_seconds": round(seconds, 2),
                                      "cv_accuracy": model.metrics["cv_accuracy"]})
    Console(width=140).print(f"wrote {path}")


if __name__ == "__main__":
    main()
