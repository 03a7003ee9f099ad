#!/bin/sh
# Builds the portfolio and KPI workbooks from the database the environment names and renders
# every printed page as PNG (LibreOffice → PDF → pdftoppm -r 60) into docs/samples/.
# Usage: sh docs/samples/render.sh [extra generate_report options, e.g. --fiscal-year 2025]
set -e
cd "$(dirname "$0")/../.."
out=docs/samples
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
export FONTCONFIG_FILE="$PWD/$out/fonts.conf"  # 맑은 고딕 drawn as Noto Sans CJK KR
for kind in portfolio kpi; do
    .venv/bin/python manage.py generate_report "$kind" --out "$work/$kind.xlsx" --requested-by "기획팀 김과장" "$@"
    soffice -env:UserInstallation="file://$work/profile" --headless --convert-to pdf --outdir "$work" \
        "$work/$kind.xlsx" >/dev/null
    rm -f "$out/$kind"-*.png
    pdftoppm -png -r 60 "$work/$kind.pdf" "$out/$kind"
    cp "$work/$kind.xlsx" "$out/$kind.xlsx"
    echo "$kind: $(pdfinfo "$work/$kind.pdf" | awk '/^Pages/ {print $2}') pages"
done
