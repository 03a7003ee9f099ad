"""How long reading a typed amount takes (portfolio.amounts.parse_won), per form: an import of
200,000 rows whose amounts are text cells reads each of them once.

Run: `.venv/bin/python bench/amounts.py [--calls 100000]`. Prints microseconds per call and the
seconds 200,000 such cells would take. No database.
"""

import argparse
import os
import sys
import timeit
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
FORMS = ("500000000", "500,000,000", "5억", "6,000억", "1조 2,000억원", "3천만원", "12.5억")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=100_000)
    calls = parser.parse_args().calls
    os.environ.setdefault("DEBUG", "1")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()
    from portfolio.amounts import parse_won

    for text in FORMS:
        seconds = timeit.timeit(lambda text=text: parse_won(text), number=calls)
        per_call = seconds / calls
        print(f"{text:>16}  {per_call * 1e6:6.2f} µs per call  {per_call * 200_000:5.2f} s per 200,000 cells")


if __name__ == "__main__":
    main()
