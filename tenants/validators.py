"""The unified social credit code (统一社会信用代码, GB 32100-2015)."""

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"  # 31 characters: no I, O, S, V, Z
USCC_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)


def uscc_check_character(first17: str) -> str:
    total = sum(USCC_ALPHABET.index(c) * w for c, w in zip(first17, USCC_WEIGHTS, strict=True))
    return USCC_ALPHABET[(31 - total % 31) % 31]


def validate_uscc(value: str) -> None:
    """18 characters from the code's alphabet, region digits, and a valid check character."""
    code = value.strip().upper()
    if len(code) != 18:
        raise ValidationError(_("A unified social credit code has 18 characters."), code="uscc_length")
    if any(c not in USCC_ALPHABET for c in code):
        raise ValidationError(
            _("A unified social credit code uses digits and capital letters except I, O, S, V and Z."),
            code="uscc_characters",
        )
    if not code[2:8].isdigit():
        raise ValidationError(
            _("Characters 3 to 8 of a unified social credit code are the region code (digits)."),
            code="uscc_region",
        )
    if uscc_check_character(code[:17]) != code[17]:
        raise ValidationError(
            _("This unified social credit code has a wrong check character; please check it for typos."),
            code="uscc_checksum",
        )
