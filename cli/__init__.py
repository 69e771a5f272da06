"""The ``influence`` command-line interface (installed as :mod:`influence.cli`).

A thin layer over the library: each command parses its arguments, calls one library function
and renders the result with :mod:`influence.io.render`. Errors of the library
(:class:`~influence.errors.InfluenceError`) are caught once, in the root group's ``main``.
"""
