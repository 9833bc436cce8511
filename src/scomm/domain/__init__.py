"""Pure types and rules. Nothing here performs I/O or reads the wall clock."""
