"""Card excerpts: plain text, cut at a word, never inside an entity, never leaking markup."""

from __future__ import annotations

from types import SimpleNamespace

from content_model.text import cut_at_word
from markupsafe import escape
from related.items import excerpt


def test_short_text_is_returned_whole_without_ellipsis():
    assert cut_at_word("  A short standfirst.  ", 160) == "A short standfirst."


def test_long_text_is_cut_at_the_last_word_boundary_with_an_ellipsis():
    text = "Energy regulators postpone tariff increases until after the vote, every time."
    result = cut_at_word(text, 30)
    assert result == "Energy regulators postpone…"
    assert len(result) <= 31
    assert text.startswith(result[:-1])


def test_trailing_punctuation_and_opening_brackets_are_not_left_dangling():
    assert cut_at_word("Tariffs, subsidies (and debts) pile up", 21) == "Tariffs, subsidies…"
    assert cut_at_word("One sentence ends here. Another follows", 24) == "One sentence ends here…"


def test_entity_in_plain_text_is_never_split():
    # text taken from escaped markup may still carry entities: the cut moves before them
    text = "Press freedom &amp; the courts in the region"
    result = cut_at_word(text, 16)
    assert "&am" not in result.replace("&amp;", "")
    assert result == "Press freedom…"
    assert cut_at_word("AT&amp;T", 5) == "AT…"


def test_excerpt_from_body_html_unescapes_and_never_leaks_markup():
    body = '<p>Salt &amp; bread, <em>together</em> at <a href="/x">the supra</a> &lt;b&gt; is text.</p>'
    column = SimpleNamespace(standfirst="", _content=body)
    result = excerpt(column, 40)
    assert "<em>" not in result and "href" not in result
    assert result.startswith("Salt & bread, together at the supra")
    # what the reader gets is escaped once by Jinja: '&' becomes '&amp;', never '&amp;amp;'
    assert "&amp;amp;" not in str(escape(result))


def test_excerpt_prefers_the_standfirst():
    column = SimpleNamespace(standfirst="The standfirst wins.", _content="<p>Body text.</p>")
    assert excerpt(column, 160) == "The standfirst wins."


def test_non_latin_scripts_cut_at_spaces():
    georgian = "სუფრა არის პარლამენტი, სადაც თამადა ლაპარაკობს და ყველა უსმენს"
    result = cut_at_word(georgian, 30)
    assert result.endswith("…")
    assert georgian.startswith(result[:-1])
    assert georgian[len(result) - 1] == " "  # the cut was at a space
    russian = "Кто платит за тишину в региональных редакциях"
    assert cut_at_word(russian, 20) == "Кто платит за тишину…"  # exactly 20 before a space
    assert cut_at_word(russian, 19) == "Кто платит за…"


def test_very_long_word_is_cut_hard_but_never_between_a_letter_and_its_mark():
    long_word = "Donaudampfschifffahrtsgesellschaftskapitän"
    assert cut_at_word(long_word, 20) == long_word[:20] + "…"
    # Devanagari: the cut must not strand a vowel sign or virama
    hindi = "नमस्तेनमस्तेनमस्ते"
    result = cut_at_word(hindi, 3)
    assert result == "नम…"
    accents = "e\u0301" * 30  # 'é' written as e + combining acute
    result = cut_at_word(accents, 9)
    assert not result[:-1].endswith("e")  # the last letter kept its accent
    emoji = "👩\u200d💻" * 20
    assert "\u200d…" not in cut_at_word(emoji, 7)


def test_short_bodies_and_empty_text():
    assert excerpt(SimpleNamespace(standfirst="", _content="<p>Yes.</p>"), 160) == "Yes."
    assert excerpt(SimpleNamespace(standfirst="   ", _content=""), 160) == ""
    assert cut_at_word("Word", 0) == "…"
