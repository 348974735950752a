"""Staff-entered text in English and Welsh: the value, its form field, and how pages show it.

Stored as JSON {"en": ..., "cy": ...}. Readers get their language, or the other one with a
visible "not yet available in Welsh" note, never an empty space.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask_babel import get_locale, lazy_gettext as _l
from wtforms import Field
from wtforms.utils import unset_value
from wtforms.validators import ValidationError

LANGS = ("en", "cy")


@dataclass(frozen=True)
class BilingualText:
    en: str = ""
    cy: str = ""

    @classmethod
    def of(cls, value: Any) -> "BilingualText":
        if isinstance(value, BilingualText):
            return value
        if isinstance(value, dict):
            return cls(en=(value.get("en") or "").strip(), cy=(value.get("cy") or "").strip())
        if isinstance(value, str):
            return cls(en=value.strip())
        return cls()

    def as_dict(self) -> dict[str, str]:
        return {"en": self.en, "cy": self.cy}

    def __bool__(self) -> bool:
        return bool(self.en or self.cy)

    def pick(self, locale: str) -> tuple[str, str, bool]:
        """(text, language of that text, whether it fell back to the other language)."""
        wanted = locale if locale in LANGS else "en"
        other = "cy" if wanted == "en" else "en"
        text = getattr(self, wanted)
        if text:
            return text, wanted, False
        return getattr(self, other), other, bool(getattr(self, other))


def pick_for_reader(value: Any) -> dict[str, Any]:
    text, lang, fell_back = BilingualText.of(value).pick(str(get_locale() or "en"))
    return {"text": text, "lang": lang, "fell_back": fell_back}


class BilingualField(Field):
    """Two inputs, English and Welsh, rendered by the field macro as one fieldset.

    English is always required (unless optional=True); Welsh is required when the council's
    `welsh_required` setting is on.
    """

    def __init__(self, label=None, validators=None, multiline: bool = False, optional: bool = False, **kwargs):
        super().__init__(label, validators, **kwargs)
        self.multiline = multiline
        self.optional = optional
        self.error_anchor = self.id

    def process(self, formdata, data=unset_value, extra_filters=None):
        self.process_errors = []
        if data is unset_value:
            data = self.default() if callable(self.default) else self.default
        self.object_data = data
        self.data = BilingualText.of(data)
        if formdata is not None and (f"{self.name}-en" in formdata or f"{self.name}-cy" in formdata):
            self.data = BilingualText(en=formdata.get(f"{self.name}-en", "").strip(),
                                      cy=formdata.get(f"{self.name}-cy", "").strip())

    def pre_validate(self, form):
        from app.core.tenancy import current_council

        self.error_anchor = self.id
        if not self.optional and not self.data.en:
            raise ValidationError(_l("Enter the English text for “%(label)s”", label=self.label.text))
        if self.data.en and current_council().welsh_required and not self.data.cy:
            self.error_anchor = f"{self.id}-cy"
            raise ValidationError(_l("Enter the Welsh text for “%(label)s”", label=self.label.text))

    def populate_obj(self, obj, name):
        setattr(obj, name, self.data.as_dict())

    def _value(self) -> BilingualText:
        return self.data
