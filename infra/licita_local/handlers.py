"""What the stdlib ``http.server`` handlers of the fakes share (PNCP fake, the test LLM servers)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, ClassVar


class VerbDispatch:
    """Defines ``do_<VERB>`` for each verb in ``VERBS``, all routed to ``handle_verb(verb)``.

    ``BaseHTTPRequestHandler`` looks ``do_<VERB>`` up by name, so a verb left out of ``VERBS`` stays a 501.
    Mix it in before ``BaseHTTPRequestHandler``.
    """

    VERBS: ClassVar[tuple[str, ...]] = ()

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        for verb in cls.VERBS:
            setattr(cls, f"do_{verb}", _route(verb))

    def handle_verb(self, verb: str) -> None:
        raise NotImplementedError


def _route(verb: str) -> Callable[[VerbDispatch], None]:
    def do(self: VerbDispatch) -> None:
        self.handle_verb(verb)

    do.__name__ = f"do_{verb}"
    return do
