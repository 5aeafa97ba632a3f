"""Typed analyses of a project: what counts as process-lifetime state, in one place.

Rules are short judgements (severity, wording, the way out) over the answers of the
analyses below. Each analysis is a function of the project decorated with
``statelint.failures.analysis``: it runs once per scan, returns frozen dataclasses,
keeps its result in a table keyed weakly by the project (never as attributes set
on it), and a failure inside it becomes one reported internal error for the rules
that need it.

Where each kind of process-lifetime state is decided:

* Objects that live for the process and the request-time code that changes or reads
  them: the points-to model, ``statelint.semantic`` (``points_to``), whose docstring
  defines process lifetime, request lifetime and process state.
* Request-time uses of module and class state, and each handler's reach:
  ``statelint.state`` (``state_uses``, ``handler_reaches``); start-up code and the
  modules the web workers import: ``state.startup_functions``,
  ``state.web_loaded_modules``; collections of open connections:
  ``state.connection_registries``.
* Memo caches over I/O, decorated functions and module-level mappings:
  ``statelint.analyses.memo`` (``cached_functions``, ``memo_caches``).
* Backends that configuration keeps in the process (caches, sessions, rate limits,
  throttles, channel layers, file storage), with what a setting's value is when
  nothing is configured: ``statelint.analyses.backends`` (``in_process_backends``).
* Background work that a worker starts per request or at start-up (threads,
  executors, schedulers, parked asyncio tasks): ``statelint.analyses.background``
  (``request_background_work``, ``startup_background_work``).
* The application object's own state (``app.state``, ``app.config``, ``app.ctx``,
  Django ``settings``...) read and changed at request time:
  ``statelint.analyses.app_state`` (``app_state_uses``).
* Configuration values and where they come from (environment reads and their
  defaults): ``statelint.config_values``; the I/O a function performs, itself or
  through what it calls: ``statelint.effects``.

The library names each analysis recognises live in the TOML tables beside the rules
(``backends.toml``, ``process_state.toml``, ``effects.toml``, ``apis.toml``), so that
adding a library is a change of data.
"""
