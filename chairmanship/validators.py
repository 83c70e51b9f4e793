"""What the archive's text fields accept: printable text only, and no more of it than a page can show.

Declared on the model fields, so the admin's forms, the API's serializers (DRF copies model validators)
and the importer (``full_clean``) all refuse the same input with the same message naming the field.

Control characters have no meaning in the archive's text, and XML 1.0 cannot carry most of them: one of
them in a published title would make the Atom feed unreadable for everyone. Long text may keep tabs and
line breaks; one-line fields keep none.
"""

import re
import unicodedata

from django.core.exceptions import ValidationError
from django.core.validators import MaxLengthValidator, RegexValidator
from django.utils.deconstruct import deconstructible

# C0 controls, DEL and C1 controls, and the two noncharacters XML refuses. Long text leaves out tab, line feed
# and carriage return. (Lone surrogates never get this far: forms and serializers refuse them already.)
_ONE_LINE = "\x00-\x1f\x7f-\x9f\ufffe\uffff"
_LONG_TEXT = "\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ufffe\uffff"

# Room for what the curated records hold (a summary of a few sentences, a treaty's full text) many times
# over, while a page that prints the text stays one a browser can load.
SUMMARY_MAX_LENGTH = 5_000
NOTE_MAX_LENGTH = 2_000
FULL_TEXT_MAX_LENGTH = 200_000


@deconstructible
class ControlCharacterValidator:
    """Refuses control characters, naming the first one found and where it is."""

    code = "control_characters"

    def __init__(self, *, long_text: bool = False):
        self.long_text = long_text
        self.forbidden = re.compile(f"[{_LONG_TEXT if long_text else _ONE_LINE}]")

    def __call__(self, value):
        match = self.forbidden.search(str(value))
        if match is None:
            return
        allowed = "tabs and line breaks" if self.long_text else "no line breaks or tabs"
        raise ValidationError(
            "Remove the %(kind)s U+%(codepoint)04X at position %(position)d; "
            "this field takes printable text only (%(allowed)s).",
            code=self.code,
            params={
                "kind": "control character" if unicodedata.category(match.group()) == "Cc" else "character",
                "codepoint": ord(match.group()),
                "position": match.start() + 1,
                "allowed": allowed,
            },
        )

    def __eq__(self, other):
        return isinstance(other, ControlCharacterValidator) and other.long_text == self.long_text

    def __hash__(self):
        return hash((type(self), self.long_text))


one_line = ControlCharacterValidator()
long_text = ControlCharacterValidator(long_text=True)


def long_text_validators(limit: int) -> list:
    """A TextField's validators: printable text with line breaks, at most ``limit`` characters.

    A validator rather than ``max_length``: a TextField's ``max_length`` only reaches forms, and changing
    it would make SQLite rebuild the table (dropping the search index triggers); validators need no
    schema change and hold for forms, serializers and ``full_clean`` alike.
    """
    return [long_text, MaxLengthValidator(limit)]


validate_language_tag = RegexValidator(
    r"^[a-z]{2,3}(-[a-z0-9]{2,8})*$",
    "Enter a lowercase language tag such as en, ru, zh-hans or kk.",
    code="language_tag",
)
