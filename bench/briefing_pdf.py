"""How long the mayor's one-page briefing PDF takes to build, and where the time goes.

Run: `.venv/bin/python bench/briefing_pdf.py [--programs 1000 --lines 20000]` (`make bench` runs
it too). On the Gwangju data plus `synth --programs P --lines L` (SQLite in bench/out/, or
DATABASE_URL), median of 7 runs after a warm-up, in this process:

1. the figures: api.briefing.build, the very function the JSON briefing calls;
2. the page: the HTML template and WeasyPrint's layout and PDF (fonts subset from Noto Sans CJK KR);
3. the whole builder (`reports.builders.briefing.build`, what a worker runs), file written.

Prints the times in ms, the PDF's size and its page count (always 1).
"""

import argparse
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bench.common import setup, timed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--programs", type=int, default=1000)
    parser.add_argument("--lines", type=int, default=20000)
    options = parser.parse_args()
    setup(options.programs, options.lines)

    from django.utils.translation import override

    from api import briefing
    from reports.builders import briefing as briefing_pdf

    with override("ko"):
        figures_ms, data = timed(lambda: briefing.build(as_of=None, root=None, since=None))
        page_ms, _pdf = timed(lambda: briefing_pdf.render_pdf(data))
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "briefing.pdf"
        whole_ms, _ = timed(lambda: briefing_pdf.build(path))
        size = path.stat().st_size
        pages = "? (no pdfinfo)"
        if shutil.which("pdfinfo"):
            info = subprocess.run(["pdfinfo", str(path)], capture_output=True, text=True, check=True).stdout
            found = re.search(r"Pages:\s+(\d+)", info)
            pages = found.group(1) if found else "?"

    import weasyprint

    print(f"briefing PDF on {options.programs:,} programs / {options.lines:,} lines "
          f"(WeasyPrint {weasyprint.__version__}), median of 7:")  # fmt: skip
    print(f"  figures (api.briefing.build)      {figures_ms:8.1f} ms")
    print(f"  page (template + WeasyPrint PDF)  {page_ms:8.1f} ms")
    print(f"  whole builder, file written       {whole_ms:8.1f} ms")
    print(f"  PDF size {size / 1024:,.0f} KB, pages {pages}")


if __name__ == "__main__":
    main()
