from factories import answered, make_question
from qarchive.model.versioning import (
    FieldChange,
    canonical_json,
    changed_fields,
    content_hash,
    diff_records,
    record_hash,
)


def test_hash_ignores_key_order_and_is_prefixed():
    assert content_hash({"a": 1, "b": "é"}) == content_hash({"b": "é", "a": 1})
    assert content_hash({"a": 1}).startswith("sha256:")
    assert canonical_json({"b": "é", "a": 1}) == '{"a":1,"b":"é"}'


def test_hash_changes_with_content():
    old = make_question().model_dump(mode="json")
    new = answered(make_question()).model_dump(mode="json")
    assert content_hash(old) != content_hash(new)


def test_diff_of_an_answer_appearing():
    old = make_question().model_dump(mode="json")
    new = answered(make_question()).model_dump(mode="json")
    changes = diff_records(old, new)
    assert [c.path for c in changes] == ["answer", "status"]
    assert changes[1] == FieldChange("status", "pending", "answered")
    assert changes[0].old is None and changes[0].new["text"] == "Réponse du ministre."
    assert changed_fields(old, new) == ["answer", "status"]


def test_diff_paths_are_dotted_and_indexed():
    old = {"author": {"name": "A"}, "renewals": ["2018-01-01", "2018-02-01"]}
    new = {"author": {"name": "B"}, "renewals": ["2018-01-01", "2018-03-01"]}
    assert diff_records(old, new) == [
        FieldChange("author.name", "A", "B"),
        FieldChange("renewals[1]", "2018-02-01", "2018-03-01"),
    ]


def test_list_growing_is_one_change():
    assert diff_records({"r": [1]}, {"r": [1, 2]}) == [FieldChange("r", [1], [1, 2])]


def test_added_and_removed_keys():
    assert diff_records({"a": 1}, {"b": 2}) == [
        FieldChange("a", 1, None),
        FieldChange("b", None, 2),
    ]


def test_no_change():
    record = make_question().model_dump(mode="json")
    assert diff_records(record, record) == []


def test_fields_added_later_hash_as_absent_when_empty():
    # A record archived before `themes`, `reminder_of`... existed must not get a new
    # version because today's code writes them as empty.
    before = {
        "id": "SEQ180304125",
        "author": {"name": "Philippe Bonnecarrère"},
        "answer": {"text": "Réponse"},
        "source": {"url": "x"},
    }
    after = {
        **before,
        "themes": [],
        "reminder_of": None,
        "converted_to": None,
        "author": {"name": "Philippe Bonnecarrère", "published_name": None},
        "answer": {"text": "Réponse", "session_date": None},
    }
    assert record_hash(after) == record_hash(before)
    assert changed_fields(before, after) == []
    assert diff_records(before, after) == []
    filled = {**after, "reminder_of": "SEQ170900064"}
    assert record_hash(filled) != record_hash(before)
    assert changed_fields(before, filled) == ["reminder_of"]
