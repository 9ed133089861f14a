"""`/hours` with anything typed after it: read, or refused with a message that quotes the person inertly."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from hours.command import HoursInputError, parse_hours_command
from tests.hostile_text import broadcast_words, hostile_text, stray_markup, tokens

# Anything, and anything after the words that lead each form, so the fuzzing reaches every branch.
TEXTS = st.one_of(
    hostile_text(),
    st.tuples(
        st.sampled_from(["", "09:00-17:00 ", "9-5 mon-fri ", "tz ", "off ", "off cancel ", "2026-12-24..", "mon "]),
        hostile_text(max_pieces=12),
    ).map("".join),
)


@settings(max_examples=1_000, deadline=None)
@given(TEXTS)
def test_any_text_is_read_or_refused_with_an_inert_message(text: str) -> None:
    try:
        parse_hours_command(text)
    except HoursInputError as error:
        message = error.message
        assert message.strip()
        assert tokens(message) == [], message
        assert stray_markup(message) == [], message
        assert broadcast_words(message) == [], message


def test_what_the_person_typed_is_quoted_once_escaped_and_never_live() -> None:
    with_zone = "9-5 Mars/Olympus_&_<!here>"
    without_hours = "Europe/Berlin <!channel> & co"

    for text, quoted in (
        (with_zone, "“Mars/Olympus_&amp;_\uff20here”"),
        (without_hours, "I couldn't read “\uff20channel”"),
    ):
        try:
            parse_hours_command(text)
        except HoursInputError as error:
            assert quoted in error.message
        else:
            raise AssertionError(f"{text!r} was read")
