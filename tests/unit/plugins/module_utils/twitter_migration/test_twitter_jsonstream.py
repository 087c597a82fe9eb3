# Copyright: Contributors to the fediverse.deploy project
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The incremental JSON reader: same values as json.loads, element by element, with positions in errors."""

from __future__ import annotations

import io
import json
import tracemalloc

import pytest

from ansible_collections.fediverse.deploy.plugins.module_utils.twitter_migration.errors import InputError
from ansible_collections.fediverse.deploy.plugins.module_utils.twitter_migration.jsonstream import JsonEventReader


def events(text, chunk=7):
    return list(JsonEventReader(io.StringIO(text), "input.json", chunk_chars=chunk).events())


def items(text, chunk=7):
    return [value for kind, dummy, value in events(text, chunk) if kind == "item"]


DOCUMENT = [{"id_str": str(i), "name": 'n\u00e4me "%d"' % i, "entities": {"url": {"urls": [1, 2.5, None, True]}}} for i in range(50)]
DOCUMENT += [12345678901234567890, -1.5e3]


@pytest.mark.parametrize("chunk", [1, 2, 3, 7, 64, 65536])
def test_array_elements_equal_json_loads_at_any_chunk_size(chunk):
    assert items(json.dumps(DOCUMENT, indent=1), chunk) == DOCUMENT


def test_javascript_assignment_and_trailing_semicolon():
    reader = JsonEventReader(io.StringIO('window.YTD.following.part0 = [{"following": {"accountId": "1"}}];\n'), "following.js")
    assert [v for k, dummy, v in reader.events() if k == "item"] == [{"following": {"accountId": "1"}}]
    assert reader.assignment == "window.YTD.following.part0"


def test_top_level_object_streams_its_arrays():
    page = {"users": [{"a": 1}, {"b": 2}], "next_cursor": 0, "includes": {"tweets": []}}
    assert events(json.dumps(page)) == [
        ("begin_object", None, None),
        ("item", "users", {"a": 1}),
        ("item", "users", {"b": 2}),
        ("end_array", "users", None),
        ("member", "next_cursor", 0),
        ("member", "includes", {"tweets": []}),
        ("end_object", None, None),
    ]


def test_several_top_level_values_json_lines():
    assert [event[0] for event in events('{"data": []}\n{"data": []}\n')] == ["begin_object", "end_array", "end_object"] * 2


def test_empty_array():
    assert events("[ ]") == [("end_array", None, None)]


@pytest.mark.parametrize(
    "text, line, column, message",
    [
        ('[{"a": 1},\n {"b": ', 2, 8, "truncated JSON"),
        ('[{"a": 1}\n {"b": 2}]', 2, 2, "expected ',' or ']'"),
        ("[1, 2,\n\n   , 3]", 3, 4, "invalid JSON"),
        ('{"users": [{"a": 1}', 1, 20, "truncated JSON"),
        ('[{"a": "unterminated', 1, 8, "truncated JSON"),
        ('{"a" 1}', 1, 6, "expected ':'"),
        ("{a: 1}", 1, 2, "member name"),
        ("hello world", 1, 1, "not JSON"),
    ],
)
def test_errors_name_file_line_and_column(text, line, column, message):
    with pytest.raises(InputError) as caught:
        events(text, chunk=3)
    assert (caught.value.source, caught.value.line, caught.value.column) == ("input.json", line, column)
    assert message in str(caught.value)
    assert str(caught.value).startswith("input.json, line %d, column %d: " % (line, column))


def test_position_counts_lines_across_dropped_buffer():
    text = "[\n" + ",\n".join('{"n": %d}' % i for i in range(5000)) + ",\n}"
    with pytest.raises(InputError) as caught:
        events(text, chunk=64)
    assert caught.value.line == 5002


def test_one_element_larger_than_the_limit_is_refused():
    reader = JsonEventReader(io.StringIO("[" + json.dumps("x" * 5000) + "]"), "big.json", chunk_chars=64, max_value_chars=1000)
    with pytest.raises(InputError, match="larger than 1000"):
        list(reader.events())


def _peak_memory(count):
    element = json.dumps({"screen_name": "someone", "description": "x" * 300})
    text = "[" + ",".join([element] * count) + "]"
    stream = io.StringIO(text)
    del text
    tracemalloc.start()
    try:
        for _event in JsonEventReader(stream, "big.json").events():
            pass
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def test_memory_stays_flat_as_the_input_grows():
    small, large = _peak_memory(2000), _peak_memory(40000)
    # 20 times the input (14 MB instead of 0.7 MB) must not need noticeably more memory than the buffer.
    assert large < small * 1.5 + 200000
    assert large < 2 * 1024 * 1024
