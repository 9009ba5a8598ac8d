"""Files -> a raw table of text: CSV (any common dialect and encoding), Excel .xlsx, Parquet.

Nothing is interpreted here beyond splitting the file into columns: values stay text
(or the types Excel and Parquet store) and are converted column by column later.
"""

from __future__ import annotations

import csv
import glob
import io
import re
import zipfile
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from analytics.errors import LensError

DELIMITERS = [",", ";", "\t", "|"]
DELIMITER_NAMES = {",": "comma", ";": "semicolon", "\t": "tab", "|": "pipe"}
# Encodings in words a person recognises (the technical name is what Python calls it).
ENCODING_NAMES = {
    "utf-8": "UTF-8",
    "utf-8-sig": "UTF-8",
    "utf8": "UTF-8",
    "cp1252": "Windows Western (cp1252)",
    "latin-1": "Latin-1 (ISO 8859-1)",
    "utf-16": "UTF-16",
}
FALLBACK_ENCODINGS = ["utf-8-sig", "cp1252", "latin-1"]

# Excel safety limits, checked on the zip directory before anything is decompressed.
MAX_XLSX_ENTRIES = 10_000
MAX_XLSX_UNCOMPRESSED = 1_500_000_000
MAX_XLSX_RATIO = 200


@dataclass
class RawTable:
    """A file split into named columns, plus how it was read."""

    frame: pd.DataFrame
    kind: str  # "csv", "xlsx" or "parquet"
    encoding: str | None = None
    delimiter: str | None = None
    sheet: str | None = None
    sheets: list[str] = field(default_factory=list)
    header_row: int = 1  # 1-based row number of the header line in the file
    bad_rows: list[int] = field(default_factory=list)  # 1-based rows that could not be split

    def row_number(self, position: int) -> int:
        """The 1-based row number in the file of data row ``position`` (0-based)."""
        return self.header_row + 1 + position


def sniff_kind(data: bytes, name: str = "") -> str:
    """Tell the file kind from its first bytes (the name's extension is only a hint)."""
    if data[:4] == b"PK\x03\x04":
        return "xlsx"
    if data[:4] == b"PAR1":
        return "parquet"
    if data[:8] == b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1":
        raise LensError(
            "This is an old Excel .xls file, which is not supported: open it in Excel and "
            "save it as .xlsx or CSV, then load it again."
        )
    lower = name.lower()
    if lower.endswith((".xlsx", ".xlsm")):
        raise LensError(
            f"{name} is not a valid Excel file (it may be damaged or renamed): export it again."
        )
    if lower.endswith(".parquet"):
        raise LensError(f"{name} is not a valid Parquet file: export it again.")
    return "csv"


def read_table(
    data: bytes,
    name: str = "",
    *,
    encoding: str | None = None,
    sheet: str | None = None,
) -> RawTable:
    """Read file bytes into a :class:`RawTable`.

    Parameters
    ----------
    data:
        The whole file.
    name:
        The file name, used in messages and as a hint for the kind.
    encoding:
        Text encoding of a CSV file; ``None`` tries UTF-8 (with or without BOM), then
        cp1252, then latin-1.
    sheet:
        Excel sheet name; ``None`` takes the first sheet that holds data.
    """
    if not data or not data.strip():
        raise LensError(f"{name or 'The file'} is empty: export the orders again and load it.")
    kind = sniff_kind(data, name)
    if kind == "xlsx":
        table = _read_xlsx(data, sheet)
    elif kind == "parquet":
        table = _read_parquet(data)
    else:
        table = _read_csv(data, encoding)
    table.frame.columns = _clean_headers(table.frame.columns)
    if table.frame.shape[1] < 2:
        raise LensError(
            f"{name or 'The file'} has only one column: it is not an order table, or its "
            "separator was not recognised. Save it as CSV with commas or semicolons."
        )
    if table.frame.empty:
        raise LensError(f"{name or 'The file'} has a header but no rows: there is nothing in it.")
    return table


def _clean_headers(columns) -> list[str]:
    """Strip header names and make them unique and non-empty."""
    seen: Counter[str] = Counter()
    out = []
    for i, col in enumerate(columns):
        text = str(col).strip().strip("\ufeff") if col is not None else ""
        if not text or text.lower().startswith("unnamed:"):
            text = f"column {i + 1}"
        seen[text] += 1
        out.append(text if seen[text] == 1 else f"{text} ({seen[text]})")
    return out


