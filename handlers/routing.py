"""Decorators that record handlers, and build a fresh Router per Dispatcher.

aiogram's module-level ``router = Router()`` can be attached to one Dispatcher only, which
means one per process; the tests (and a restart inside one process) build several. Here a
module declares ``routes = Routes("name")`` and decorates with ``@routes.message(...)`` as
usual; :meth:`Routes.build` makes the Router when the Dispatcher is made.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
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


def run_filters_inline(router: Router) -> int:
    """Call every synchronous filter under ``router`` in the event loop, as the async ones.

    aiogram runs a filter that is not a coroutine function (a magic ``F`` filter, a plain
    function) through ``asyncio.to_thread``: a thread pool hop per filter per update, seven or
    so per update of the registration (``python -m bench.registration --profile``). The
    filters here are pure checks of the update that take microseconds, so the hop only costs.
    Returns how many filters changed (aiogram's ``CallableObject`` keeps the original's
    parameters, so it still hands each filter only the arguments it names).
    """
    changed = 0
    for node in router.chain_tail:
        for observer in node.observers.values():
            for handler in [observer._handler, *observer.handlers]:
                for event_filter in handler.filters or ():
                    if not event_filter.awaitable:
                        event_filter.callback = _in_loop(event_filter.callback)
                        event_filter.awaitable = True
                        changed += 1
    return changed


def _in_loop(check: Callable[..., Any]) -> Callable[..., Awaitable[Any]]:
    async def inline(*args: Any, **kwargs: Any) -> Any:
        return check(*args, **kwargs)

    return inline
