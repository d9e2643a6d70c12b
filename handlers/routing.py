"""Decorators that record handlers, and build a fresh Router per Dispatcher.

aiogram's module-level ``router = Router()`` can be attached to one Dispatcher only, which
means one per process; the tests (and a restart inside one process) build several. Here a
module declares ``routes = Routes("name")`` and decorates with ``@routes.message(...)`` as
usual; :meth:`Routes.build` makes the Router when the Dispatcher is made.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from aiogram import Router

Handler = TypeVar("Handler", bound=Callable[..., Any])


class Routes:
    def __init__(self, name: str) -> None:
        self.name = name
        self._handlers: list[tuple[str, Callable[..., Any], tuple[Any, ...], dict[str, Any]]] = []

    def _record(self, event: str, *filters: Any, **kwargs: Any) -> Callable[[Handler], Handler]:
        def decorator(handler: Handler) -> Handler:
            self._handlers.append((event, handler, filters, kwargs))
            return handler

        return decorator

    def message(self, *filters: Any, **kwargs: Any) -> Callable[[Handler], Handler]:
        return self._record("message", *filters, **kwargs)

    def callback_query(self, *filters: Any, **kwargs: Any) -> Callable[[Handler], Handler]:
        return self._record("callback_query", *filters, **kwargs)

    def errors(self, *filters: Any, **kwargs: Any) -> Callable[[Handler], Handler]:
        return self._record("error", *filters, **kwargs)

    def build(self) -> Router:
        router = Router(name=self.name)
        for event, handler, filters, kwargs in self._handlers:
            router.observers[event].register(handler, *filters, **kwargs)
        return router
