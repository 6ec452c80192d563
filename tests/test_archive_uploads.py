"""Office archives are judged by their directory and a few bytes, never inflated (issue 13, hole 1): a 4 MB
upload that inflates to gigabytes is refused at once. The archives are forged here — a compressed mebibyte of
zeros repeated, sizes declared at will — rather than made by compressing gigabytes on every run."""

import io
import struct
import time
import zipfile
import zlib

import pytest

from portal.services import files as documents
from tests.project_api import create, project_body, token

ODT = "application/vnd.oasis.opendocument.text"


def _inflating_to(mebibytes: int) -> bytes:
    """A raw deflate stream of `mebibytes` MiB of zeros: one compressed MiB, fully flushed, repeated."""
    compressor = zlib.compressobj(9, zlib.DEFLATED, -15)
    block = compressor.compress(b"\0" * 2**20) + compressor.flush(zlib.Z_FULL_FLUSH)
    return block * mebibytes + zlib.compressobj(9, zlib.DEFLATED, -15).flush()


def _archive(name: str, deflated: bytes, declared_size: int, extra_entries: int = 0) -> bytes:
    """A zip holding one deflated member that says it inflates to `declared_size` bytes (CRC left at 0)."""
    encoded = name.encode()
    local = struct.pack("<IHHHHHIIIHH", 0x04034B50, 20, 0, 8, 0, 0, 0, len(deflated), declared_size, len(encoded), 0)
    central = struct.pack(
        "<IHHHHHHIIIHHHHHII",
        0x02014B50,
        20,
        20,
        0,
        8,
        0,
        0,
        0,
        len(deflated),
        declared_size,
        len(encoded),
        0,
        0,
        0,
        0,
        0,
        0,
    )
    body = local + encoded + deflated
    directory = central + encoded
    count = 1
    for index in range(extra_entries):  # empty stored entries, to make a long directory cheaply
        other = f"e/{index}".encode()
        directory += (
            struct.pack(
                "<IHHHHHHIIIHHHHHII", 0x02014B50, 20, 20, 0, 0, 0, 0, 0, 0, 0, len(other), 0, 0, 0, 0, 0, len(body)
            )
            + other
        )
        count += 1
    end = struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, count, count, len(directory), len(body), 0)
    return body + directory + end


@pytest.fixture()
def inflated_bytes(monkeypatch):
    """How many inflated bytes the check reads from archive members."""
    read = []
    original = zipfile.ZipExtFile.read

    def counting(self, n=-1):
        data = original(self, n)
        read.append(len(data))
        return data

    monkeypatch.setattr(zipfile.ZipExtFile, "read", counting)
    return read


def _type_of(tmp_path, data: bytes) -> str | None:
    path = tmp_path / "upload"
    path.write_bytes(data)
    return documents.detect_content_type(data[:16], path)


def test_a_real_opendocument_is_recognised(tmp_path):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("mimetype", ODT)
        archive.writestr("content.xml", "<office:document-content/>")
    assert _type_of(tmp_path, buffer.getvalue()) == ODT


@pytest.mark.parametrize("declared", [len(ODT), 2**31], ids=["forged small size", "honest huge size"])
def test_a_mimetype_that_inflates_to_gigabytes_is_refused_reading_a_few_bytes(tmp_path, inflated_bytes, declared):
    bomb = _archive("mimetype", _inflating_to(4096), declared)  # 4 GiB of zeros
    assert 3_000_000 < len(bomb) < 6_000_000  # a few megabytes on the wire
    started = time.monotonic()
    assert _type_of(tmp_path, bomb) is None
    assert time.monotonic() - started < 1
    assert sum(inflated_bytes) <= documents.MIMETYPE_MAX_BYTES + 1


def test_an_archive_with_too_many_entries_is_refused_before_any_is_read(tmp_path, inflated_bytes):
    crowded = _archive("mimetype", zlib.compress(ODT.encode())[2:-4], len(ODT), extra_entries=10_001)
    assert _type_of(tmp_path, crowded) is None
    assert inflated_bytes == []


def test_the_api_refuses_the_bomb_at_once(app, client, cast, tmp_path, monkeypatch):
    monkeypatch.setitem(app.config, "UPLOAD_DIR", str(tmp_path))
    officer = token(client, "officer@test.org")
    project = create(client, officer, project_body(cast))
    # 400 MiB inflated from about 400 KB (past that the test client spools the body to a file it leaves open).
    bomb = _archive("mimetype", _inflating_to(400), len(ODT))
    started = time.monotonic()
    response = client.post(
        f"/api/v1/projects/{project['id']}/documents",
        data={"kind": "technical_file", "file": (io.BytesIO(bomb), "dossier.odt")},
        headers=officer,
        content_type="multipart/form-data",
    )
    assert time.monotonic() - started < 2
    assert response.status_code == 422
    assert response.get_json()["error"]["code"] == "unsupported_file_type"
    assert list(tmp_path.iterdir()) == []  # written to be checked, then removed
