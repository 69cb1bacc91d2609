#!/usr/bin/env python3
"""Write tests/fixtures/formats/projects.ods: a small project list as an
OpenDocument spreadsheet, with the standard library only (zipfile and XML
text), so the committed fixture can be made again without LibreOffice.

    python3 scripts/make_ods_fixture.py tests/fixtures/formats/projects.ods

The sheet has a title merged across all columns (number-columns-spanned,
covered cells after it), a header row with the unit in the amount heading,
three project rows and a 合计 row. Every name and figure is made up for the
test; the places are real counties of the gazetteer.
"""
import sys
import zipfile
from xml.sax.saxutils import escape

TITLE = "2022年对口援助项目表"
HEADER = ["项目名称", "实施地点", "援助方", "资金（万元）", "年度"]
ROWS = [
    ["边坝县寄宿制学校扩建", "边坝县", "重庆市", 860, 2022],
    ["洛隆县人畜饮水工程", "洛隆县", "重庆市", 415.5, 2022],
    ["丁青县远程医疗中心", "丁青县", "天津市", 240, 2021],
    ["合计", "", "", 1515.5, ""],
]

NS = (
    'xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
    'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" '
    'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0"'
)


def cell(value):
    if value == "":
        return "<table:table-cell/>"
    if isinstance(value, (int, float)):
        return (
            f'<table:table-cell office:value-type="float" office:value="{value}">'
            f"<text:p>{value}</text:p></table:table-cell>"
        )
    return (
        f'<table:table-cell office:value-type="string">'
        f"<text:p>{escape(value)}</text:p></table:table-cell>"
    )


def row(cells):
    return "<table:table-row>" + "".join(cell(c) for c in cells) + "</table:table-row>"


def content():
    width = len(HEADER)
    title = (
        "<table:table-row>"
        f'<table:table-cell office:value-type="string" table:number-columns-spanned="{width}">'
        f"<text:p>{escape(TITLE)}</text:p></table:table-cell>"
        + "<table:covered-table-cell/>" * (width - 1)
        + "</table:table-row>"
    )
    body = title + row(HEADER) + "".join(row(r) for r in ROWS)
    return (
        '<?xml version="1.0" encoding="UTF-8"?>'
        f'<office:document-content {NS} office:version="1.2">'
        "<office:body><office:spreadsheet>"
        f'<table:table table:name="援助项目">{body}</table:table>'
        "</office:spreadsheet></office:body></office:document-content>"
    )


MANIFEST = (
    '<?xml version="1.0" encoding="UTF-8"?>'
    '<manifest:manifest xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0" manifest:version="1.2">'
    '<manifest:file-entry manifest:full-path="/" manifest:media-type="application/vnd.oasis.opendocument.spreadsheet"/>'
    '<manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml"/>'
    "</manifest:manifest>"
)


def main(path):
    with zipfile.ZipFile(path, "w") as z:
        # The mimetype entry comes first and is stored, as the format asks.
        z.writestr(
            zipfile.ZipInfo("mimetype", date_time=(2022, 1, 1, 0, 0, 0)),
            "application/vnd.oasis.opendocument.spreadsheet",
            compress_type=zipfile.ZIP_STORED,
        )
        for name, text in [("META-INF/manifest.xml", MANIFEST), ("content.xml", content())]:
            z.writestr(
                zipfile.ZipInfo(name, date_time=(2022, 1, 1, 0, 0, 0)),
                text,
                compress_type=zipfile.ZIP_DEFLATED,
            )


if __name__ == "__main__":
    main(sys.argv[1])
