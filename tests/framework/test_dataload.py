"""The shared real-data loader: layouts sniffed, columns matched to roles, every refusal one line naming the file."""

from __future__ import annotations

import bz2
import gzip
import zipfile
from pathlib import Path

import pandas as pd
import pytest

from framework.dataload import load_table, sniff_separator
from framework.errors import BadInput
from framework.roles import ALIASES, Role, normalise, parse_columns

ROLES = (Role("user"), Role("item"), Role("rating", required=False), Role("timestamp", required=False))
ORDER = ("user", "item", "rating", "timestamp")


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def load(path: Path, **kwargs) -> object:
    return load_table(path, ROLES, headerless=kwargs.pop("headerless", ORDER), **kwargs)


LAYOUTS = {
    "movielens.csv": ("userId,movieId,rating,timestamp\n1,31,2.5,1260759144\n1,1029,3.0,1260759179\n", "comma"),
    "ml1m.dat": ("1::1193::5::978300760\n1::661::3::978302109\n", "'::'"),
    "u.data": ("196\t242\t3\t881250949\n186\t302\t3\t891717742\n", "tab"),
    "lastfm.tsv": ("userID\tartistID\tweight\n2\t51\t13883\n2\t52\t11690\n", "tab"),
    "upper.csv": ("UserID,MovieID,Rating,Timestamp\n1,2,3,4\n5,6,7,8\n", "comma"),
    "semi.csv": ("user;item;rating\nu1;i1;4\nu2;i2;5\n", "semicolon"),
    "spaces.txt": ("1  10  4.0  100\n2  20  3.5  200\n", "whitespace"),
}


@pytest.mark.parametrize("name", sorted(LAYOUTS))
def test_every_named_layout_reads_as_downloaded(tmp_path, name):
    text, separator = LAYOUTS[name]
    table = load(write(tmp_path, name, text))
    assert table.layout.startswith(separator)
    assert len(table.frame) == 2
    assert {"user", "item"} <= set(table.frame.columns)
    first_line = text.splitlines()[table.header_lines]
    assert table.frame.iloc[0]["user"] in first_line and table.frame.iloc[0]["item"] in first_line


def test_header_is_told_from_data_and_names_the_columns_used(tmp_path):
    with_header = load(write(tmp_path, "a.csv", LAYOUTS["movielens.csv"][0]))
    without = load(write(tmp_path, "u.data", LAYOUTS["u.data"][0]))
    assert with_header.header_lines == 1 and with_header.columns["user"] == "userId"
    assert without.header_lines == 0 and without.columns == {r: f"column {i + 1}" for i, r in enumerate(ORDER)}
    assert with_header.line(0) == 2 and without.line(0) == 1


def test_a_header_of_unknown_words_is_still_a_header(tmp_path):
    path = write(tmp_path, "odd.csv", "who,what,stars\n1,2,3\n4,5,6\n")
    table = load(path, mapping={"user": "who", "item": "what", "rating": "stars"})
    assert table.header_lines == 1
    assert table.frame["rating"].tolist() == ["3", "6"]


def test_extra_columns_are_ignored_and_listed(tmp_path):
    path = write(tmp_path, "x.csv", "genre,userId,movieId,rating,timestamp,tags\nrock,1,2,3,4,a\npop,5,6,7,8,b\n")
    table = load(path)
    assert list(table.frame.columns) == list(ORDER)
    assert table.ignored == ["genre", "tags"]
    assert table.summary()["ignored_columns"] == ["genre", "tags"]


def test_trailing_commas_are_dropped_and_said(tmp_path):
    path = write(tmp_path, "sheet.csv", "user_id,item_id,rating,\n1,2,3,\n4,5,6,\n")
    table = load(path)
    assert table.ignored == []
    assert table.frame["rating"].tolist() == ["3", "6"]
    assert any("trailing" in note for note in table.notes)


@pytest.mark.parametrize("kind", ["gzip", "bz2", "zip"])
def test_compressed_files_are_read_by_their_magic_bytes(tmp_path, kind):
    text = LAYOUTS["movielens.csv"][0].encode()
    path = tmp_path / "ratings.csv.anything"
    if kind == "gzip":
        path.write_bytes(gzip.compress(text))
    elif kind == "bz2":
        path.write_bytes(bz2.compress(text))
    else:
        with zipfile.ZipFile(path, "w") as archive:
            archive.writestr("ratings.csv", text)
    table = load(path)
    assert table.frame["item"].tolist() == ["31", "1029"]


def test_parquet_is_read_with_its_own_column_names(tmp_path):
    path = tmp_path / "r.parquet"
    pd.DataFrame({"UserID": [1, 2], "song_id": ["a", "b"], "plays": [3, 40]}).to_parquet(path)
    table = load(path)
    assert table.layout == "Parquet"
    assert table.columns == {"user": "UserID", "item": "song_id", "rating": "plays"}
    assert table.frame["rating"].tolist() == [3, 40]


