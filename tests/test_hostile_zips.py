"""Issue 21, item 8: a damaged zip member is refused alone; the import goes on, exit 1.

The zips are made here, then damaged byte by byte where a zip names its members:
a CRC-32 that does not match, the "encrypted" flag, an uncompressed size declared
shorter than the member.
"""

import io
import json
import struct
import zipfile

import pytest
from typer.testing import CliRunner

from conftest import FIXTURES
from qarchive.cli import app
from qarchive.model.ids import parse_question_id
from qarchive.store.archive import Archive

SEED_JSON = FIXTURES / "sites/www.assemblee-nationale.fr/dyn/opendata/QANR5L15QE12526.json"


def _question(number: int) -> bytes:
    document = json.loads(SEED_JSON.read_bytes())
    document["question"]["uid"] = f"QANR5L15QE{number}"
    document["question"]["identifiant"]["numero"] = str(number)
    return json.dumps(document).encode()


def _headers(data: bytes | bytearray, name: str) -> tuple[int, int]:
    """The offsets of a member's local header and of its entry in the central directory."""
    return _find(data, b"PK\x03\x04", 30, name), _find(data, b"PK\x01\x02", 46, name)


def _find(data: bytes | bytearray, signature: bytes, name_at: int, name: str) -> int:
    encoded = name.encode()
    offset = data.index(signature)
    while data[offset + name_at : offset + name_at + len(encoded)] != encoded:
        offset = data.index(signature, offset + 4)
    return offset


def _damaged_zip() -> bytes:
    """Questions 1 to 5; 1, 2 and 3 damaged, each its own way."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as bundle:
        for number in range(1, 6):
            bundle.writestr(f"json/QANR5L15QE{number}.json", _question(number))
    data = bytearray(buffer.getvalue())
    local, central = _headers(data, "json/QANR5L15QE1.json")
    data[local + 14] ^= 0xFF  # the CRC-32, in both headers
    data[central + 16] ^= 0xFF
    local, central = _headers(data, "json/QANR5L15QE2.json")
    data[local + 6] |= 0x01  # general purpose flag bit 0: encrypted
    data[central + 8] |= 0x01
    local, central = _headers(data, "json/QANR5L15QE3.json")
    struct.pack_into("<I", data, local + 22, 100)  # uncompressed size: 100 bytes
    struct.pack_into("<I", data, central + 24, 100)
    return bytes(data)


@pytest.mark.parametrize("workers", ["0", "2"])
def test_damaged_members_are_refused_alone(tmp_path, workers):
    path = tmp_path / "Questions_ecrites.json.zip"
    path.write_bytes(_damaged_zip())
    result = CliRunner().invoke(
        app, ["import", str(path), "--archive", str(tmp_path / "a"), "--workers", workers]
    )
    assert result.exit_code == 1, result.output
    assert "Traceback" not in result.output
    lines = result.stderr.splitlines()
    assert lines[:3] == [
        "Error: json/QANR5L15QE1.json: refused: unreadable member "
        "(Bad CRC-32 for file 'json/QANR5L15QE1.json')",
        "Error: json/QANR5L15QE2.json: refused: encrypted (open data is never encrypted)",
        "Error: json/QANR5L15QE3.json: refused: unreadable member "
        "(Bad CRC-32 for file 'json/QANR5L15QE3.json')",
    ]
    assert lines[-1] == "import: 5 read, 2 new, 0 updated, 0 unchanged, 3 refused or failed"
    archive = Archive(tmp_path / "a")
    assert [qid.canonical for qid in archive.iter_ids()] == ["15-4QE", "15-5QE"]
    assert archive.versions(parse_question_id("15-5QE")) == [1]
