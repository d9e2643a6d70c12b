"""The registration sheet to print: an XLSX laid out for A4, the form grant reports ask for
("скан регистрационных листов"): a title with the event, its date and place, then numbered
rows with the name, organisation and region and an empty column to sign in.

Plain values in, bytes out; the labels come in already translated.
"""

from __future__ import annotations

import io
from dataclasses import dataclass

from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.worksheet.properties import PageSetupProperties
from openpyxl.worksheet.worksheet import Worksheet

COLUMNS = "ABCDE"
WIDTHS = (5, 34, 34, 22, 20)  # №, name, organisation, region, signature (characters)
HEADER_ROW = 6
ROW_HEIGHT = 30  # points: room for a signature
BLANK_ROWS = 5  # numbered empty rows for people who come without registering
_THIN = Side(style="thin", color="000000")
BORDER = Border(left=_THIN, right=_THIN, top=_THIN, bottom=_THIN)


@dataclass(frozen=True, slots=True)
class SheetLabels:
    heading: str  # «Лист регистрации участников»
    when: str  # «Дата и время: 29 ноября 2026, 14:00 МСК»
    place: str  # «Место: ...»
    number: str  # «№»
    name: str  # «ФИО»
    organisation: str  # «Организация»
    region: str  # «Регион»
    signature: str  # «Подпись»
    page: str  # «Страница»: the footer reads «Страница 1 / 3»


@dataclass(frozen=True, slots=True)
class SheetRow:
    name: str
    organisation: str
    region: str
    came: str = ""  # issue 10: the check-in mark ("✓ 14:05"), printed in the signature column


def _text(value: str) -> str:
    return str(ILLEGAL_CHARACTERS_RE.sub("", value))


def registration_sheet(
    title: str,
    rows: list[SheetRow],
    labels: SheetLabels,
    *,
    blank_rows: int = BLANK_ROWS,
) -> bytes:
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = labels.heading[:31]
    _title(ws, title, labels)
    _header(ws, labels)
    values = [*rows, *[SheetRow("", "", "")] * blank_rows]
    for number, r in enumerate(values, start=1):
        _row(ws, HEADER_ROW + number, number, (r.name, r.organisation, r.region))
        if r.came:
            ws[f"E{HEADER_ROW + number}"] = _text(r.came)
            ws[f"E{HEADER_ROW + number}"].data_type = "s"
    for column, width in zip(COLUMNS, WIDTHS, strict=True):
        ws.column_dimensions[column].width = width
    _page_setup(ws, labels, last_row=HEADER_ROW + len(values))
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def _line(ws: Worksheet, row: int, text: str, *, size: int = 11, bold: bool = False) -> None:
    """A line of text across the whole width (the title block above the table)."""
    ws.merge_cells(f"A{row}:{COLUMNS[-1]}{row}")
    cell = ws[f"A{row}"]
    cell.value = _text(text)
    cell.data_type = "s"  # text, never a formula, whatever was typed
    cell.font = Font(size=size, bold=bold)
    cell.alignment = Alignment(wrap_text=True, vertical="center")


def _title(ws: Worksheet, title: str, labels: SheetLabels) -> None:
    _line(ws, 1, labels.heading, size=14, bold=True)
    ws["A1"].alignment = Alignment(horizontal="center", vertical="center")
    _line(ws, 2, title, size=12, bold=True)
    ws.row_dimensions[2].height = 32 if len(title) > 70 else 18
    _line(ws, 3, labels.when)
    _line(ws, 4, labels.place)
    ws.row_dimensions[4].height = 30 if len(labels.place) > 90 else 15


def _header(ws: Worksheet, labels: SheetLabels) -> None:
    header = (labels.number, labels.name, labels.organisation, labels.region, labels.signature)
    for column, text in zip(COLUMNS, header, strict=True):
        cell = ws[f"{column}{HEADER_ROW}"]
        cell.value = text
        cell.font = Font(bold=True)
        cell.fill = PatternFill("solid", fgColor="D9D9D9")
        cell.border = BORDER
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
    ws.row_dimensions[HEADER_ROW].height = 20


def _row(ws: Worksheet, row: int, number: int, texts: tuple[str, str, str]) -> None:
    """One numbered row: name, organisation, region, and room to sign."""
    ws[f"A{row}"] = number
    for column, text in zip("BCD", texts, strict=True):
        cell = ws[f"{column}{row}"]
        cell.value = _text(text) or None
        cell.data_type = "s"
    for column in COLUMNS:
        cell = ws[f"{column}{row}"]
        cell.border = BORDER
        cell.alignment = Alignment(
            vertical="center", wrap_text=True, horizontal="center" if column == "A" else None
        )
    ws.row_dimensions[row].height = ROW_HEIGHT


def _page_setup(ws: Worksheet, labels: SheetLabels, *, last_row: int) -> None:
    """A4 portrait, as wide as the page, as many pages down as it takes, the header on each."""
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.orientation = ws.ORIENTATION_PORTRAIT
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr = PageSetupProperties(fitToPage=True)
    ws.page_margins.left = ws.page_margins.right = 0.5
    ws.page_margins.top = ws.page_margins.bottom = 0.6
    ws.print_options.horizontalCentered = True
    ws.print_title_rows = f"{HEADER_ROW}:{HEADER_ROW}"
    ws.print_area = f"A1:{COLUMNS[-1]}{last_row}"
    ws.oddFooter.center.text = labels.page.replace("&", "&&") + " &P / &N"
    ws.freeze_panes = f"A{HEADER_ROW + 1}"
