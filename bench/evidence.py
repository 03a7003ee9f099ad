"""Evidence uploads and reading breakdowns: what they cost where users wait.

Run: `.venv/bin/python bench/evidence.py [--programs 1000 --lines 10000]`. Prints the median time
to check and store one evidence file at the size limit (20 MB) per kind, and the KPI selector's
time and queries without and with the breakdowns when every reading is split in two parts (the
API's tables and the KPI report read them). Nothing written is kept.
"""

import argparse
import io
import sys
import tempfile
import zipfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bench.common import setup, timed

MB = 1024 * 1024


def big_pdf(size: int) -> bytes:
    return b"%PDF-1.4\n" + b"0" * (size - 9)


def big_xlsx(size: int) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_STORED) as package:
        package.writestr("[Content_Types].xml", "<Types/>")
        package.writestr("xl/workbook.xml", "<workbook/>")
        package.writestr("xl/media/image1.bin", b"\0" * (size - 4096))
    return out.getvalue()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--programs", type=int, default=1000)
    parser.add_argument("--lines", type=int, default=10_000)
    args = parser.parse_args()
    setup(args.programs, args.lines)

    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.db import connection, transaction
    from django.test import override_settings
    from django.test.utils import CaptureQueriesContext

    from portfolio import selectors, services
    from portfolio.models import IndicatorPart, IndicatorReading, ReadingPart

    reading = IndicatorReading.objects.first()
    with tempfile.TemporaryDirectory() as folder, override_settings(
        STORAGES={"reports": {"BACKEND": "django.core.files.storage.FileSystemStorage",
                              "OPTIONS": {"location": folder}}}
    ):  # fmt: skip
        for name, content in (("big.pdf", big_pdf(20 * MB - 1)), ("big.xlsx", big_xlsx(20 * MB - 1))):

            def store(name=name, content=content):
                with transaction.atomic():
                    services.attach_evidence(
                        file=SimpleUploadedFile(name, content), uploaded_by=None, reading=reading
                    )
                    transaction.set_rollback(True)

            ms, _ = timed(store, repeat=5)
            print(f"check and store a {len(content) / MB:.0f} MB {name.split('.')[-1]}: {ms:.0f} ms")

    with transaction.atomic():
        readings = list(IndicatorReading.objects.values_list("id", "indicator_id", "value"))
        defined = set(IndicatorPart.objects.values_list("indicator", flat=True))  # the Gwangju KPIs'
        IndicatorPart.objects.bulk_create(
            IndicatorPart(indicator_id=indicator_id, name_ko=name, sort_order=order)
            for indicator_id in {indicator_id for _id, indicator_id, _value in readings} - defined
            for order, name in enumerate(("청년", "그 외"))
        )
        by_indicator: dict[int, list[IndicatorPart]] = {}
        for part in IndicatorPart.objects.order_by("sort_order"):
            by_indicator.setdefault(part.indicator_id, []).append(part)
        ReadingPart.objects.bulk_create(
            ReadingPart(reading_id=reading_id, part=part, value=value / 2)
            for reading_id, indicator_id, value in readings
            for part in by_indicator[indicator_id][:2]
        )
        print(f"{len(readings):,} readings, each split in two parts")
        for label, breakdowns in (("kpi_progress()", False), ("kpi_progress(breakdowns=True)", True)):
            with CaptureQueriesContext(connection) as captured:
                selectors.kpi_progress(breakdowns=breakdowns)
            ms, _ = timed(lambda breakdowns=breakdowns: selectors.kpi_progress(breakdowns=breakdowns))
            print(f"{label}: {ms:.1f} ms, {len(captured)} queries")
        transaction.set_rollback(True)


if __name__ == "__main__":
    main()
