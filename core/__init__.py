"""The foundation every other package stands on: storage, shared types, model artefacts.

* :mod:`core.storage`: the database (engine, sessions), the declarative ``Base``
  every domain's tables derive from, and the Alembic migration runner;
* :mod:`core.types`: small value types several layers share (the ``Channel`` a
  message came from);
* :mod:`core.artifacts`: versioned model directories, their ``CURRENT`` pointer and
  the provenance file every trained artefact carries.

May import: the standard library and third-party packages only. Every other
package of the project may import it.
"""
