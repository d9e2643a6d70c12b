"""Support code shared by the tests and the benchmarks (``bench/``), imported as a module so that
``conftest.py`` holds fixtures only.

- ``stand_in``: the stand-in Telegram Bot API server (real HTTP on 127.0.0.1);
- ``people``: people talking to the bot through it (``send()``, ``click()``);
- ``running``: the real bot polling the stand-in, events to feed it, the questionnaire's answers;
- ``process``: ``python -m bot`` in a child process;
- ``broadcast``, ``coord``, ``faults``, ``flood``, ``reminders``: helpers of one feature's tests.
"""
