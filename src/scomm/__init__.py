"""scomm: a reference implementation of Secure Communities on synthetic people.

The package follows ../shared/DESIGN.md: ``domain`` holds pure types and rules, ``policy`` the
versioned rulebooks, ``biometrics`` the fingerprint engine, ``agencies`` one handler module per
actor, ``oversight`` the reports, ``sim`` the synthetic nation (the only holder of ground truth),
``adapters`` storage, bus, audit and clock, ``entrypoints`` the CLI.
"""

__version__ = "0.1.0"
