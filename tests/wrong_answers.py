"""Wrong answers for every exercise, keyed by exercise id: each must be rejected."""

from __future__ import annotations

from tests.wrong_answers_perceptron import WRONG as _PERCEPTRON
from tests.wrong_answers_welcome import WRONG as _WELCOME

WRONG_ANSWERS = {**_WELCOME, **_PERCEPTRON}
