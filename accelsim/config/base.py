"""The base of every config model: frozen, unknown keys rejected, defaults validated."""

from pydantic import BaseModel, ConfigDict


class Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, validate_default=True)
