from core.text import clean_text


def test_plain_text_is_kept_as_typed():
    assert clean_text("Fish & chips, 5 < 6 > 4 — \"great\" 'stuff'") == "Fish & chips, 5 < 6 > 4 — \"great\" 'stuff'"
    assert clean_text("I <3 it") == "I <3 it"


def test_markup_is_removed_even_when_escaped_several_times():
    assert clean_text("<script>alert(1)</script>ok") == "alert(1)ok"
    assert clean_text('<img src=x onerror="alert(1)">hi') == "hi"
    assert "<" not in clean_text("&amp;lt;img src=x onerror=alert(1)&amp;gt;")


def test_controls_and_bidi_overrides_are_dropped():
    assert clean_text("a\u0000b\u202ec\u2066d") == "abcd"


def test_lines_are_kept_only_where_asked():
    assert clean_text("one\r\n\r\n\r\n\r\ntwo", multiline=True) == "one\n\ntwo"
    assert clean_text("one\ntwo") == "one two"
    assert clean_text("   ") == ""
