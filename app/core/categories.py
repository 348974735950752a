"""The categories people choose interests from, shared by ideas, consultations and tenders."""
from flask_babel import lazy_gettext as _l

CATEGORIES = [
    ("parks", _l("Parks and green spaces")),
    ("transport", _l("Roads, transport and parking")),
    ("housing", _l("Housing")),
    ("safety", _l("Community safety")),
    ("culture", _l("Culture, sport and leisure")),
    ("environment", _l("Environment, waste and recycling")),
    ("young-people", _l("Children and young people")),
    ("care", _l("Health and social care")),
    ("business", _l("Business, jobs and skills")),
    ("digital", _l("Digital services")),
]
CATEGORY_KEYS = {key for key, _label in CATEGORIES}


def category_label(key: str) -> str:
    from app.core.i18n import labels

    return labels("categories", CATEGORIES).get(key, key)


def category_choices() -> list[tuple[str, str]]:
    """(key, label) in the reader's language, for menus."""
    from app.core.i18n import labels

    return list(labels("categories", CATEGORIES).items())
