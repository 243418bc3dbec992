"""Password rules: the seed's default password and the strength a chosen password must have."""

from __future__ import annotations

MIN_LENGTH = 8
MAX_LENGTH = 128
_CLASSES = (str.islower, str.isupper, str.isdigit)


def default_password(id_number: str) -> str:
    """The seeds' default password: the last six characters of the ID number (``X`` upper-cased)."""
    cleaned = id_number.strip().upper()
    if len(cleaned) < 6:
        raise ValueError("an ID number has at least six characters")
    return cleaned[-6:]


def strength_problems(password: str, *, username: str = "", old_password: str | None = None) -> list[str]:
    """Why ``password`` is too weak, in Chinese (empty when it is acceptable).

    The rule: 8–128 characters, at least three of lower-case letters, upper-case letters, digits and
    other characters, not containing the username, and not the previous password.
    """
    problems: list[str] = []
    if len(password) < MIN_LENGTH:
        problems.append(f"密码至少 {MIN_LENGTH} 位")
    if len(password) > MAX_LENGTH:
        problems.append(f"密码最多 {MAX_LENGTH} 位")
    kinds = sum(any(test(c) for c in password) for test in _CLASSES)
    kinds += any(not c.isalnum() for c in password)
    if kinds < 3:
        problems.append("密码须包含大写字母、小写字母、数字、符号中的至少三类")
    if username and len(username) >= 3 and username.lower() in password.lower():
        problems.append("密码不能包含用户名")
    if old_password is not None and password == old_password:
        problems.append("新密码不能与原密码相同")
    return problems
