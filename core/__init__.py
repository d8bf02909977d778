"""The foundation every other package stands on: storage, shared types, model artefacts.

* :mod:`core.storage`: the database (engine, sessions), the declarative ``Base``
  every domain's tables derive from, and the Alembic migration runner;
* :mod:`core.types`: small value types several layers share (the ``Channel`` a
  message came from);
* :mod:`core.artifacts`: versioned model directories, their ``CURRENT`` pointer and
  the provenance file every trained artefact carries;
* :mod:`core.aio`: asyncio pieces (run a connection's tasks until the first one ends);
* :mod:`core.accounts`: staff accounts (argon2 hashes, signed-in sessions with a
  CSRF token each, throttled sign-in), shared by the operators' desk and the press
  monitor's verification tool.

May import: the standard library and third-party packages only. Every other
package of the project may import it.
"""
