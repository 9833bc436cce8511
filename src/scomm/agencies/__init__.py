"""One module per actor of the flow. Each handler is a plain function ``(message, uow, services)``.

Handlers read only their own tables and what arrives in the message (or the shared dossier),
write their own tables, audit every read and write of a person's record, and emit the next
message through the outbox.
"""
