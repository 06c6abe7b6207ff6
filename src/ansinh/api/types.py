"""Types the API's inputs share."""

from __future__ import annotations

import datetime as dt
import re
from typing import Annotated, Any

from ninja import Schema
from pydantic import BeforeValidator, ModelWrapValidatorHandler, ValidationInfo, model_validator

_ISO_DAY = re.compile(r"\d{4}-\d{2}-\d{2}")


def _iso_day(value: Any) -> Any:
    """Only a calendar date written YYYY-MM-DD: pydantic would also read a number as seconds since 1970, so
    ``?on=0`` would silently mean 1 January 1970."""
    if isinstance(value, dt.date) or (isinstance(value, str) and _ISO_DAY.fullmatch(value)):
        return value
    raise ValueError("a date is written YYYY-MM-DD")


Day = Annotated[dt.date, BeforeValidator(_iso_day)]


class In(Schema):
    """An input body, or a part of one: a JSON object and nothing else. ninja's Schema reads any value by its
    attributes (so that an answer can be drawn from a model), so without this a list, a string or a number sent
    as a body would pass as an object with every field left out: ``PATCH [null, null]`` changed nothing and
    answered 200."""

    @model_validator(mode="wrap")
    @classmethod
    def _run_root_validator(
        cls, values: Any, handler: ModelWrapValidatorHandler, info: ValidationInfo
    ) -> Any:
        if not isinstance(values, dict):
            raise ValueError("a JSON object is expected")
        return handler(values)
