"""Analysis profiles: the questions asked of a document type, as data files.

A profile is a TOML file (``data/profiles/<name>.toml`` or any path)::

    name = "contract"
    doc_type = "contract"
    description = "..."

    [[questions]]
    id = "governing_law"
    question = "Which law governs the contract, and where are disputes resolved?"
    description = "..."          # optional
    hints = ["governing law", "jurisdiction", "arbitration"]   # optional

    [[questions.fields]]          # the answer fields stage 2 fills
    name = "law"
    type = "string"
    description = "the governing jurisdiction"
"""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from docsieve.errors import ConfigError, nearest
from docsieve.strict import refuse_unknown
from docsieve.types import DocType

FieldType = Literal["string", "number", "integer", "boolean", "date", "list", "enum"]


class AnswerField(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(..., pattern=r"^[a-z][a-z0-9_]*$")
    type: FieldType = "string"
    description: str = ""
    values: list[str] | None = Field(None, description="allowed values for type enum")


class Question(BaseModel):
    model_config = ConfigDict(extra="forbid")

    id: str = Field(..., pattern=r"^[a-z][a-z0-9_]*$")
    question: str
    description: str = ""
    hints: list[str] = Field(default_factory=list)
    fields: list[AnswerField] = Field(default_factory=list)

    @property
    def query_text(self) -> str:
        """The text a scorer matches chunks against."""
        parts = [self.question, self.description, " ".join(self.hints)]
        return " ".join(p for p in parts if p)


class Profile(BaseModel):
    model_config = ConfigDict(extra="forbid")

    schema_version: int = 1
    name: str
    doc_type: DocType
    description: str = ""
    questions: list[Question]

    @field_validator("questions")
    @classmethod
    def _unique_ids(cls, qs: list[Question]) -> list[Question]:
        ids = [q.id for q in qs]
        dupes = {i for i in ids if ids.count(i) > 1}
        if dupes:
            raise ValueError(f"duplicate question ids: {sorted(dupes)}")
        if not qs:
            raise ValueError("a profile needs at least one question")
        return qs

    def question(self, qid: str) -> Question:
        for q in self.questions:
            if q.id == qid:
                return q
        raise ConfigError(f"profile {self.name!r} has no question {qid!r}", profile=self.name)


# -- the shipped profile for each detected type. A spec is read with the rfp questions (a
# -- specification is mostly requirements and scope); a document of no known type is still
# -- analysed, with the generic questions, never skipped (ADR 0002) --
GENERIC_PROFILE = "generic"
_PROFILE_BY_TYPE = {
    DocType.CONTRACT: "contract",
    DocType.NDA: "nda",
    DocType.RFP: "rfp",
    DocType.SPEC: "rfp",
    DocType.OTHER: GENERIC_PROFILE,
}


def profile_name_for(doc_type: DocType) -> str:
    """The name of the shipped profile for a document type."""
    return _PROFILE_BY_TYPE[doc_type]


def available_profiles(data_dir: Path) -> list[str]:
    folder = data_dir / "profiles"
    return sorted(p.stem for p in folder.glob("*.toml")) if folder.is_dir() else []


def load_profile(name_or_path: str | Path, data_dir: Path) -> Profile:
    """Load a shipped profile by name, or a user's profile by path."""
    path = Path(name_or_path)
    if not path.suffix:
        path = data_dir / "profiles" / f"{name_or_path}.toml"
        if not path.is_file():
            guess = nearest(str(name_or_path), available_profiles(data_dir))
            hint = f"did you mean {guess!r}? " if guess else ""
            raise ConfigError(
                f"unknown profile {str(name_or_path)!r}; {hint}shipped profiles: "
                f"{', '.join(available_profiles(data_dir)) or '(none)'}; or pass a .toml path",
                profile=str(name_or_path),
            )
    if not path.is_file():
        raise ConfigError(f"profile file not found: {path}", path=str(path))
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"invalid profile {path}: {exc}", path=str(path)) from exc
    # -- a typo ("hint" for "hints") fails, naming the key it was meant to be --
    refuse_unknown(data, Profile, f"profile {path}", kind="key")
    try:
        return Profile.model_validate(data)
    except ValidationError as exc:
        raise ConfigError(f"invalid profile {path}: {exc}", path=str(path)) from exc