# --- CSV -----------------------------------------------------------------------------------


def decode_text(data: bytes, encoding: str | None) -> tuple[str, str]:
    """Decode bytes with the given encoding, or the first fallback that works."""
    if data[:2] in (b"\xff\xfe", b"\xfe\xff"):
        encoding = encoding or "utf-16"
    candidates = [encoding] if encoding else FALLBACK_ENCODINGS
    for enc in candidates:
        try:
            return data.decode(enc), enc
        except LookupError as exc:
            raise LensError(
                f"Unknown encoding '{encoding}': try utf-8, cp1252 or latin-1."
            ) from exc
        except UnicodeDecodeError as exc:
            if encoding:
                raise LensError(
                    f"The file is not valid {encoding} text (byte {exc.start}): choose another "
                    "encoding, or leave it on automatic."
                ) from exc
    raise AssertionError("latin-1 decodes any bytes")  # pragma: no cover


def _looks_binary(text_sample: str) -> bool:
    if "\x00" in text_sample:
        return True
    controls = sum(1 for ch in text_sample if ord(ch) < 32 and ch not in "\r\n\t\x0c")
    return controls > max(8, len(text_sample) // 100)


def sniff_dialect(sample_lines: list[str]) -> tuple[str, int]:
    """Choose the delimiter and the header line from sample lines.

    Each candidate splits every sample line (quotes respected); the winner gives the same
    number of fields (more than one) on the most lines, ties going to the larger field count.
    Lines before the header are taken as a preamble (a report title): the header is the first
    line with that count that names two columns or more, since a spreadsheet saves its title
    lines with as many separators as the table has columns ("Sales report;;;;").
    """
    best: tuple[float, int, str, int] | None = None
    for delim in DELIMITERS:
        rows = [row for row in csv.reader(sample_lines, delimiter=delim) if row]
        if not rows:
            continue
        counts = [len(row) for row in rows]
        modal, hits = Counter(counts).most_common(1)[0]
        if modal < 2:
            continue
        score = (hits / len(counts), modal)
        if best is None or score > best[:2]:
            wide = [i for i, c in enumerate(counts) if c == modal]
            named = (i for i in wide if sum(bool(cell.strip()) for cell in rows[i]) >= 2)
            best = (score[0], modal, delim, next(named, wide[0]))
    if best is None:
        raise LensError(
            "No column separator found: the file should be a table with columns separated by "
            "commas, semicolons, tabs or |. Export the orders as CSV or Excel."
        )
    return best[2], best[3]


SAMPLE_CHUNK = 1 << 20  # characters around each sampled region of a large file


def _sample_lines(text: str, limit: int = 400) -> list[str]:
    """Lines from the start, middle and end of the text, so one odd region does not decide.

    A large file is not split whole (a second or more at a million rows): the middle and
    end lines come from a chunk of text there, without the chunk's cut first line."""
    third = limit // 3
    if len(text) > 8 * SAMPLE_CHUNK:
        mid = len(text) // 2
        head = text[:SAMPLE_CHUNK].splitlines()[:-1][:third]
        middle = text[mid : mid + SAMPLE_CHUNK].splitlines()[1:-1][:third]
        end = text[-SAMPLE_CHUNK:].splitlines()[1:][-third:-1]
        return head + middle + end
    lines = text.splitlines()
    if len(lines) <= limit:
        return lines
    mid = len(lines) // 2
    # The header stays first: sniff_dialect looks for it among the first lines.
    return lines[:third] + lines[mid : mid + third] + lines[-third:-1]


def _read_csv(data: bytes, encoding: str | None) -> RawTable:
    text, used = decode_text(data, encoding)
    if _looks_binary(text[:20000]):
        raise LensError(
            "This file is not a text table (it looks binary): load a CSV, Excel .xlsx or "
            "Parquet export of your orders."
        )
    delim, header = sniff_dialect(_sample_lines(text))
    fast = _read_csv_arrow(data, text, used, delim) if header == 0 else None
    if fast is not None:
        frame, bad = fast
        return RawTable(frame=frame, kind="csv", encoding=used, delimiter=delim, bad_rows=bad)
    # Blank lines are skipped by the parser, so count the preamble in non-blank lines.
    skip = [i for i, line in enumerate(text.splitlines()[: header + 50]) if line.strip()][:header]
    bad: list[int] = []
    options = dict(
        sep=delim,
        dtype=str,
        keep_default_na=False,
        na_values=[""],
        skiprows=skip,
        skip_blank_lines=True,
    )
    try:
        frame = pd.read_csv(io.StringIO(text), engine="c", **options)
    except pd.errors.ParserError as exc:
        if "EOF" in str(exc):
            raise LensError(
                "The file looks cut off (a quoted value never ends): export it again."
            ) from exc
        # Some rows have too many fields: read again without them, and list them.
        try:
            frame = pd.read_csv(io.StringIO(text), engine="python", on_bad_lines="skip", **options)
        except (pd.errors.ParserError, csv.Error) as exc:
            raise LensError(
                f"The file looks damaged or cut off ({_short(exc)}): export it again."
            ) from exc
        bad = _bad_row_numbers(text, delim, header, len(frame.columns))
    except (csv.Error, ValueError) as exc:
        raise LensError(
            f"The file could not be read as CSV ({_short(exc)}): export it again."
        ) from exc
    return RawTable(
        frame=frame,
        kind="csv",
        encoding=used,
        delimiter=delim,
        header_row=header + 1,
        bad_rows=bad,
    )


def _read_csv_arrow(
    data: bytes, text: str, encoding: str, delim: str
) -> tuple[pd.DataFrame, list[int]] | None:
    """pyarrow's multithreaded reader, every column as text; None to use the pandas path.

    Rows with the wrong number of fields are skipped and listed. Files with a preamble or
    that pyarrow cannot parse take the slower pandas path, which words its errors better.
    """
    import pyarrow as pa
    import pyarrow.csv as pacsv

    first_line = re.match(r"[^\r\n]*", text).group()  # \n, \r\n or old Mac \r endings
    if not first_line.strip() or text.count('"') % 2:
        return None  # a preamble, or a quote that never closes (a cut-off file)
    names = _clean_headers(next(csv.reader([first_line], delimiter=delim)))
    bad: list[int | None] = []

    def skip_row(row) -> str:
        bad.append(row.number)
        return "skip"

    arrow_encoding = {"utf-8-sig": "utf8", "utf-8": "utf8"}.get(encoding, encoding)
    try:
        table = pacsv.read_csv(
            io.BytesIO(data),
            read_options=pacsv.ReadOptions(
                column_names=names, skip_rows=1, encoding=arrow_encoding, block_size=1 << 22
            ),
            parse_options=pacsv.ParseOptions(
                delimiter=delim, newlines_in_values=True, invalid_row_handler=skip_row
            ),
            convert_options=pacsv.ConvertOptions(
                column_types={name: pa.string() for name in names},
                strings_can_be_null=True,
                null_values=[""],
            ),
        )
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError, LookupError, ValueError):
        return None
    if any(number is None for number in bad):
        bad = _bad_row_numbers(text, delim, 0, len(names))
    return table.to_pandas(), sorted(int(b) for b in bad)


