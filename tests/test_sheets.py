"""The registration sheet: an A4 layout a coordinator prints as it comes out of the bot."""

from __future__ import annotations

import io

import openpyxl
import pytest
from openpyxl.worksheet.worksheet import Worksheet

from bot.staff.sheets import BLANK_ROWS, HEADER_ROW, SheetLabels, SheetRow, registration_sheet

LABELS = SheetLabels(
    heading="Лист регистрации участников",
    when="Дата и время: 29 ноября 2026, 14:00 МСК",
    place="Место: г. Казань, ул. Пушкина, д. 66/33",
    number="№",
    name="ФИО",
    organisation="Организация",
    region="Регион",
    signature="Подпись",
    page="Страница",
)
ROWS = [
    SheetRow("Иванова Ирина Петровна", "АНО «Дом дружбы народов»", "Свердловская область"),
    SheetRow("Петров Пётр", "", "Республика Татарстан"),
    SheetRow('=HYPERLINK("http://evil.example","x")', "@SUM(A1)", "Москва"),
]


def sheet(rows: list[SheetRow] = ROWS, **kwargs: int) -> Worksheet:
    data = registration_sheet("Семинар «НКО и местное самоуправление»", rows, LABELS, **kwargs)
    ws = openpyxl.load_workbook(io.BytesIO(data)).active
    assert isinstance(ws, Worksheet)
    return ws


def test_a4_portrait_fit_to_width_with_repeating_header_and_print_area() -> None:
    ws = sheet()
    assert int(ws.page_setup.paperSize) == int(ws.PAPERSIZE_A4) == 9  # A4
    assert ws.page_setup.orientation == "portrait"
    assert ws.sheet_properties.pageSetUpPr.fitToPage is True
    assert ws.page_setup.fitToWidth == 1
    assert ws.page_setup.fitToHeight == 0  # as many pages down as it takes
    assert ws.print_title_rows == f"${HEADER_ROW}:${HEADER_ROW}"
    last = HEADER_ROW + len(ROWS) + BLANK_ROWS
    assert ws.print_area == f"'{ws.title}'!$A$1:$E${last}"
    assert ws.oddFooter.center.text == "Страница &P / &N"


def test_title_with_event_date_and_place() -> None:
    ws = sheet()
    assert ws["A1"].value == "Лист регистрации участников"
    assert ws["A1"].font.bold
    assert ws["A2"].value == "Семинар «НКО и местное самоуправление»"
    assert ws["A3"].value == LABELS.when
    assert ws["A4"].value == LABELS.place
    merged = {str(r) for r in ws.merged_cells.ranges}
    assert {"A1:E1", "A2:E2", "A3:E3", "A4:E4"} <= merged


def test_numbered_rows_with_borders_and_an_empty_signature_column() -> None:
    ws = sheet()
    header = [c.value for c in ws[HEADER_ROW]]
    assert header == ["№", "ФИО", "Организация", "Регион", "Подпись"]
    assert all(c.font.bold for c in ws[HEADER_ROW])
    first = HEADER_ROW + 1
    assert [c.value for c in ws[first]] == [
        1,
        "Иванова Ирина Петровна",
        "АНО «Дом дружбы народов»",
        "Свердловская область",
        None,
    ]
    assert ws[f"C{first + 1}"].value is None  # no organisation given: an empty cell
    numbers = [ws[f"A{r}"].value for r in range(first, ws.max_row + 1)]
    assert numbers == list(range(1, len(ROWS) + BLANK_ROWS + 1))
    for row in ws.iter_rows(min_row=HEADER_ROW, max_row=ws.max_row):
        below_header = row[0].row > HEADER_ROW
        for cell in row:
            assert cell.border.left.style == "thin", cell.coordinate
            assert cell.border.right.style == "thin", cell.coordinate
            assert cell.border.top.style == "thin", cell.coordinate
            assert cell.border.bottom.style == "thin", cell.coordinate
        assert not below_header or row[4].value is None  # «Подпись» stays empty for the pen
    assert ws.row_dimensions[first].height >= 25  # room to sign
    widths = [ws.column_dimensions[c].width for c in "ABCDE"]
    assert widths[0] < widths[1] and widths[4] >= 15


def test_what_a_person_typed_is_text_never_a_formula() -> None:
    ws = sheet()
    row = HEADER_ROW + 3
    assert ws[f"B{row}"].value == '=HYPERLINK("http://evil.example","x")'
    assert ws[f"B{row}"].data_type == "s"
    assert ws[f"C{row}"].data_type == "s"


def test_control_characters_do_not_stop_the_sheet() -> None:
    ws = sheet([SheetRow("Имя\x0cс разрывом", "Орг\x00", "")])
    assert ws[f"B{HEADER_ROW + 1}"].value == "Имяс разрывом"


@pytest.mark.parametrize("blank", [0, 3])
def test_blank_rows_for_walk_ins(blank: int) -> None:
    ws = sheet(blank_rows=blank)
    assert ws.max_row == HEADER_ROW + len(ROWS) + blank


def test_an_empty_list_still_prints_a_form() -> None:
    ws = sheet([])
    assert ws.max_row == HEADER_ROW + BLANK_ROWS
    assert ws[f"A{HEADER_ROW + 1}"].value == 1
