"""Text extracted from a cleaned PDF, Word or Excel file, for search."""

from __future__ import annotations

import io

from sightline.core.document_base import MSG_DAMAGED, UploadRejected

TEXT_LIMIT = 2_000_000  # characters of extracted text kept for search
XLSX_CELL_BUDGET = 20_000_000  # cells (including padding) read from a spreadsheet for text


class _TextCollector:
    def __init__(self, limit: int = TEXT_LIMIT):
        self.parts: list[str] = []
        self.size = 0
        self.limit = limit

    @property
    def full(self) -> bool:
        return self.size >= self.limit

    def add(self, text: str) -> None:
        text = (text or "").replace("\x00", "").strip()
        if text and not self.full:
            self.parts.append(text)
            self.size += len(text) + 1

    def value(self) -> str:
        return "\n".join(self.parts)[: self.limit]


def extract_text(kind: str, content: bytes) -> str:
    if kind in ("png", "jpeg"):
        return ""
    extractor = {"pdf": _pdf_text, "docx": _docx_text, "xlsx": _xlsx_text}[kind]
    try:
        return extractor(content)
    except UploadRejected:
        raise
    except Exception as exc:  # the file passed our checks but its library cannot open it
        raise UploadRejected(MSG_DAMAGED, "damaged") from exc


def _pdf_text(content: bytes) -> str:
    from pypdf import PdfReader

    collector = _TextCollector()
    for page in PdfReader(io.BytesIO(content)).pages:
        try:
            collector.add(page.extract_text())
        except Exception:  # one unreadable page does not spoil the rest
            continue
        if collector.full:
            break
    return collector.value()


def _docx_text(content: bytes) -> str:
    import docx

    collector = _TextCollector()
    _docx_blocks(docx.Document(io.BytesIO(content)).iter_inner_content(), collector, 0)
    return collector.value()


def _docx_blocks(blocks, collector: _TextCollector, depth: int) -> None:
    from docx.table import Table as WordTable

    for block in blocks:
        if collector.full:
            return
        if isinstance(block, WordTable):
            if depth < 5:
                _docx_table(block, collector, depth)
        else:
            collector.add(block.text)


def _docx_table(table, collector: _TextCollector, depth: int) -> None:
    for row in table.rows:
        seen = set()
        for cell in row.cells:
            if id(cell._tc) in seen:  # a merged cell appears once per grid column
                continue
            seen.add(id(cell._tc))
            _docx_blocks(cell.iter_inner_content(), collector, depth + 1)


def _xlsx_text(content: bytes) -> str:
    from openpyxl import load_workbook

    collector = _TextCollector()
    budget = XLSX_CELL_BUDGET
    workbook = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    try:
        for sheet in workbook.worksheets:
            collector.add(sheet.title)
            sheet.reset_dimensions()  # do not trust the declared size: it would pad every row
            for row in sheet.iter_rows(values_only=True):
                budget -= max(len(row), 1)
                if budget < 0 or collector.full:
                    return collector.value()
                collector.add("\t".join(str(v) for v in row if v is not None and v != ""))
    finally:
        workbook.close()
    return collector.value()