def _bad_row_numbers(text: str, delim: str, header: int, width: int) -> list[int]:
    """1-based row numbers of the lines whose number of fields differs from the header's."""
    rows = []
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delim)  # \r endings too
    for i, row in enumerate(reader):
        if i > header and row and len(row) != width:
            rows.append(reader.line_num)
    return rows


def _short(exc: Exception) -> str:
    return re.sub(r"\s+", " ", str(exc)).strip()[:120]


# --- Excel ---------------------------------------------------------------------------------


def check_xlsx_safety(data: bytes) -> None:
    """Refuse zip bombs and XML entity tricks before any decompression."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except zipfile.BadZipFile as exc:
        raise LensError("This Excel file is damaged (not a valid .xlsx): export it again.") from exc
    with archive:
        infos = archive.infolist()
        if len(infos) > MAX_XLSX_ENTRIES:
            raise LensError(
                f"This Excel file has {len(infos):,} parts, more than a real export has: "
                "it was refused for safety. Save the data as CSV instead."
            )
        total = sum(info.file_size for info in infos)
        if total > MAX_XLSX_UNCOMPRESSED:
            raise LensError(
                "This Excel file would unpack to more than 1.5 GB: it was refused for safety. "
                "Save the data as CSV or Parquet instead."
            )
        for info in infos:
            if info.file_size > 1_000_000 and info.file_size > MAX_XLSX_RATIO * max(
                info.compress_size, 1
            ):
                raise LensError(
                    "This Excel file is compressed suspiciously well (a 'zip bomb'): it was "
                    "refused for safety. Save the data as CSV instead."
                )
        for info in infos:
            if info.filename.endswith((".xml", ".rels")):
                with archive.open(info) as handle:
                    head = handle.read(4096)
                if b"<!DOCTYPE" in head or b"<!ENTITY" in head:
                    raise LensError(
                        "This Excel file contains XML declarations a real export never has: "
                        "it was refused for safety. Save the data as CSV instead."
                    )


def _read_xlsx(data: bytes, sheet: str | None) -> RawTable:
    check_xlsx_safety(data)
    import openpyxl  # imported late: only Excel files need it

    try:
        book = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds on damaged files
        raise LensError(
            f"This Excel file could not be opened ({_short(exc)}): export it again."
        ) from exc
    try:
        names = list(book.sheetnames)
        if sheet is not None and sheet not in names:
            raise LensError(f"There is no sheet '{sheet}' in this workbook: choose one of {names}.")
        order = [sheet] if sheet else names
        for candidate in order:
            rows = [row for row in book[candidate].iter_rows(values_only=True)]
            rows = [row for row in rows if any(v is not None and str(v).strip() for v in row)]
            if len(rows) >= 2 or (sheet and rows):
                width = max(len(r) for r in rows)
                padded = [tuple(r) + (None,) * (width - len(r)) for r in rows]
                frame = pd.DataFrame(padded[1:], columns=list(padded[0]), dtype=object)
                frame = frame.apply(_blank_to_na)
                return RawTable(frame=frame, kind="xlsx", sheet=candidate, sheets=names)
        raise LensError("The workbook has no sheet with data: check the export.")
    finally:
        book.close()


def _blank_to_na(col: pd.Series) -> pd.Series:
    return col.where(~col.map(lambda v: isinstance(v, str) and not v.strip()), None)


# --- Parquet -------------------------------------------------------------------------------


def _read_parquet(data: bytes) -> RawTable:
    import pyarrow as pa
    import pyarrow.parquet as pq

    try:
        frame = pq.read_table(pa.BufferReader(data)).to_pandas()
    except Exception as exc:  # pyarrow raises ArrowInvalid, OSError, ...
        raise LensError(
            f"This Parquet file could not be read ({_short(exc)}): export it again."
        ) from exc
    return RawTable(frame=frame.reset_index(drop=True), kind="parquet")


# --- a Parquet dataset read where it lies (see analytics.ingest.sources) -----------------------


def is_parquet_dataset(text: str) -> bool:
    """A folder of Parquet files, a glob, or a path ending in .parquet."""
    if any(ch in text for ch in "*?["):
        return True
    return Path(text).is_dir() or text.lower().endswith(".parquet")  # a missing one is said


def parquet_files(text: str) -> list[str]:
    """The Parquet files of a file, folder or glob, in name order."""
    path = Path(text)
    if path.is_dir():
        files = sorted(str(p) for p in path.rglob("*.parquet"))
    elif any(ch in text for ch in "*?["):
        files = sorted(glob.glob(text, recursive=True))
    else:
        files = [text] if path.is_file() else []
    if not files:
        raise LensError(f"No Parquet file found at {text}.")
    return files


def stored_text(files: list[str], column: str):
    """A text column of Parquet files as stored, in the files' order (Arrow); None when a
    file lacks it or stores something else."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    try:
        parts = [pq.read_table(f, columns=[column]).column(0) for f in files]
    except (OSError, KeyError, ValueError, pa.ArrowException):
        return None
    if not all(pa.types.is_string(p.type) or pa.types.is_large_string(p.type) for p in parts):
        return None
    return pa.chunked_array(
        [c for p in parts for c in p.cast(pa.large_string()).chunks], pa.large_string()
    )
