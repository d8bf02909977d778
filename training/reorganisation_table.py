"""Write ``nlu/data/reorganisation_2025.tsv`` from the installed ``vietnamadminunits`` package.

    python -m training.reorganisation_table            # after upgrading the package
    python -m training.reorganisation_table OUT.tsv    # somewhere else, to compare

The served code reads the file, not the package (40 MB of tables in every
process for 160 rows): see :mod:`nlu.entities.reorganisation`.
"""

from __future__ import annotations

import sys
from pathlib import Path

from nlu.entities.reorganisation import DEFAULT_TABLE, Reorganisation


def main(argv: list[str]) -> None:
    target = Path(argv[0]) if argv else DEFAULT_TABLE
    Reorganisation.from_package().write(target)
    print(f"wrote {target}")


if __name__ == "__main__":
    main(sys.argv[1:])