def test_columns_maps_by_name_in_any_case_or_by_position(tmp_path):
    named = write(tmp_path, "n.csv", "a,b,c\n1,2,3\n4,5,6\n")
    assert load(named, mapping={"user": "A", "item": "c"}).columns == {"user": "a", "item": "c"}
    headerless = write(tmp_path, "h.txt", "1\t2\t3\n4\t5\t6\n")
    table = load(headerless, mapping={"user": "2", "item": "1"}, headerless=())
    assert table.frame["user"].tolist() == ["2", "5"]


@pytest.mark.parametrize(
    ("text", "mapping", "needles"),
    [
        ("a,b\n1,2\n", {}, ["no user column", "a, b", "--columns user="]),
        ("userId,movieId\n1,2\n", {"user": "nope"}, ["--columns user='nope'", "no such column", "userId, movieId"]),
        ("userId,movieId\n1,2\n", {"colour": "x"}, ["--columns role 'colour'", "user, item, rating, timestamp"]),
        ("userId,movieId\n1,2\n", {"user": "userId", "item": "userId"}, ["mapped to two roles", "'userId'"]),
        ("userId,userId,movieId\n1,2,3\n", {}, ["'userId' appears twice"]),
        ("userId,movieId\n", {}, ["header but no data rows"]),
        ("userId,movieId\n1,2\n3,4,5,6\n", {}, ["malformed row"]),
    ],
)
def test_refusals_are_one_line_naming_the_file(tmp_path, text, mapping, needles):
    path = write(tmp_path, "ratings.csv", text)
    with pytest.raises(BadInput) as err:
        load(path, mapping=mapping)
    message = str(err.value)
    assert "\n" not in message
    for needle in needles:
        assert needle in message


def test_a_headerless_file_without_a_positional_order_asks_for_positions(tmp_path):
    path = write(tmp_path, "u.data", LAYOUTS["u.data"][0])
    with pytest.raises(BadInput, match=r"no header: name its columns with --columns user=N"):
        load(path, headerless=())


@pytest.mark.parametrize(
    ("content", "needle"),
    [
        (b"", "file is empty"),
        (b"\n\n  \n", "file is empty"),
        (b"user,item\n1,\x002\n", "NUL bytes"),
        (b"user,item\n1,\xff2\n", "not UTF-8"),
        (gzip.compress(b"user,item\n1,2\n" * 100, mtime=0)[:30], "damaged"),
        (b"just one field per line\nand another\n", "cannot tell the separator"),
    ],
)
def test_unreadable_files_are_refused_by_name(tmp_path, content, needle):
    path = tmp_path / "bad.csv"
    path.write_bytes(content)
    with pytest.raises(BadInput) as err:
        load(path)
    assert needle in str(err.value) and "bad.csv" in str(err.value)


def test_a_folder_or_missing_file_is_named(tmp_path):
    with pytest.raises(BadInput, match="is a folder"):
        load(tmp_path)
    with pytest.raises(BadInput, match="file not found"):
        load(tmp_path / "missing.csv")


def test_a_colon_inside_a_double_colon_value_is_refused(tmp_path):
    path = write(tmp_path, "r.dat", "1::2::3::4\n5::6:7::8::9\n")
    with pytest.raises(BadInput):
        load(path)


def test_sniffing_prefers_the_separator_that_splits_every_line_alike():
    assert sniff_separator(["a::b::c", "1::2::3"])[0] == "::"
    assert sniff_separator(["a,b\tc", "1,2\t3"])[0] == "\t"
    assert sniff_separator(['"x, y",2', '"z, w",3'])[0] == ","


def test_alias_matching_ignores_case_and_punctuation():
    assert normalise("User ID") == normalise("user_id") == normalise("UserID") == "userid"
    assert "movieid" in Role("item").names()
    assert all(ALIASES[role] for role in ALIASES)


def test_parse_columns_accepts_repeats_and_commas_and_refuses_malformed_entries():
    assert parse_columns(["user=UserID,item=MovieID", "rating=Stars"]) == {
        "user": "UserID",
        "item": "MovieID",
        "rating": "Stars",
    }
    for bad, needle in (("user", "not role=column"), ("=x", "not role=column"), ("user=a,user=b", "twice")):
        with pytest.raises(BadInput, match=needle):
            parse_columns([bad])


def test_an_empty_first_cell_does_not_make_a_header(tmp_path):
    table = load(write(tmp_path, "u.data", "1\t2\t\t100\n3\t4\t5\t200\n"))
    assert table.header_lines == 0 and table.frame["rating"].tolist() == ["", "5"]


def test_string_ids_under_a_header_of_words(tmp_path):
    table = load(
        write(tmp_path, "r.csv", "who,what,when\nu1,i1,100\nu2,i2,200\n"), mapping={"user": "who", "item": "what"}
    )
    assert table.header_lines == 1 and table.frame["user"].tolist() == ["u1", "u2"]


def test_a_missing_role_message_stays_one_short_line_with_a_long_path_and_many_columns(tmp_path):
    folder = tmp_path / ("deep_" * 20)
    folder.mkdir()
    header = ",".join(f"a_rather_long_column_name_{i}" for i in range(30))
    path = write(folder, "ratings.csv", header + "\n" + ",".join("1" * 30) + "\n")
    with pytest.raises(BadInput) as err:
        load(path)
    message = str(err.value)
    assert len(message) <= 200 and "no user column" in message and "--columns user=COLUMN" in message
