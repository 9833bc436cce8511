"""Storage, bus, audit log, clock and index adapters: everything that touches the outside."""
